// SPDX-License-Identifier: GPL-2.0
/*
 * swap_stall: a swap device that does not answer a request.
 *
 * null_blk's timeout injection drops one request, which the block layer
 * times out only after the disk's io_timeout (STALL_MS here).  aobj must
 * give up on it after swap_io_timeout (GIVE_UP_S) instead: the fault that
 * waited for it gets SIGBUS within that time, io_timeouts counts it, the
 * device is marked failing and stalled (its other pages fail at once, not
 * after another wait each), it can be swapped off at once, and it cannot
 * be swapped on again until the request has ended (aobj keeps it claimed,
 * since a late write could land on a reused slot).  Once it has, the
 * device serves again.  A write that gets no answer leaves its pages in
 * memory, intact.
 *
 * Needs null_blk's timeout injection (CONFIG_BLK_DEV_NULL_BLK_FAULT_INJECTION
 * with configfs): the debug kernel only.  Exit 0/1/77.
 */
#include "swaptest.h"

#define NB_NAME		"swstall0"
#define NB_PATH		"/dev/" NB_NAME
#define NB_MB		16
#define INJECT		SW_NULLB_DIR NB_NAME "/timeout_inject/"
#define GIVE_UP_S	2
#define STALL_MS	12000
#define NPAGES		512

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* null_blk drops the next request: the block layer ends it after STALL_MS. */
static void arm(void)
{
	if (write_str(INJECT "verbose", "0") ||
	    write_str(INJECT "interval", "1") ||
	    write_str(INJECT "times", "1") ||
	    write_str(INJECT "probability", "100"))
		t_bail("cannot arm %s", INJECT);
}

/* Swapon, as soon as the request given up on has ended; seconds since @t. */
static double wait_swapon(double t)
{
	double took;
	int n, err;

	for (n = 0; n < 2 * STALL_MS / 100; n++) {
		err = sw_swapon(NB_PATH, 0);
		if (err != -EBUSY)
			break;
		usleep(100000);
	}
	took = now() - t;
	if (!t_check_errno(err ? -1 : 0, -err, 0,
			   "SWAPON once the request has ended (%.1f s later)", took))
		t_bail("cannot go on without the device");
	return took;
}

/* Fill a fresh object of NPAGES, write it to the device, evict it. */
static char *object_on_device(uint64_t seed, int *fdp)
{
	const size_t size = (size_t)NPAGES * 4096;
	long long v;
	char *map;
	size_t i;
	int fd, err;

	fd = t_open_or_bail(t_create(size, 0, 0600), O_RDWR);
	map = t_map(fd, size, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	for (i = 0; i < NPAGES; i++)
		sw_fill_page(map + i * 4096, i, seed);
	err = t_flush(fd, AOBJ_FLUSH_CLEAN, 0, 0);
	t_check_errno(err, errno, 0, "FLUSH CLEAN of %d pages to %s", NPAGES,
		      NB_PATH);
	/* Clean pages leave without I/O. */
	sw_set_limit_mb(1);
	v = sw_wait_resident(256, 10000);
	if (!t_check(v <= 256, "limit 1 MiB: pages evicted"))
		t_diag("expected <= 256 resident, got %lld", v);
	*fdp = fd;
	return map;
}

/*
 * A read that gets no answer: SIGBUS after swap_io_timeout; the device is
 * stalled (its other pages fail at once), is swapped off at once, and
 * cannot be swapped on again until the read has ended.
 */
static void stalled_read(void)
{
	struct aobj_swapdev_info e;
	long long to0, io0, used;
	uint64_t w, lost;
	double t, took;
	char *map, *map2;
	int fd, fd2, err;

	sw_swapon_or_bail(NB_PATH, 0);
	map = object_on_device(7, &fd);
	used = sw_used(NB_PATH);
	T_EQ(used, NPAGES, "SWAPS: %d slots used on %s", NPAGES, NB_PATH);

	arm();
	to0 = t_gstat("io_timeouts");
	io0 = t_gstat("io_errors");
	sw_set_limit_mb(8);

	/* The read of page 0 (with its readahead) is never answered. */
	t = now();
	err = sw_read(map, &w);
	took = now() - t;
	T_EQ(err, -1, "page 0, whose read got no answer: SIGBUS");
	if (!t_check(took >= GIVE_UP_S - 0.5 && took < GIVE_UP_S + 2.5,
		     "given up after swap_io_timeout (%d s), not the disk's %d ms",
		     GIVE_UP_S, STALL_MS))
		t_diag("SIGBUS after %.1f s", took);
	T_EQ(t_gstat("io_timeouts") - to0, 1, "io_timeouts counts it");
	t_check(t_gstat("io_errors") > io0, "io_errors counts it");
	if (t_check(sw_swapdev(NB_PATH, &e), "%s still listed", NB_PATH))
		t_check((e.flags & AOBJ_SWAPDEV_FAILING) &&
			(e.flags & AOBJ_SWAPDEV_STALLED),
			"%s marked failing and stalled", NB_PATH);

	/* Stalled: the next page fails at once, without a wait of its own. */
	t = now();
	err = sw_read(map + 100 * 4096, &w);
	took = now() - t;
	T_EQ(err, -1, "page 100 of the stalled device: SIGBUS");
	if (!t_check(took < 1.0, "at once, not after another timeout"))
		t_diag("SIGBUS after %.1f s", took);

	/* Swapoff does not wait for the request either. */
	t = now();
	err = sw_swapoff(NB_PATH, &lost);
	took = now() - t;
	t_check_errno(err ? -1 : 0, -err, 0, "SWAPOFF of the stalled device");
	if (!t_check(took < GIVE_UP_S + 1.0, "swapoff done in %.1f s", took))
		t_diag("the request ends after %d ms", STALL_MS);
	t_diag("swapoff: %llu page(s) lost", (unsigned long long)lost);
	err = sw_swapon(NB_PATH, 0);
	t_check_errno(err ? -1 : 0, -err, EBUSY,
		      "SWAPON while the request given up on is pending");
	if (!err)
		sw_swapoff(NB_PATH, NULL);

	/* The block layer times the request out; then the device is free. */
	wait_swapon(t);
	sw_set_limit_mb(0);
	map2 = object_on_device(9, &fd2);
	sw_set_limit_mb(0);
	sw_verify_pages(map2, NPAGES, NULL, 9, "an object paged out to it again");
	munmap(map2, (size_t)NPAGES * 4096);
	munmap(map, (size_t)NPAGES * 4096);
	t_detach_fd(fd2);
	t_detach_fd(fd);
	close(fd2);
	close(fd);
}

/*
 * A write that gets no answer: the pages stay in memory, intact and
 * dirty; the device, swapped off meanwhile, stays claimed until the
 * write has ended, and then serves again.
 */
static void stalled_write(void)
{
	const size_t n = 64, size = n * 4096;
	struct aobj_swapdev_info e;
	long long to0;
	uint64_t lost;
	double t, took;
	char *map;
	size_t i;
	int fd, err;

	sw_set_limit_mb(0);
	fd = t_open_or_bail(t_create(size, 0, 0600), O_RDWR);
	map = t_map(fd, size, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	for (i = 0; i < n; i++)
		sw_fill_page(map + i * 4096, i, 11);
	arm();
	to0 = t_gstat("io_timeouts");
	t = now();
	err = t_flush(fd, AOBJ_FLUSH_CLEAN, 0, 0);
	took = now() - t;
	t_check(err != 0, "FLUSH CLEAN whose write got no answer fails (%s)",
		err ? strerror(errno) : "no error");
	if (!t_check(took < GIVE_UP_S + 2.5, "after swap_io_timeout, not the disk's %d ms",
		     STALL_MS))
		t_diag("FLUSH took %.1f s", took);
	T_EQ(t_gstat("io_timeouts") - to0, 1, "io_timeouts counts it");
	if (t_check(sw_swapdev(NB_PATH, &e), "%s still listed", NB_PATH))
		t_check(e.bad > 0, "its slots are retired (%llu bad)",
			(unsigned long long)e.bad);
	sw_verify_pages(map, n, NULL, 11, "the pages whose write got no answer");

	t = now();
	err = sw_swapoff(NB_PATH, &lost);
	took = now() - t;
	t_check_errno(err ? -1 : 0, -err, 0, "SWAPOFF with the write pending");
	if (!t_check(took < 1.5, "at once"))
		t_diag("swapoff took %.1f s", took);
	T_EQ(lost, 0, "SWAPOFF: nothing lost");
	err = sw_swapon(NB_PATH, 0);
	t_check_errno(err ? -1 : 0, -err, EBUSY,
		      "SWAPON while the write given up on is pending: still claimed");
	if (!err)
		sw_swapoff(NB_PATH, NULL);
	wait_swapon(t);
	err = t_flush(fd, AOBJ_FLUSH_CLEAN, 0, 0);
	t_check_errno(err, errno, 0, "FLUSH CLEAN to the device again");
	T_EQ(sw_used(NB_PATH), (long long)n, "SWAPS: its %zu pages on it", n);
	sw_verify_pages(map, n, NULL, 11, "the pages, after all that");
	munmap(map, size);
	close(fd);
}

int main(void)
{
	struct aobj_swapdev_info ents[8];
	char val[32];
	int err;

	sw_init("swap_stall", 120);
	if (t_pagesize != 4096)
		t_skip("page size %ld", t_pagesize);
	if (sw_swaps(ents, 8))
		t_skip("a swap device is in use already");
	err = sw_nullb_create(NB_NAME, NB_MB);
	if (err)
		t_skip("no null_blk device (configfs %s): %s", SW_NULLB_DIR,
		       strerror(-err));
	if (access(INJECT "probability", W_OK))
		t_skip("no null_blk timeout injection (%s)", INJECT);
	snprintf(val, sizeof(val), "%d", STALL_MS);
	err = write_str("/sys/block/" NB_NAME "/queue/io_timeout", val);
	if (err)
		t_bail("io_timeout: %s", strerror(-err));
	snprintf(val, sizeof(val), "%d", GIVE_UP_S);
	if (t_param_set("swap_io_timeout", val))
		t_bail("swap_io_timeout: %s", strerror(errno));
	stalled_read();
	stalled_write();
	return sw_done();
}
