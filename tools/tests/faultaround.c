// SPDX-License-Identifier: GPL-2.0
/*
 * faultaround: resident pages sit in the object inode's i_pages, so that
 * read faults map their resident neighbours (fault-around) and mincore()
 * sees them; nothing that invalidates page cache (drop_caches,
 * fadvise(DONTNEED)) may take them away.
 *
 * Exit 0/1/77.
 */
#include <sys/resource.h>

#include "aobjtest.h"

#define NPAGES	1024

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static size_t count_incore(void *map, size_t len)
{
	unsigned char vec[NPAGES];
	size_t i, n = 0;

	if (mincore(map, len, vec)) {
		t_check(false, "mincore: %s", strerror(errno));
		return 0;
	}
	for (i = 0; i < len / t_pagesize; i++)
		n += vec[i] & 1;
	return n;
}

int main(void)
{
	const size_t size = NPAGES * 4096, half = size / 2;
	long long res0, res;
	ssize_t bad;
	volatile char sink;
	unsigned int id;
	long flt;
	size_t i;
	char *map;
	int fd;

	t_init("faultaround", true, 60);
	if (t_pagesize != 4096)
		t_skip("page size %ld", t_pagesize);

	id = t_create(size, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	map = t_map(fd, size, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));

	/* First half written, second half only read: zero pages, clean. */
	t_check(count_incore(map, size) == 0, "mincore: nothing resident at first");
	t_fill(map, half, 7);
	for (i = half; i < size; i += t_pagesize)
		sink = map[i];
	(void)sink;
	t_check(count_incore(map, size) == NPAGES,
		"mincore: all %d pages resident after the first touch", NPAGES);
	res0 = t_gstat("resident_pages");

	/* A fresh mapping: read touches map 16 resident pages per fault. */
	munmap(map, size);
	map = t_map(fd, size, PROT_READ);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	t_check(count_incore(map, size) == NPAGES,
		"mincore: resident pages seen before any fault of this mapping");
	flt = minflt();
	for (i = 0; i < size; i += t_pagesize)
		sink = map[i];
	flt = minflt() - flt;
	t_diag("%ld minor faults for %d resident pages read", flt, NPAGES);
	t_check(flt > 0 && flt <= NPAGES / 4,
		"read refault maps neighbours: %ld faults for %d pages", flt,
		NPAGES);
	t_check(t_verify(map, half, 7, 0, &bad) == 0, "data intact after refault");
	t_check(t_first_nonzero(map + half, half) < 0, "read-only pages read zeros");

	/* Page cache invalidation must not touch object pages. */
	t_check(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0,
		"fadvise(DONTNEED) on the object node: accepted, ignored");
	munmap(map, size);
	if (t_exists("/proc/sys/vm/drop_caches")) {
		FILE *f = fopen("/proc/sys/vm/drop_caches", "w");

		t_check(f && fputs("3\n", f) >= 0 && fclose(f) == 0,
			"echo 3 > /proc/sys/vm/drop_caches");
	}
	res = t_gstat("resident_pages");
	T_EQ(res, res0, "resident pages after drop_caches and fadvise");
	map = t_map(fd, size, PROT_READ);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	t_check(count_incore(map, size) == NPAGES,
		"mincore: all pages still resident");
	t_check(t_verify(map, half, 7, 0, &bad) == 0,
		"data intact after drop_caches");
	t_check(t_first_nonzero(map + half, half) < 0,
		"clean zero pages still zeros");

	/* FLUSH FREE: those pages are gone, for mincore too. */
	t_check(t_flush(fd, AOBJ_FLUSH_FREE, 0, half) == 0, "FLUSH FREE first half");
	t_check(count_incore(map, size) == NPAGES / 2,
		"mincore: only the second half resident after FREE");
	t_check(t_first_nonzero(map, half) < 0, "freed half reads zeros");

	munmap(map, size);
	close(fd);
	return t_done();
}
