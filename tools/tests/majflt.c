// SPDX-License-Identifier: GPL-2.0
/*
 * majflt: a fault that reads its page back from swap is a major fault, as
 * for anon and shmem pages: ru_majflt (getrusage(), /proc/PID/stat, top,
 * perf's major-faults) counts it; a fault on a resident or never-written
 * page does not.
 *
 * Under an 8 MiB resident limit, a 24 MiB object is written through a
 * mapping, so that most of it goes to swap, then read back through it.
 * The read's swap-in faults (the faults_swapin counter) must each add one
 * major fault; writing the never-touched pages (zero-fill faults) must add
 * none.
 *
 * Needs one free disk in $AOBJ_DISKS (the test VM).  Exit 0/1/77.
 */
#include "swaptest.h"

#define LIMIT_MB	8
#define OBJ_MB		24

int main(void)
{
	const size_t size = OBJ_MB * SW_MIB, npages = size / 4096;
	long long swapins;
	char disk[64], *map;
	long maj;
	size_t i;
	int fd;

	sw_init_disk("majflt", 120, LIMIT_MB, disk);
	map = sw_map_new(size, &fd, NULL);

	maj = sw_majflt();
	for (i = 0; i < npages; i++)
		sw_fill_page(map + i * 4096, i, 5);
	maj = sw_majflt() - maj;
	T_EQ(maj, 0, "zero-fill faults are not major faults");

	swapins = t_gstat("faults_swapin");
	maj = sw_majflt();
	for (i = 0; i < npages; i++)
		if (!sw_page_ok(map + i * 4096, i, 5))
			break;
	T_EQ(i, npages, "the object reads back intact");
	swapins = t_gstat("faults_swapin") - swapins;
	maj = sw_majflt() - maj;
	t_diag("%lld swap-in faults, ru_majflt +%ld", swapins, maj);
	t_check(swapins > 0, "the read faulted pages back from swap");
	T_EQ(maj, swapins, "each swap-in fault is one major fault");
	munmap(map, size);
	close(fd);
	return sw_done();
}
