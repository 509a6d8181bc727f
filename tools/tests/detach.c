// SPDX-License-Identifier: GPL-2.0
/*
 * detach: DETACH while the object is mapped and open.  The node and the
 * sysfs directory go away at once; the mapping keeps working (old data,
 * new faults, writes); the open fd can STAT but not mmap (EIDRM) nor
 * DETACH again (EIDRM); after munmap and close every page is freed and
 * the global objects/resident_pages counters are back where they started.
 */
#include "aobjtest.h"

#define OBJ_SIZE	(2UL << 20)

static bool in_list(unsigned int id, struct aobj_info *out)
{
	struct aobj_info ents[256];
	struct aobj_list l = {
		.size = sizeof(l), .count = 256, .entry_size = sizeof(ents[0]),
		.entries = (uintptr_t)ents,
	};
	unsigned int i;

	if (ioctl(t_ctl_fd(), AOBJ_IOC_LIST, &l))
		t_bail("LIST: %s", strerror(errno));
	for (i = 0; i < l.count && i < 256; i++)
		if (ents[i].id == id) {
			if (out)
				*out = ents[i];
			return true;
		}
	return false;
}

/* Case 1: mapped and open through the same fd, detached through it. */
static void detach_mapped(void)
{
	long long objects0 = t_gstat("objects"), res0 = t_gstat("resident_pages");
	size_t pages, half = OBJ_SIZE / 2;
	struct aobj_info info;
	char path[32], sys[64];
	unsigned char *p;
	unsigned int id;
	ssize_t bad;
	void *q;
	int fd;

	pages = OBJ_SIZE / t_pagesize;
	id = t_create(OBJ_SIZE, 0, 0);
	t_node_path(path, sizeof(path), id);
	snprintf(sys, sizeof(sys), T_CLASS "aobj%u", id);
	fd = t_open_or_bail(id, O_RDWR);
	p = t_map(fd, OBJ_SIZE, PROT_READ | PROT_WRITE);
	if (p == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	t_fill(p, half, 7);	/* first half only */

	T_EQ(t_detach_fd(fd), 0, "DETACH while mapped and open");
	t_untrack(id);
	t_check(!t_exists(path), "%s is gone after DETACH", path);
	t_check(!t_exists(sys), "%s is gone after DETACH", sys);
	T_EQ(t_gstat("objects"), objects0 + 1, "object still counted while mapped");

	T_EQ(t_verify(p, half, 7, 0, &bad), 0,
	     "mapping still shows the data after DETACH");
	bad = t_first_nonzero(p + half, half);
	t_check(bad < 0, "untouched half still reads as zeros (new faults work)");
	t_fill(p, OBJ_SIZE, 8);
	T_EQ(t_verify(p, OBJ_SIZE, 8, 0, &bad), 0,
	     "writes after DETACH read back");

	if (t_check(!t_stat(fd, &info), "STAT through the open fd after DETACH")) {
		t_check(info.flags & AOBJ_INFO_DETACHED, "STAT flags has DETACHED");
		T_EQ(info.refs, 2, "STAT refs: fd + mapping, no creation ref");
		T_EQ(info.resident, pages, "STAT resident after touching all");
	}
	if (t_check(in_list(id, &info), "detached object still in LIST"))
		t_check(info.flags & AOBJ_INFO_DETACHED,
			"LIST entry has DETACHED");

	errno = 0;
	T_ERRNO(t_detach_fd(fd), EIDRM, "second DETACH -> EIDRM");
	q = mmap(NULL, t_pagesize, PROT_READ, MAP_SHARED, fd, 0);
	t_check_errno(q == MAP_FAILED ? -1 : 0, errno, EIDRM,
		      "mmap through the open fd after DETACH -> EIDRM");
	if (q != MAP_FAILED)
		munmap(q, t_pagesize);
	errno = 0;
	T_ERRNO(open(path, O_RDWR), ENOENT,
		      "open of the removed node -> ENOENT");
	/* FLUSH still works on the fd. */
	T_EQ(t_flush(fd, AOBJ_FLUSH_FREE, 0, t_pagesize), 0,
	     "FLUSH FREE through the fd after DETACH");
	bad = t_first_nonzero(p, t_pagesize);
	t_check(bad < 0, "freed page reads as zeros after DETACH");

	/* munmap first: the fd still holds it. */
	munmap(p, OBJ_SIZE);
	T_EQ(t_gstat("objects"), objects0 + 1, "object alive while the fd is open");
	if (T_STAT(fd, &info))
		T_EQ(info.refs, 1, "STAT refs: the fd only");
	close(fd);
	T_EQ(t_gstat("objects"), objects0, "objects counter back to start");
	T_EQ(t_gstat("resident_pages"), res0, "resident_pages back to start");
	t_check(!in_list(id, NULL), "freed object not in LIST");
}

/* Case 2: detach through another fd; the fd is closed before the mapping. */
static void detach_other_fd(void)
{
	long long objects0 = t_gstat("objects"), res0 = t_gstat("resident_pages");
	unsigned char *p;
	unsigned int id;
	ssize_t bad;
	int fd, fd2;
	pid_t pid;

	id = t_create(OBJ_SIZE, 0, 0);
	fd = t_open_or_bail(id, O_RDONLY);
	p = t_map(fd, OBJ_SIZE, PROT_READ);
	if (!t_check(p != MAP_FAILED, "mmap PROT_READ MAP_SHARED of a read-only fd")) {
		t_diag("mmap: %s; going on with a read-write fd", strerror(errno));
		close(fd);
		fd = t_open_or_bail(id, O_RDWR);
		p = t_map(fd, OBJ_SIZE, PROT_READ);
		if (p == MAP_FAILED)
			t_bail("mmap: %s", strerror(errno));
	}
	close(fd);	/* the mapping alone keeps it */
	/* A child maps it too and keeps its mapping across the DETACH. */
	fd = t_open_or_bail(id, O_RDWR);
	pthread_barrier_t *b = t_barrier_new(2);
	pid = t_fork();
	if (!pid) {
		unsigned char *c = t_map(fd, OBJ_SIZE, PROT_READ | PROT_WRITE);

		close(fd);
		if (!t_check(c != MAP_FAILED, "child maps"))
			_exit(1);
		t_fill(c, OBJ_SIZE, 9);
		pthread_barrier_wait(b);	/* parent detaches */
		pthread_barrier_wait(b);
		t_fill(c, OBJ_SIZE, 10);
		pthread_barrier_wait(b);	/* parent checks */
		pthread_barrier_wait(b);
		munmap(c, OBJ_SIZE);
		t_child_exit();
	}
	close(fd);
	pthread_barrier_wait(b);
	fd2 = t_open_or_bail(id, O_RDWR);
	T_EQ(t_detach_fd(fd2), 0, "DETACH through a second fd");
	t_untrack(id);
	close(fd2);
	T_EQ(t_verify(p, OBJ_SIZE, 9, 0, &bad), 0,
	     "read-only mapping shows the child's data after DETACH");
	pthread_barrier_wait(b);
	pthread_barrier_wait(b);	/* child wrote again */
	T_EQ(t_verify(p, OBJ_SIZE, 10, 0, &bad), 0,
	     "child's writes after DETACH visible to the parent");
	pthread_barrier_wait(b);
	t_wait(pid, "child's checks passed");
	T_EQ(t_gstat("objects"), objects0 + 1, "alive while the parent maps it");
	munmap(p, OBJ_SIZE);
	T_EQ(t_gstat("objects"), objects0, "objects back after the last munmap");
	T_EQ(t_gstat("resident_pages"), res0,
	     "resident_pages back after the last munmap");
	munmap(b, sizeof(*b));
}

/* Case 3: detach with nothing open or mapped frees at once. */
static void detach_idle(void)
{
	long long objects0 = t_gstat("objects"), res0 = t_gstat("resident_pages");
	unsigned int id = t_create(OBJ_SIZE, 0, 0);
	unsigned char *p;
	int fd;

	fd = t_open_or_bail(id, O_RDWR);
	p = t_map(fd, OBJ_SIZE, PROT_READ | PROT_WRITE);
	if (p == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	t_fill(p, OBJ_SIZE, 11);
	munmap(p, OBJ_SIZE);
	close(fd);
	T_EQ(t_gstat("resident_pages"), res0 + (long long)(OBJ_SIZE / t_pagesize),
	     "pages stay resident with nothing mapped");
	T_EQ(t_detach(id), 0, "DETACH of an idle object");
	T_EQ(t_gstat("objects"), objects0, "idle object freed at DETACH");
	T_EQ(t_gstat("resident_pages"), res0, "its pages freed at DETACH");
}

int main(void)
{
	t_init("detach", false, 60);
	detach_mapped();
	detach_other_fd();
	detach_idle();
	return t_done();
}
