// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for aobj's swap layer: the slot allocator, swapon/swapoff,
 * and the pageout, CLEAN and swap-in paths on real block devices.
 *
 * The debug kernel has brd built in: /dev/ram0.. of 64 MiB (16384 slots)
 * each.  Every test swaps off what it swapped on and frees the slots it
 * took, from a deferred action, so that a failed assertion leaves nothing
 * behind.  Pages are pushed out of memory through the max_resident_mb
 * limit, written through sysfs: the module has no call to evict a page.
 *
 * Module metadata (license, namespace import) is in aobj_object_test.c.
 */

#include <kunit/resource.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <kunit/test-bug.h>
#include <linux/bitmap.h>
#include <linux/blk_types.h>
#include <linux/blkdev.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "aobj.h"
#include "aobj_internal.h"
#include "aobj_swap.h"
#include "aobj_swmap.h"
#include "uapi/linux/aobj.h"

#define RAM0		"/dev/ram0"
#define RAM1		"/dev/ram1"
#define RAM2		"/dev/ram2"
#define RAM3		"/dev/ram3"
/* CONFIG_BLK_DEV_RAM_SIZE=65536 KiB */
#define RAM_SLOTS	16384
#define MAX_SWAPDEVS	4
/* Slot numbers the tests can meet: at most MAX_SWAPDEVS devices. */
#define MAX_SLOT	(MAX_SWAPDEVS * RAM_SLOTS + 1)

#define LIMIT_PARAM	"/sys/module/aobj/parameters/max_resident_mb"
/* A filler object this large fills a limit of 1 MiB. */
#define FILLER_PAGES	(SZ_1M / PAGE_SIZE)

/**
 * struct swap_ctx - what a test holds, released by swap_ctx_cleanup()
 * @test: the test
 * @mine: slots the test allocated and has not freed or retired
 * @on: devices the test swapped on and has not swapped off
 * @reads: aobj_swap_rw() reads seen by a stub
 * @writes: aobj_swap_rw() writes seen by a stub
 * @fail_reads: bit n set: the stub fails the n-th read with -EIO
 * @fail_writes: the same for writes
 * @entered: completed by swap_rw_block_stub() when it starts to wait
 * @release: what swap_rw_block_stub() waits for
 * @blocked: swap_rw_block_stub() has blocked once already
 */
struct swap_ctx {
	struct kunit *test;
	unsigned long *mine;
	const char *on[MAX_SWAPDEVS];
	int reads;
	int writes;
	unsigned long fail_reads;
	unsigned long fail_writes;
	struct completion entered;
	struct completion release;
	bool blocked;
};

/* Free the test's slots first: a device with slots in use never drains. */
static void swap_ctx_cleanup(void *data)
{
	struct swap_ctx *ctx = data;
	unsigned long bit;
	u64 lost;
	int i, err;

	for_each_set_bit(bit, ctx->mine, MAX_SLOT)
		aobj_swap_free(bit, 1);
	for (i = MAX_SWAPDEVS - 1; i >= 0; i--) {
		if (!ctx->on[i])
			continue;
		err = aobj_swapoff(ctx->on[i], &lost);
		KUNIT_EXPECT_EQ_MSG(ctx->test, err, 0, "swapoff %s at cleanup",
				    ctx->on[i]);
		KUNIT_EXPECT_EQ(ctx->test, lost, 0ULL);
	}
}

static int swap_test_init(struct kunit *test)
{
	struct swap_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->mine = kunit_kcalloc(test, BITS_TO_LONGS(MAX_SLOT), sizeof(long),
				  GFP_KERNEL);
	if (!ctx->mine)
		return -ENOMEM;
	ctx->test = test;
	init_completion(&ctx->entered);
	init_completion(&ctx->release);
	test->priv = ctx;
	return kunit_add_action_or_reset(test, swap_ctx_cleanup, ctx);
}

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

/* aobj_swap_list()'s entry for @path; false if it is not listed. */
static bool swap_info(struct kunit *test, const char *path,
		      struct aobj_swapdev_info *out)
{
	struct aobj_swapdev_info *info;
	bool found = false;
	u32 n, i;

	info = kcalloc(MAX_SWAPDEVS, sizeof(*info), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, info);
	n = aobj_swap_list(info, MAX_SWAPDEVS);
	for (i = 0; i < min_t(u32, n, MAX_SWAPDEVS); i++) {
		if (!strcmp(info[i].path, path)) {
			*out = info[i];
			found = true;
			break;
		}
	}
	kfree(info);
	return found;
}

/* Swap on @path; skip the test if the kernel has no such device. */
static void swap_on(struct kunit *test, const char *path, int prio)
{
	struct swap_ctx *ctx = test->priv;
	int i, err;

	for (i = 0; i < MAX_SWAPDEVS && ctx->on[i]; i++)
		;
	KUNIT_ASSERT_LT(test, i, MAX_SWAPDEVS);
	err = aobj_swapon(path, prio);
	/*
	 * A swapoff from a kernel thread puts its file with a delayed fput(),
	 * so the exclusive claim may outlive aobj_swapoff() (see
	 * swap_swapoff_release_test): wait for it here, so that the other
	 * tests do not depend on that.
	 */
	if (err == -EBUSY) {
		struct aobj_swapdev_info info;

		if (!swap_info(test, path, &info)) {
			flush_delayed_fput();
			err = aobj_swapon(path, prio);
		}
	}
	if (err == -ENOENT)
		kunit_skip(test, "%s does not exist (brd not built in?)", path);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "swapon %s", path);
	ctx->on[i] = path;
}

/* Swap off @path now; it is not swapped off again at cleanup. */
static int swap_off(struct kunit *test, const char *path, u64 *lost)
{
	struct swap_ctx *ctx = test->priv;
	int i, err;

	err = aobj_swapoff(path, lost);
	if (err)
		return err;
	for (i = 0; i < MAX_SWAPDEVS; i++)
		if (ctx->on[i] && !strcmp(ctx->on[i], path))
			ctx->on[i] = NULL;
	return 0;
}

static u32 swap_count(void)
{
	return aobj_swap_list(NULL, 0);
}

/* aobj_swap_alloc(), remembering the run for cleanup. */
static int st_alloc(struct kunit *test, int *n)
{
	struct swap_ctx *ctx = test->priv;
	int slot = aobj_swap_alloc(n);

	if (slot > 0 && slot < MAX_SLOT && *n >= 1 && slot + *n <= MAX_SLOT)
		bitmap_set(ctx->mine, slot, *n);
	else if (slot)
		KUNIT_FAIL_AND_ABORT(test, "aobj_swap_alloc: slot %d, n %d",
				     slot, *n);
	return slot;
}

/* aobj_swap_free() of a run the test allocated. */
static void st_free(struct kunit *test, int slot, int n)
{
	struct swap_ctx *ctx = test->priv;
	int i;

	for (i = slot; i < slot + n; i++)
		KUNIT_ASSERT_TRUE_MSG(test, test_bit(i, ctx->mine),
				      "slot %d not the test's", i);
	bitmap_clear(ctx->mine, slot, n);
	aobj_swap_free(slot, n);
}

/* aobj_swap_markbad() of a run the test allocated: it is never freed. */
static void st_markbad(struct kunit *test, int slot, int n)
{
	struct swap_ctx *ctx = test->priv;

	bitmap_clear(ctx->mine, slot, n);
	aobj_swap_markbad(slot, n);
}

/* Give back every slot the test holds. */
static void st_free_all(struct kunit *test)
{
	struct swap_ctx *ctx = test->priv;
	unsigned long bit;

	for_each_set_bit(bit, ctx->mine, MAX_SLOT)
		aobj_swap_free(bit, 1);
	bitmap_zero(ctx->mine, MAX_SLOT);
}

/* Take every free slot, in runs of up to @n; return how many. */
static int st_alloc_all(struct kunit *test, int n)
{
	int got = 0, want, slot;

	for (;;) {
		want = n;
		slot = st_alloc(test, &want);
		if (!slot)
			return got;
		got += want;
	}
}

KUNIT_DEFINE_ACTION_WRAPPER(swap_detach_action, aobj_detach, struct aobj *);

static struct aobj *swap_obj_create(struct kunit *test, pgoff_t pages,
				    unsigned int flags)
{
	struct aobj *obj = aobj_create((u64)pages << PAGE_SHIFT, flags);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, swap_detach_action, obj), 0);
	return obj;
}

static u8 swap_pattern(pgoff_t idx)
{
	return 0x30 + (idx % 0x4f);
}

/* Fill page @idx with @byte and mark it dirty. */
static int swap_obj_write(struct aobj *obj, pgoff_t idx, u8 byte)
{
	struct folio *folio;
	void *kaddr;
	int err;

	err = aobj_get(obj, idx, &folio);
	if (err)
		return err;
	kaddr = kmap_local_folio(folio, 0);
	memset(kaddr, byte, PAGE_SIZE);
	kunmap_local(kaddr);
	folio_mark_dirty(folio);
	folio_unlock(folio);
	folio_put(folio);
	return 0;
}

/* Write swap_pattern() to pages [0, @n). */
static void swap_obj_fill(struct kunit *test, struct aobj *obj, pgoff_t n)
{
	pgoff_t i;

	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, swap_obj_write(obj, i, swap_pattern(i)), 0);
}

/* aobj_get() page @idx: 0 and *@ok if every byte is @byte, or the error. */
static int swap_obj_check(struct aobj *obj, pgoff_t idx, u8 byte, bool *ok)
{
	struct folio *folio;
	void *kaddr;
	int err;

	err = aobj_get(obj, idx, &folio);
	if (err)
		return err;
	kaddr = kmap_local_folio(folio, 0);
	*ok = !memchr_inv(kaddr, byte, PAGE_SIZE);
	kunmap_local(kaddr);
	folio_unlock(folio);
	folio_put(folio);
	return 0;
}

static void swap_obj_expect(struct kunit *test, struct aobj *obj, pgoff_t idx,
			    u8 byte)
{
	bool ok = false;

	KUNIT_ASSERT_EQ_MSG(test, swap_obj_check(obj, idx, byte, &ok), 0,
			    "page %lu", idx);
	KUNIT_EXPECT_TRUE_MSG(test, ok, "page %lu: expected 0x%02x", idx, byte);
}

/**
 * struct page_state - a page of an object, as seen under its lock
 * @slot: its swap slot (0: none, SWSLOT_BAD: lost)
 * @resident: it has a folio
 * @dirty: the folio is dirty
 */
struct page_state {
	int slot;
	bool resident;
	bool dirty;
};

static struct page_state swap_page_state(struct aobj *obj, pgoff_t idx)
{
	struct page_state ps = {};
	struct folio *folio;

	mutex_lock(&obj->lock);
	ps.slot = aobj_swmap_find(&obj->swmap, idx);
	folio = xa_load(aobj_folios(obj), idx);
	ps.resident = folio;
	ps.dirty = folio && folio_test_dirty(folio);
	mutex_unlock(&obj->lock);
	return ps;
}

static unsigned long swap_nr_resident(struct aobj *obj)
{
	unsigned long n;

	mutex_lock(&obj->lock);
	n = obj->nr_resident;
	mutex_unlock(&obj->lock);
	return n;
}

/* Write max_resident_mb through sysfs, the only way to set it. */
static int swap_set_limit(const char *val)
{
	loff_t pos = 0;
	struct file *f;
	ssize_t ret;

	f = filp_open(LIMIT_PARAM, O_WRONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	ret = kernel_write(f, val, strlen(val), &pos);
	filp_close(f, NULL);
	return ret < 0 ? ret : 0;
}

static void swap_limit_off(void *unused)
{
	swap_set_limit("0");
}

/* A filler object whose pages pageout cannot take: each one is pinned. */
struct swap_filler {
	struct aobj *obj;
	struct folio *folios[FILLER_PAGES];
};

static void swap_filler_unpin(void *data)
{
	struct swap_filler *f = data;
	int i;

	for (i = 0; i < FILLER_PAGES; i++)
		if (f->folios[i])
			folio_put(f->folios[i]);
}

/*
 * swap_evict: push every pageable page of @obj out of memory (the pageout
 * worker writes the dirty ones).  A filler object holds the resident count
 * at a 1 MiB limit with pages pageout must leave alone (a reference on
 * each, as a pin would hold: NOSWAP pages are not counted under the
 * limit), so the worker takes every page on the LRU.  With @keep_limit the
 * limit and the filler stay, and nothing more can become resident;
 * otherwise both are gone on return.
 */
static void swap_evict(struct kunit *test, struct aobj *obj, bool keep_limit)
{
	struct swap_filler *f;
	unsigned long timeout;
	struct folio *folio;
	pgoff_t i;
	int err;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->obj = swap_obj_create(test, FILLER_PAGES, 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, swap_filler_unpin, f), 0);
	/*
	 * Clean zero-fill pages: should the worker still run when they are
	 * unpinned, it drops them without a write, which the tests count.
	 */
	for (i = 0; i < FILLER_PAGES; i++) {
		KUNIT_ASSERT_EQ(test, aobj_get(f->obj, i, &folio), 0);
		folio_unlock(folio);
		f->folios[i] = folio;
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, swap_limit_off, NULL), 0);
	err = swap_set_limit("1");
	if (err)
		kunit_skip(test, "cannot write %s: %d", LIMIT_PARAM, err);

	timeout = jiffies + 30 * HZ;
	while (swap_nr_resident(obj) && time_before(jiffies, timeout))
		msleep(20);
	KUNIT_ASSERT_EQ_MSG(test, swap_nr_resident(obj), 0UL,
			    "pageout left pages resident");
	if (keep_limit)
		return;
	KUNIT_ASSERT_EQ(test, swap_set_limit("0"), 0);
	/* Below the low watermark, a worker still running stops. */
	kunit_release_action(test, swap_filler_unpin, f);
	kunit_release_action(test, swap_detach_action, f->obj);
	msleep(20);
}

/* Stub: fail the reads and writes that @fail_reads/@fail_writes name. */
static int swap_rw_stub(struct folio **folios, int slot, int nr, blk_opf_t opf)
{
	struct kunit *test = kunit_get_current_test();
	struct swap_ctx *ctx = test->priv;
	bool write = op_is_write(opf);
	int n = write ? ctx->writes++ : ctx->reads++;
	unsigned long fail = write ? ctx->fail_writes : ctx->fail_reads;
	int err;

	if (n >= BITS_PER_LONG || (fail & BIT(n)))
		return -EIO;
	kunit_deactivate_static_stub(test, aobj_swap_rw);
	err = aobj_swap_rw(folios, slot, nr, opf);
	kunit_activate_static_stub(test, aobj_swap_rw, swap_rw_stub);
	return err;
}

/*
 * Stub for another thread: block the first read until released.  The test
 * deactivates the stub before it releases, so the call below is the real one.
 */
static int swap_rw_block_stub(struct folio **folios, int slot, int nr,
			      blk_opf_t opf)
{
	struct kunit *test = kunit_get_current_test();
	struct swap_ctx *ctx = test->priv;

	if (!op_is_write(opf) && !ctx->blocked) {
		ctx->blocked = true;
		complete(&ctx->entered);
		wait_for_completion(&ctx->release);
	}
	return aobj_swap_rw(folios, slot, nr, opf);
}

/**
 * struct swapoff_thread - aobj_swapoff() in a kernel thread
 * @test: if set, the thread runs as part of the test (static stubs apply)
 * @path: the device
 * @kill: the thread has SIGKILL pending when it calls aobj_swapoff()
 * @err: out: aobj_swapoff()'s return
 * @lost: out: its lost count
 * @done: completed when the thread is done with this structure
 */
struct swapoff_thread {
	struct kunit *test;
	const char *path;
	bool kill;
	int err;
	u64 lost;
	struct completion done;
};

static int swapoff_thread_fn(void *data)
{
	struct swapoff_thread *w = data;

	current->kunit_test = w->test;
	if (w->kill)
		force_sig(SIGKILL);
	w->err = aobj_swapoff(w->path, &w->lost);
	current->kunit_test = NULL;
	complete(&w->done);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The allocator                                                          */
/* ---------------------------------------------------------------------- */

/* Slots count from 1; a run is contiguous; the listing counts them. */
static void swap_alloc_basic_test(struct kunit *test)
{
	struct aobj_swapdev_info info;
	int n, s1, s2;

	KUNIT_EXPECT_FALSE(test, aobj_swap_available());
	n = 1;
	KUNIT_EXPECT_EQ(test, aobj_swap_alloc(&n), 0);

	swap_on(test, RAM0, 0);
	KUNIT_EXPECT_TRUE(test, aobj_swap_available());
	KUNIT_ASSERT_TRUE(test, swap_info(test, RAM0, &info));
	KUNIT_EXPECT_EQ(test, info.slots, (u64)RAM_SLOTS);
	KUNIT_EXPECT_EQ(test, info.used, 0ULL);
	KUNIT_EXPECT_EQ(test, info.bad, 0ULL);
	KUNIT_EXPECT_EQ(test, info.priority, 0);
	KUNIT_EXPECT_EQ(test, info.flags, 0U);

	n = 1;
	s1 = st_alloc(test, &n);
	KUNIT_EXPECT_EQ(test, s1, 1);
	KUNIT_EXPECT_EQ(test, n, 1);
	n = 8;
	s2 = st_alloc(test, &n);
	KUNIT_EXPECT_EQ(test, n, 8);
	KUNIT_EXPECT_GE(test, s2, 2);
	KUNIT_EXPECT_LE(test, s2 + n, RAM_SLOTS + 1);
	KUNIT_ASSERT_TRUE(test, swap_info(test, RAM0, &info));
	KUNIT_EXPECT_EQ(test, info.used, 9ULL);

	/* More than the device holds: what there is, in one run. */
	n = 2 * RAM_SLOTS;
	s2 = st_alloc(test, &n);
	KUNIT_EXPECT_NE(test, s2, 0);
	KUNIT_EXPECT_LE(test, n, RAM_SLOTS - 9);
	KUNIT_EXPECT_GE(test, s2, 1);
	KUNIT_EXPECT_LE(test, s2 + n, RAM_SLOTS + 1);
}

/* Two devices own [1, 16385) and [16385, 32769); exhaustion gives 0. */
static void swap_alloc_ranges_test(struct kunit *test)
{
	struct aobj_swapdev_info info;
	int n, slot;

	swap_on(test, RAM0, 5);
	swap_on(test, RAM1, 0);
	KUNIT_EXPECT_EQ(test, swap_count(), 2U);

	n = 2 * RAM_SLOTS;
	slot = st_alloc(test, &n);
	KUNIT_EXPECT_EQ(test, slot, 1);
	KUNIT_EXPECT_EQ(test, n, RAM_SLOTS);

	n = 2 * RAM_SLOTS;
	slot = st_alloc(test, &n);
	KUNIT_EXPECT_EQ(test, slot, RAM_SLOTS + 1);
	KUNIT_EXPECT_EQ(test, n, RAM_SLOTS);

	n = 1;
	KUNIT_EXPECT_EQ(test, st_alloc(test, &n), 0);
	KUNIT_EXPECT_FALSE(test, aobj_swap_available());
	KUNIT_ASSERT_TRUE(test, swap_info(test, RAM1, &info));
	KUNIT_EXPECT_EQ(test, info.used, (u64)RAM_SLOTS);

	/* One slot back: available again, and that slot is what comes next. */
	st_free(test, RAM_SLOTS + 7, 1);
	KUNIT_EXPECT_TRUE(test, aobj_swap_available());
	n = 4;
	KUNIT_EXPECT_EQ(test, st_alloc(test, &n), RAM_SLOTS + 7);
	KUNIT_EXPECT_EQ(test, n, 1);
}

/* A request is cut down to the longest free stretch. */
static void swap_alloc_fragmented_test(struct kunit *test)
{
	int n, slot, i, got;

	swap_on(test, RAM0, 0);
	KUNIT_ASSERT_EQ(test, st_alloc_all(test, RAM_SLOTS), RAM_SLOTS);
	for (i = 1; i <= RAM_SLOTS; i += 2)
		st_free(test, i, 1);

	n = 4;
	slot = st_alloc(test, &n);
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, slot % 2, 1);

	/* Every other slot is free: that many single slots, then 0. */
	got = 1 + st_alloc_all(test, 1);
	KUNIT_EXPECT_EQ(test, got, RAM_SLOTS / 2);
	n = 1;
	KUNIT_EXPECT_EQ(test, st_alloc(test, &n), 0);

	/*
	 * Four free slots, at most three in a row: a request for 4 gets the
	 * longest free stretch, then what is left.
	 */
	st_free(test, 101, 3);
	st_free(test, 201, 1);
	n = 4;
	slot = st_alloc(test, &n);
	KUNIT_EXPECT_EQ(test, n, 3);
	KUNIT_EXPECT_EQ(test, slot, 101);
	n = 4;
	slot = st_alloc(test, &n);
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, slot, 201);
}

/* Freed slots come back. */
static void swap_alloc_reuse_test(struct kunit *test)
{
	int n;

	swap_on(test, RAM0, 0);
	KUNIT_ASSERT_EQ(test, st_alloc_all(test, 1000), RAM_SLOTS);
	st_free(test, 777, 1);
	n = 8;
	KUNIT_EXPECT_EQ(test, st_alloc(test, &n), 777);
	KUNIT_EXPECT_EQ(test, n, 1);

	st_free(test, 4000, 16);
	n = 16;
	KUNIT_EXPECT_EQ(test, st_alloc(test, &n), 4000);
	KUNIT_EXPECT_EQ(test, n, 16);
	n = 1;
	KUNIT_EXPECT_EQ(test, st_alloc(test, &n), 0);
}

/* Retired slots are never handed out again, and do not block swapoff. */
static void swap_markbad_test(struct kunit *test)
{
	struct aobj_stats st0, st;
	struct aobj_swapdev_info info;
	struct swap_ctx *ctx = test->priv;
	int n, slot, got;
	u64 lost;

	swap_on(test, RAM0, 0);
	aobj_read_stats(&st0);
	n = 8;
	slot = st_alloc(test, &n);
	KUNIT_ASSERT_EQ(test, n, 8);
	st_markbad(test, slot + 2, 2);
	st_free(test, slot, 2);
	st_free(test, slot + 4, 4);

	KUNIT_ASSERT_TRUE(test, swap_info(test, RAM0, &info));
	KUNIT_EXPECT_EQ(test, info.bad, 2ULL);
	KUNIT_EXPECT_EQ(test, info.used, 2ULL);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.bad_slots, st0.bad_slots + 2);

	got = st_alloc_all(test, 64);
	KUNIT_EXPECT_EQ(test, got, RAM_SLOTS - 2);
	KUNIT_EXPECT_FALSE(test, test_bit(slot + 2, ctx->mine));
	KUNIT_EXPECT_FALSE(test, test_bit(slot + 3, ctx->mine));

	/* Give everything back: the device drains despite its bad slots. */
	st_free_all(test);
	KUNIT_ASSERT_TRUE(test, swap_info(test, RAM0, &info));
	KUNIT_EXPECT_EQ(test, info.used, 2ULL);
	KUNIT_EXPECT_EQ(test, swap_off(test, RAM0, &lost), 0);
	KUNIT_EXPECT_EQ(test, lost, 0ULL);
	KUNIT_EXPECT_FALSE(test, swap_info(test, RAM0, &info));
	KUNIT_EXPECT_EQ(test, swap_count(), 0U);
}

/* The higher priority fills first, whatever the order of swapon. */
static void swap_alloc_priority_test(struct kunit *test)
{
	struct aobj_swapdev_info info;
	int i, n, slot;

	swap_on(test, RAM0, 1);		/* [1, 16385) */
	swap_on(test, RAM1, 5);		/* [16385, 32769) */
	KUNIT_ASSERT_EQ(test, aobj_swap_list(&info, 1), 2U);
	KUNIT_EXPECT_STREQ(test, info.path, RAM1);

	for (i = 0; i < 16; i++) {
		n = 1;
		slot = st_alloc(test, &n);
		KUNIT_EXPECT_GT_MSG(test, slot, RAM_SLOTS, "allocation %d", i);
	}
	KUNIT_EXPECT_EQ(test, st_alloc_all(test, 4096), 2 * RAM_SLOTS - 16);
	KUNIT_ASSERT_TRUE(test, swap_info(test, RAM1, &info));
	KUNIT_EXPECT_EQ(test, info.used, (u64)RAM_SLOTS);

	/* Room again on the high one: it is used again. */
	st_free(test, RAM_SLOTS + 100, 1);
	st_free(test, 100, 1);
	n = 1;
	KUNIT_EXPECT_EQ(test, st_alloc(test, &n), RAM_SLOTS + 100);
}

/* Devices of equal priority take turns; a lower one is left alone. */
static void swap_alloc_round_robin_test(struct kunit *test)
{
	int i, n, slot, dev, prev = -1;

	swap_on(test, RAM0, 3);
	swap_on(test, RAM1, 3);
	swap_on(test, RAM2, 0);
	for (i = 0; i < 32; i++) {
		n = 2;
		slot = st_alloc(test, &n);
		KUNIT_ASSERT_GT(test, slot, 0);
		dev = (slot - 1) / RAM_SLOTS;
		KUNIT_EXPECT_LT_MSG(test, dev, 2, "allocation %d: slot %d", i, slot);
		KUNIT_EXPECT_NE_MSG(test, dev, prev, "allocation %d: slot %d", i, slot);
		if (i == 0)
			KUNIT_EXPECT_EQ(test, dev, 0);
		prev = dev;
	}
}

/* Stub: every I/O to the second device (RAM1's slots) fails, others succeed. */
static int swap_rw_dev1_fails_stub(struct folio **folios, int slot, int nr,
				   blk_opf_t opf)
{
	return (slot - 1) / RAM_SLOTS == 1 ? -EIO : 0;
}

static bool swap_failing(struct kunit *test, const char *path)
{
	struct aobj_swapdev_info info;

	KUNIT_ASSERT_TRUE(test, swap_info(test, path, &info));
	return info.flags & AOBJ_SWAPDEV_FAILING;
}

/*
 * A device whose I/O keeps failing (a network block device whose server
 * is gone) stops getting pageouts after three errors in a row, while the
 * other device of its priority has room; it is still used when nothing
 * else is left, and one I/O that succeeds puts it back in service.
 */
static void swap_failing_device_test(struct kunit *test)
{
	struct folio *dummy = NULL, *folio;
	int i, n, slot, dev, errors = 0;

	swap_on(test, RAM0, 5);
	swap_on(test, RAM1, 5);
	kunit_activate_static_stub(test, aobj_swap_rw, swap_rw_dev1_fails_stub);
	/* Equal priorities take turns: RAM1 gets every other run. */
	for (i = 0; i < 16 && errors < 3; i++) {
		n = 1;
		slot = st_alloc(test, &n);
		KUNIT_ASSERT_GT(test, slot, 0);
		if ((slot - 1) / RAM_SLOTS != 1) {
			KUNIT_EXPECT_EQ(test, aobj_swap_write(&dummy, slot, 1), 0);
			continue;
		}
		KUNIT_EXPECT_FALSE_MSG(test, swap_failing(test, RAM1),
				       "failing after %d errors", errors);
		KUNIT_EXPECT_EQ(test, aobj_swap_write(&dummy, slot, 1), -EIO);
		st_markbad(test, slot, 1);
		errors++;
	}
	KUNIT_ASSERT_EQ(test, errors, 3);
	KUNIT_EXPECT_TRUE(test, swap_failing(test, RAM1));
	KUNIT_EXPECT_FALSE(test, swap_failing(test, RAM0));

	/* No more pageouts to it while RAM0 has room. */
	for (i = 0; i < 32; i++) {
		n = 4;
		slot = st_alloc(test, &n);
		KUNIT_ASSERT_GT(test, slot, 0);
		dev = (slot - 1) / RAM_SLOTS;
		KUNIT_EXPECT_EQ_MSG(test, dev, 0, "allocation %d: slot %d", i, slot);
	}
	/* RAM0 full: better the failing device than none. */
	for (i = 0; i < 100; i++) {
		n = RAM_SLOTS;
		slot = st_alloc(test, &n);
		KUNIT_ASSERT_GT(test, slot, 0);
		if ((slot - 1) / RAM_SLOTS == 1)
			break;
	}
	KUNIT_ASSERT_LT_MSG(test, i, 100, "RAM1 not used with RAM0 full");
	KUNIT_EXPECT_GT(test, i, 0);

	/* One I/O that succeeds (the server is back): in service again. */
	kunit_deactivate_static_stub(test, aobj_swap_rw);
	folio = folio_alloc(GFP_KERNEL, 0);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	folio_lock(folio);
	KUNIT_EXPECT_EQ(test, aobj_swap_read(&folio, slot, 1), 0);
	folio_unlock(folio);
	folio_put(folio);
	KUNIT_EXPECT_FALSE(test, swap_failing(test, RAM1));
	st_free_all(test);
	/* Both take turns again. */
	for (i = 0, dev = -1; i < 4; i++) {
		n = 1;
		slot = st_alloc(test, &n);
		KUNIT_ASSERT_GT(test, slot, 0);
		KUNIT_EXPECT_NE(test, (slot - 1) / RAM_SLOTS, dev);
		dev = (slot - 1) / RAM_SLOTS;
	}
}

/* ---------------------------------------------------------------------- */
/* swapon and swapoff                                                      */
/* ---------------------------------------------------------------------- */

static void swap_swapon_errors_test(struct kunit *test)
{
	static const char * const notblk[] = { "/dev/null", "/dev/console", "/" };
	struct aobj_swapdev_info info;
	struct file *f;
	u64 lost = 1;
	int i;

	swap_on(test, RAM0, 0);
	KUNIT_EXPECT_EQ(test, aobj_swapon(RAM0, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, aobj_swapon(RAM0, 7), -EBUSY);
	KUNIT_EXPECT_EQ(test, aobj_swapon("/dev/aobj-test-no-such-device", 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, swap_count(), 1U);

	for (i = 0; i < ARRAY_SIZE(notblk); i++) {
		f = filp_open(notblk[i], O_PATH, 0);
		if (IS_ERR(f))
			continue;
		filp_close(f, NULL);
		KUNIT_EXPECT_EQ_MSG(test, aobj_swapon(notblk[i], 0), -ENOTBLK,
				    "%s", notblk[i]);
		break;
	}
	if (i == ARRAY_SIZE(notblk))
		kunit_skip(test, "no non-block path to try");

	/* swapoff of what aobj does not use */
	KUNIT_EXPECT_EQ(test, aobj_swapoff(RAM3, &lost), -EINVAL);
	KUNIT_EXPECT_EQ(test, lost, 0ULL);
	KUNIT_EXPECT_EQ(test, aobj_swapoff("/dev/aobj-test-no-such-device", &lost),
			-ENOENT);
	KUNIT_EXPECT_TRUE(test, swap_info(test, RAM0, &info));
	KUNIT_EXPECT_EQ(test, swap_count(), 1U);

	/* Off and on again. */
	KUNIT_EXPECT_EQ(test, swap_off(test, RAM0, &lost), 0);
	KUNIT_EXPECT_EQ(test, aobj_swapoff(RAM0, &lost), -EINVAL);
	swap_on(test, RAM0, 2);
	KUNIT_ASSERT_TRUE(test, swap_info(test, RAM0, &info));
	KUNIT_EXPECT_EQ(test, info.priority, 2);
}

/*
 * Once aobj_swapoff() returns, the device is free for anyone to open
 * exclusively, aobj included, even when swapoff ran in a kernel thread.
 */
static void swap_swapoff_release_test(struct kunit *test)
{
	struct swap_ctx *ctx = test->priv;
	u64 lost;
	int err;

	swap_on(test, RAM0, 0);
	KUNIT_ASSERT_EQ(test, swap_off(test, RAM0, &lost), 0);
	err = aobj_swapon(RAM0, 0);
	if (err == -EBUSY) {
		flush_delayed_fput();
		err = aobj_swapon(RAM0, 0);
		KUNIT_FAIL(test, "swapon after swapoff: -EBUSY; after flush_delayed_fput(): %d",
			   err);
	}
	if (!err)
		ctx->on[0] = RAM0;
	KUNIT_EXPECT_EQ(test, err, 0);
}

/* ---------------------------------------------------------------------- */
/* I/O                                                                    */
/* ---------------------------------------------------------------------- */

/* CLEAN writes dirty pages to contiguous slots and keeps them resident. */
static void swap_clean_test(struct kunit *test)
{
	struct aobj_stats st0, st;
	struct aobj_swapdev_info info;
	struct page_state ps, ps0;
	struct aobj *obj;
	pgoff_t i;

	swap_on(test, RAM0, 0);
	obj = swap_obj_create(test, 8, 0);
	swap_obj_fill(test, obj, 8);
	aobj_read_stats(&st0);

	KUNIT_ASSERT_EQ(test, aobj_put(obj, 0, 8, AOBJ_PUT_CLEAN), 0);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.pageouts, st0.pageouts + 8);
	KUNIT_EXPECT_EQ(test, st.swpgonly, st0.swpgonly);
	KUNIT_EXPECT_EQ(test, swap_nr_resident(obj), 8UL);
	KUNIT_EXPECT_EQ(test, aobj_nr_swapped(obj), 8UL);
	ps0 = swap_page_state(obj, 0);
	KUNIT_EXPECT_GT(test, ps0.slot, 0);
	for (i = 0; i < 8; i++) {
		ps = swap_page_state(obj, i);
		KUNIT_EXPECT_EQ_MSG(test, ps.slot, ps0.slot + (int)i, "page %lu", i);
		KUNIT_EXPECT_TRUE(test, ps.resident);
		KUNIT_EXPECT_FALSE(test, ps.dirty);
	}
	KUNIT_ASSERT_TRUE(test, swap_info(test, RAM0, &info));
	KUNIT_EXPECT_EQ(test, info.used, 8ULL);

	/* Nothing dirty: nothing written. */
	KUNIT_ASSERT_EQ(test, aobj_put(obj, 0, 8, AOBJ_PUT_CLEAN), 0);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.pageouts, st0.pageouts + 8);

	/* A rewritten page gets a new slot; the old one is freed. */
	KUNIT_ASSERT_EQ(test, swap_obj_write(obj, 3, 0x99), 0);
	KUNIT_EXPECT_TRUE(test, swap_page_state(obj, 3).dirty);
	KUNIT_ASSERT_EQ(test, aobj_put(obj, 0, 8, AOBJ_PUT_CLEAN), 0);
	ps = swap_page_state(obj, 3);
	KUNIT_EXPECT_GT(test, ps.slot, 0);
	KUNIT_EXPECT_NE(test, ps.slot, ps0.slot + 3);
	KUNIT_EXPECT_FALSE(test, ps.dirty);
	KUNIT_ASSERT_TRUE(test, swap_info(test, RAM0, &info));
	KUNIT_EXPECT_EQ(test, info.used, 8ULL);

	/* FREE gives the slots back. */
	KUNIT_EXPECT_EQ(test, aobj_put(obj, 0, 8, AOBJ_PUT_FREE), 0);
	KUNIT_EXPECT_EQ(test, aobj_nr_swapped(obj), 0UL);
	KUNIT_ASSERT_TRUE(test, swap_info(test, RAM0, &info));
	KUNIT_EXPECT_EQ(test, info.used, 0ULL);
}

/*
 * A page pinned for DMA (io_uring fixed buffers, RDMA, vfio) stays dirty
 * through CLEAN: what is written through the pin afterwards sets no dirty
 * bit, and must not be lost when the page is paged out once unpinned.  The
 * pin is a pin count's worth of references, which is what
 * folio_maybe_dma_pinned() reads on an order-0 folio.
 */
static void swap_clean_pinned_test(struct kunit *test)
{
	struct folio *folio;
	struct aobj *obj;
	void *kaddr;

	swap_on(test, RAM0, 0);
	obj = swap_obj_create(test, 4, 0);
	swap_obj_fill(test, obj, 4);
	KUNIT_ASSERT_EQ(test, aobj_get(obj, 1, &folio), 0);
	folio_ref_add(folio, GUP_PIN_COUNTING_BIAS);
	folio_unlock(folio);
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));

	KUNIT_EXPECT_EQ(test, aobj_put(obj, 0, 4, AOBJ_PUT_CLEAN), 0);
	KUNIT_EXPECT_GT(test, swap_page_state(obj, 1).slot, 0);
	KUNIT_EXPECT_TRUE_MSG(test, swap_page_state(obj, 1).dirty,
			      "a pinned page was marked clean");
	KUNIT_EXPECT_FALSE(test, swap_page_state(obj, 0).dirty);

	/* Device writes through the pin, then the pin goes. */
	kaddr = kmap_local_folio(folio, 0);
	memset(kaddr, 0x5a, PAGE_SIZE);
	kunmap_local(kaddr);
	folio_ref_sub(folio, GUP_PIN_COUNTING_BIAS);
	folio_put(folio);

	swap_evict(test, obj, false);
	swap_obj_expect(test, obj, 1, 0x5a);
	swap_obj_expect(test, obj, 0, swap_pattern(0));
	swap_obj_expect(test, obj, 3, swap_pattern(3));
}

/*
 * A write error during CLEAN retires the slots and keeps the pages
 * resident and dirty; CLEAN fails; once the device works again it succeeds.
 */
static void swap_clean_write_error_test(struct kunit *test)
{
	struct swap_ctx *ctx = test->priv;
	struct aobj_swapdev_info info;
	struct aobj_stats st0, st;
	struct page_state ps;
	struct aobj *obj;
	int first_bad;
	pgoff_t i;
	u64 lost;

	swap_on(test, RAM0, 0);
	obj = swap_obj_create(test, 8, 0);
	swap_obj_fill(test, obj, 8);
	aobj_read_stats(&st0);

	ctx->fail_writes = ~0UL;
	kunit_activate_static_stub(test, aobj_swap_rw, swap_rw_stub);
	KUNIT_EXPECT_EQ(test, aobj_put(obj, 0, 8, AOBJ_PUT_CLEAN), -EIO);
	KUNIT_EXPECT_EQ(test, ctx->writes, 1);
	for (i = 0; i < 8; i++) {
		ps = swap_page_state(obj, i);
		KUNIT_EXPECT_EQ_MSG(test, ps.slot, 0, "page %lu", i);
		KUNIT_EXPECT_TRUE_MSG(test, ps.resident, "page %lu", i);
		KUNIT_EXPECT_TRUE_MSG(test, ps.dirty, "page %lu", i);
	}
	KUNIT_EXPECT_EQ(test, aobj_nr_swapped(obj), 0UL);
	KUNIT_ASSERT_TRUE(test, swap_info(test, RAM0, &info));
	KUNIT_EXPECT_EQ(test, info.bad, 8ULL);
	KUNIT_EXPECT_EQ(test, info.used, 8ULL);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.io_errors, st0.io_errors + 1);
	KUNIT_EXPECT_EQ(test, st.bad_slots, st0.bad_slots + 8);
	KUNIT_EXPECT_EQ(test, st.pageouts, st0.pageouts);

	/* The device works again. */
	kunit_deactivate_static_stub(test, aobj_swap_rw);
	KUNIT_ASSERT_EQ(test, aobj_put(obj, 0, 8, AOBJ_PUT_CLEAN), 0);
	/* Slots are numbered from 1 and the first run went bad: 1..8. */
	first_bad = 1;
	for (i = 0; i < 8; i++) {
		ps = swap_page_state(obj, i);
		KUNIT_EXPECT_GT(test, ps.slot, 0);
		KUNIT_EXPECT_FALSE_MSG(test, ps.slot >= first_bad && ps.slot < first_bad + 8,
				       "page %lu got retired slot %d", i, ps.slot);
		KUNIT_EXPECT_FALSE(test, ps.dirty);
	}
	KUNIT_ASSERT_TRUE(test, swap_info(test, RAM0, &info));
	KUNIT_EXPECT_EQ(test, info.bad, 8ULL);
	KUNIT_EXPECT_EQ(test, info.used, 16ULL);
	for (i = 0; i < 8; i++)
		swap_obj_expect(test, obj, i, swap_pattern(i));

	/* swapoff: the pages are resident already; bad slots do not hold it. */
	KUNIT_EXPECT_EQ(test, swap_off(test, RAM0, &lost), 0);
	KUNIT_EXPECT_EQ(test, lost, 0ULL);
	KUNIT_EXPECT_EQ(test, aobj_nr_swapped(obj), 0UL);
	for (i = 0; i < 8; i++) {
		ps = swap_page_state(obj, i);
		KUNIT_EXPECT_TRUE_MSG(test, ps.dirty, "page %lu: only copy, clean", i);
		swap_obj_expect(test, obj, i, swap_pattern(i));
	}
}

/*
 * A CLEAN whose pages go out in two runs, the second failing, must report
 * the failure: the caller is told its data is on swap when it is not.
 */
static void swap_clean_partial_error_test(struct kunit *test)
{
	struct swap_ctx *ctx = test->priv;
	struct page_state ps[4];
	struct aobj *obj;
	int i, err;

	swap_on(test, RAM0, 0);
	/* Only slots 1-2 and 5-6 are free: 4 pages need two runs. */
	KUNIT_ASSERT_EQ(test, st_alloc_all(test, RAM_SLOTS), RAM_SLOTS);
	st_free(test, 1, 2);
	st_free(test, 5, 2);

	obj = swap_obj_create(test, 4, 0);
	swap_obj_fill(test, obj, 4);
	ctx->fail_writes = BIT(1);
	kunit_activate_static_stub(test, aobj_swap_rw, swap_rw_stub);
	err = aobj_put(obj, 0, 4, AOBJ_PUT_CLEAN);
	kunit_deactivate_static_stub(test, aobj_swap_rw);
	KUNIT_EXPECT_EQ(test, ctx->writes, 2);
	for (i = 0; i < 4; i++)
		ps[i] = swap_page_state(obj, i);
	/* What did happen: the first run is on swap, the second still dirty. */
	KUNIT_EXPECT_EQ(test, ps[0].slot, 1);
	KUNIT_EXPECT_EQ(test, ps[1].slot, 2);
	KUNIT_EXPECT_FALSE(test, ps[0].dirty);
	KUNIT_EXPECT_EQ(test, ps[2].slot, 0);
	KUNIT_EXPECT_EQ(test, ps[3].slot, 0);
	KUNIT_EXPECT_TRUE(test, ps[2].dirty);
	KUNIT_EXPECT_TRUE(test, ps[3].dirty);
	/* What must be reported. */
	KUNIT_EXPECT_EQ_MSG(test, err, -EIO,
			    "CLEAN left 2 dirty pages unwritten and returned %d", err);
}

/*
 * Pages pushed out by the pageout worker come back on fault: sequential
 * faults read ahead with a growing window, a random fault reads one page.
 */
static void swap_pageout_swapin_test(struct kunit *test)
{
	struct aobj_stats st0, st;
	struct page_state ps;
	struct aobj *obj;
	pgoff_t i;

	swap_on(test, RAM0, 0);
	obj = swap_obj_create(test, 16, 0);
	swap_obj_fill(test, obj, 16);
	aobj_read_stats(&st0);
	swap_evict(test, obj, false);

	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.pageouts, st0.pageouts + 16);
	KUNIT_EXPECT_EQ(test, st.swpgonly, st0.swpgonly + 16);
	KUNIT_EXPECT_EQ(test, aobj_nr_swapped(obj), 16UL);
	for (i = 0; i < 16; i++) {
		ps = swap_page_state(obj, i);
		KUNIT_EXPECT_GT(test, ps.slot, 0);
		KUNIT_EXPECT_FALSE(test, ps.resident);
	}

	/* Window 4, then 8, then what is left (4). */
	swap_obj_expect(test, obj, 0, swap_pattern(0));
	KUNIT_EXPECT_EQ(test, swap_nr_resident(obj), 4UL);
	swap_obj_expect(test, obj, 4, swap_pattern(4));
	KUNIT_EXPECT_EQ(test, swap_nr_resident(obj), 12UL);
	swap_obj_expect(test, obj, 12, swap_pattern(12));
	KUNIT_EXPECT_EQ(test, swap_nr_resident(obj), 16UL);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.faults_swapin, st0.faults_swapin + 3);
	KUNIT_EXPECT_EQ(test, st.pageins, st0.pageins + 16);
	KUNIT_EXPECT_EQ(test, st.swpgonly, st0.swpgonly);
	for (i = 0; i < 16; i++) {
		ps = swap_page_state(obj, i);
		/* Paged in clean, with its slot: evicting it again is free. */
		KUNIT_EXPECT_GT(test, ps.slot, 0);
		KUNIT_EXPECT_FALSE(test, ps.dirty);
		swap_obj_expect(test, obj, i, swap_pattern(i));
	}

	/* Clean pages leave without I/O; a random fault reads one page. */
	aobj_read_stats(&st0);
	swap_evict(test, obj, false);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.pageouts, st0.pageouts);
	swap_obj_expect(test, obj, 9, swap_pattern(9));
	KUNIT_EXPECT_EQ(test, swap_nr_resident(obj), 1UL);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.pageins, st0.pageins + 1);
}

static void swap_oom_reset_action(void *unused)
{
	aobj_oom_reset();
}

/*
 * The global OOM killer's notifier has aobj pages paged out, and says how
 * many were freed (out_of_memory() then kills no one).  Past 4 deferred
 * kills within a second, it leaves the OOM to the killer.
 */
static void swap_oom_notifier_test(struct kunit *test)
{
	unsigned long freed = 0, start;
	struct aobj_stats st0, st;
	struct aobj *obj;
	int round, deferred = 0;
	pgoff_t i;

	swap_on(test, RAM0, 0);
	obj = swap_obj_create(test, 64, 0);
	swap_obj_fill(test, obj, 64);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, swap_oom_reset_action, NULL), 0);

	aobj_oom_reset();
	start = jiffies;
	aobj_read_stats(&st0);
	aobj_oom_notify(NULL, 0, &freed);
	KUNIT_EXPECT_GT(test, freed, 0UL);
	/* The worker goes on to what it was asked for, or to the last page. */
	aobj_oom_flush();
	aobj_read_stats(&st);
	KUNIT_EXPECT_GE(test, st.pageouts, st0.pageouts + 64);
	KUNIT_EXPECT_EQ(test, swap_nr_resident(obj), 0UL);
	KUNIT_EXPECT_EQ(test, aobj_nr_swapped(obj), 64UL);

	/* Four deferrals, then none while the second lasts. */
	for (round = 0; round < 5; round++) {
		swap_obj_fill(test, obj, 8);
		freed = 0;
		aobj_oom_notify(NULL, 0, &freed);
		aobj_oom_flush();
		if (freed)
			deferred++;
	}
	if (time_before(jiffies, start + HZ))
		KUNIT_EXPECT_EQ(test, deferred, 3);
	else
		kunit_info(test, "slower than a second: %d deferred, the limit not checked",
			   deferred);
	for (i = 0; i < 64; i += 9)
		swap_obj_expect(test, obj, i, swap_pattern(i));
}

/* A read error loses the page: -EIO until FREE, no retry, slot retired. */
static void swap_read_error_test(struct kunit *test)
{
	struct swap_ctx *ctx = test->priv;
	struct aobj_swapdev_info info;
	struct aobj_stats st0, st;
	struct folio *folio;
	struct aobj *obj;
	int reads;

	swap_on(test, RAM0, 0);
	obj = swap_obj_create(test, 8, 0);
	swap_obj_fill(test, obj, 8);
	swap_evict(test, obj, false);
	aobj_read_stats(&st0);

	ctx->fail_reads = ~0UL;
	kunit_activate_static_stub(test, aobj_swap_rw, swap_rw_stub);
	KUNIT_EXPECT_EQ(test, aobj_get(obj, 0, &folio), -EIO);
	/* The readahead read, then the page alone. */
	KUNIT_EXPECT_EQ(test, ctx->reads, 2);
	reads = ctx->reads;
	KUNIT_EXPECT_EQ(test, swap_page_state(obj, 0).slot, SWSLOT_BAD);
	KUNIT_EXPECT_EQ(test, swap_nr_resident(obj), 0UL);
	KUNIT_EXPECT_EQ(test, aobj_get(obj, 0, &folio), -EIO);
	KUNIT_EXPECT_EQ(test, ctx->reads, reads);
	kunit_deactivate_static_stub(test, aobj_swap_rw);

	aobj_read_stats(&st);
	/* Every failed read counts, the readahead one too. */
	KUNIT_EXPECT_EQ(test, st.io_errors, st0.io_errors + 2);
	KUNIT_EXPECT_EQ(test, st.bad_slots, st0.bad_slots + 1);
	KUNIT_EXPECT_EQ(test, st.swpgonly, st0.swpgonly - 1);
	KUNIT_EXPECT_EQ(test, aobj_nr_swapped(obj), 7UL);
	KUNIT_ASSERT_TRUE(test, swap_info(test, RAM0, &info));
	KUNIT_EXPECT_EQ(test, info.bad, 1ULL);

	/* The neighbours were left in swap and read fine. */
	swap_obj_expect(test, obj, 1, swap_pattern(1));
	swap_obj_expect(test, obj, 7, swap_pattern(7));
	/* Still lost, with the device working again. */
	KUNIT_EXPECT_EQ(test, aobj_get(obj, 0, &folio), -EIO);

	KUNIT_EXPECT_EQ(test, aobj_put(obj, 0, 1, AOBJ_PUT_FREE), 0);
	KUNIT_EXPECT_EQ(test, swap_page_state(obj, 0).slot, 0);
	swap_obj_expect(test, obj, 0, 0);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.bad_slots, st0.bad_slots + 1);
}

/*
 * swapoff pages everything back in, dirty, and forgets the device; it
 * reads runs of consecutive slots with one bio each, not page by page.
 */
static void swap_swapoff_pagein_test(struct kunit *test)
{
	struct swap_ctx *ctx = test->priv;
	struct aobj_swapdev_info info;
	struct aobj_stats st0, st;
	struct page_state ps;
	struct aobj *obj;
	pgoff_t i;
	u64 lost = 1;

	swap_on(test, RAM0, 0);
	obj = swap_obj_create(test, 40, 0);
	swap_obj_fill(test, obj, 40);
	swap_evict(test, obj, false);
	aobj_read_stats(&st0);

	kunit_activate_static_stub(test, aobj_swap_rw, swap_rw_stub);
	KUNIT_EXPECT_EQ(test, swap_off(test, RAM0, &lost), 0);
	kunit_deactivate_static_stub(test, aobj_swap_rw);
	KUNIT_EXPECT_EQ(test, lost, 0ULL);
	/* Pageout wrote 32-page clusters, so at most a few runs. */
	KUNIT_EXPECT_LE_MSG(test, ctx->reads, 4, "reads for 40 pages");
	KUNIT_EXPECT_FALSE(test, swap_info(test, RAM0, &info));
	KUNIT_EXPECT_FALSE(test, aobj_swap_available());
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.swpgonly, st0.swpgonly - 40);
	KUNIT_EXPECT_EQ(test, swap_nr_resident(obj), 40UL);
	KUNIT_EXPECT_EQ(test, aobj_nr_swapped(obj), 0UL);
	for (i = 0; i < 40; i++) {
		ps = swap_page_state(obj, i);
		KUNIT_EXPECT_EQ(test, ps.slot, 0);
		KUNIT_EXPECT_TRUE_MSG(test, ps.dirty, "page %lu", i);
		swap_obj_expect(test, obj, i, swap_pattern(i));
	}
}

/* Unreadable pages are counted as lost; swapoff still completes. */
static void swap_swapoff_lost_test(struct kunit *test)
{
	struct swap_ctx *ctx = test->priv;
	struct aobj_swapdev_info info;
	struct folio *folio;
	struct aobj *obj;
	pgoff_t i;
	u64 lost = 0;

	swap_on(test, RAM0, 0);
	obj = swap_obj_create(test, 6, 0);
	swap_obj_fill(test, obj, 6);
	swap_evict(test, obj, false);

	/*
	 * Page 0: swapoff's batch read of pages 0-5 fails, then page 0 alone
	 * through aobj_get(): its readahead read and its single-page retry.
	 */
	ctx->fail_reads = BIT(0) | BIT(1) | BIT(2);
	kunit_activate_static_stub(test, aobj_swap_rw, swap_rw_stub);
	KUNIT_EXPECT_EQ(test, swap_off(test, RAM0, &lost), 0);
	kunit_deactivate_static_stub(test, aobj_swap_rw);
	KUNIT_EXPECT_EQ(test, lost, 1ULL);
	KUNIT_EXPECT_FALSE(test, swap_info(test, RAM0, &info));

	KUNIT_EXPECT_EQ(test, swap_page_state(obj, 0).slot, SWSLOT_BAD);
	KUNIT_EXPECT_EQ(test, aobj_get(obj, 0, &folio), -EIO);
	for (i = 1; i < 6; i++)
		swap_obj_expect(test, obj, i, swap_pattern(i));
	KUNIT_EXPECT_EQ(test, aobj_put(obj, 0, 6, AOBJ_PUT_FREE), 0);
	swap_obj_expect(test, obj, 0, 0);
}

/* With no room to page in, swapoff fails and the device stays in service. */
static void swap_swapoff_enomem_test(struct kunit *test)
{
	struct aobj_swapdev_info info;
	struct aobj *obj;
	pgoff_t i;
	u64 lost = 1;
	int n, slot;

	swap_on(test, RAM0, 0);
	obj = swap_obj_create(test, 8, 0);
	swap_obj_fill(test, obj, 8);
	swap_evict(test, obj, true);

	KUNIT_EXPECT_EQ(test, aobj_swapoff(RAM0, &lost), -ENOMEM);
	KUNIT_EXPECT_EQ(test, lost, 0ULL);
	KUNIT_ASSERT_TRUE(test, swap_info(test, RAM0, &info));
	KUNIT_EXPECT_EQ(test, info.flags, 0U);
	KUNIT_EXPECT_EQ(test, info.used, 8ULL);
	KUNIT_EXPECT_EQ(test, aobj_nr_swapped(obj), 8UL);
	/* Back in service: it takes allocations. */
	KUNIT_EXPECT_TRUE(test, aobj_swap_available());
	n = 1;
	slot = st_alloc(test, &n);
	KUNIT_EXPECT_GT(test, slot, 0);
	if (slot)
		st_free(test, slot, n);

	KUNIT_ASSERT_EQ(test, swap_set_limit("0"), 0);
	KUNIT_EXPECT_EQ(test, swap_off(test, RAM0, &lost), 0);
	KUNIT_EXPECT_EQ(test, lost, 0ULL);
	for (i = 0; i < 8; i++)
		swap_obj_expect(test, obj, i, swap_pattern(i));
}

/* A swapoff killed by SIGKILL stops, leaves the device in service, loses nothing. */
static void swap_swapoff_killed_test(struct kunit *test)
{
	struct aobj_swapdev_info info;
	struct swapoff_thread *w;
	struct task_struct *task;
	struct aobj *obj;
	pgoff_t i;
	u64 lost;

	swap_on(test, RAM0, 0);
	obj = swap_obj_create(test, 8, 0);
	swap_obj_fill(test, obj, 8);
	swap_evict(test, obj, false);

	/* Not kunit memory: a thread that never finishes keeps it. */
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	w->path = RAM0;
	w->kill = true;
	init_completion(&w->done);
	task = kthread_run(swapoff_thread_fn, w, "aobj_test_swapoff");
	if (IS_ERR(task)) {
		kfree(w);
		KUNIT_FAIL_AND_ABORT(test, "kthread_run: %ld", PTR_ERR(task));
	}
	if (!wait_for_completion_timeout(&w->done, 60 * HZ))
		KUNIT_FAIL_AND_ABORT(test, "killed swapoff did not return");
	KUNIT_EXPECT_EQ(test, w->err, -EINTR);
	KUNIT_EXPECT_EQ(test, w->lost, 0ULL);
	kfree(w);

	KUNIT_ASSERT_TRUE(test, swap_info(test, RAM0, &info));
	KUNIT_EXPECT_EQ(test, info.flags, 0U);
	KUNIT_EXPECT_EQ(test, info.used, 8ULL);
	KUNIT_EXPECT_TRUE(test, aobj_swap_available());
	KUNIT_EXPECT_EQ(test, aobj_nr_swapped(obj), 8UL);

	KUNIT_EXPECT_EQ(test, swap_off(test, RAM0, &lost), 0);
	KUNIT_EXPECT_EQ(test, lost, 0ULL);
	for (i = 0; i < 8; i++)
		swap_obj_expect(test, obj, i, swap_pattern(i));
}

/*
 * While a swapoff runs, its device is listed as draining and skipped by the
 * allocator, even though its priority is the highest.  The swapoff is held
 * in its first read by a stub.
 */
static void swap_draining_test(struct kunit *test)
{
	struct swap_ctx *ctx = test->priv;
	struct aobj_swapdev_info info;
	struct swapoff_thread *w;
	struct task_struct *task;
	struct aobj *obj;
	bool entered;
	int n, slot;
	pgoff_t i;

	swap_on(test, RAM0, 10);
	swap_on(test, RAM1, 0);
	obj = swap_obj_create(test, 8, 0);
	swap_obj_fill(test, obj, 8);
	swap_evict(test, obj, false);
	KUNIT_ASSERT_LE(test, swap_page_state(obj, 0).slot, RAM_SLOTS);

	w = kzalloc(sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	w->test = test;
	w->path = RAM0;
	init_completion(&w->done);
	kunit_activate_static_stub(test, aobj_swap_rw, swap_rw_block_stub);
	task = kthread_run(swapoff_thread_fn, w, "aobj_test_swapoff");
	if (IS_ERR(task)) {
		kunit_deactivate_static_stub(test, aobj_swap_rw);
		kfree(w);
		KUNIT_FAIL_AND_ABORT(test, "kthread_run: %ld", PTR_ERR(task));
	}

	/* No assertion may abort the test until the thread is released. */
	entered = wait_for_completion_timeout(&ctx->entered, 30 * HZ);
	KUNIT_EXPECT_TRUE(test, entered);
	if (entered) {
		KUNIT_EXPECT_TRUE(test, swap_info(test, RAM0, &info) &&
				  info.flags == AOBJ_SWAPDEV_DRAINING);
		n = 1;
		slot = st_alloc(test, &n);
		KUNIT_EXPECT_GT(test, slot, RAM_SLOTS);
		if (slot)
			st_free(test, slot, n);
	}
	kunit_deactivate_static_stub(test, aobj_swap_rw);
	complete(&ctx->release);

	if (!wait_for_completion_timeout(&w->done, 60 * HZ))
		KUNIT_FAIL_AND_ABORT(test, "swapoff did not finish");
	KUNIT_EXPECT_EQ(test, w->err, 0);
	KUNIT_EXPECT_EQ(test, w->lost, 0ULL);
	if (!w->err)
		ctx->on[0] = NULL;
	kfree(w);

	KUNIT_EXPECT_FALSE(test, swap_info(test, RAM0, &info));
	KUNIT_EXPECT_EQ(test, swap_count(), 1U);
	for (i = 0; i < 8; i++)
		swap_obj_expect(test, obj, i, swap_pattern(i));
}

/*
 * Swap-in readahead stops at the end of a device.  Page 0 sits on the last
 * slot of RAM0 and page 1 on the first slot of RAM1, the next slot number:
 * a sequential fault on page 0 reads it alone, not with one bio running
 * past the end of RAM0 (which fails, then is retried page by page).
 */
static void swap_readahead_boundary_test(struct kunit *test)
{
	struct swap_ctx *ctx = test->priv;
	struct page_state ps;
	struct aobj *obj;

	swap_on(test, RAM0, 1);
	swap_on(test, RAM1, 0);
	KUNIT_ASSERT_EQ(test, swap_count(), 2U);
	/* RAM0 owns slots 1..RAM_SLOTS, RAM1 the next RAM_SLOTS. */
	KUNIT_ASSERT_EQ(test, st_alloc_all(test, 64), 2 * RAM_SLOTS);
	st_free(test, RAM_SLOTS, 1);
	st_free(test, RAM_SLOTS + 1, 1);

	obj = swap_obj_create(test, 2, 0);
	swap_obj_fill(test, obj, 2);
	swap_evict(test, obj, false);
	/* RAM0 first (higher priority), then RAM1: across the boundary. */
	ps = swap_page_state(obj, 0);
	KUNIT_ASSERT_EQ(test, ps.slot, RAM_SLOTS);
	ps = swap_page_state(obj, 1);
	KUNIT_ASSERT_EQ(test, ps.slot, RAM_SLOTS + 1);

	kunit_activate_static_stub(test, aobj_swap_rw, swap_rw_stub);
	/* A first fault at index 0 is sequential: the window is 4. */
	swap_obj_expect(test, obj, 0, swap_pattern(0));
	KUNIT_EXPECT_EQ_MSG(test, ctx->reads, 1,
			    "one read for page 0, none past the end of RAM0");
	KUNIT_EXPECT_FALSE(test, swap_page_state(obj, 1).resident);
	swap_obj_expect(test, obj, 1, swap_pattern(1));
	KUNIT_EXPECT_EQ(test, ctx->reads, 2);
	kunit_deactivate_static_stub(test, aobj_swap_rw);
	st_free_all(test);
}

/*
 * A device that goes away (the block layer calls the holder's mark_dead,
 * as when a driver deletes its disk; called directly here on brd): it
 * leaves the table; pages only on it are lost (-EIO, bad_slots), pages in
 * memory keep their data, dirty again, and go to the other device.
 */
static void swap_dead_device_test(struct kunit *test)
{
	struct swap_ctx *ctx = test->priv;
	struct aobj_swapdev_info info;
	struct aobj_stats st0, st;
	unsigned long timeout;
	struct page_state ps;
	struct folio *folio;
	struct aobj *obj;
	struct file *f;
	bool listed;
	pgoff_t i;
	int j;

	swap_on(test, RAM0, 1);
	swap_on(test, RAM1, 0);
	obj = swap_obj_create(test, 8, 0);
	swap_obj_fill(test, obj, 8);
	swap_evict(test, obj, false);
	for (i = 0; i < 8; i++) {
		ps = swap_page_state(obj, i);
		KUNIT_ASSERT_TRUE_MSG(test, ps.slot > 0 && ps.slot <= RAM_SLOTS,
				      "page %lu on RAM0: slot %d", i, ps.slot);
	}
	/* Pages 0-3 back in (one readahead window), clean, copies on RAM0. */
	swap_obj_expect(test, obj, 0, swap_pattern(0));
	KUNIT_ASSERT_EQ(test, swap_nr_resident(obj), 4UL);
	aobj_read_stats(&st0);

	f = bdev_file_open_by_path(RAM0, BLK_OPEN_READ, NULL, NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, f);
	bdev_mark_dead(file_bdev(f), true);
	fput(f);
	timeout = jiffies + 10 * HZ;
	while ((listed = swap_info(test, RAM0, &info)) &&
	       time_before(jiffies, timeout))
		msleep(20);
	KUNIT_ASSERT_FALSE_MSG(test, listed, "RAM0 still listed: flags %#x",
			       info.flags);
	for (j = 0; j < MAX_SWAPDEVS; j++)
		if (ctx->on[j] && !strcmp(ctx->on[j], RAM0))
			ctx->on[j] = NULL;
	KUNIT_EXPECT_EQ(test, swap_count(), 1U);

	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.bad_slots, st0.bad_slots + 4);
	KUNIT_EXPECT_EQ(test, st.swpgonly, st0.swpgonly - 4);
	KUNIT_EXPECT_EQ(test, aobj_nr_swapped(obj), 0UL);
	for (i = 0; i < 4; i++) {
		ps = swap_page_state(obj, i);
		KUNIT_EXPECT_EQ(test, ps.slot, 0);
		KUNIT_EXPECT_TRUE(test, ps.resident);
		KUNIT_EXPECT_TRUE_MSG(test, ps.dirty, "page %lu dirty", i);
	}
	for (i = 4; i < 8; i++) {
		KUNIT_EXPECT_EQ(test, swap_page_state(obj, i).slot, SWSLOT_BAD);
		KUNIT_EXPECT_EQ(test, aobj_get(obj, i, &folio), -EIO);
	}

	/* The dirty pages go to RAM1, and come back intact. */
	swap_evict(test, obj, false);
	for (i = 0; i < 4; i++) {
		ps = swap_page_state(obj, i);
		KUNIT_EXPECT_GT_MSG(test, ps.slot, RAM_SLOTS, "page %lu", i);
		swap_obj_expect(test, obj, i, swap_pattern(i));
	}
}

static struct kunit_case aobj_swap_cases[] = {
	KUNIT_CASE(swap_alloc_basic_test),
	KUNIT_CASE(swap_alloc_ranges_test),
	KUNIT_CASE(swap_alloc_fragmented_test),
	KUNIT_CASE(swap_alloc_reuse_test),
	KUNIT_CASE(swap_markbad_test),
	KUNIT_CASE(swap_alloc_priority_test),
	KUNIT_CASE(swap_alloc_round_robin_test),
	KUNIT_CASE(swap_failing_device_test),
	KUNIT_CASE(swap_swapon_errors_test),
	KUNIT_CASE(swap_swapoff_release_test),
	KUNIT_CASE(swap_clean_test),
	KUNIT_CASE(swap_clean_pinned_test),
	KUNIT_CASE(swap_clean_write_error_test),
	KUNIT_CASE(swap_clean_partial_error_test),
	KUNIT_CASE(swap_pageout_swapin_test),
	KUNIT_CASE(swap_read_error_test),
	KUNIT_CASE(swap_oom_notifier_test),
	KUNIT_CASE(swap_readahead_boundary_test),
	KUNIT_CASE(swap_dead_device_test),
	KUNIT_CASE(swap_swapoff_pagein_test),
	KUNIT_CASE(swap_swapoff_lost_test),
	KUNIT_CASE(swap_swapoff_enomem_test),
	KUNIT_CASE(swap_swapoff_killed_test),
	KUNIT_CASE(swap_draining_test),
	{}
};

static struct kunit_suite aobj_swap_suite = {
	.name = "aobj_swap",
	.init = swap_test_init,
	.test_cases = aobj_swap_cases,
};

kunit_test_suites(&aobj_swap_suite);
