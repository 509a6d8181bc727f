// SPDX-License-Identifier: GPL-2.0
/*
 * swap_errors: I/O errors on the swap device.
 *
 * Read errors: a memory-backed null_blk disk is the only swap device, so
 * its slots start at 1 and slot s lies at sector (s - 1) * 8.  FLUSH CLEAN
 * of a fresh object writes page i to slot i + 1 (clean runs go in index
 * order to contiguous slots from the start of the device).  The pages are
 * then evicted (a tiny limit: clean pages leave without I/O), badblocks
 * are set on the sectors of a few pages, and every page is read back:
 * exactly those pages give SIGBUS (again on a second touch), every other
 * page is intact; io_errors and bad_slots rise and SWAPS counts the bad
 * slots; FLUSH FREE over a bad page makes it read zeros.
 *
 * Write errors: fail_make_request on the device.  FLUSH CLEAN fails, the
 * data stays resident and intact, the slots are retired; later pageouts
 * under a limit with a few more failures lose nothing either.
 *
 * Needs null_blk with configfs (the debug kernel has it built in; the
 * stock kernel's module is loaded) and, for write errors,
 * CONFIG_FAIL_MAKE_REQUEST with debugfs.  Exit 0/1/77.
 */
#include "swaptest.h"

#define NB_NAME		"swnullb0"
#define NB_PATH		"/dev/" NB_NAME
#define NB_MB		64
#define FMR		"/sys/kernel/debug/fail_make_request/"
#define MAKE_IT_FAIL	"/sys/block/" NB_NAME "/make-it-fail"

static const size_t bad_pages[] = { 5, 100, 101, 777, 1500 };
#define NBAD	(sizeof(bad_pages) / sizeof(bad_pages[0]))

static bool is_bad(size_t pg)
{
	size_t i;

	for (i = 0; i < NBAD; i++)
		if (bad_pages[i] == pg)
			return true;
	return false;
}

static void badblocks(char op, size_t pg)
{
	char buf[64];
	int err;

	snprintf(buf, sizeof(buf), "%c%zu-%zu", op, pg * 8, pg * 8 + 7);
	err = sw_nullb_attr(NB_NAME, "badblocks", buf);
	if (err)
		t_bail("badblocks %s: %s", buf, strerror(-err));
}

static void read_errors(void)
{
	const size_t npages = 4096, size = npages * 4096;
	long long io0, bs0, sw0, v;
	struct aobj_swapdev_info e;
	struct aobj_info info;
	size_t i, sigbus = 0, wrong_sigbus = 0, corrupt = 0, missed = 0;
	unsigned int id;
	uint64_t w, lost;
	char *map;
	int fd, err;

	sw_set_limit_mb(0);
	sw_swapon_or_bail(NB_PATH, 0);
	sw0 = t_gstat("swpgonly");
	id = t_create(size, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	map = t_map(fd, size, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	for (i = 0; i < npages; i++)
		sw_fill_page(map + i * 4096, i, 5);
	err = t_flush(fd, AOBJ_FLUSH_CLEAN, 0, 0);
	t_check_errno(err, errno, 0, "FLUSH CLEAN of %zu pages to %s", npages, NB_PATH);
	T_EQ(sw_used(NB_PATH), npages, "SWAPS: %zu slots used", npages);

	/* Evict: clean pages go without I/O. */
	sw_set_limit_mb(1);
	v = sw_wait_resident(256, 10000);
	if (!t_check(v <= 256, "limit 1 MiB: pages evicted"))
		t_diag("expected <= 256 resident, got %lld", v);
	if (T_STAT(fd, &info) && info.resident > 256)
		t_diag("object resident %llu", (unsigned long long)info.resident);

	for (i = 0; i < NBAD; i++)
		badblocks('+', bad_pages[i]);
	io0 = t_gstat("io_errors");
	bs0 = t_gstat("bad_slots");
	sw_set_limit_mb(8);

	for (i = 0; i < npages; i++) {
		char *p = map + i * 4096;

		if (sw_read(p, &w)) {
			sigbus++;
			if (!is_bad(i) && wrong_sigbus++ < 5)
				t_diag("page %zu: unexpected SIGBUS", i);
			continue;
		}
		if (is_bad(i)) {
			missed++;
			t_diag("page %zu (sectors %zu-%zu bad): no SIGBUS", i,
			       i * 8, i * 8 + 7);
			continue;
		}
		if (!sw_page_ok(p, i, 5) && corrupt++ < 5)
			t_diag("page %zu: wrong data", i);
	}
	if (!t_check(!wrong_sigbus && !missed,
		     "SIGBUS on exactly the %zu pages with bad sectors", NBAD))
		t_diag("expected %zu SIGBUS, got %zu (%zu on good pages, %zu bad pages read)",
		       NBAD, sigbus, wrong_sigbus, missed);
	T_EQ(corrupt, 0, "every other page is intact");
	v = t_gstat("io_errors") - io0;
	if (!t_check(v >= (long long)(NBAD - missed), "io_errors rise by the read errors"))
		t_diag("expected >= %zu, got %lld", NBAD - missed, v);
	v = t_gstat("bad_slots") - bs0;
	T_EQ(v, NBAD - missed, "bad_slots rise by the bad pages");
	if (sw_swapdev(NB_PATH, &e))
		T_EQ(e.bad, NBAD - missed, "SWAPS: bad count of %s", NB_PATH);

	/* A second touch: SIGBUS again, without I/O. */
	io0 = t_gstat("io_errors");
	T_EQ(sw_read(map + bad_pages[0] * 4096, &w), -1,
	     "bad page %zu: SIGBUS again", bad_pages[0]);
	T_EQ(sw_write(map + bad_pages[3] * 4096, 1), -1,
	     "bad page %zu: SIGBUS on write too", bad_pages[3]);
	T_EQ(t_gstat("io_errors") - io0, 0, "no I/O on a page already known bad");
	if (T_STAT(fd, &info) &&
	    t_check(sw_swapdev(NB_PATH, &e), "%s is in SWAPS", NB_PATH))
		T_EQ(info.swapped, e.used - e.bad,
		     "STAT swapped = slots in use on %s, the bad ones left out", NB_PATH);

	/* FREE over a bad page: zeros. */
	err = t_flush(fd, AOBJ_FLUSH_FREE, bad_pages[0] * 4096, 4096);
	t_check_errno(err, errno, 0, "FLUSH FREE of bad page %zu", bad_pages[0]);
	v = sw_read(map + bad_pages[0] * 4096, &w);
	T_EQ(v, 0, "page %zu faults in after FREE", bad_pages[0]);
	if (!v)
		T_EQ(t_first_nonzero(map + bad_pages[0] * 4096, 4096), -1,
		     "page %zu reads zeros after FREE", bad_pages[0]);
	/* FREE of a range holding two bad pages and a good one. */
	err = t_flush(fd, AOBJ_FLUSH_FREE, 99 * 4096, 3 * 4096);
	t_check_errno(err, errno, 0, "FLUSH FREE of pages 99-101");
	if (!sw_read(map + 100 * 4096, &w) && !sw_read(map + 101 * 4096, &w) &&
	    !sw_read(map + 99 * 4096, &w))
		T_EQ(t_first_nonzero(map + 99 * 4096, 3 * 4096), -1,
		     "pages 99-101 read zeros after FREE");
	else
		t_check(false, "pages 99-101 fault in after FREE");
	T_EQ(sw_read(map + bad_pages[3] * 4096, &w), -1,
	     "bad page %zu, not freed: still SIGBUS", bad_pages[3]);
	T_EQ(sw_read(map + 98 * 4096, &w) == 0 && sw_page_ok(map + 98 * 4096, 98, 5), 1,
	     "page 98 next to the freed range intact");

	for (i = 0; i < NBAD; i++)
		badblocks('-', bad_pages[i]);
	munmap(map, size);
	close(fd);
	T_EQ(t_detach(id), 0, "detach");
	T_EQ(t_gstat("swpgonly"), sw0, "swpgonly back after detach");
	if (sw_swapdev(NB_PATH, &e))
		T_EQ(e.used, e.bad, "SWAPS: only the retired slots stay used");
	sw_set_limit_mb(0);
	err = sw_swapoff(NB_PATH, &lost);
	t_check_errno(err ? -1 : 0, -err, 0, "SWAPOFF %s", NB_PATH);
	T_EQ(lost, 0, "SWAPOFF: lost 0");
}

/* ---- write errors ---- */

static char fmr_saved[4][32];
static const char *const fmr_attrs[] = { "probability", "interval", "times", "verbose" };

static void fmr_save(void)
{
	char path[128];
	size_t i;

	for (i = 0; i < 4; i++) {
		int fd;
		ssize_t n;

		snprintf(path, sizeof(path), FMR "%s", fmr_attrs[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd >= 0 ? read(fd, fmr_saved[i], sizeof(fmr_saved[i]) - 1) : -1;
		if (fd >= 0)
			close(fd);
		fmr_saved[i][n > 0 ? n : 0] = 0;
	}
}

static void fmr_restore(void)
{
	char path[128];
	size_t i;

	write_str(MAKE_IT_FAIL, "0");
	for (i = 0; i < 4; i++) {
		if (!fmr_saved[i][0])
			continue;
		snprintf(path, sizeof(path), FMR "%s", fmr_attrs[i]);
		write_str(path, fmr_saved[i]);
	}
}

static void fmr_on(const char *times)
{
	if (write_str(FMR "verbose", "0") ||
	    write_str(FMR "interval", "1") ||
	    write_str(FMR "times", times) ||
	    write_str(FMR "probability", "100") ||
	    write_str(MAKE_IT_FAIL, "1"))
		t_bail("cannot set up fail_make_request: %s", strerror(errno));
}

static void write_errors(void)
{
	const size_t npages = 2048, size = npages * 4096;
	long long io0, bs0, v;
	struct aobj_swapdev_info e;
	struct aobj_info info;
	uint64_t lost, *seeds;
	unsigned int id;
	size_t i;
	char *map;
	int fd, err;

	sw_set_limit_mb(0);
	sw_swapon_or_bail(NB_PATH, 0);
	id = t_create(size, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	map = t_map(fd, size, PROT_READ | PROT_WRITE);
	seeds = calloc(npages, sizeof(*seeds));
	if (map == MAP_FAILED || !seeds)
		t_bail("mmap/calloc failed");
	for (i = 0; i < npages; i++) {
		seeds[i] = 9;
		sw_fill_page(map + i * 4096, i, 9);
	}

	fmr_save();
	atexit(fmr_restore);
	fmr_on("-1");
	io0 = t_gstat("io_errors");
	bs0 = t_gstat("bad_slots");
	err = t_flush(fd, AOBJ_FLUSH_CLEAN, 0, 0);
	t_check_errno(err, errno, EIO, "FLUSH CLEAN with every write failing");
	write_str(MAKE_IT_FAIL, "0");
	v = t_gstat("io_errors") - io0;
	if (!t_check(v > 0, "write failure: io_errors rise"))
		t_diag("expected > 0, got %lld", v);
	v = t_gstat("bad_slots") - bs0;
	if (!t_check(v > 0, "write failure: bad_slots rise"))
		t_diag("expected > 0, got %lld", v);
	if (sw_swapdev(NB_PATH, &e)) {
		if (!t_check(e.bad > 0 && e.bad == (uint64_t)v,
			     "SWAPS lists the retired slots"))
			t_diag("expected %lld, got %llu", v, (unsigned long long)e.bad);
	}
	if (T_STAT(fd, &info)) {
		T_EQ(info.resident, npages, "write failure: data stays resident");
		T_EQ(info.swapped, 0, "write failure: no swap copy recorded");
	}
	sw_verify_pages(map, npages, seeds, 0, "data after failed writes");

	/* The pages stayed dirty: CLEAN without failures writes them all. */
	io0 = t_gstat("pageouts");
	err = t_flush(fd, AOBJ_FLUSH_CLEAN, 0, 0);
	t_check_errno(err, errno, 0, "FLUSH CLEAN once writes succeed");
	T_EQ(t_gstat("pageouts") - io0, npages, "the pages were still dirty: all written");

	/* Pageout under a limit, a few writes failing. */
	for (i = 0; i < npages; i++) {
		seeds[i] = 10;
		sw_fill_page(map + i * 4096, i, 10);
	}
	io0 = t_gstat("io_errors");
	fmr_on("3");
	sw_set_limit_mb(4);
	sw_verify_pages(map, npages, seeds, 0, "data paged out under a limit, 3 writes failing");
	for (i = 0; i < npages; i += 2) {
		seeds[i] = 11;
		sw_fill_page(map + i * 4096, i, 11);
	}
	sw_verify_pages(map, npages, seeds, 0, "rewrite of half, read back");
	/* The pageout worker may still be writing: give it 5 s to fail. */
	for (i = 0; i < 100 && t_gstat("io_errors") - io0 < 3; i++)
		usleep(50000);
	v = t_gstat("io_errors") - io0;
	T_EQ(v, 3, "io_errors rise by the 3 failed writes");
	fmr_restore();
	munmap(map, size);
	close(fd);
	T_EQ(t_detach(id), 0, "detach");
	sw_set_limit_mb(0);
	err = sw_swapoff(NB_PATH, &lost);
	t_check_errno(err ? -1 : 0, -err, 0, "SWAPOFF %s", NB_PATH);
	T_EQ(lost, 0, "SWAPOFF: lost 0");
	free(seeds);
}

int main(void)
{
	struct aobj_swapdev_info ents[8];
	bool fmr;
	int err;

	sw_init("swap_errors", 300);
	if (t_pagesize != 4096)
		t_skip("page size %ld", t_pagesize);
	if (sw_swaps(ents, 8))
		t_skip("a swap device is in use already: slot numbers would not start at 1");
	err = sw_nullb_create(NB_NAME, NB_MB);
	if (err)
		t_skip("no null_blk device (configfs %s): %s", SW_NULLB_DIR,
		       strerror(-err));
	fmr = !access(FMR "probability", W_OK) && !access(MAKE_IT_FAIL, W_OK);

	read_errors();
	/* A fresh device for the write errors. */
	sw_nullb_remove(NB_NAME);
	err = sw_nullb_create(NB_NAME, NB_MB);
	if (err)
		t_bail("null_blk again: %s", strerror(-err));
	if (fmr)
		write_errors();
	else
		t_diag("SKIP write errors: no fail_make_request (%s, %s)", FMR,
		       MAKE_IT_FAIL);
	return sw_done();
}
