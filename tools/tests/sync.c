// SPDX-License-Identifier: GPL-2.0
/*
 * sync: msync() and fsync() on an object, as programs that share memory
 * call them.  There is nothing to write back (an object is anonymous
 * memory), so they succeed, as on shmem or a memfd, and change nothing:
 * the data reads back the same through the mapping and a second mapping.
 */
#include "aobjtest.h"

#define OBJ_SIZE	(256UL << 10)

int main(void)
{
	unsigned char *p, *q;
	unsigned int id;
	ssize_t bad;
	int fd;

	t_init("sync", false, 60);
	id = t_create(OBJ_SIZE, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	p = t_map(fd, OBJ_SIZE, PROT_READ | PROT_WRITE);
	if (p == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	t_fill(p, OBJ_SIZE, 11);

	T_ERRNO(msync(p, OBJ_SIZE, MS_SYNC), 0, "msync(MS_SYNC) of the whole mapping");
	T_ERRNO(msync(p + 4096, 8192, MS_SYNC), 0, "msync(MS_SYNC) of two pages");
	T_ERRNO(msync(p, OBJ_SIZE, MS_ASYNC), 0, "msync(MS_ASYNC)");
	T_ERRNO(msync(p, OBJ_SIZE, MS_SYNC | MS_INVALIDATE), 0,
		"msync(MS_SYNC | MS_INVALIDATE)");
	T_ERRNO(fsync(fd), 0, "fsync() on the object node");
	T_ERRNO(fdatasync(fd), 0, "fdatasync() on the object node");
	T_ERRNO(msync(p, OBJ_SIZE, MS_SYNC | MS_ASYNC), EINVAL,
		"msync(MS_SYNC | MS_ASYNC) is still EINVAL");

	T_EQ(t_verify(p, OBJ_SIZE, 11, 0, &bad), 0, "data intact after the syncs");
	q = t_map(fd, OBJ_SIZE, PROT_READ);
	if (q == MAP_FAILED)
		t_bail("second mmap: %s", strerror(errno));
	T_EQ(t_verify(q, OBJ_SIZE, 11, 0, &bad), 0,
	     "a second mapping sees the same data");
	munmap(q, OBJ_SIZE);
	munmap(p, OBJ_SIZE);
	close(fd);
	return t_done();
}
