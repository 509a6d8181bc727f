// SPDX-License-Identifier: GPL-2.0
/*
 * swap_devloss: a swap device disappears while aobj uses it.
 *
 * Two swap devices: a virtio disk from $AOBJ_DISKS (priority 0) and a
 * memory-backed null_blk disk (priority 10, so it fills first).  Three
 * objects:
 *   C: written and cleaned while only the disk is on: its copies are there;
 *   A: written and cleaned to null_blk, then evicted: its only copies are
 *      on null_blk;
 *   B: written and cleaned to null_blk, kept resident: memory and null_blk
 *      both hold it.
 * Then null_blk is powered off and its configfs directory removed.  No
 * crash, no hang; null_blk leaves SWAPS (after a bounded wait, meanwhile
 * flagged dead); exactly A's pages raise SIGBUS, bad_slots rises by their
 * number; B and C read intact; B's pages, whose swap copy went away, are
 * dirty again: a pageout under a resident limit writes them to the disk
 * (and only there), and they read back intact.  A FREE over A reads zeros.
 *
 * Then the same with pageouts in flight: a fresh null_blk disk fills first
 * while the main thread rewrites an object D under a small resident limit,
 * and another thread powers null_blk off and removes it mid-way.  Every
 * page of D must afterwards read its last value or raise SIGBUS (its
 * only copy was on null_blk), never anything else, before and after D is
 * paged out again to the disk; null_blk leaves SWAPS.  The disk swaps off
 * with nothing lost.
 *
 * Needs null_blk with configfs (debug kernel: built in; stock: module)
 * and one disk in $AOBJ_DISKS.  Exit 0/1/77.
 */
#include "swaptest.h"

#define NB_NAME		"swdevloss0"
#define NB_PATH		"/dev/" NB_NAME
#define NB_MB		64
#define NA		2048	/* pages of A: lost */
#define NBP		1024	/* pages of B: resident, copy on null_blk */
#define NC		1024	/* pages of C: on the disk */
#define PG		4096
/* Longest wait for the dead device to leave SWAPS. */
#define LEAVE_MS	20000

#ifndef AOBJ_SWAPDEV_DEAD
#define AOBJ_SWAPDEV_DEAD	0x2
#endif

/* The SWAPS entry whose path is @path (the node may be gone): listed? */
static bool swaps_by_path(const char *path, struct aobj_swapdev_info *out)
{
	struct aobj_swapdev_info ents[SW_MAX_DEVS * 4];
	int n, i;

	n = sw_swaps(ents, SW_MAX_DEVS * 4);
	for (i = 0; i < n && i < SW_MAX_DEVS * 4; i++) {
		if (!strcmp(ents[i].path, path)) {
			if (out)
				*out = ents[i];
			return true;
		}
	}
	return false;
}

struct obj {
	unsigned int id;
	int fd;
	char *map;
	size_t npages;
	uint64_t seed;
};

static void obj_make(struct obj *o, size_t npages, uint64_t seed)
{
	size_t i;

	o->npages = npages;
	o->seed = seed;
	o->id = t_create(npages * PG, 0, 0600);
	o->fd = t_open_or_bail(o->id, O_RDWR);
	o->map = t_map(o->fd, npages * PG, PROT_READ | PROT_WRITE);
	if (o->map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	for (i = 0; i < npages; i++)
		sw_fill_page(o->map + i * PG, i, seed);
}

static void obj_clean(struct obj *o, const char *what)
{
	int err = t_flush(o->fd, AOBJ_FLUSH_CLEAN, 0, 0);

	t_check_errno(err, errno, 0, "FLUSH CLEAN of %s", what);
}

static void obj_free(struct obj *o)
{
	munmap(o->map, o->npages * PG);
	close(o->fd);
	T_EQ(t_detach(o->id), 0, "detach object %u", o->id);
}

/* Read every page of @o: count SIGBUS and wrong data. */
static void obj_scan(struct obj *o, size_t *sigbus, size_t *corrupt)
{
	uint64_t w;
	size_t i;

	*sigbus = *corrupt = 0;
	for (i = 0; i < o->npages; i++) {
		char *p = o->map + i * PG;

		if (sw_read(p, &w)) {
			++*sigbus;
			continue;
		}
		if (!sw_page_ok(p, i, o->seed) && ++*corrupt <= 3)
			t_diag("object %u page %zu: wrong data", o->id, i);
	}
}

/*
 * Evict: @o's pages first in line (DEACTIVATE), limit 1 MiB, wait for
 * <= 256 resident.
 */
static void evict(struct obj *o, const char *what)
{
	long long v;
	int err;

	err = t_flush(o->fd, AOBJ_FLUSH_DEACTIVATE, 0, 0);
	t_check_errno(err, errno, 0, "FLUSH DEACTIVATE of %s", what);
	sw_set_limit_mb(1);
	v = sw_wait_resident(256, 20000);
	if (!t_check(v <= 256, "limit 1 MiB: %s evicted", what))
		t_diag("expected <= 256 resident, got %lld", v);
}

#define ND		2048	/* pages of D */
#define NB2_NAME	"swdevloss1"
#define NB2_PATH	"/dev/" NB2_NAME

static uint64_t d_value(unsigned int round, size_t pg)
{
	return t_pattern(pg, 0, 100 + round);
}

/* Power null_blk off after a short while, from another thread. */
static volatile int killer_done;

static void *killer(void *arg)
{
	(void)arg;
	usleep(300000);
	sw_nullb_attr(NB2_NAME, "power", "0");
	killer_done = 1;
	return NULL;
}

/* Check D: each page holds its last value or SIGBUSes (and stays lost). */
static void d_verify(char *map, const unsigned int *last, bool *lost,
		     const char *what)
{
	size_t pg, wrong = 0, nlost = 0, newly = 0;
	uint64_t w;

	for (pg = 0; pg < ND; pg++) {
		if (sw_read(map + pg * PG, &w)) {
			newly += !lost[pg];
			lost[pg] = true;
			nlost++;
			continue;
		}
		if (lost[pg] || w != d_value(last[pg], pg)) {
			if (wrong++ < 3)
				t_diag("D page %zu: %s", pg, lost[pg] ?
				       "read after SIGBUS" : "wrong value");
		}
	}
	T_EQ(wrong, 0, "%s: every page of D holds its last value or is lost",
	     what);
	t_diag("%s: %zu page(s) of D lost (%zu newly)", what, nlost, newly);
}

static void in_flight(const char *disk)
{
	unsigned int *last = calloc(ND, sizeof(*last));
	bool *lost = calloc(ND, sizeof(*lost));
	long long used0, v;
	unsigned int round, after;
	pthread_t thr;
	struct obj d;
	size_t pg, nlost = 0;
	int err, ms;

	if (!last || !lost)
		t_bail("calloc failed");
	err = sw_nullb_create(NB2_NAME, NB_MB);
	if (err)
		t_bail("second null_blk: %s", strerror(-err));
	sw_swapon_or_bail(NB2_PATH, 10);
	used0 = sw_used(disk);
	obj_make(&d, ND, 1);	/* word 0 is overwritten below */
	sw_set_limit_mb(1);
	if (pthread_create(&thr, NULL, killer, NULL))
		t_bail("pthread_create failed");
	sw_mark("D: rewriting under a 1 MiB limit");
	/* Go on for 3 rounds after the power off: those pageouts go to the disk. */
	for (round = 0, after = 0; round < 40 && after < 3; round++) {
		after += killer_done;
		for (pg = 0; pg < ND; pg++) {
			if (lost[pg])
				continue;
			if (sw_write(d.map + pg * PG, d_value(round, pg))) {
				lost[pg] = true;
				nlost++;
				continue;
			}
			last[pg] = round;
		}
	}
	pthread_join(thr, NULL);
	sw_mark("D: rewrites done");
	t_diag("D: %u rounds, %zu page(s) lost on the way", round, nlost);
	sw_nullb_remove(NB2_NAME);
	for (ms = 0; ms < LEAVE_MS && swaps_by_path(NB2_PATH, NULL); ms += 20)
		usleep(20000);
	T_EQ(swaps_by_path(NB2_PATH, NULL), 0,
	     "pageouts in flight: SWAPS no longer lists %s", NB2_PATH);

	sw_set_limit_mb(0);
	d_verify(d.map, last, lost, "after the loss");
	/* What is left goes to the disk (CLEAN), and comes back. */
	for (nlost = 0, pg = 0; pg < ND; pg++)
		nlost += lost[pg];
	err = t_flush(d.fd, AOBJ_FLUSH_CLEAN, 0, 0);
	t_check_errno(err, errno, 0, "FLUSH CLEAN of D");
	v = sw_used(disk) - used0;
	if (!t_check(v == (long long)(ND - nlost),
		     "every page of D not lost is on %s", disk))
		t_diag("expected %zu more slots used, got %lld", ND - nlost, v);
	evict(&d, "D");
	sw_set_limit_mb(0);
	d_verify(d.map, last, lost, "paged out and back in");
	obj_free(&d);
	free(last);
	free(lost);
}

int main(void)
{
	struct aobj_swapdev_info e = { 0 };
	struct aobj_info info;
	struct obj a, b, c;
	char disks[1][64];
	long long base, bs0, sw0, io0, disk_used0, v;
	size_t sigbus, corrupt, i;
	struct timespec t0, t1;
	uint64_t lost, w;
	bool listed = true, dead_seen = false;
	int err, ms;

	sw_init("swap_devloss", 280);
	if (t_pagesize != PG)
		t_skip("page size %ld", t_pagesize);
	sw_disks(disks, 1, 1);
	err = sw_nullb_create(NB_NAME, NB_MB);
	if (err)
		t_skip("no null_blk device (configfs %s): %s", SW_NULLB_DIR,
		       strerror(-err));
	sw_set_limit_mb(0);
	base = t_gstat("swpgonly");

	/* C: on the disk only. */
	sw_swapon_or_bail(disks[0], 0);
	obj_make(&c, NC, 31);
	obj_clean(&c, "C to the disk");
	T_EQ(sw_used(disks[0]), NC, "SWAPS: C's %d pages on %s", NC, disks[0]);

	/* A and B: on null_blk, which fills first. */
	sw_swapon_or_bail(NB_PATH, 10);
	obj_make(&a, NA, 32);
	obj_clean(&a, "A to null_blk");
	T_EQ(sw_used(NB_PATH), NA, "SWAPS: A's %d pages on %s", NA, NB_PATH);
	evict(&a, "A");
	sw_set_limit_mb(0);
	if (!t_stat(a.fd, &info))
		T_EQ(info.resident, 0, "A evicted: its only copy is on null_blk");
	obj_make(&b, NBP, 33);
	obj_clean(&b, "B to null_blk");
	T_EQ(sw_used(NB_PATH), NA + NBP, "SWAPS: A and B on %s", NB_PATH);
	if (!t_stat(b.fd, &info))
		T_EQ(info.resident, NBP, "B stays resident");
	disk_used0 = sw_used(disks[0]);

	bs0 = t_gstat("bad_slots");
	sw0 = t_gstat("swpgonly");
	io0 = t_gstat("io_errors");

	/* The device goes away. */
	sw_mark("null_blk power off");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = sw_nullb_attr(NB_NAME, "power", "0");
	t_check_errno(err ? -1 : 0, -err, 0, "null_blk power=0");
	sw_nullb_remove(NB_NAME);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	sw_mark("null_blk removed");
	t_diag("power off and rmdir took %.2f s", (t1.tv_sec - t0.tv_sec) +
	       (t1.tv_nsec - t0.tv_nsec) / 1e9);
	T_EQ(access(NB_PATH, F_OK) != 0, 1, "%s is gone", NB_PATH);

	for (ms = 0; ms < LEAVE_MS; ms += 20) {
		listed = swaps_by_path(NB_PATH, &e);
		if (!listed)
			break;
		if (e.flags & AOBJ_SWAPDEV_DEAD)
			dead_seen = true;
		usleep(20000);
	}
	if (!t_check(!listed, "SWAPS no longer lists %s (after %d ms)",
		     NB_PATH, ms))
		t_diag("still listed after %d ms: flags %#x used %llu bad %llu",
		       LEAVE_MS, e.flags, (unsigned long long)e.used,
		       (unsigned long long)e.bad);
	t_diag("dead flag %sseen in SWAPS while leaving",
	       dead_seen ? "" : "not ");
	T_EQ(sw_swaps(NULL, 0), 1, "SWAPS: one device left");
	T_EQ(sw_swapdev(disks[0], NULL), 1, "SWAPS: %s still listed", disks[0]);

	/* A: lost, every page. */
	obj_scan(&a, &sigbus, &corrupt);
	if (!t_check(sigbus == NA, "A (only on null_blk): SIGBUS on all %d pages", NA))
		t_diag("expected %d SIGBUS, got %zu (%zu read wrong data)", NA,
		       sigbus, corrupt);
	v = t_gstat("bad_slots") - bs0;
	T_EQ(v, NA, "bad_slots rise by A's pages");
	v = sw0 - t_gstat("swpgonly");
	T_EQ(v, NA, "swpgonly drops by A's pages");
	if (!t_stat(a.fd, &info))
		T_EQ(info.swapped, 0, "STAT of A: nothing swapped");

	/* B (resident) and C (on the disk): intact. */
	obj_scan(&b, &sigbus, &corrupt);
	T_EQ(sigbus + corrupt, 0, "B (resident): every page intact");
	obj_scan(&c, &sigbus, &corrupt);
	T_EQ(sigbus + corrupt, 0, "C (on the disk): every page intact");

	/*
	 * B is dirty again: pageout writes it to the disk, down to the
	 * limit, and CLEAN writes what is left.
	 */
	evict(&b, "B");
	v = sw_used(disks[0]) - disk_used0;
	if (!t_check(v >= NBP - 256, "pageout: B's pages go to %s", disks[0]))
		t_diag("expected >= %d more slots used, got %lld", NBP - 256, v);
	sw_set_limit_mb(0);
	obj_clean(&b, "B, after the loss");
	T_EQ(sw_used(disks[0]) - disk_used0, NBP,
	     "SWAPS: B's %d pages now on %s", NBP, disks[0]);
	if (!t_stat(b.fd, &info))
		T_EQ(info.swapped, NBP, "STAT of B: all %d pages swapped", NBP);
	obj_scan(&b, &sigbus, &corrupt);
	T_EQ(sigbus + corrupt, 0, "B read back from %s: every page intact",
	     disks[0]);
	obj_scan(&c, &sigbus, &corrupt);
	T_EQ(sigbus + corrupt, 0, "C again: every page intact");
	T_EQ(t_gstat("io_errors") - io0, 0, "no I/O error: nothing went to the dead device");

	/* FREE over A: zeros. */
	err = t_flush(a.fd, AOBJ_FLUSH_FREE, 0, 0);
	t_check_errno(err, errno, 0, "FLUSH FREE of A");
	for (sigbus = 0, i = 0; i < NA; i++)
		sigbus += !!sw_read(a.map + i * PG, &w);
	T_EQ(sigbus, 0, "A after FREE: no SIGBUS");
	T_EQ(t_first_nonzero(a.map, NA * PG), -1, "A after FREE: zeros");

	obj_free(&a);
	obj_free(&b);
	obj_free(&c);
	T_EQ(t_gstat("swpgonly"), base, "swpgonly back after detach");

	in_flight(disks[0]);
	T_EQ(t_gstat("swpgonly"), base, "swpgonly back after detach of D");
	err = sw_swapoff(disks[0], &lost);
	t_check_errno(err ? -1 : 0, -err, 0, "SWAPOFF %s", disks[0]);
	T_EQ(lost, 0, "SWAPOFF: lost 0");
	return sw_done();
}
