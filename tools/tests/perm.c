// SPDX-License-Identifier: GPL-2.0
/*
 * perm: the node's owner and mode decide who may use an object.  A child
 * drops to uid/gid 65534 and checks:
 *  - mode 0600 (the default): no open at all (EACCES), so no data;
 *  - mode 0644: open read-only, STAT and mmap PROT_READ work and show the
 *    data; open for writing, mmap PROT_WRITE MAP_SHARED, mprotect to
 *    writable (EACCES) and FLUSH/DETACH on the read-only fd (EBADF) fail;
 *  - mode 0666: it may write, and the owner sees it;
 *  - /dev/aobj is 0666: it creates its own object, owned by 65534.
 */
#include "aobjtest.h"

#include <grp.h>

#define OBJ_SIZE	(1UL << 20)
#define NOBODY		65534

static void drop_privileges(void)
{
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY)) {
		printf("#   cannot drop privileges: %s\n", strerror(errno));
		_exit(1);
	}
	if (!t_check(geteuid() == NOBODY && getegid() == NOBODY,
		     "child runs as %d:%d", NOBODY, NOBODY))
		_exit(1);
	/* /dev/aobj is promised 0666: anyone may open it read-write.  (An
	 * initramfs whose / or /dev is not searchable fails here as well.) */
	if (!t_check(!access(T_CTL, R_OK | W_OK), "uid %d may open %s read-write",
		     NOBODY, T_CTL)) {
		struct stat st;

		t_diag("access: %s", strerror(errno));
		if (!stat(T_CTL, &st))
			t_diag("%s: mode %#o, owner %u:%u", T_CTL,
			       st.st_mode & 07777, st.st_uid, st.st_gid);
		if (!stat("/", &st))
			t_diag("/: mode %#o", st.st_mode & 07777);
		if (!stat("/dev", &st))
			t_diag("/dev: mode %#o", st.st_mode & 07777);
		_exit(1);
	}
}

static void child_0600(unsigned int id)
{
	int fd;

	errno = 0;
	fd = t_open(id, O_RDONLY);
	t_check_errno(fd, errno, EACCES, "0600: open O_RDONLY -> EACCES");
	if (fd >= 0) {
		/* It should not have opened; see whether the data leaks. */
		unsigned char *p = t_map(fd, OBJ_SIZE, PROT_READ);
		ssize_t bad;

		if (p != MAP_FAILED)
			t_check(t_verify(p, OBJ_SIZE, 1, 0, &bad) != 0,
				"0600: the data cannot be read");
		close(fd);
	}
	errno = 0;
	fd = t_open(id, O_RDWR);
	t_check_errno(fd, errno, EACCES, "0600: open O_RDWR -> EACCES");
	if (fd >= 0)
		close(fd);
	errno = 0;
	fd = t_open(id, O_WRONLY);
	t_check_errno(fd, errno, EACCES, "0600: open O_WRONLY -> EACCES");
	if (fd >= 0)
		close(fd);
}

static void child_0644(unsigned int id)
{
	struct aobj_info info;
	unsigned char *p;
	ssize_t bad;
	void *q;
	int fd;

	errno = 0;
	fd = t_open(id, O_RDWR);
	t_check_errno(fd, errno, EACCES, "0644: open O_RDWR -> EACCES");
	if (fd >= 0)
		close(fd);
	fd = t_open(id, O_RDONLY);
	if (!t_check(fd >= 0, "0644: open O_RDONLY works")) {
		t_diag("open: %s", strerror(errno));
		return;
	}
	if (t_check(!t_stat(fd, &info), "0644: STAT on the read-only fd")) {
		t_check(info.uid == 0 && info.mode == 0644,
			"0644: STAT shows owner 0 and mode 0644 (got %u, %#o)",
			info.uid, info.mode);
	}
	p = t_map(fd, OBJ_SIZE, PROT_READ);
	if (t_check(p != MAP_FAILED, "0644: mmap PROT_READ works")) {
		t_check(t_verify(p, OBJ_SIZE, 1, 0, &bad) == 0,
			"0644: the data is readable");
		errno = 0;
		T_ERRNO(mprotect(p, OBJ_SIZE, PROT_READ | PROT_WRITE), EACCES,
			      "0644: mprotect to PROT_WRITE -> EACCES");
	}
	errno = 0;
	q = t_map(fd, OBJ_SIZE, PROT_READ | PROT_WRITE);
	t_check_errno(q == MAP_FAILED ? -1 : 0, errno, EACCES,
		      "0644: mmap PROT_WRITE MAP_SHARED -> EACCES");
	if (q != MAP_FAILED) {
		memset(q, 0xee, t_pagesize);	/* the parent will notice */
		munmap(q, OBJ_SIZE);
	}
	errno = 0;
	T_ERRNO(t_flush(fd, AOBJ_FLUSH_FREE, 0, 0), EBADF,
		      "0644: FLUSH FREE on the read-only fd -> EBADF");
	errno = 0;
	T_ERRNO(t_detach_fd(fd), EBADF,
		      "0644: DETACH on the read-only fd -> EBADF");
	if (p != MAP_FAILED) {
		t_check(t_verify(p, OBJ_SIZE, 1, 0, &bad) == 0,
			"0644: data intact after the refused calls");
		munmap(p, OBJ_SIZE);
	}
	close(fd);
}

static void child_0666(unsigned int id)
{
	unsigned char *p;
	int fd;

	fd = t_open(id, O_RDWR);
	if (!t_check(fd >= 0, "0666: open O_RDWR works")) {
		t_diag("open: %s", strerror(errno));
		return;
	}
	p = t_map(fd, OBJ_SIZE, PROT_READ | PROT_WRITE);
	if (t_check(p != MAP_FAILED, "0666: mmap PROT_WRITE works")) {
		t_fill(p, OBJ_SIZE, 2);
		munmap(p, OBJ_SIZE);
	}
	close(fd);
}

static void child_create(void)
{
	struct aobj_info info;
	char path[32];
	struct stat st;
	unsigned int id;
	int err, fd;

	err = t_create_raw(OBJ_SIZE, 0, 0, &id);
	if (!t_check(!err, "unprivileged create through /dev/aobj")) {
		t_diag("create: %s", strerror(-err));
		return;
	}
	t_node_path(path, sizeof(path), id);
	if (!t_check(!stat(path, &st), "its node exists"))
		t_diag("stat %s: %s", path, strerror(errno));
	else
		t_check(st.st_uid == NOBODY && st.st_gid == NOBODY &&
			(st.st_mode & 07777) == 0600,
			"node owned by %d:%d with mode 0600 (got %u:%u %#o)",
			NOBODY, NOBODY, st.st_uid, st.st_gid,
			st.st_mode & 07777);
	fd = t_open(id, O_RDWR);
	if (t_check(fd >= 0, "owner opens its node O_RDWR")) {
		if (T_STAT(fd, &info))
			t_check(info.uid == NOBODY && info.gid == NOBODY,
				"STAT uid/gid %d (got %u/%u)", NOBODY,
				info.uid, info.gid);
		t_check(!t_detach_fd(fd), "owner detaches its object");
		close(fd);
	}
}

int main(void)
{
	unsigned int id600, id644, id666;
	unsigned char *p;
	ssize_t bad;
	pid_t pid;
	int fd;

	t_init("perm", true, 60);

	id600 = t_create(OBJ_SIZE, 0, 0);
	id644 = t_create(OBJ_SIZE, 0, 0644);
	id666 = t_create(OBJ_SIZE, 0, 0666);
	/* The same data in all three. */
	{
		unsigned int ids[3] = { id600, id644, id666 }, i;

		for (i = 0; i < 3; i++) {
			fd = t_open_or_bail(ids[i], O_RDWR);
			p = t_map(fd, OBJ_SIZE, PROT_READ | PROT_WRITE);
			if (p == MAP_FAILED)
				t_bail("mmap: %s", strerror(errno));
			t_fill(p, OBJ_SIZE, 1);
			munmap(p, OBJ_SIZE);
			close(fd);
		}
	}

	pid = t_fork();
	if (!pid) {
		drop_privileges();
		child_0600(id600);
		child_0644(id644);
		child_0666(id666);
		child_create();
		t_child_exit();
	}
	t_wait(pid, "unprivileged child's checks passed");

	/* The owner's view afterwards. */
	fd = t_open_or_bail(id644, O_RDONLY);
	p = t_map(fd, OBJ_SIZE, PROT_READ);
	if (p != MAP_FAILED) {
		T_EQ(t_verify(p, OBJ_SIZE, 1, 0, &bad), 0,
		     "0644 object unchanged by the other user");
		munmap(p, OBJ_SIZE);
	}
	close(fd);
	fd = t_open_or_bail(id666, O_RDONLY);
	p = t_map(fd, OBJ_SIZE, PROT_READ);
	if (p != MAP_FAILED) {
		T_EQ(t_verify(p, OBJ_SIZE, 2, 0, &bad), 0,
		     "0666 object has the other user's writes");
		munmap(p, OBJ_SIZE);
	}
	close(fd);

	T_EQ(t_detach(id600), 0, "DETACH 0600 object");
	T_EQ(t_detach(id644), 0, "DETACH 0644 object");
	T_EQ(t_detach(id666), 0, "DETACH 0666 object");
	return t_done();
}
