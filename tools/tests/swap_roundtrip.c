// SPDX-License-Identifier: GPL-2.0
/*
 * swap_roundtrip: an object four times the resident limit, written through
 * mmap with a pattern keyed by (page, offset), goes out to swap and comes
 * back intact; random writes under pressure read back right; FLUSH FREE
 * makes everything read zeros and releases the swap copies.
 *
 * Needs one free disk in $AOBJ_DISKS (the test VM).  Exit 0/1/77.
 */
#include "swaptest.h"

#define LIMIT_MB	8
#define OBJ_MB		(4 * LIMIT_MB)
#define SLACK		32	/* pages over the limit tolerated */
#define RANDOM_OPS	2000

static long long delta(const char *name, long long before)
{
	return t_gstat(name) - before;
}

int main(void)
{
	char disks[4][64];
	const size_t size = OBJ_MB * SW_MIB, npages = size / 4096;
	const long long limit_pages = LIMIT_MB * SW_MIB / 4096;
	long long po0, pi0, sw0, fs0, res, v;
	struct aobj_info info;
	uint64_t *seeds, lost;
	unsigned int id;
	size_t i, bad;
	char *map;
	int fd, err;

	sw_init("swap_roundtrip", 240);
	if (t_pagesize != 4096)
		t_skip("page size %ld", t_pagesize);
	sw_disks(disks, 4, 1);

	if (t_gstat("resident_pages"))
		t_diag("note: %lld pages resident before the test",
		       t_gstat("resident_pages"));
	sw_swapon_or_bail(disks[0], 0);
	t_check(sw_swapdev(disks[0], NULL), "SWAPON %s: listed by SWAPS",
		disks[0]);
	sw_set_limit_mb(LIMIT_MB);

	id = t_create(size, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	map = t_map(fd, size, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	seeds = calloc(npages, sizeof(*seeds));
	if (!seeds)
		t_bail("calloc");

	po0 = t_gstat("pageouts");
	pi0 = t_gstat("pageins");
	sw0 = t_gstat("swpgonly");
	fs0 = t_gstat("faults_swapin");

	/* 1: fill the whole object, 4x the limit. */
	for (i = 0; i < npages; i++) {
		seeds[i] = 1;
		sw_fill_page(map + i * 4096, i, 1);
	}
	v = delta("pageouts", po0);
	if (!t_check(v > 0, "fill of %d MiB with a %d MiB limit: pageouts rise",
		     OBJ_MB, LIMIT_MB))
		t_diag("expected > 0, got %lld", v);
	v = delta("swpgonly", sw0);
	if (!t_check(v > 0, "swpgonly rises"))
		t_diag("expected > 0, got %lld", v);
	res = t_gstat("resident_pages");
	if (!t_check(res <= limit_pages + SLACK, "resident pages within the limit"))
		t_diag("expected <= %lld, got %lld", limit_pages + SLACK, res);
	if (T_STAT(fd, &info)) {
		if (!t_check(info.swapped > 0 && info.resident <= (uint64_t)limit_pages + SLACK,
			     "STAT: swapped > 0, resident within the limit"))
			t_diag("got swapped %llu, resident %llu (limit %lld)",
			       (unsigned long long)info.swapped,
			       (unsigned long long)info.resident, limit_pages);
		if (!t_check(info.resident + info.swapped >= npages,
			     "STAT: every page is resident or swapped"))
			t_diag("expected >= %zu, got %llu + %llu", npages,
			       (unsigned long long)info.resident,
			       (unsigned long long)info.swapped);
	} else {
		t_check(false, "STAT: %s", strerror(errno));
	}
	if (!t_ostat(id, "swapped", &v)) {
		if (!t_check(v > 0, "sysfs swapped > 0"))
			t_diag("got %lld", v);
	}
	v = sw_used(disks[0]);
	if (!t_check(v > 0, "SWAPS: %s has used slots", disks[0]))
		t_diag("expected > 0, got %lld", v);

	/* 2: read everything back. */
	sw_verify_pages(map, npages, seeds, 0, "read back after pageout");
	v = delta("pageins", pi0);
	if (!t_check(v > 0, "pageins rise on read back"))
		t_diag("expected > 0, got %lld", v);
	v = delta("faults_swapin", fs0);
	if (!t_check(v > 0, "faults_swapin rise on read back"))
		t_diag("expected > 0, got %lld", v);
	res = t_gstat("resident_pages");
	if (!t_check(res <= limit_pages + SLACK, "resident within the limit after read back"))
		t_diag("expected <= %lld, got %lld", limit_pages + SLACK, res);

	/* 3: random writes and reads under pressure. */
	srand(12345);
	bad = 0;
	for (i = 0; i < RANDOM_OPS; i++) {
		size_t pg = (size_t)rand() % npages;
		char *p = map + pg * 4096;

		if (rand() & 1) {
			seeds[pg] = 2 + i;
			sw_fill_page(p, pg, seeds[pg]);
		} else if (!sw_page_ok(p, pg, seeds[pg])) {
			if (!bad++)
				t_diag("random op %zu: page %zu does not hold seed %llu",
				       i, pg, (unsigned long long)seeds[pg]);
		}
	}
	T_EQ(bad, 0, "%d random reads/writes under pressure: reads see the last write",
	     RANDOM_OPS);
	sw_verify_pages(map, npages, seeds, 0, "after random writes");
	/* A second mapping sees the same pages. */
	{
		char *map2 = t_map(fd, size, PROT_READ);

		if (map2 != MAP_FAILED) {
			sw_verify_pages(map2, npages / 4, seeds, 0,
					"second mapping sees the same data (first quarter)");
			munmap(map2, size);
		}
	}
	res = t_gstat("resident_pages");
	if (!t_check(res <= limit_pages + SLACK, "resident within the limit after random writes"))
		t_diag("expected <= %lld, got %lld", limit_pages + SLACK, res);

	/* 4: FLUSH FREE: zeros, swap copies gone. */
	err = t_flush(fd, AOBJ_FLUSH_FREE, 0, 0);
	t_check_errno(err, errno, 0, "FLUSH FREE of the whole object");
	v = t_gstat("swpgonly");
	T_EQ(v, sw0, "swpgonly back to where it was after FREE");
	if (T_STAT(fd, &info)) {
		T_EQ(info.swapped, 0, "STAT swapped 0 after FREE");
		T_EQ(info.resident, 0, "STAT resident 0 after FREE");
	}
	T_EQ(sw_used(disks[0]), 0, "SWAPS: no slot of %s used after FREE", disks[0]);
	for (i = 0; i < npages; i++)
		seeds[i] = SW_ZERO_SEED;
	sw_verify_pages(map, npages, seeds, 0, "reads zeros after FREE");
	res = t_gstat("resident_pages");
	if (!t_check(res <= limit_pages + SLACK, "resident within the limit reading zeros"))
		t_diag("expected <= %lld, got %lld", limit_pages + SLACK, res);

	munmap(map, size);
	close(fd);
	T_EQ(t_detach(id), 0, "detach");
	/* Restore the limit before swapoff. */
	t_restore_params();
	err = sw_swapoff(disks[0], &lost);
	t_check_errno(err ? -1 : 0, -err, 0, "SWAPOFF %s", disks[0]);
	T_EQ(lost, 0, "SWAPOFF lost nothing");
	t_check(!sw_swapdev(disks[0], NULL), "SWAPS: %s no longer listed",
		disks[0]);
	free(seeds);
	return sw_done();
}
