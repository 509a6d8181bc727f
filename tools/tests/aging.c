// SPDX-License-Identifier: GPL-2.0
/*
 * aging: a page used only through a mapping it is already in (no fault,
 * just the PTE's accessed bit) is not paged out before cold pages.
 *
 * Under an 8 MiB resident limit, a 40 MiB object is written once from
 * start to end through one mapping.  Its first 2 MiB (the hot set) were
 * written first, and are read again through the same mapping after every
 * 64 pages written.  With aging that sees those uses, the hot pages stay
 * resident: fewer pages come back from swap than twice the hot set holds
 * (309 of 512 in a stock run).  With FIFO aging every hot page goes out
 * and comes back once per 8 MiB written: 3086 pages read back in a stock
 * run of the code before aging saw such uses (pageins: swap readahead
 * brings several back per fault).  The hot set and the rest read back
 * intact, and the faults that read the rest back from swap are major
 * faults (getrusage()).
 *
 * Needs one free disk in $AOBJ_DISKS (the test VM).  Exit 0/1/77.
 */
#include "swaptest.h"

#define LIMIT_MB	8
#define OBJ_MB		40
#define HOT_MB		2
#define EVERY		64	/* pages written between two reads of the hot set */

int main(void)
{
	const size_t size = OBJ_MB * SW_MIB, npages = size / 4096;
	const size_t hot = HOT_MB * SW_MIB / 4096;
	long long in0, pageins, po0, sw0;
	long maj0;
	char disk[64], *map;
	volatile uint64_t sum = 0;
	size_t i, j;
	int fd;

	sw_init_disk("aging", 280, LIMIT_MB, disk);
	map = sw_map_new(size, &fd, NULL);
	for (i = 0; i < hot; i++)
		sw_fill_page(map + i * 4096, i, 1);

	in0 = t_gstat("pageins");
	po0 = t_gstat("pageouts");
	for (i = hot; i < npages; i++) {
		sw_fill_page(map + i * 4096, i, 2);
		if ((i - hot) % EVERY)
			continue;
		for (j = 0; j < hot; j++)
			sum += *(volatile uint64_t *)(map + j * 4096 + 8);
	}
	pageins = t_gstat("pageins") - in0;
	if (!t_check(t_gstat("pageouts") - po0 >= (long long)(npages - hot - 2 * LIMIT_MB * 256),
		     "the cold pages went out to swap"))
		t_diag("pageouts %lld", t_gstat("pageouts") - po0);
	t_diag("%lld pages read back from swap while the hot set of %zu pages was read %zu times",
	       pageins, hot, (npages - hot + EVERY - 1) / EVERY);
	if (!t_check(pageins <= 2 * (long long)hot,
		     "the hot set stayed resident: at most %zu pages read back",
		     2 * hot))
		t_diag("%lld pages read back", pageins);
	sw_verify_pages(map, hot, NULL, 1, "hot set");
	sw0 = t_gstat("faults_swapin");
	maj0 = sw_majflt();
	for (i = hot; i < npages; i++)
		if (!sw_page_ok(map + i * 4096, i, 2))
			break;
	T_EQ(i, npages, "the cold pages read back intact");
	sw0 = t_gstat("faults_swapin") - sw0;
	maj0 = sw_majflt() - maj0;
	if (!t_check(sw0 > 0 && maj0 >= sw0,
		     "reads from swap are major faults (ru_majflt)"))
		t_diag("%lld swap-in faults, ru_majflt rose by %ld", sw0, maj0);
	munmap(map, size);
	close(fd);
	return sw_done();
}
