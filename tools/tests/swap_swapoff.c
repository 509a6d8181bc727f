// SPDX-License-Identifier: GPL-2.0
/*
 * swap_swapoff: swap devices come and go under live data.
 *
 *  - two devices of equal priority take turns;
 *  - of two devices of different priorities the higher one fills first;
 *    SWAPOFF of it, with the object mapped and a reader and a writer thread
 *    busy on it, moves its pages to the other one: nothing lost, the data
 *    intact, SWAPS lists the remaining device only;
 *  - with one device and a resident limit that cannot hold the object,
 *    SWAPOFF fails with ENOMEM, the device stays listed (not draining) and
 *    keeps working; with the limit lifted, SWAPOFF (threads busy again)
 *    succeeds with lost = 0 and everything resident.
 *
 * Needs two free disks in $AOBJ_DISKS (run-vm.sh --disks 2).  Exit 0/1/77.
 */
#include "swaptest.h"

#define LIMIT_MB	8
#define OBJ_MB		16

struct busy {
	char *map;
	size_t npages;
	uint64_t *seeds;
	volatile int stop;
	volatile long reads, writes, read_errors, write_errors;
};

/* Reads random pages of the first half, which nobody writes. */
static void *reader(void *arg)
{
	struct busy *b = arg;
	unsigned int r = 1;
	size_t half = b->npages / 2;

	while (!b->stop) {
		size_t pg = (size_t)rand_r(&r) % half;

		if (!sw_page_ok(b->map + pg * 4096, pg, b->seeds[pg]))
			b->read_errors++;
		/* Keep busy, but leave the CPU to swapoff now and then. */
		if (!(++b->reads % 32))
			usleep(1000);
	}
	return NULL;
}

/* Rewrites random pages of the second half, checking the last write first. */
static void *writer(void *arg)
{
	struct busy *b = arg;
	unsigned int r = 2;
	size_t half = b->npages / 2;
	uint64_t seed = 1000;

	while (!b->stop) {
		size_t pg = half + (size_t)rand_r(&r) % (b->npages - half);
		char *p = b->map + pg * 4096;

		if (!sw_page_ok(p, pg, b->seeds[pg]))
			b->write_errors++;
		sw_fill_page(p, pg, ++seed);
		b->seeds[pg] = seed;
		if (!(++b->writes % 32))
			usleep(1000);
	}
	return NULL;
}

static pthread_t threads[2];

static void busy_start(struct busy *b)
{
	long start = b->reads + b->writes;
	int i;

	b->stop = 0;
	if (pthread_create(&threads[0], NULL, reader, b) ||
	    pthread_create(&threads[1], NULL, writer, b))
		t_bail("pthread_create failed");
	/* Let them get going. */
	for (i = 0; i < 200 && b->reads + b->writes < start + 64; i++)
		usleep(10000);
}

static void busy_stop(struct busy *b, const char *what)
{
	b->stop = 1;
	pthread_join(threads[0], NULL);
	pthread_join(threads[1], NULL);
	t_diag("%s: %ld reads, %ld writes by the threads", what, b->reads,
	       b->writes);
	if (!t_check(!b->read_errors && !b->write_errors,
		     "%s: the threads saw every page as last written", what))
		t_diag("expected 0 bad reads, got %ld (reader) + %ld (writer)",
		       b->read_errors, b->write_errors);
	b->read_errors = b->write_errors = 0;
}

static void fill(char *map, size_t npages, uint64_t *seeds, uint64_t seed)
{
	size_t i;

	for (i = 0; i < npages; i++) {
		seeds[i] = seed;
		sw_fill_page(map + i * 4096, i, seed);
	}
}

/* Equal priorities take turns. */
static void equal_priorities(const char *a, const char *b)
{
	const size_t size = 16 * SW_MIB, npages = size / 4096;
	long long ua, ub;
	uint64_t *seeds = calloc(npages, sizeof(*seeds)), lost;
	unsigned int id;
	char *map;
	int fd, err;

	sw_swapon_or_bail(a, 0);
	sw_swapon_or_bail(b, 0);
	id = t_create(size, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	map = t_map(fd, size, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED || !seeds)
		t_bail("mmap/calloc failed");
	fill(map, npages, seeds, 7);
	ua = sw_used(a);
	ub = sw_used(b);
	if (!t_check(ua > 0 && ub > 0, "equal priorities: both devices take pages"))
		t_diag("expected used > 0 on both, got %s %lld, %s %lld", a, ua,
		       b, ub);
	sw_verify_pages(map, npages, seeds, 0, "equal priorities: data");
	munmap(map, size);
	close(fd);
	T_EQ(t_detach(id), 0, "equal priorities: detach");
	T_EQ(sw_used(a) + sw_used(b), 0, "equal priorities: slots free after detach");
	err = sw_swapoff(a, &lost);
	t_check_errno(err ? -1 : 0, -err, 0, "SWAPOFF %s (no pages on it)", a);
	err = sw_swapoff(b, &lost);
	t_check_errno(err ? -1 : 0, -err, 0, "SWAPOFF %s (no pages on it)", b);
	free(seeds);
}

int main(void)
{
	char disks[4][64], *hi, *lo;
	const size_t size = OBJ_MB * SW_MIB, npages = size / 4096;
	struct aobj_swapdev_info ents[8], e;
	struct aobj_info info;
	struct busy b = { 0 };
	uint64_t *seeds, lost;
	long long v, po;
	unsigned int id;
	char *map;
	int fd, err, n, i;

	sw_init("swap_swapoff", 300);
	if (t_pagesize != 4096)
		t_skip("page size %ld", t_pagesize);
	sw_disks(disks, 4, 2);
	hi = disks[0];
	lo = disks[1];
	sw_set_limit_mb(LIMIT_MB);

	sw_mark("start");
	equal_priorities(hi, lo);

	/* Different priorities: the higher one fills first. */
	sw_swapon_or_bail(lo, 5);
	sw_swapon_or_bail(hi, 10);
	n = sw_swaps(ents, 8);
	T_EQ(n, 2, "SWAPS lists two devices");
	if (n == 2 && !t_check(ents[0].priority == 10 && ents[1].priority == 5,
			       "SWAPS: by decreasing priority (10, 5)"))
		t_diag("got %d, %d", ents[0].priority, ents[1].priority);
	if (sw_swapdev(hi, &e))
		T_EQ(e.flags, 0, "SWAPS: %s not draining", hi);

	id = t_create(size, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	map = t_map(fd, size, PROT_READ | PROT_WRITE);
	seeds = calloc(npages, sizeof(*seeds));
	if (map == MAP_FAILED || !seeds)
		t_bail("mmap/calloc failed");
	fill(map, npages, seeds, 1);
	v = sw_used(hi);
	if (!t_check(v > 0, "priority 10 device %s takes the pages", hi))
		t_diag("expected used > 0, got %lld", v);
	T_EQ(sw_used(lo), 0, "priority 5 device %s stays empty", lo);

	sw_mark("filled");
	/* SWAPOFF of the high one while the object is in use. */
	b.map = map;
	b.npages = npages;
	b.seeds = seeds;
	busy_start(&b);
	err = sw_swapoff(hi, &lost);
	t_check_errno(err ? -1 : 0, -err, 0,
		      "SWAPOFF %s with a reader and a writer busy", hi);
	if (!err)
		T_EQ(lost, 0, "SWAPOFF %s: lost 0", hi);
	busy_stop(&b, "SWAPOFF of the high priority device");
	n = sw_swaps(ents, 8);
	if (!t_check(n == 1 && sw_swapdev(lo, NULL) && !sw_swapdev(hi, NULL),
		     "SWAPS lists %s only", lo))
		t_diag("got %d device(s), %s %slisted, %s %slisted", n, lo,
		       sw_swapdev(lo, NULL) ? "" : "not ", hi,
		       sw_swapdev(hi, NULL) ? "" : "not ");
	v = sw_used(lo);
	if (!t_check(v > 0, "the pages went to %s", lo))
		t_diag("expected used > 0, got %lld", v);
	sw_verify_pages(map, npages, seeds, 0, "data after SWAPOFF of one device");

	sw_mark("swapoff of one device done");
	/* One device, a limit that cannot hold the object: ENOMEM. */
	err = sw_swapoff(lo, &lost);
	t_check_errno(err ? -1 : 0, -err, ENOMEM,
		      "SWAPOFF of the last device, %d MiB object over a %d MiB limit",
		      OBJ_MB, LIMIT_MB);
	if (!t_check(sw_swapdev(lo, &e), "%s still listed after the failed SWAPOFF", lo))
		t_bail("device gone");
	T_EQ(e.flags, 0, "%s not left draining", lo);
	po = t_gstat("pageouts");
	for (i = 0; i < (int)npages; i += 3) {
		seeds[i] = 99;
		sw_fill_page(map + (size_t)i * 4096, (size_t)i, 99);
	}
	sw_verify_pages(map, npages, seeds, 0, "data after the failed SWAPOFF, a third rewritten");
	v = t_gstat("pageouts") - po;
	if (!t_check(v > 0, "%s still takes pageouts", lo))
		t_diag("expected > 0, got %lld", v);
	if (T_STAT(fd, &info) &&
	    !t_check(info.swapped > 0, "STAT: pages still swapped"))
		t_diag("expected > 0, got %llu", (unsigned long long)info.swapped);

	sw_mark("ENOMEM part done");
	/* Lift the limit: SWAPOFF succeeds, threads busy again. */
	sw_set_limit_mb(0);
	busy_start(&b);
	err = sw_swapoff(lo, &lost);
	t_check_errno(err ? -1 : 0, -err, 0,
		      "SWAPOFF %s without a limit, a reader and a writer busy", lo);
	if (!err)
		T_EQ(lost, 0, "SWAPOFF %s: lost 0", lo);
	busy_stop(&b, "SWAPOFF of the last device");
	T_EQ(sw_swaps(ents, 8), 0, "SWAPS lists no device");
	if (T_STAT(fd, &info)) {
		T_EQ(info.swapped, 0, "STAT swapped 0");
		T_EQ(info.resident, npages, "STAT: every page resident");
	}
	sw_verify_pages(map, npages, seeds, 0, "data after the last SWAPOFF");

	sw_mark("last swapoff done");
	munmap(map, size);
	close(fd);
	T_EQ(t_detach(id), 0, "detach");
	free(seeds);
	return sw_done();
}
