// SPDX-License-Identifier: GPL-2.0
/*
 * swap_noswap: NOSWAP objects never reach the disk, and FLUSH CLEAN.
 *
 *  - a NOSWAP object twice the resident limit, with a swap device on:
 *    every page faults in (NOSWAP pages are locked memory, bounded by
 *    RLIMIT_MEMLOCK and the memory cgroup, not by max_resident_mb), nothing
 *    is paged out, its swapped count stays 0, the device stays empty;
 *  - a normal object beside it still gets every page, its own pages
 *    going out to swap: one user's NOSWAP pages deny nobody else;
 *  - FLUSH CLEAN of a NOSWAP object succeeds and writes nothing;
 *  - FLUSH CLEAN of a normal object writes its dirty pages (pageouts rise
 *    by their number) and leaves them resident; a second CLEAN writes
 *    nothing; a page dirtied again is written again.
 *
 * Needs one free disk in $AOBJ_DISKS.  Exit 0/1/77.
 */
#include "swaptest.h"

#define LIMIT_MB	8
#define NOSWAP_MB	16
#define CLEAN_PAGES	1024

int main(void)
{
	char disks[4][64];
	const long long limit_pages = LIMIT_MB * SW_MIB / 4096;
	const size_t nsize = NOSWAP_MB * SW_MIB, npages = nsize / 4096;
	long long po0, v;
	struct aobj_info info;
	unsigned int nid, id;
	size_t i, filled = 0;
	char *nmap, *map;
	int nfd, fd, err;

	sw_init("swap_noswap", 240);
	if (t_pagesize != 4096)
		t_skip("page size %ld", t_pagesize);
	sw_disks(disks, 4, 1);
	sw_swapon_or_bail(disks[0], 0);

	/* 1: NOSWAP pages past the limit: locked memory, not under it. */
	sw_set_limit_mb(LIMIT_MB);
	po0 = t_gstat("pageouts");
	nid = t_create(nsize, AOBJ_CREATE_NOSWAP, 0600);
	nfd = t_open_or_bail(nid, O_RDWR);
	nmap = t_map(nfd, nsize, PROT_READ | PROT_WRITE);
	if (nmap == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	for (i = 0; i < npages; i++) {
		if (sw_write(nmap + i * 4096, t_pattern(i, 0, 3)))
			break;
		sw_fill_page(nmap + i * 4096, i, 3);
		filled++;
	}
	T_EQ(filled, npages,
	     "NOSWAP object of %d MiB, limit %d MiB: every page faults in",
	     NOSWAP_MB, LIMIT_MB);
	v = t_gstat("pageouts") - po0;
	T_EQ(v, 0, "NOSWAP: no pageout");
	if (!t_ostat(nid, "swapped", &v))
		T_EQ(v, 0, "NOSWAP: sysfs swapped 0");
	if (!t_ostat(nid, "noswap", &v))
		T_EQ(v, 1, "NOSWAP: sysfs noswap 1");
	if (T_STAT(nfd, &info)) {
		T_EQ(info.swapped, 0, "NOSWAP: STAT swapped 0");
		T_EQ(info.resident, filled, "NOSWAP: STAT resident = pages faulted in");
	}
	T_EQ(sw_used(disks[0]), 0, "NOSWAP: swap device %s stays empty", disks[0]);
	sw_verify_pages(nmap, filled, NULL, 3, "NOSWAP data past the limit");

	/*
	 * Another object's faults are not denied by the NOSWAP pages: it
	 * grows past the limit too, its own pages going out to swap.
	 */
	id = t_create(nsize, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	map = t_map(fd, nsize, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	for (i = 0; i < npages; i++) {
		if (sw_write(map + i * 4096, t_pattern(i, 0, 6)))
			break;
		sw_fill_page(map + i * 4096, i, 6);
	}
	T_EQ(i, npages, "a normal object beside the NOSWAP pages: every fault works");
	v = t_gstat("pageouts") - po0;
	if (!t_check(v >= (long long)npages - limit_pages,
		     "the normal object's pages went out to swap"))
		t_diag("pageouts %lld, expected >= %lld", v, (long long)npages - limit_pages);
	if (!t_ostat(nid, "swapped", &v))
		T_EQ(v, 0, "NOSWAP: still nothing swapped");
	sw_verify_pages(map, npages, NULL, 6, "the normal object's data");
	sw_verify_pages(nmap, filled, NULL, 3, "NOSWAP data beside it");

	/* FLUSH CLEAN of a NOSWAP object: success, no I/O. */
	po0 = t_gstat("pageouts");
	err = t_flush(nfd, AOBJ_FLUSH_CLEAN, 0, 0);
	t_check_errno(err, errno, 0, "FLUSH CLEAN of a NOSWAP object");
	T_EQ(t_gstat("pageouts") - po0, 0, "FLUSH CLEAN of NOSWAP: no pageout");
	if (T_STAT(nfd, &info)) {
		T_EQ(info.swapped, 0, "FLUSH CLEAN of NOSWAP: STAT swapped 0");
		T_EQ(info.resident, filled, "FLUSH CLEAN of NOSWAP: still resident");
	}
	err = t_flush(nfd, AOBJ_FLUSH_DEACTIVATE, 0, 0);
	t_check_errno(err, errno, 0, "FLUSH DEACTIVATE of a NOSWAP object");
	/* Give a pageout worker the chance to misbehave. */
	sw_set_limit_mb(1);
	usleep(200000);
	if (!t_ostat(nid, "swapped", &v))
		T_EQ(v, 0, "DEACTIVATE of NOSWAP, limit 1 MiB: still nothing swapped");
	sw_verify_pages(nmap, filled, NULL, 3, "NOSWAP data after CLEAN and DEACTIVATE");

	err = t_flush(nfd, AOBJ_FLUSH_FREE, 0, 0);
	t_check_errno(err, errno, 0, "FLUSH FREE of the NOSWAP object");
	if (T_STAT(nfd, &info))
		T_EQ(info.resident, 0, "after FREE: no NOSWAP page resident");
	munmap(map, nsize);
	close(fd);
	T_EQ(t_detach(id), 0, "detach the normal object");
	munmap(nmap, nsize);
	close(nfd);
	T_EQ(t_detach(nid), 0, "detach the NOSWAP object");

	/* 2: FLUSH CLEAN of a normal object, no limit. */
	sw_set_limit_mb(0);
	id = t_create(CLEAN_PAGES * 4096, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	map = t_map(fd, CLEAN_PAGES * 4096, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	for (i = 0; i < CLEAN_PAGES; i++)
		sw_fill_page(map + i * 4096, i, 4);
	po0 = t_gstat("pageouts");
	err = t_flush(fd, AOBJ_FLUSH_CLEAN, 0, 0);
	t_check_errno(err, errno, 0, "FLUSH CLEAN of %d dirty pages", CLEAN_PAGES);
	T_EQ(t_gstat("pageouts") - po0, CLEAN_PAGES, "FLUSH CLEAN: pageouts rise by the dirty pages");
	if (T_STAT(fd, &info)) {
		T_EQ(info.resident, CLEAN_PAGES, "FLUSH CLEAN: pages stay resident");
		T_EQ(info.swapped, CLEAN_PAGES, "FLUSH CLEAN: every page has a swap copy");
	}
	T_EQ(sw_used(disks[0]), CLEAN_PAGES, "SWAPS: %s holds the copies", disks[0]);
	po0 = t_gstat("pageouts");
	err = t_flush(fd, AOBJ_FLUSH_CLEAN, 0, 0);
	t_check_errno(err, errno, 0, "second FLUSH CLEAN");
	T_EQ(t_gstat("pageouts") - po0, 0, "second FLUSH CLEAN: nothing to write");
	sw_fill_page(map + 10 * 4096, 10, 5);
	po0 = t_gstat("pageouts");
	err = t_flush(fd, AOBJ_FLUSH_CLEAN, 0, 0);
	t_check_errno(err, errno, 0, "FLUSH CLEAN after rewriting one page");
	T_EQ(t_gstat("pageouts") - po0, 1, "FLUSH CLEAN: the rewritten page is written again");
	T_EQ(sw_used(disks[0]), CLEAN_PAGES, "SWAPS: its old slot was released");
	{
		uint64_t *seeds = calloc(CLEAN_PAGES, sizeof(*seeds));

		if (!seeds)
			t_bail("calloc");
		for (i = 0; i < CLEAN_PAGES; i++)
			seeds[i] = i == 10 ? 5 : 4;
		sw_verify_pages(map, CLEAN_PAGES, seeds, 0, "data after CLEAN");
		/* Clean pages leave without I/O under a limit, come back intact. */
		po0 = t_gstat("pageouts");
		sw_set_limit_mb(1);
		v = sw_wait_resident(256, 5000);
		if (!t_check(v <= 256, "limit 1 MiB: clean pages leave"))
			t_diag("expected <= 256 resident, got %lld", v);
		T_EQ(t_gstat("pageouts") - po0, 0, "clean pages leave without a write");
		sw_verify_pages(map, CLEAN_PAGES, seeds, 0, "data after eviction of clean pages");
		free(seeds);
	}
	munmap(map, CLEAN_PAGES * 4096);
	close(fd);
	T_EQ(t_detach(id), 0, "detach");
	return sw_done();
}
