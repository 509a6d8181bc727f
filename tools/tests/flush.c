// SPDX-License-Identifier: GPL-2.0
/*
 * flush: FLUSH FREE zeroes exactly its range, for every mapping (also one
 * in another process) and frees the pages; length 0 means to the end;
 * DEACTIVATE keeps the data; CLEAN without swap fails with ENOSPC; FLUSH
 * needs an fd opened for writing (EBADF).
 */
#include "aobjtest.h"

#define OBJ_PAGES	256

static size_t obj_size;

/* Check that [0, obj_size) has the pattern outside [zs, ze) and zeros in it. */
static void check_range(const unsigned char *p, size_t zs, size_t ze,
			uint64_t seed, const char *what)
{
	ssize_t bad;
	size_t n;

	n = t_verify(p, zs, seed, 0, &bad);
	if (!t_check(n == 0, "%s: data before the range kept", what))
		t_diag("%zu bad words, first at byte %zd", n, bad);
	bad = t_first_nonzero(p + zs, ze - zs);
	if (!t_check(bad < 0, "%s: range [%#zx, %#zx) reads as zeros", what,
		     zs, ze))
		t_diag("byte %#zx is %#x", zs + bad, p[zs + bad]);
	n = t_verify(p + ze, obj_size - ze, seed, ze, &bad);
	if (!t_check(n == 0, "%s: data after the range kept", what))
		t_diag("%zu bad words, first at byte %#zx", n, ze + bad);
}

static unsigned long long resident(int fd)
{
	struct aobj_info info;

	if (t_stat(fd, &info))
		t_bail("STAT: %s", strerror(errno));
	return info.resident;
}

int main(void)
{
	pthread_barrier_t *b;
	unsigned char *p, *q;
	unsigned int id;
	size_t ps, n;
	long long res0;
	ssize_t bad;
	pid_t pid;
	int fd, rfd, err;

	t_init("flush", false, 60);
	ps = t_pagesize;
	obj_size = OBJ_PAGES * ps;
	res0 = t_gstat("resident_pages");

	id = t_create(obj_size, 0, 0);
	fd = t_open_or_bail(id, O_RDWR);
	p = t_map(fd, obj_size, PROT_READ | PROT_WRITE);
	q = t_map(fd, obj_size, PROT_READ);
	if (p == MAP_FAILED || q == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	t_fill(p, obj_size, 1);
	T_EQ(resident(fd), OBJ_PAGES, "all pages resident after the fill");

	/* FREE of a middle range, seen by both mappings. */
	T_EQ(t_flush(fd, AOBJ_FLUSH_FREE, 10 * ps, 5 * ps), 0,
	     "FLUSH FREE pages [10, 15)");
	T_EQ(resident(fd), OBJ_PAGES - 5, "5 pages freed");
	T_EQ(t_gstat("resident_pages"), res0 + OBJ_PAGES - 5,
	     "global resident_pages lower by 5");
	check_range(q, 10 * ps, 15 * ps, 1, "FREE [10,15), second mapping");
	check_range(p, 10 * ps, 15 * ps, 1, "FREE [10,15), first mapping");
	T_EQ(resident(fd), OBJ_PAGES, "reading the freed range faulted it back");

	/* Rewrite, then free one page, seen by a process with its own mapping. */
	t_fill(p, obj_size, 2);
	b = t_barrier_new(2);
	pid = t_fork();
	if (!pid) {
		int cfd = t_open(id, O_RDONLY);
		unsigned char *c = cfd < 0 ? MAP_FAILED :
				   t_map(cfd, obj_size, PROT_READ);

		if (!t_check(c != MAP_FAILED, "child maps the object read-only")) {
			t_diag("open/mmap: %s", strerror(errno));
			pthread_barrier_wait(b);	/* don't leave the parent waiting */
			pthread_barrier_wait(b);
			t_child_exit();
		}
		n = t_verify(c, obj_size, 2, 0, &bad);
		t_check(n == 0, "child sees the data before FREE");
		pthread_barrier_wait(b);	/* parent frees page 0 and the last */
		pthread_barrier_wait(b);
		bad = t_first_nonzero(c, ps);
		t_check(bad < 0, "child sees page 0 as zeros after FREE");
		bad = t_first_nonzero(c + obj_size - ps, ps);
		t_check(bad < 0, "child sees the last page as zeros after FREE");
		n = t_verify(c + ps, obj_size - 2 * ps, 2, ps, &bad);
		t_check(n == 0, "child sees the rest intact");
		t_child_exit();
	}
	pthread_barrier_wait(b);
	T_EQ(t_flush(fd, AOBJ_FLUSH_FREE, 0, ps), 0, "FLUSH FREE of page 0");
	T_EQ(t_flush(fd, AOBJ_FLUSH_FREE, obj_size - ps, 0), 0,
	     "FLUSH FREE of the last page with length 0 (to the end)");
	pthread_barrier_wait(b);
	t_wait(pid, "another process sees FREE");
	munmap(b, sizeof(*b));
	bad = t_first_nonzero(p, ps);
	t_check(bad < 0, "page 0 reads as zeros");
	n = t_verify(p + ps, obj_size - 2 * ps, 2, ps, &bad);
	if (!t_check(n == 0, "pages 1 .. last-1 intact"))
		t_diag("%zu bad words, first at byte %#zx", n, ps + bad);
	bad = t_first_nonzero(p + obj_size - ps, ps);
	t_check(bad < 0, "last page reads as zeros");

	/* Length 0 from an offset frees to the end. */
	t_fill(p, obj_size, 3);
	T_EQ(t_flush(fd, AOBJ_FLUSH_FREE, 200 * ps, 0), 0,
	     "FLUSH FREE from page 200, length 0");
	T_EQ(resident(fd), 200, "pages from 200 on freed");
	check_range(p, 200 * ps, obj_size, 3, "FREE [200, end)");

	/* Whole object, offset 0 length 0. */
	t_fill(p, obj_size, 4);
	T_EQ(t_flush(fd, AOBJ_FLUSH_FREE, 0, 0), 0, "FLUSH FREE of everything");
	T_EQ(resident(fd), 0, "no page resident");
	T_EQ(t_gstat("resident_pages"), res0, "global resident_pages back");
	bad = t_first_nonzero(q, obj_size);
	t_check(bad < 0, "whole object reads as zeros");

	/* An empty range at the end is accepted and does nothing. */
	t_fill(p, obj_size, 5);
	errno = 0;
	err = t_flush(fd, AOBJ_FLUSH_FREE, obj_size, 0);
	t_check_errno(err, errno, 0, "FLUSH FREE at offset == size, length 0");
	T_EQ(t_verify(p, obj_size, 5, 0, &bad), 0, "... and frees nothing");

	/* DEACTIVATE keeps data and pages. */
	T_EQ(t_flush(fd, AOBJ_FLUSH_DEACTIVATE, 0, 0), 0,
	     "FLUSH DEACTIVATE of everything");
	T_EQ(t_verify(q, obj_size, 5, 0, &bad), 0, "DEACTIVATE keeps the data");
	T_EQ(t_flush(fd, AOBJ_FLUSH_DEACTIVATE, 3 * ps, 2 * ps), 0,
	     "FLUSH DEACTIVATE of a range");
	T_EQ(t_verify(p, obj_size, 5, 0, &bad), 0, "still intact");

	/* CLEAN: without a swap device, ENOSPC. */
	{
		struct aobj_swaps s = { .size = sizeof(s) };
		bool noswap = !ioctl(t_ctl_fd(), AOBJ_IOC_SWAPS, &s) ?
			      s.count == 0 : true;

		errno = 0;
		err = t_flush(fd, AOBJ_FLUSH_CLEAN, 0, 0);
		if (noswap)
			t_check_errno(err, errno, ENOSPC,
				      "FLUSH CLEAN without swap -> ENOSPC");
		else
			t_check_errno(err, errno, 0, "FLUSH CLEAN with swap");
		T_EQ(t_verify(p, obj_size, 5, 0, &bad), 0,
		     "data intact after CLEAN");
	}

	/* FLUSH needs a writable fd. */
	rfd = t_open_or_bail(id, O_RDONLY);
	errno = 0;
	T_ERRNO(t_flush(rfd, AOBJ_FLUSH_FREE, 0, 0), EBADF,
		      "FLUSH FREE on a read-only fd -> EBADF");
	errno = 0;
	T_ERRNO(t_flush(rfd, AOBJ_FLUSH_DEACTIVATE, 0, 0), EBADF,
		      "FLUSH DEACTIVATE on a read-only fd -> EBADF");
	T_EQ(t_verify(p, obj_size, 5, 0, &bad), 0,
	     "data intact after the refused FLUSH");
	close(rfd);

	/* Pages can be written again after FREE. */
	T_EQ(t_flush(fd, AOBJ_FLUSH_FREE, 0, 0), 0, "FREE again");
	t_fill(p, obj_size, 6);
	T_EQ(t_verify(q, obj_size, 6, 0, &bad), 0, "rewrite after FREE");

	munmap(p, obj_size);
	munmap(q, obj_size);
	T_EQ(t_detach_fd(fd), 0, "DETACH");
	t_untrack(id);
	close(fd);
	T_EQ(t_gstat("resident_pages"), res0, "resident_pages back at the end");
	return t_done();
}
