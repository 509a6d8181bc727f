// SPDX-License-Identifier: GPL-2.0
/*
 * mlock: mlock(), MAP_LOCKED and mlockall() on an object's mapping lock
 * its pages as they do on shmem.  VmLck counts the locked range; under a
 * 16 MiB resident limit the 8 MiB locked part of a 64 MiB object stays
 * resident and intact while the rest is written over three times (and
 * so paged out); munlock() lets the pages go again.  mremap() may grow
 * the mapping past the object, where a touch gets SIGBUS.
 *
 * Needs one free disk in $AOBJ_DISKS (the test VM).  Exit 0/1/77.
 */
#include "swaptest.h"

#define LIMIT_MB	16
#define OBJ_MB		64
#define LOCK_MB		8

static long long vmlck_kb(void)
{
	char line[128];
	long long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		t_bail("open /proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmLck:", 6))
			kb = strtoll(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

/* Resident pages of [p, p + len) by mincore(). */
static size_t resident(void *p, size_t len)
{
	size_t n = len / 4096, i, r = 0;
	unsigned char *vec = malloc(n);

	if (!vec || mincore(p, len, vec))
		t_bail("mincore: %s", strerror(errno));
	for (i = 0; i < n; i++)
		r += vec[i] & 1;
	free(vec);
	return r;
}

int main(void)
{
	const size_t size = OBJ_MB * SW_MIB, lock = LOCK_MB * SW_MIB;
	const size_t lpages = lock / 4096;
	long long po0, kb;
	char disk[64], *map, *q;
	size_t i, r;
	uint64_t v;
	int fd, g;

	sw_init_disk("mlock", 280, LIMIT_MB, disk);
	map = sw_map_new(size, &fd, NULL);
	kb = vmlck_kb();
	T_ERRNO(mlock(map, lock), 0, "mlock() of the first %d MiB", LOCK_MB);
	T_EQ(vmlck_kb() - kb, (long long)lock >> 10, "VmLck counts the locked range");
	T_EQ(resident(map, lock), lpages, "mlock() faulted the range in");
	for (i = 0; i < lpages; i++)
		sw_fill_page(map + i * 4096, i, 7);

	po0 = t_gstat("pageouts");
	for (g = 1; g <= 3; g++)
		for (i = lpages; i < size / 4096; i++)
			sw_fill_page(map + i * 4096, i, 100 + g);
	if (!t_check(t_gstat("pageouts") - po0 >= (long long)(size - lock) / 4096,
		     "the unlocked %d MiB went out to swap", OBJ_MB - LOCK_MB))
		t_diag("pageouts %lld", t_gstat("pageouts") - po0);
	T_EQ(resident(map, lock), lpages, "all locked pages stayed resident");
	sw_verify_pages(map, lpages, NULL, 7, "locked range");

	/*
	 * A second locked mapping of the range goes away: munmap() clears
	 * PG_mlocked, but the first mapping still locks the pages.
	 */
	q = t_map(fd, lock, PROT_READ);
	if (q == MAP_FAILED)
		t_bail("second mmap: %s", strerror(errno));
	T_ERRNO(mlock(q, lock), 0, "mlock() of a second mapping of the range");
	munmap(q, lock);
	for (i = lpages; i < size / 4096; i++)
		sw_fill_page(map + i * 4096, i, 104);
	T_EQ(resident(map, lock), lpages,
	     "locked pages stay resident after another locked mapping went away");
	sw_verify_pages(map, lpages, NULL, 7, "locked range, again");
	T_ERRNO(munlock(map, lock), 0, "munlock()");
	T_EQ(vmlck_kb(), kb, "VmLck back to %lld kB", kb);
	for (i = lpages; i < size / 4096; i++)
		sw_fill_page(map + i * 4096, i, 105);
	r = resident(map, lock);
	if (!t_check(r < lpages, "after munlock() the pages can be paged out"))
		t_diag("%zu of %zu resident", r, lpages);
	munmap(map, size);

	/* MAP_LOCKED and mlockall(). */
	kb = vmlck_kb();
	q = mmap(NULL, lock, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd, 0);
	if (q == MAP_FAILED)
		t_bail("mmap MAP_LOCKED: %s", strerror(errno));
	T_EQ(vmlck_kb() - kb, (long long)lock >> 10, "MAP_LOCKED: VmLck counts it");
	T_EQ(resident(q, lock), lpages, "MAP_LOCKED: the range is resident");
	munmap(q, lock);
	T_EQ(vmlck_kb(), kb, "munmap: VmLck back");
	q = t_map(fd, lock, PROT_READ | PROT_WRITE);
	if (q == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	T_ERRNO(mlockall(MCL_CURRENT), 0, "mlockall(MCL_CURRENT)");
	if (!t_check(vmlck_kb() - kb >= (long long)lock >> 10,
		     "mlockall: VmLck covers the mapping"))
		t_diag("VmLck %lld kB", vmlck_kb());
	T_EQ(resident(q, lock), lpages, "mlockall: the range is resident");
	T_ERRNO(munlockall(), 0, "munlockall()");

	/* mremap() past the object's end: SIGBUS there, data before it. */
	map = mremap(q, lock, size + 2 * 4096, MREMAP_MAYMOVE);
	if (!t_check(map != MAP_FAILED, "mremap() grows the mapping past the object"))
		t_bail("mremap: %s", strerror(errno));
	T_EQ(sw_read(map + size, &v), -1, "a touch past the object's end: SIGBUS");
	T_EQ(sw_read(map + size - 8, &v), 0, "the object's last word reads");
	munmap(map, size + 2 * 4096);
	close(fd);
	return sw_done();
}
