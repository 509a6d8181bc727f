// SPDX-License-Identifier: GPL-2.0
/*
 * basic: create an object, check its node and sysfs directory, mmap it,
 * write and read it back, and check what STAT, sysfs and the global
 * counters say about it.
 */
#include "aobjtest.h"

#define OBJ_SIZE	(4UL << 20)

static void check_node(unsigned int id, mode_t mode, const char *what)
{
	char path[32];
	struct stat st;

	t_node_path(path, sizeof(path), id);
	if (!t_check(!stat(path, &st), "%s: %s exists", what, path)) {
		t_diag("stat: %s", strerror(errno));
		return;
	}
	t_check(S_ISCHR(st.st_mode), "%s: node is a character device", what);
	T_EQ(st.st_mode & 07777, mode, "%s: node mode is %#o", what, mode);
	T_EQ(st.st_uid, geteuid(), "%s: node owned by our uid", what);
	T_EQ(st.st_gid, getegid(), "%s: node group is our gid", what);
	T_EQ(minor(st.st_rdev), id, "%s: node minor is the id", what);
}

static void check_sysfs(unsigned int id, long long size, long long resident,
			long long refs, long long noswap, const char *what)
{
	long long v = 0;
	int err;

	err = t_ostat(id, "size", &v);
	if (t_check(!err, "%s: sysfs size readable", what))
		T_EQ(v, size, "%s: sysfs size", what);
	else
		t_diag("read: %s", strerror(-err));
	if (!t_ostat(id, "resident", &v))
		T_EQ(v, resident, "%s: sysfs resident", what);
	else
		t_check(false, "%s: sysfs resident readable", what);
	if (!t_ostat(id, "swapped", &v))
		T_EQ(v, 0, "%s: sysfs swapped", what);
	else
		t_check(false, "%s: sysfs swapped readable", what);
	if (!t_ostat(id, "refs", &v))
		T_EQ(v, refs, "%s: sysfs refs", what);
	else
		t_check(false, "%s: sysfs refs readable", what);
	if (!t_ostat(id, "noswap", &v))
		T_EQ(v, noswap, "%s: sysfs noswap", what);
	else
		t_check(false, "%s: sysfs noswap readable", what);
}

int main(void)
{
	size_t pages = OBJ_SIZE / 4096, touched, i;
	long long objects0, resident0, zero0;
	struct aobj_info info;
	unsigned int id, id2;
	unsigned char *p, *q;
	ssize_t bad;
	int fd, fd2;

	t_init("basic", false, 60);
	pages = OBJ_SIZE / t_pagesize;

	objects0 = t_gstat("objects");
	resident0 = t_gstat("resident_pages");
	zero0 = t_gstat("faults_zero");

	/* Create with the default mode. */
	id = t_create(OBJ_SIZE, 0, 0);
	t_check(true, "create %lu bytes: id %u", OBJ_SIZE, id);
	T_EQ(t_gstat("objects"), objects0 + 1, "global objects counter +1");
	check_node(id, 0600, "mode 0");
	check_sysfs(id, OBJ_SIZE, 0, 1, 0, "fresh object");

	fd = t_open_or_bail(id, O_RDWR);
	if (t_check(!t_stat(fd, &info), "STAT on the node")) {
		T_EQ(info.id, id, "STAT id");
		T_EQ(info.length, OBJ_SIZE, "STAT length");
		T_EQ(info.resident, 0, "STAT resident of a fresh object");
		T_EQ(info.swapped, 0, "STAT swapped");
		T_EQ(info.refs, 2, "STAT refs: creation + open fd");
		T_EQ(info.uid, geteuid(), "STAT uid");
		T_EQ(info.gid, getegid(), "STAT gid");
		T_EQ(info.mode, 0600, "STAT mode (0 means 0600)");
		T_EQ(info.flags, 0, "STAT flags");
		T_EQ(info.__reserved, 0, "STAT reserved is zero");
	} else {
		t_diag("STAT: %s", strerror(errno));
	}

	/* Map it: fresh pages read as zero. */
	p = t_map(fd, OBJ_SIZE, PROT_READ | PROT_WRITE);
	if (p == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	t_check(true, "mmap MAP_SHARED of the whole object");
	if (T_STAT(fd, &info))
		T_EQ(info.refs, 3, "STAT refs: creation + fd + mapping");
	bad = t_first_nonzero(p, OBJ_SIZE);
	if (!t_check(bad < 0, "fresh object reads as zeros"))
		t_diag("byte %zd is %#x", bad, p[bad]);
	if (T_STAT(fd, &info))
		T_EQ(info.resident, pages, "reading every page made it resident");
	t_check(t_gstat("faults_zero") >= zero0 + (long long)pages,
		"faults_zero grew by at least the page count");
	T_EQ(t_gstat("resident_pages"), resident0 + (long long)pages,
	     "global resident_pages grew by the page count");

	/* Write a pattern, read it back through a second mapping. */
	t_fill(p, OBJ_SIZE, 1);
	q = t_map(fd, OBJ_SIZE, PROT_READ);
	if (q == MAP_FAILED)
		t_bail("second mmap: %s", strerror(errno));
	T_EQ(t_verify(q, OBJ_SIZE, 1, 0, &bad), 0,
	     "pattern reads back through a second mapping");
	T_EQ(t_verify(p, OBJ_SIZE, 1, 0, &bad), 0,
	     "pattern reads back through the first mapping");
	if (T_STAT(fd, &info))
		T_EQ(info.refs, 4, "STAT refs with two mappings");
	check_sysfs(id, OBJ_SIZE, pages, 4, 0, "mapped twice");

	/* A mapping of part of the object, at an offset. */
	munmap(q, OBJ_SIZE);
	q = mmap(NULL, 2 * t_pagesize, PROT_READ, MAP_SHARED, fd,
		 5 * t_pagesize);
	if (t_check(q != MAP_FAILED, "mmap of 2 pages at page offset 5")) {
		T_EQ(t_verify(q, 2 * t_pagesize, 1, 5 * t_pagesize, &bad), 0,
		     "offset mapping shows pages 5 and 6");
		munmap(q, 2 * t_pagesize);
	} else {
		t_diag("mmap: %s", strerror(errno));
	}
	/* Last page alone. */
	q = mmap(NULL, t_pagesize, PROT_READ, MAP_SHARED, fd,
		 OBJ_SIZE - t_pagesize);
	if (t_check(q != MAP_FAILED, "mmap of the last page")) {
		T_EQ(t_verify(q, t_pagesize, 1, OBJ_SIZE - t_pagesize, &bad), 0,
		     "last page has the pattern");
		munmap(q, t_pagesize);
	}

	/* The data survives closing every fd and mapping (creation ref). */
	munmap(p, OBJ_SIZE);
	close(fd);
	check_sysfs(id, OBJ_SIZE, pages, 1, 0, "unmapped and closed");
	fd = t_open_or_bail(id, O_RDWR);
	p = t_map(fd, OBJ_SIZE, PROT_READ);
	if (p == MAP_FAILED)
		t_bail("mmap again: %s", strerror(errno));
	T_EQ(t_verify(p, OBJ_SIZE, 1, 0, &bad), 0,
	     "data kept while nothing maps the object");
	munmap(p, OBJ_SIZE);

	/* read() sees what the mapping wrote (tools/tests/fileio.c has more). */
	{
		uint64_t w = 0;

		T_EQ(pread(fd, &w, sizeof(w), 0), sizeof(w),
		     "pread() on an object node reads");
		T_EQ(w, t_pattern(0, 0, 1), "pread() sees the data written through mmap");
	}

	/* The object is in LIST. */
	{
		struct aobj_info ents[64];
		struct aobj_list l = {
			.size = sizeof(l), .count = 64,
			.entry_size = sizeof(ents[0]),
			.entries = (uintptr_t)ents,
		};
		bool found = false;

		if (t_check(!ioctl(t_ctl_fd(), AOBJ_IOC_LIST, &l), "LIST")) {
			for (i = 0; i < l.count && i < 64; i++)
				if (ents[i].id == id) {
					found = true;
					T_EQ(ents[i].length, OBJ_SIZE,
					     "LIST entry length");
					T_EQ(ents[i].resident, pages,
					     "LIST entry resident");
					T_EQ(ents[i].mode, 0600, "LIST entry mode");
				}
			t_check(found || l.count > 64, "object is in LIST");
		}
	}

	/* NOSWAP, mode 0640, size 1 (one page). */
	touched = 0;
	id2 = t_create(1, AOBJ_CREATE_NOSWAP, 0640);
	check_node(id2, 0640, "mode 0640");
	check_sysfs(id2, t_pagesize, 0, 1, 1, "noswap 1-byte object");
	fd2 = t_open_or_bail(id2, O_RDWR);
	if (T_STAT(fd2, &info)) {
		T_EQ(info.flags, AOBJ_INFO_NOSWAP, "STAT flags: NOSWAP");
		T_EQ(info.length, t_pagesize, "1 byte rounds up to a page");
		T_EQ(info.mode, 0640, "STAT mode 0640");
	}
	q = t_map(fd2, t_pagesize, PROT_READ | PROT_WRITE);
	if (t_check(q != MAP_FAILED, "mmap of the one-page object")) {
		memset(q, 0x5a, t_pagesize);
		touched = 1;
		T_EQ(q[t_pagesize - 1], 0x5a, "write/read of the one page");
		munmap(q, t_pagesize);
	}
	if (T_STAT(fd2, &info))
		T_EQ(info.resident, touched, "one page resident");
	close(fd2);
	t_check(id2 != id, "ids are distinct");
	T_EQ(t_gstat("objects"), objects0 + 2, "global objects counter +2");

	/* Detach both; counters come back. */
	T_EQ(t_detach_fd(fd), 0, "DETACH the first object");
	t_untrack(id);
	close(fd);
	T_EQ(t_detach(id2), 0, "DETACH the second object");
	T_EQ(t_gstat("objects"), objects0, "objects counter back to start");
	T_EQ(t_gstat("resident_pages"), resident0,
	     "resident_pages back to start");
	{
		char path[32];

		t_node_path(path, sizeof(path), id);
		t_check(!t_exists(path), "node gone after DETACH");
	}
	return t_done();
}
