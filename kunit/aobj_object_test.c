// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for aobj: the swap-slot map and the object core.
 *
 * Load aobj.ko first (its init sets up the cluster cache), then this module.
 * Every object, map and folio a test takes is released by a KUnit deferred
 * action or before the next assertion, so that a failing test leaks nothing
 * and leaves no folio locked.
 */

#include <kunit/resource.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <kunit/test-bug.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/string.h>

#include "aobj.h"
#include "aobj_swmap.h"

/* ---------------------------------------------------------------------- */
/* aobj_swmap                                                             */
/* ---------------------------------------------------------------------- */

/**
 * struct swmap_ctx - one map under test and what its stubs observed
 * @lock: stands for the owning object's lock
 * @map: the map
 * @live: @map is initialised and not yet destroyed
 * @alloc_calls: calls of aobj_swcluster_alloc() seen by a stub
 * @insert_calls: calls of aobj_swcluster_insert() seen by a stub
 */
struct swmap_ctx {
	struct mutex lock; /* protects @map, as the object lock would */
	struct aobj_swmap map;
	bool live;
	int alloc_calls;
	int insert_calls;
};

static void swmap_ctx_release(void *data)
{
	struct swmap_ctx *ctx = data;

	if (ctx->live)
		aobj_swmap_destroy(&ctx->map, NULL, NULL);
	ctx->live = false;
	mutex_destroy(&ctx->lock);
}

static struct swmap_ctx *swmap_setup(struct kunit *test, pgoff_t pages)
{
	struct swmap_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	mutex_init(&ctx->lock);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, swmap_ctx_release, ctx), 0);
	KUNIT_ASSERT_EQ(test, aobj_swmap_init(&ctx->map, pages, &ctx->lock), 0);
	ctx->live = true;
	test->priv = ctx;
	return ctx;
}

static int sm_find(struct swmap_ctx *ctx, pgoff_t idx)
{
	int slot;

	mutex_lock(&ctx->lock);
	slot = aobj_swmap_find(&ctx->map, idx);
	mutex_unlock(&ctx->lock);
	return slot;
}

static int sm_set(struct swmap_ctx *ctx, pgoff_t idx, int slot)
{
	int old;

	mutex_lock(&ctx->lock);
	old = aobj_swmap_set(&ctx->map, idx, slot);
	mutex_unlock(&ctx->lock);
	return old;
}

/* aobj_swmap_next() over [@from, @last]; ULONG_MAX if nothing is found. */
static pgoff_t sm_next_to(struct swmap_ctx *ctx, int start, int end,
			  pgoff_t from, pgoff_t last)
{
	pgoff_t idx = from;
	bool found;

	mutex_lock(&ctx->lock);
	found = aobj_swmap_next(&ctx->map, start, end, &idx, last);
	mutex_unlock(&ctx->lock);
	return found ? idx : ULONG_MAX;
}

/* aobj_swmap_next() from @from; ULONG_MAX if nothing is found. */
static pgoff_t sm_next(struct swmap_ctx *ctx, int start, int end, pgoff_t from)
{
	return sm_next_to(ctx, start, end, from, ULONG_MAX);
}

/*
 * sm_clusters: the number of clusters in a clustered map, checking on the
 * way that each lies within the object, is not empty and counts its slots
 * right, and that the slots add up to nr_slots and nr_bad.
 */
static unsigned long sm_clusters(struct kunit *test, struct swmap_ctx *ctx)
{
	unsigned long tag, n = 0, slots = 0, bad = 0;
	struct aobj_swcluster *c;
	int j, count;

	mutex_lock(&ctx->lock);
	KUNIT_EXPECT_NULL(test, ctx->map.array);
	xa_for_each(&ctx->map.clusters, tag, c) {
		count = 0;
		for (j = 0; j < AOBJ_SWHASH_CLUSTER_SIZE; j++) {
			count += c->slots[j] != 0;
			bad += c->slots[j] == SWSLOT_BAD;
		}
		KUNIT_EXPECT_LT(test, tag << AOBJ_SWHASH_CLUSTER_SHIFT,
				ctx->map.pages);
		KUNIT_EXPECT_GT(test, c->count, 0);
		KUNIT_EXPECT_EQ(test, c->count, count);
		slots += count;
		n++;
	}
	KUNIT_EXPECT_EQ(test, slots, ctx->map.nr_slots);
	KUNIT_EXPECT_EQ(test, bad, ctx->map.nr_bad);
	mutex_unlock(&ctx->lock);
	return n;
}

/* Stub: count the call and fail, as an exhausted GFP_NOWAIT allocation. */
static struct aobj_swcluster *swcluster_alloc_fail(void)
{
	struct kunit *test = kunit_get_current_test();
	struct swmap_ctx *ctx = test->priv;

	ctx->alloc_calls++;
	return NULL;
}

/* Stub: count the call and fail, as an xarray node GFP_NOWAIT cannot get. */
static int swcluster_insert_fail(struct xarray *clusters, pgoff_t tag,
				 struct aobj_swcluster *c)
{
	struct kunit *test = kunit_get_current_test();
	struct swmap_ctx *ctx = test->priv;

	ctx->insert_calls++;
	return -ENOMEM;
}

/* Stub: count the call and allocate for real. */
static struct aobj_swcluster *swcluster_alloc_count(void)
{
	struct kunit *test = kunit_get_current_test();
	struct swmap_ctx *ctx = test->priv;
	struct aobj_swcluster *c;

	ctx->alloc_calls++;
	kunit_deactivate_static_stub(test, aobj_swcluster_alloc);
	c = aobj_swcluster_alloc();
	kunit_activate_static_stub(test, aobj_swcluster_alloc,
				   swcluster_alloc_count);
	return c;
}

static void swmap_mode_boundary_test(struct kunit *test)
{
	struct swmap_ctx *ctx;

	ctx = swmap_setup(test, 1);
	KUNIT_EXPECT_FALSE(test, aobj_swmap_clustered(&ctx->map));
	KUNIT_EXPECT_NOT_NULL(test, ctx->map.array);

	ctx = swmap_setup(test, AOBJ_SWHASH_THRESHOLD);
	KUNIT_EXPECT_EQ(test, AOBJ_SWHASH_THRESHOLD, 64);
	KUNIT_EXPECT_FALSE(test, aobj_swmap_clustered(&ctx->map));
	KUNIT_EXPECT_NOT_NULL(test, ctx->map.array);
	KUNIT_EXPECT_EQ(test, ctx->map.pages, 64UL);

	/* Above the threshold nothing is allocated before the first slot. */
	ctx = swmap_setup(test, AOBJ_SWHASH_THRESHOLD + 1);
	KUNIT_EXPECT_TRUE(test, aobj_swmap_clustered(&ctx->map));
	KUNIT_EXPECT_NULL(test, ctx->map.array);
	KUNIT_EXPECT_TRUE(test, xa_empty(&ctx->map.clusters));

	ctx = swmap_setup(test, 100000);
	KUNIT_EXPECT_TRUE(test, aobj_swmap_clustered(&ctx->map));
	KUNIT_EXPECT_TRUE(test, xa_empty(&ctx->map.clusters));
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, 0UL);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_bad, 0UL);
}

static const pgoff_t swmap_sizes[] = { 1, 2, 64, 65, 1000, 100000 };

static void swmap_size_desc(const pgoff_t *pages, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%lu pages", *pages);
}

KUNIT_ARRAY_PARAM(swmap_size, swmap_sizes, swmap_size_desc);

/* find/set/old slot, nr_slots and nr_bad, in both modes. */
static void swmap_set_find_test(struct kunit *test)
{
	const pgoff_t pages = *(const pgoff_t *)test->param_value;
	pgoff_t idx[] = { 0, pages / 2, pages - 1 };
	struct swmap_ctx *ctx = swmap_setup(test, pages);
	int i, n = 0;

	/* Distinct indices only: for one page they are all 0. */
	for (i = 0; i < ARRAY_SIZE(idx); i++) {
		if (i && idx[i] == idx[i - 1])
			continue;
		idx[n++] = idx[i];
	}

	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, sm_find(ctx, idx[i]), 0);

	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, sm_set(ctx, idx[i], 100 + i), 0);
		KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, (unsigned long)(i + 1));
	}
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, sm_find(ctx, idx[i]), 100 + i);
	if (pages > 2) {
		KUNIT_EXPECT_EQ(test, sm_find(ctx, 1), 0);
		KUNIT_EXPECT_EQ(test, sm_find(ctx, pages - 2), 0);
	}

	/* Replacing a slot returns the old one and does not count twice. */
	KUNIT_EXPECT_EQ(test, sm_set(ctx, idx[0], 500), 100);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, idx[0]), 500);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, (unsigned long)n);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_bad, 0UL);

	/* SWSLOT_BAD is stored, found, and counted in both counters. */
	KUNIT_EXPECT_EQ(test, sm_set(ctx, idx[n - 1], SWSLOT_BAD),
			n == 1 ? 500 : 100 + n - 1);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, idx[n - 1]), SWSLOT_BAD);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, (unsigned long)n);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_bad, 1UL);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, idx[n - 1], SWSLOT_BAD), SWSLOT_BAD);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_bad, 1UL);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, idx[n - 1], 7), SWSLOT_BAD);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_bad, 0UL);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, idx[n - 1], SWSLOT_BAD), 7);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_bad, 1UL);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, (unsigned long)n);
	if (aobj_swmap_clustered(&ctx->map))
		KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), (unsigned long)n);

	/* Clearing returns the old slot and uncounts it. */
	KUNIT_EXPECT_EQ(test, sm_set(ctx, idx[n - 1], 0), SWSLOT_BAD);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_bad, 0UL);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, (unsigned long)(n - 1));
	for (i = 0; i < n - 1; i++)
		KUNIT_EXPECT_EQ(test, sm_set(ctx, idx[i], 0), i ? 100 + i : 500);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, 0UL);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_bad, 0UL);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, sm_find(ctx, idx[i]), 0);
	if (aobj_swmap_clustered(&ctx->map))
		KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), 0UL);
}

/* Cluster mode: clusters of 16 pages, allocated and freed one by one. */
static void swmap_clusters_test(struct kunit *test)
{
	struct swmap_ctx *ctx = swmap_setup(test, 100000);
	/* Tags 256 and 512: clusters far from the first ones. */
	const pgoff_t b1 = 256 * AOBJ_SWHASH_CLUSTER_SIZE;
	const pgoff_t b2 = 512 * AOBJ_SWHASH_CLUSTER_SIZE;

	kunit_activate_static_stub(test, aobj_swcluster_alloc,
				   swcluster_alloc_count);

	KUNIT_EXPECT_EQ(test, sm_set(ctx, 0, 1), 0);
	KUNIT_EXPECT_EQ(test, ctx->alloc_calls, 1);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 15, 2), 0);
	KUNIT_EXPECT_EQ(test, ctx->alloc_calls, 1);
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), 1UL);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 16, 3), 0);
	KUNIT_EXPECT_EQ(test, ctx->alloc_calls, 2);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, b1, 4), 0);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, b2 + 1, 5), 0);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 99999, 6), 0);
	KUNIT_EXPECT_EQ(test, ctx->alloc_calls, 5);
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), 5UL);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, 6UL);

	KUNIT_EXPECT_EQ(test, sm_find(ctx, 0), 1);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 15), 2);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 16), 3);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, b1), 4);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, b2 + 1), 5);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 99999), 6);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 1), 0);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 17), 0);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, b1 + 1), 0);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, b2), 0);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 99998), 0);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 50000), 0);

	/* A cluster stays while one of its slots is set... */
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 0, 0), 1);
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), 5UL);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 15), 2);
	/* ...and goes with the last one; the other clusters stay. */
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 15, 0), 2);
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), 4UL);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, b1), 4);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, b2 + 1), 5);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, b1, 0), 4);
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), 3UL);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, b2 + 1), 5);

	/* The freed cluster is allocated anew when needed again. */
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 3, 7), 0);
	KUNIT_EXPECT_EQ(test, ctx->alloc_calls, 6);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 0), 0);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 15), 0);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 3), 7);
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), 4UL);

	KUNIT_EXPECT_EQ(test, sm_set(ctx, 3, 0), 7);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 16, 0), 3);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, b2 + 1, 0), 5);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 99999, 0), 6);
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), 0UL);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, 0UL);
	KUNIT_EXPECT_EQ(test, ctx->alloc_calls, 6);
}

/* Clearing a slot that is not set allocates nothing and returns 0. */
static void swmap_clear_absent_test(struct kunit *test)
{
	struct swmap_ctx *ctx = swmap_setup(test, 1000);

	kunit_activate_static_stub(test, aobj_swcluster_alloc,
				   swcluster_alloc_fail);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 10, 0), 0);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 999, 0), 0);
	KUNIT_EXPECT_EQ(test, ctx->alloc_calls, 0);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, 0UL);
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), 0UL);

	/* In a cluster that exists, too: it neither grows nor goes. */
	kunit_deactivate_static_stub(test, aobj_swcluster_alloc);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 10, 5), 0);
	kunit_activate_static_stub(test, aobj_swcluster_alloc,
				   swcluster_alloc_fail);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 11, 0), 0);
	KUNIT_EXPECT_EQ(test, ctx->alloc_calls, 0);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, 1UL);
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), 1UL);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 10), 5);

	KUNIT_EXPECT_EQ(test, sm_set(ctx, 10, 0), 5);
	KUNIT_EXPECT_EQ(test, ctx->alloc_calls, 0);
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), 0UL);
}

/* A cluster that cannot be allocated: -ENOMEM, the map unchanged. */
static void swmap_enomem_test(struct kunit *test)
{
	struct swmap_ctx *ctx = swmap_setup(test, 1000);

	KUNIT_EXPECT_EQ(test, sm_set(ctx, 5, 7), 0);

	kunit_activate_static_stub(test, aobj_swcluster_alloc,
				   swcluster_alloc_fail);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 100, 9), -ENOMEM);
	KUNIT_EXPECT_EQ(test, ctx->alloc_calls, 1);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 100), 0);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, 1UL);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_bad, 0UL);

	/* -ENOMEM is not SWSLOT_BAD: marking a page bad can fail too. */
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 999, SWSLOT_BAD), -ENOMEM);
	KUNIT_EXPECT_NE(test, -ENOMEM, SWSLOT_BAD);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 999), 0);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_bad, 0UL);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, 1UL);
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), 1UL);

	/* An existing cluster needs no allocation. */
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 6, 8), 0);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 5, SWSLOT_BAD), 7);
	KUNIT_EXPECT_EQ(test, ctx->alloc_calls, 2);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 5), SWSLOT_BAD);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 6), 8);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, 2UL);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_bad, 1UL);
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), 1UL);

	/* Once memory is back, the same set works. */
	kunit_deactivate_static_stub(test, aobj_swcluster_alloc);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 100, 9), 0);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 100), 9);
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), 2UL);
}

/* Array mode never allocates a cluster. */
static void swmap_array_no_alloc_test(struct kunit *test)
{
	struct swmap_ctx *ctx = swmap_setup(test, 64);
	pgoff_t i;

	kunit_activate_static_stub(test, aobj_swcluster_alloc,
				   swcluster_alloc_fail);
	for (i = 0; i < 64; i++)
		KUNIT_EXPECT_EQ(test, sm_set(ctx, i, 1000 + i), 0);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, 64UL);
	for (i = 0; i < 64; i++)
		KUNIT_EXPECT_EQ(test, sm_find(ctx, i), 1000 + (int)i);
	KUNIT_EXPECT_EQ(test, ctx->alloc_calls, 0);
}

/* aobj_swmap_next() over the pages of @ctx, which has slots at @at. */
static void swmap_next_check(struct kunit *test, struct swmap_ctx *ctx,
			     const pgoff_t *at)
{
	const pgoff_t pages = ctx->map.pages;
	const pgoff_t none = ULONG_MAX;

	/* at[0] = 10, at[1] = 20, at[2] = SWSLOT_BAD, at[3] = 30. */
	KUNIT_EXPECT_EQ(test, sm_set(ctx, at[0], 10), 0);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, at[1], 20), 0);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, at[2], SWSLOT_BAD), 0);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, at[3], 30), 0);

	/* Every good slot, in index order, resuming after each. */
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 1, INT_MAX, 0), at[0]);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 1, INT_MAX, at[0]), at[0]);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 1, INT_MAX, at[0] + 1), at[1]);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 1, INT_MAX, at[1] + 1), at[3]);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 1, INT_MAX, at[3] + 1), none);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 1, INT_MAX, pages), none);

	/* Only slots in [start, end): the end is excluded. */
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 15, 25, 0), at[1]);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 15, 25, at[1] + 1), none);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 20, 21, 0), at[1]);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 11, 20, 0), none);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 30, 31, 0), at[3]);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 31, INT_MAX, 0), none);

	/* SWSLOT_BAD only when start is SWSLOT_BAD; never an empty slot. */
	KUNIT_EXPECT_EQ(test, sm_next(ctx, SWSLOT_BAD, 0, 0), at[2]);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, SWSLOT_BAD, 0, at[2] + 1), none);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, SWSLOT_BAD, 1, 0), at[2]);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, SWSLOT_BAD, INT_MAX, 0), at[0]);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, SWSLOT_BAD, INT_MAX, at[1] + 1), at[2]);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, SWSLOT_BAD, INT_MAX, at[2] + 1), at[3]);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 1, INT_MAX, at[1] + 1), at[3]);

	/* A cleared slot is no longer found. */
	KUNIT_EXPECT_EQ(test, sm_set(ctx, at[1], 0), 20);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 1, INT_MAX, at[0] + 1), at[3]);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 15, 25, 0), none);
}

static void swmap_next_array_test(struct kunit *test)
{
	static const pgoff_t at[] = { 3, 7, 40, 63 };

	swmap_next_check(test, swmap_setup(test, 64), at);
}

static void swmap_next_clustered_test(struct kunit *test)
{
	/* Mid-cluster, next cluster, far away, last page. */
	static const pgoff_t at[] = { 5, 17, 4096 + 3, 99999 };
	/* 1000 pages: the last cluster is half beyond the object. */
	static const pgoff_t at_small[] = { 0, 15, 500, 999 };
	/* 65 pages: the smallest clustered map, slots at both ends. */
	static const pgoff_t at_min[] = { 0, 1, 63, 64 };

	swmap_next_check(test, swmap_setup(test, 100000), at);
	swmap_next_check(test, swmap_setup(test, 1000), at_small);
	swmap_next_check(test, swmap_setup(test, 65), at_min);
}

/* Objects up to INT_MAX pages: far-apart slots, the last cluster partial. */
static const pgoff_t swmap_large_sizes[] = { 1UL << 20, INT_MAX };

KUNIT_ARRAY_PARAM(swmap_large, swmap_large_sizes, swmap_size_desc);

/* A large sparse map holds a cluster per cluster used, and no more. */
static void swmap_large_test(struct kunit *test)
{
	const pgoff_t pages = *(const pgoff_t *)test->param_value;
	struct swmap_ctx *ctx = swmap_setup(test, pages);
	/* Ascending, one per cluster: ends, next cluster, middle, next to last. */
	const pgoff_t at[] = { 0, 16, pages / 2 + 7, pages - 17, pages - 1 };
	const int n = ARRAY_SIZE(at);
	const pgoff_t none = ULONG_MAX;
	int i;

	kunit_activate_static_stub(test, aobj_swcluster_alloc,
				   swcluster_alloc_count);
	KUNIT_EXPECT_TRUE(test, xa_empty(&ctx->map.clusters));
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, sm_set(ctx, at[i], 1000 + i), 0);
	KUNIT_EXPECT_EQ(test, ctx->alloc_calls, n);
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), (unsigned long)n);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, (unsigned long)n);

	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, sm_find(ctx, at[i]), 1000 + i);
		if (at[i] > 0)
			KUNIT_EXPECT_EQ(test, sm_find(ctx, at[i] - 1), 0);
		if (at[i] + 1 < pages)
			KUNIT_EXPECT_EQ(test, sm_find(ctx, at[i] + 1), 0);
	}
	KUNIT_EXPECT_EQ(test, sm_find(ctx, pages / 4), 0);

	/* In index order, skipping the empty tags between clusters. */
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, sm_next(ctx, 1, INT_MAX, at[i]), at[i]);
		KUNIT_EXPECT_EQ(test, sm_next(ctx, 1, INT_MAX, at[i] + 1),
				i + 1 < n ? at[i + 1] : none);
	}

	/* @last bounds the walk, also in the middle of a cluster. */
	KUNIT_EXPECT_EQ(test, sm_next_to(ctx, 1, INT_MAX, 1, 15), none);
	KUNIT_EXPECT_EQ(test, sm_next_to(ctx, 1, INT_MAX, 1, 16), at[1]);
	KUNIT_EXPECT_EQ(test, sm_next_to(ctx, 1, INT_MAX, 17, at[2] - 1), none);
	KUNIT_EXPECT_EQ(test, sm_next_to(ctx, 1, INT_MAX, 17, at[2]), at[2]);
	KUNIT_EXPECT_EQ(test, sm_next_to(ctx, 1, INT_MAX, at[2] - 3, at[2]),
			at[2]);
	KUNIT_EXPECT_EQ(test, sm_next_to(ctx, 1, INT_MAX, at[3], at[3]), at[3]);
	KUNIT_EXPECT_EQ(test, sm_next_to(ctx, 1, INT_MAX, at[3] + 1, pages - 2),
			none);
	KUNIT_EXPECT_EQ(test, sm_next_to(ctx, 1, INT_MAX, at[2], at[1]), none);

	/* Cleared in another order, each cluster goes with its slot. */
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, sm_set(ctx, at[(i + 2) % n], 0),
				1000 + (i + 2) % n);
		KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx),
				(unsigned long)(n - i - 1));
	}
	KUNIT_EXPECT_TRUE(test, xa_empty(&ctx->map.clusters));
	KUNIT_EXPECT_EQ(test, sm_next(ctx, SWSLOT_BAD, INT_MAX, 0), none);
	KUNIT_EXPECT_EQ(test, ctx->alloc_calls, n);
}

/*
 * next() across many clusters set in scrambled order: index order all the
 * same, and a walk that clears each slot it finds, as the pagein of
 * swapoff does, empties the map.
 */
static void swmap_next_order_test(struct kunit *test)
{
	const pgoff_t pages = 1UL << 20;
	struct swmap_ctx *ctx = swmap_setup(test, pages);
	const pgoff_t n = 4096;		/* every 16th cluster */
	pgoff_t k, p, idx;

	/* Cluster p * 16 holds slot p + 1 at page p % 16 of it. */
	for (k = 0; k < n; k++) {
		p = (k * 97) % n;	/* 97 and n coprime: a permutation */
		KUNIT_ASSERT_EQ(test, sm_set(ctx, p * 256 + p % 16, p + 1), 0);
	}
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), n);

	idx = 0;
	for (p = 0; p < n; p++, idx++) {
		idx = sm_next(ctx, 1, INT_MAX, idx);
		KUNIT_ASSERT_EQ(test, idx, p * 256 + p % 16);
		KUNIT_ASSERT_EQ(test, sm_find(ctx, idx), (int)p + 1);
	}
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 1, INT_MAX, idx), ULONG_MAX);

	/* Slots [2001, 2003): pages 2000 and 2001 only. */
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 2001, 2003, 0), 2000UL * 256);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 2001, 2003, 2000 * 256 + 1),
			2001UL * 256 + 1);
	KUNIT_EXPECT_EQ(test, sm_next(ctx, 2001, 2003, 2001 * 256 + 2),
			ULONG_MAX);

	idx = 0;
	for (p = 0; p < n; p++) {
		idx = sm_next(ctx, 1, INT_MAX, idx);
		KUNIT_ASSERT_EQ(test, idx, p * 256 + p % 16);
		KUNIT_ASSERT_EQ(test, sm_set(ctx, idx, 0), (int)p + 1);
	}
	KUNIT_EXPECT_EQ(test, sm_next(ctx, SWSLOT_BAD, INT_MAX, 0), ULONG_MAX);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, 0UL);
	KUNIT_EXPECT_TRUE(test, xa_empty(&ctx->map.clusters));
}

/* The xarray cannot store a new cluster: -ENOMEM, the cluster freed. */
static void swmap_insert_enomem_test(struct kunit *test)
{
	struct swmap_ctx *ctx = swmap_setup(test, 1000);

	KUNIT_EXPECT_EQ(test, sm_set(ctx, 5, 7), 0);

	kunit_activate_static_stub(test, aobj_swcluster_alloc,
				   swcluster_alloc_count);
	kunit_activate_static_stub(test, aobj_swcluster_insert,
				   swcluster_insert_fail);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 500, 9), -ENOMEM);
	KUNIT_EXPECT_EQ(test, ctx->alloc_calls, 1);
	KUNIT_EXPECT_EQ(test, ctx->insert_calls, 1);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 500), 0);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 999, SWSLOT_BAD), -ENOMEM);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 999), 0);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, 1UL);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_bad, 0UL);
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), 1UL);

	/* An existing cluster is neither allocated nor stored again. */
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 6, 8), 0);
	KUNIT_EXPECT_EQ(test, ctx->alloc_calls, 2);
	KUNIT_EXPECT_EQ(test, ctx->insert_calls, 2);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 6), 8);

	/* Once the xarray can grow again, the same set works. */
	kunit_deactivate_static_stub(test, aobj_swcluster_insert);
	KUNIT_EXPECT_EQ(test, sm_set(ctx, 500, 9), 0);
	KUNIT_EXPECT_EQ(test, sm_find(ctx, 500), 9);
	KUNIT_EXPECT_EQ(test, ctx->alloc_calls, 3);
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx), 2UL);
}

/* Fully populated maps of 512 MiB and 2 GiB objects; powers of two. */
static const pgoff_t swmap_full_sizes[] = { 131072, 524288 };

KUNIT_ARRAY_PARAM(swmap_full, swmap_full_sizes, swmap_size_desc);

/*
 * Every page has a slot: each is found, in scrambled order, and next()
 * visits them all in order; clearing them all frees every cluster.  The
 * time per lookup is reported for information: with the seed's hash it
 * grew with the object.
 */
static void swmap_full_test(struct kunit *test)
{
	const pgoff_t pages = *(const pgoff_t *)test->param_value;
	struct swmap_ctx *ctx = swmap_setup(test, pages);
	unsigned long wrong = 0;
	pgoff_t i, idx;
	u64 t;

	mutex_lock(&ctx->lock);
	for (i = 0; i < pages; i++) {
		if (aobj_swmap_set(&ctx->map, i, i + 1))
			wrong++;
		if (!(i % 1024))
			cond_resched();
	}
	t = ktime_get_ns();
	for (i = 0; i < pages; i++) {
		/* An odd multiplier permutes the indices modulo a power of 2. */
		idx = (i * 40503) & (pages - 1);
		if (aobj_swmap_find(&ctx->map, idx) != (int)idx + 1)
			wrong++;
		if (!(i % 1024))
			cond_resched();
	}
	t = ktime_get_ns() - t;
	for (i = 0, idx = 0; i < pages; i++, idx++) {
		if (!aobj_swmap_next(&ctx->map, 1, INT_MAX, &idx, ULONG_MAX) ||
		    idx != i) {
			wrong++;
			break;
		}
	}
	mutex_unlock(&ctx->lock);
	KUNIT_EXPECT_EQ(test, wrong, 0UL);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, pages);
	KUNIT_EXPECT_EQ(test, sm_clusters(test, ctx),
			pages / AOBJ_SWHASH_CLUSTER_SIZE);
	kunit_info(test, "%lu pages: %llu ns per aobj_swmap_find()\n",
		   pages, div64_u64(t, pages));

	mutex_lock(&ctx->lock);
	for (i = 0; i < pages; i++) {
		idx = (i * 40503) & (pages - 1);
		if (aobj_swmap_set(&ctx->map, idx, 0) != (int)idx + 1)
			wrong++;
		if (!(i % 1024))
			cond_resched();
	}
	mutex_unlock(&ctx->lock);
	KUNIT_EXPECT_EQ(test, wrong, 0UL);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, 0UL);
	KUNIT_EXPECT_TRUE(test, xa_empty(&ctx->map.clusters));
}

#define DROP_MAX_SLOT	256

struct drop_count {
	int seen[DROP_MAX_SLOT];
	int bad;
	int other;
};

static void drop_counter(int slot, void *arg)
{
	struct drop_count *dc = arg;

	if (slot == SWSLOT_BAD)
		dc->bad++;
	else if (slot > 0 && slot < DROP_MAX_SLOT)
		dc->seen[slot]++;
	else
		dc->other++;
}

/* Destroy hands every non-zero slot to the drop callback exactly once. */
static void swmap_destroy_test(struct kunit *test)
{
	const pgoff_t pages = *(const pgoff_t *)test->param_value;
	struct swmap_ctx *ctx = swmap_setup(test, pages);
	const pgoff_t stride = max_t(pgoff_t, pages / 50, 3);
	struct drop_count *dc;
	int slot = 0, s;
	bool cleared;
	pgoff_t i;

	dc = kunit_kzalloc(test, sizeof(*dc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dc);

	/* Pairs of neighbours, so that clusters hold one or two slots. */
	for (i = 0; i < pages; i += stride) {
		KUNIT_ASSERT_EQ(test, sm_set(ctx, i, ++slot), 0);
		if (i + 1 < pages)
			KUNIT_ASSERT_EQ(test, sm_set(ctx, i + 1, ++slot), 0);
	}
	KUNIT_ASSERT_LT(test, slot, DROP_MAX_SLOT);
	if (pages > 3)
		KUNIT_ASSERT_EQ(test, sm_set(ctx, 2, SWSLOT_BAD), 0);
	/* A slot set and cleared again is not dropped. */
	cleared = pages > 1 && (pages - 1) % stride <= 1;
	if (pages > 1) {
		KUNIT_ASSERT_EQ(test, sm_set(ctx, pages - 1, 0), cleared ? slot : 0);
		KUNIT_ASSERT_EQ(test, sm_set(ctx, pages - 1, 0), 0);
	}

	ctx->live = false;
	aobj_swmap_destroy(&ctx->map, drop_counter, dc);

	for (s = 1; s <= slot; s++)
		KUNIT_EXPECT_EQ_MSG(test, dc->seen[s], cleared && s == slot ? 0 : 1,
				    "slot %d", s);
	KUNIT_EXPECT_EQ(test, dc->bad, pages > 3 ? 1 : 0);
	KUNIT_EXPECT_EQ(test, dc->other, 0);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_slots, 0UL);
	KUNIT_EXPECT_EQ(test, ctx->map.nr_bad, 0UL);
}

static struct kunit_case aobj_swmap_cases[] = {
	KUNIT_CASE(swmap_mode_boundary_test),
	KUNIT_CASE_PARAM(swmap_set_find_test, swmap_size_gen_params),
	KUNIT_CASE(swmap_clusters_test),
	KUNIT_CASE_PARAM(swmap_large_test, swmap_large_gen_params),
	KUNIT_CASE(swmap_clear_absent_test),
	KUNIT_CASE(swmap_enomem_test),
	KUNIT_CASE(swmap_insert_enomem_test),
	KUNIT_CASE(swmap_array_no_alloc_test),
	KUNIT_CASE(swmap_next_array_test),
	KUNIT_CASE(swmap_next_clustered_test),
	KUNIT_CASE(swmap_next_order_test),
	KUNIT_CASE_PARAM(swmap_destroy_test, swmap_size_gen_params),
	KUNIT_CASE_PARAM_ATTR(swmap_full_test, swmap_full_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite aobj_swmap_suite = {
	.name = "aobj_swmap",
	.test_cases = aobj_swmap_cases,
};

/* ---------------------------------------------------------------------- */
/* aobj_object                                                            */
/* ---------------------------------------------------------------------- */

KUNIT_DEFINE_ACTION_WRAPPER(aobj_detach_action, aobj_detach, struct aobj *);

/* An object whose reference is dropped when the test ends. */
static struct aobj *obj_create(struct kunit *test, u64 size, unsigned int flags)
{
	struct aobj *obj = aobj_create(size, flags);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, obj);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, aobj_detach_action, obj), 0);
	return obj;
}

/* The last reference, now rather than at the end of the test. */
static void obj_detach(struct kunit *test, struct aobj *obj)
{
	kunit_release_action(test, aobj_detach_action, obj);
}

/*
 * obj_read: aobj_get() page @idx, check the folio contract, copy the page
 * into @buf and give the folio back.  Never returns with the folio locked,
 * so that the following assertions may abort the test.
 */
static int obj_read(struct kunit *test, struct aobj *obj, pgoff_t idx, u8 *buf,
		    struct folio **foliop)
{
	struct folio *folio = NULL;
	void *kaddr;
	int err;

	err = aobj_get(obj, idx, &folio);
	if (err)
		return err;
	KUNIT_EXPECT_TRUE(test, folio_test_locked(folio));
	KUNIT_EXPECT_TRUE(test, folio_test_uptodate(folio));
	KUNIT_EXPECT_EQ(test, folio_nr_pages(folio), 1);
	kaddr = kmap_local_folio(folio, 0);
	memcpy(buf, kaddr, PAGE_SIZE);
	kunmap_local(kaddr);
	folio_unlock(folio);
	folio_put(folio);
	if (foliop)
		*foliop = folio;
	return 0;
}

/* obj_write: fill page @idx with @byte, as a writer should. */
static int obj_write(struct kunit *test, struct aobj *obj, pgoff_t idx, u8 byte)
{
	struct folio *folio = NULL;
	void *kaddr;
	int err;

	err = aobj_get(obj, idx, &folio);
	if (err)
		return err;
	KUNIT_EXPECT_TRUE(test, folio_test_locked(folio));
	kaddr = kmap_local_folio(folio, 0);
	memset(kaddr, byte, PAGE_SIZE);
	kunmap_local(kaddr);
	folio_mark_dirty(folio);
	folio_unlock(folio);
	folio_put(folio);
	return 0;
}

/* Read page @idx and expect every byte to be @byte. */
static void obj_expect_page(struct kunit *test, struct aobj *obj, pgoff_t idx,
			    u8 byte)
{
	u8 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ_MSG(test, obj_read(test, obj, idx, buf, NULL), 0,
			    "page %lu", idx);
	KUNIT_EXPECT_NULL_MSG(test, memchr_inv(buf, byte, PAGE_SIZE),
			      "page %lu: expected 0x%02x", idx, byte);
	kunit_kfree(test, buf);
}

static u8 obj_pattern(pgoff_t idx)
{
	return 0xa0 + (idx & 0x1f);
}

static void obj_create_invalid_test(struct kunit *test)
{
	static const struct {
		u64 size;
		unsigned int flags;
		int err;
	} bad[] = {
		{ 0, 0, -EINVAL },
		{ 0, AOBJ_NOSWAP, -EINVAL },
		{ PAGE_SIZE, 1U << 1, -EINVAL },
		{ PAGE_SIZE, AOBJ_NOSWAP | (1U << 5), -EINVAL },
		{ PAGE_SIZE, ~0U, -EINVAL },
		{ ((u64)INT_MAX + 1) << PAGE_SHIFT, 0, -EFBIG },
		{ U64_MAX, 0, -EFBIG },
	};
	struct aobj_stats before, after;
	struct aobj *obj;
	int i;

	aobj_read_stats(&before);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		obj = aobj_create(bad[i].size, bad[i].flags);
		if (!IS_ERR_OR_NULL(obj)) {
			KUNIT_FAIL(test, "size %llu flags %#x: created, %lu pages",
				   bad[i].size, bad[i].flags, obj->pages);
			aobj_detach(obj);
			continue;
		}
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(obj), (long)bad[i].err,
				    "size %llu flags %#x", bad[i].size,
				    bad[i].flags);
	}
	aobj_read_stats(&after);
	KUNIT_EXPECT_EQ(test, after.objects, before.objects);
}

static void obj_create_size_test(struct kunit *test)
{
	static const struct {
		u64 size;
		pgoff_t pages;
	} sizes[] = {
		{ 1, 1 },
		{ PAGE_SIZE - 1, 1 },
		{ PAGE_SIZE, 1 },
		{ PAGE_SIZE + 1, 2 },
		{ 64 * PAGE_SIZE, 64 },
		{ 64 * PAGE_SIZE + 1, 65 },
		{ (u64)INT_MAX << PAGE_SHIFT, INT_MAX },
	};
	struct aobj *obj;
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		obj = obj_create(test, sizes[i].size, 0);
		KUNIT_EXPECT_EQ_MSG(test, obj->pages, sizes[i].pages,
				    "size %llu", sizes[i].size);
		KUNIT_EXPECT_EQ(test, obj->flags, 0U);
		KUNIT_EXPECT_EQ(test, obj->nr_resident, 0UL);
		KUNIT_EXPECT_EQ(test, kref_read(&obj->ref), 1U);
		obj_detach(test, obj);
	}

	obj = obj_create(test, 3 * PAGE_SIZE, AOBJ_NOSWAP);
	KUNIT_EXPECT_EQ(test, obj->pages, 3UL);
	KUNIT_EXPECT_EQ(test, obj->flags, AOBJ_NOSWAP);
}

/* The largest object is sparse: its last page costs one page. */
static void obj_huge_sparse_test(struct kunit *test)
{
	struct aobj *obj = obj_create(test, (u64)INT_MAX << PAGE_SHIFT, 0);

	obj_expect_page(test, obj, INT_MAX - 1, 0);
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 1UL);
	KUNIT_EXPECT_EQ(test, obj_write(test, obj, INT_MAX - 1, 0x5a), 0);
	obj_expect_page(test, obj, INT_MAX - 1, 0x5a);
	KUNIT_EXPECT_EQ(test, aobj_put(obj, INT_MAX - 1, ULONG_MAX, AOBJ_PUT_FREE), 0);
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 0UL);
}

static void obj_refcount_test(struct kunit *test)
{
	struct aobj_stats st0, st;
	struct aobj *obj;

	aobj_read_stats(&st0);
	obj = obj_create(test, 4 * PAGE_SIZE, 0);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.objects, st0.objects + 1);
	KUNIT_EXPECT_EQ(test, kref_read(&obj->ref), 1U);

	aobj_reference(obj);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, aobj_detach_action, obj), 0);
	KUNIT_EXPECT_EQ(test, kref_read(&obj->ref), 2U);
	aobj_reference(obj);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, aobj_detach_action, obj), 0);
	KUNIT_EXPECT_EQ(test, kref_read(&obj->ref), 3U);

	obj_detach(test, obj);
	KUNIT_EXPECT_EQ(test, kref_read(&obj->ref), 2U);
	obj_detach(test, obj);
	KUNIT_EXPECT_EQ(test, kref_read(&obj->ref), 1U);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.objects, st0.objects + 1);

	obj_detach(test, obj);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.objects, st0.objects);
}

/* A fresh page is zero, locked and uptodate; then it is resident. */
static void obj_get_zero_test(struct kunit *test)
{
	struct aobj *obj = obj_create(test, 8 * PAGE_SIZE, 0);
	u8 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	struct folio *first = NULL, *second = NULL;
	struct aobj_stats st0, st;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	aobj_read_stats(&st0);

	memset(buf, 0xff, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, obj_read(test, obj, 3, buf, &first), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 1UL);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.resident, st0.resident + 1);
	KUNIT_EXPECT_EQ(test, st.faults_zero, st0.faults_zero + 1);
	KUNIT_EXPECT_EQ(test, st.faults_resident, st0.faults_resident);

	/* The same page again: the resident folio, not a new one. */
	memset(buf, 0xff, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, obj_read(test, obj, 3, buf, &second), 0);
	KUNIT_EXPECT_PTR_EQ(test, first, second);
	KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 1UL);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.resident, st0.resident + 1);
	KUNIT_EXPECT_EQ(test, st.faults_zero, st0.faults_zero + 1);
	KUNIT_EXPECT_EQ(test, st.faults_resident, st0.faults_resident + 1);

	/* Another page is another folio. */
	KUNIT_ASSERT_EQ(test, obj_read(test, obj, 7, buf, &second), 0);
	KUNIT_EXPECT_PTR_NE(test, first, second);
	KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 2UL);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.resident, st0.resident + 2);
}

static void obj_get_range_test(struct kunit *test)
{
	struct aobj *obj = obj_create(test, 8 * PAGE_SIZE, 0);
	struct folio *folio = NULL;

	KUNIT_EXPECT_EQ(test, aobj_get(obj, 8, &folio), -EINVAL);
	KUNIT_EXPECT_EQ(test, aobj_get(obj, 9, &folio), -EINVAL);
	KUNIT_EXPECT_EQ(test, aobj_get(obj, ULONG_MAX, &folio), -EINVAL);
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 0UL);
	obj_expect_page(test, obj, 7, 0);
}

static const unsigned int obj_flags[] = { 0, AOBJ_NOSWAP };

static void obj_flags_desc(const unsigned int *flags, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",
		 *flags & AOBJ_NOSWAP ? "noswap" : "swap");
}

KUNIT_ARRAY_PARAM(obj_flags, obj_flags, obj_flags_desc);

/* What is written is read back, page by page. */
static void obj_write_read_test(struct kunit *test)
{
	const unsigned int flags = *(const unsigned int *)test->param_value;
	struct aobj *obj = obj_create(test, 8 * PAGE_SIZE, flags);
	pgoff_t i;

	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_EQ(test, obj_write(test, obj, i, obj_pattern(i)), 0);
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 8UL);
	for (i = 0; i < 8; i++)
		obj_expect_page(test, obj, i, obj_pattern(i));
	/* Overwrite one page: only that one changes. */
	KUNIT_ASSERT_EQ(test, obj_write(test, obj, 4, 0x11), 0);
	for (i = 0; i < 8; i++)
		obj_expect_page(test, obj, i, i == 4 ? 0x11 : obj_pattern(i));
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 8UL);
}

/* FREE over part of the object drops exactly those pages. */
static void obj_put_free_test(struct kunit *test)
{
	const unsigned int flags = *(const unsigned int *)test->param_value;
	struct aobj *obj = obj_create(test, 8 * PAGE_SIZE, flags);
	struct aobj_stats st0, st;
	pgoff_t i;

	aobj_read_stats(&st0);
	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_EQ(test, obj_write(test, obj, i, obj_pattern(i)), 0);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.resident, st0.resident + 8);

	KUNIT_EXPECT_EQ(test, aobj_put(obj, 2, 6, AOBJ_PUT_FREE), 0);
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 4UL);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.resident, st0.resident + 4);

	/* An empty or reversed range does nothing. */
	KUNIT_EXPECT_EQ(test, aobj_put(obj, 1, 1, AOBJ_PUT_FREE), 0);
	KUNIT_EXPECT_EQ(test, aobj_put(obj, 7, 1, AOBJ_PUT_FREE), 0);
	KUNIT_EXPECT_EQ(test, aobj_put(obj, 8, 100, AOBJ_PUT_FREE), 0);
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 4UL);

	for (i = 0; i < 8; i++)
		obj_expect_page(test, obj, i, i >= 2 && i < 6 ? 0 : obj_pattern(i));
	/* Reading the freed pages made them resident again, as zero pages. */
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 8UL);

	/* The end is clamped to the object's size. */
	KUNIT_EXPECT_EQ(test, aobj_put(obj, 6, ULONG_MAX, AOBJ_PUT_FREE), 0);
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 6UL);
	obj_expect_page(test, obj, 5, 0);
	obj_expect_page(test, obj, 1, obj_pattern(1));
	obj_expect_page(test, obj, 7, 0);

	KUNIT_EXPECT_EQ(test, aobj_put(obj, 0, 8, AOBJ_PUT_FREE), 0);
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 0UL);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.resident, st0.resident);
	obj_expect_page(test, obj, 0, 0);
}

static void obj_put_flags_test(struct kunit *test)
{
	static const unsigned int bad[] = {
		0,
		AOBJ_PUT_FREE | AOBJ_PUT_DEACTIVATE,
		AOBJ_PUT_FREE | AOBJ_PUT_CLEAN,
		AOBJ_PUT_DEACTIVATE | AOBJ_PUT_CLEAN,
		1U << 3,
		~0U,
	};
	struct aobj *obj = obj_create(test, 4 * PAGE_SIZE, 0);
	int i;

	KUNIT_ASSERT_EQ(test, obj_write(test, obj, 1, 0x42), 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, aobj_put(obj, 0, 4, bad[i]), -EINVAL,
				    "flags %#x", bad[i]);
	/* Checked before the range: an empty range does not hide them. */
	KUNIT_EXPECT_EQ(test, aobj_put(obj, 2, 2, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 1UL);
	obj_expect_page(test, obj, 1, 0x42);
}

/* DEACTIVATE keeps the pages resident and their contents. */
static void obj_put_deactivate_test(struct kunit *test)
{
	struct aobj *obj = obj_create(test, 8 * PAGE_SIZE, 0);
	struct aobj_stats st0, st;
	pgoff_t i;

	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_EQ(test, obj_write(test, obj, i, obj_pattern(i)), 0);
	aobj_read_stats(&st0);
	KUNIT_EXPECT_EQ(test, aobj_put(obj, 0, 4, AOBJ_PUT_DEACTIVATE), 0);
	KUNIT_EXPECT_EQ(test, aobj_put(obj, 2, ULONG_MAX, AOBJ_PUT_DEACTIVATE), 0);
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 8UL);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.resident, st0.resident);
	for (i = 0; i < 8; i++)
		obj_expect_page(test, obj, i, obj_pattern(i));
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 8UL);

	/* A page that was never touched is not made resident. */
	obj = obj_create(test, 8 * PAGE_SIZE, 0);
	KUNIT_EXPECT_EQ(test, aobj_put(obj, 0, 8, AOBJ_PUT_DEACTIVATE), 0);
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 0UL);
}

/**
 * struct get_waiter - an aobj_get() in another thread
 * @obj: the object; the thread owns one reference, dropped when it is done
 * @index: the page to get
 * @folio: out: the folio it got
 * @err: out: what aobj_get() returned
 * @done: completed when the thread has released the folio
 */
struct get_waiter {
	struct aobj *obj;
	pgoff_t index;
	struct folio *folio;
	int err;
	struct completion done;
};

static int get_waiter_fn(void *data)
{
	struct get_waiter *w = data;
	struct aobj *obj = w->obj;

	w->err = aobj_get(obj, w->index, &w->folio);
	if (!w->err) {
		folio_unlock(w->folio);
		folio_put(w->folio);
	}
	complete(&w->done);
	aobj_detach(obj);
	return 0;
}

/*
 * aobj_get() of a page whose folio is locked waits for the unlock and then
 * returns that same folio; other pages of the object are not held up.
 * No assertion may abort this test while it holds the folio lock.
 */
static void obj_get_waits_test(struct kunit *test)
{
	struct aobj *obj = obj_create(test, 4 * PAGE_SIZE, 0);
	struct folio *folio = NULL, *other = NULL;
	struct task_struct *task;
	struct get_waiter *w;
	void *kaddr;
	int err;

	KUNIT_ASSERT_EQ(test, obj_write(test, obj, 1, 0x77), 0);
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	w->obj = obj;
	w->index = 1;
	init_completion(&w->done);

	err = aobj_get(obj, 1, &folio);
	if (err) {
		kfree(w);
		KUNIT_FAIL_AND_ABORT(test, "aobj_get: %d", err);
	}
	aobj_reference(obj);
	task = kthread_run(get_waiter_fn, w, "aobj_test_get");
	if (IS_ERR(task)) {
		aobj_detach(obj);
		folio_unlock(folio);
		folio_put(folio);
		kfree(w);
		KUNIT_FAIL_AND_ABORT(test, "kthread_run: %ld", PTR_ERR(task));
	}

	KUNIT_EXPECT_EQ_MSG(test, wait_for_completion_timeout(&w->done, HZ / 10), 0UL,
			    "aobj_get returned a page locked by someone else");

	/* Another page of the same object meanwhile. */
	err = aobj_get(obj, 2, &other);
	KUNIT_EXPECT_EQ(test, err, 0);
	if (!err) {
		KUNIT_EXPECT_PTR_NE(test, other, folio);
		folio_unlock(other);
		folio_put(other);
	}

	/* What the holder writes is what the waiter sees. */
	kaddr = kmap_local_folio(folio, 0);
	memset(kaddr, 0x78, PAGE_SIZE);
	kunmap_local(kaddr);
	folio_mark_dirty(folio);
	folio_unlock(folio);

	if (!wait_for_completion_timeout(&w->done, 30 * HZ)) {
		/* Leave w to the stuck thread rather than free it under it. */
		folio_put(folio);
		KUNIT_FAIL_AND_ABORT(test, "aobj_get still waiting after the unlock");
	}
	KUNIT_EXPECT_EQ(test, w->err, 0);
	KUNIT_EXPECT_PTR_EQ(test, w->folio, folio);
	folio_put(folio);
	kfree(w);
	obj_expect_page(test, obj, 1, 0x78);
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 2UL);
}

/* Without a swap device, CLEAN loses nothing. */
static void obj_put_clean_test(struct kunit *test)
{
	struct aobj *obj = obj_create(test, 4 * PAGE_SIZE, AOBJ_NOSWAP);
	struct aobj *sobj = obj_create(test, 4 * PAGE_SIZE, 0);
	pgoff_t i;
	int err;

	for (i = 0; i < 4; i++) {
		KUNIT_ASSERT_EQ(test, obj_write(test, obj, i, obj_pattern(i)), 0);
		KUNIT_ASSERT_EQ(test, obj_write(test, sobj, i, obj_pattern(i)), 0);
	}

	/* A NOSWAP object has nowhere to write: nothing to do. */
	KUNIT_EXPECT_EQ(test, aobj_put(obj, 0, 4, AOBJ_PUT_CLEAN), 0);
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 4UL);
	KUNIT_EXPECT_EQ(test, aobj_nr_swapped(obj), 0UL);

	/* No swap device is configured while the tests run. */
	err = aobj_put(sobj, 0, 4, AOBJ_PUT_CLEAN);
	KUNIT_EXPECT_TRUE_MSG(test, err == 0 || err == -ENOSPC, "err %d", err);
	KUNIT_EXPECT_EQ(test, sobj->nr_resident, 4UL);

	for (i = 0; i < 4; i++) {
		obj_expect_page(test, obj, i, obj_pattern(i));
		obj_expect_page(test, sobj, i, obj_pattern(i));
	}
}

/* The last detach of an object with resident pages gives them all back. */
static void obj_detach_resident_test(struct kunit *test)
{
	struct aobj_stats st0, st;
	struct aobj *obj;
	pgoff_t i;

	aobj_read_stats(&st0);
	obj = obj_create(test, 100 * PAGE_SIZE, 0);
	for (i = 0; i < 100; i += 20)
		KUNIT_ASSERT_EQ(test, obj_write(test, obj, i, obj_pattern(i)), 0);
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 5UL);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.resident, st0.resident + 5);
	KUNIT_EXPECT_EQ(test, st.objects, st0.objects + 1);

	/* A second holder keeps the pages alive. */
	aobj_reference(obj);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, aobj_detach_action, obj), 0);
	obj_detach(test, obj);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.resident, st0.resident + 5);
	obj_expect_page(test, obj, 40, obj_pattern(40));

	obj_detach(test, obj);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.resident, st0.resident);
	KUNIT_EXPECT_EQ(test, st.objects, st0.objects);
	KUNIT_EXPECT_EQ(test, st.swpgonly, st0.swpgonly);
}

/*
 * The pages sit in the inode's i_pages for fault-around, but whatever
 * invalidates page cache (drop_caches, fadvise, truncation helpers) must
 * leave them alone: clean ones (a zero page never written) included.
 */
static void obj_pagecache_invalidate_test(struct kunit *test)
{
	struct address_space *mapping;
	struct aobj_stats st0, st;
	struct folio *folio;
	struct aobj *obj;
	u8 *buf;
	pgoff_t i;

	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	aobj_read_stats(&st0);
	obj = obj_create(test, 32 * PAGE_SIZE, 0);
	mapping = aobj_mapping(obj);
	for (i = 0; i < 16; i++)
		KUNIT_ASSERT_EQ(test, obj_write(test, obj, i, obj_pattern(i)), 0);
	for (i = 16; i < 32; i++)
		KUNIT_ASSERT_EQ(test, obj_read(test, obj, i, buf, &folio), 0);
	KUNIT_EXPECT_FALSE(test, folio_test_dirty(folio));
	KUNIT_EXPECT_PTR_EQ(test, folio->mapping, mapping);
	KUNIT_EXPECT_EQ(test, folio->index, 31UL);

	KUNIT_EXPECT_EQ(test, invalidate_mapping_pages(mapping, 0, ULONG_MAX), 0UL);
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 32UL);
	aobj_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.resident, st0.resident + 32);
	KUNIT_EXPECT_PTR_EQ(test, xa_load(aobj_folios(obj), 31), (void *)folio);
	for (i = 0; i < 32; i++)
		obj_expect_page(test, obj, i, i < 16 ? obj_pattern(i) : 0);

	/* Leaving the object clears the link, as the page cache does. */
	KUNIT_EXPECT_EQ(test, aobj_put(obj, 16, 32, AOBJ_PUT_FREE), 0);
	KUNIT_EXPECT_NULL(test, xa_load(aobj_folios(obj), 31));
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 16UL);
}

static struct kunit_case aobj_object_cases[] = {
	KUNIT_CASE(obj_create_invalid_test),
	KUNIT_CASE(obj_create_size_test),
	KUNIT_CASE(obj_huge_sparse_test),
	KUNIT_CASE(obj_refcount_test),
	KUNIT_CASE(obj_get_zero_test),
	KUNIT_CASE(obj_get_range_test),
	KUNIT_CASE(obj_get_waits_test),
	KUNIT_CASE_PARAM(obj_write_read_test, obj_flags_gen_params),
	KUNIT_CASE_PARAM(obj_put_free_test, obj_flags_gen_params),
	KUNIT_CASE(obj_put_flags_test),
	KUNIT_CASE(obj_put_deactivate_test),
	KUNIT_CASE(obj_put_clean_test),
	KUNIT_CASE(obj_detach_resident_test),
	KUNIT_CASE(obj_pagecache_invalidate_test),
	{}
};

static struct kunit_suite aobj_object_suite = {
	.name = "aobj_object",
	.test_cases = aobj_object_cases,
};

kunit_test_suites(&aobj_swmap_suite, &aobj_object_suite);

MODULE_DESCRIPTION("KUnit tests for aobj");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* ---------------------------------------------------------------------- */
/* aobj_rw: the object as a file, and the page-state query                */
/* ---------------------------------------------------------------------- */

#include <linux/uio.h>

#include "aobj_internal.h"
#include "uapi/linux/aobj.h"

/* Read or write @len bytes at @pos through a kvec iterator. */
static ssize_t rw_io(struct aobj *obj, loff_t pos, void *buf, size_t len,
		     bool write)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter iter;

	iov_iter_kvec(&iter, write ? ITER_SOURCE : ITER_DEST, &kv, 1, len);
	return write ? aobj_write_iter(obj, &pos, &iter) :
		       aobj_read_iter(obj, &pos, &iter);
}

/* Give page @idx a lost swap copy, as a failed swap-in does. */
static void rw_make_bad(struct kunit *test, struct aobj *obj, pgoff_t idx)
{
	mutex_lock(&obj->lock);
	KUNIT_EXPECT_EQ(test, aobj_swmap_set(&obj->swmap, idx, SWSLOT_BAD), 0);
	mutex_unlock(&obj->lock);
}

static void rw_read_write_test(struct kunit *test)
{
	const size_t size = 8 * PAGE_SIZE;
	struct aobj *obj = obj_create(test, size, 0);
	u8 *buf = kunit_kmalloc(test, 3 * PAGE_SIZE, GFP_KERNEL);
	u8 *back = kunit_kzalloc(test, 3 * PAGE_SIZE, GFP_KERNEL);
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, back);
	for (i = 0; i < 3 * PAGE_SIZE; i++)
		buf[i] = i * 7 + 1;

	/* Holes read as zeros and stay holes. */
	memset(back, 0xff, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, rw_io(obj, 0, back, PAGE_SIZE, false), PAGE_SIZE);
	KUNIT_EXPECT_NULL(test, memchr_inv(back, 0, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 0UL);

	/* An unaligned write across three pages, read back. */
	KUNIT_EXPECT_EQ(test, rw_io(obj, 100, buf, 2 * PAGE_SIZE, true),
			2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 3UL);
	KUNIT_EXPECT_EQ(test, rw_io(obj, 100, back, 2 * PAGE_SIZE, false),
			2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, memcmp(buf, back, 2 * PAGE_SIZE), 0);
	/* The same bytes through aobj_get(), as a fault sees them. */
	KUNIT_ASSERT_EQ(test, obj_read(test, obj, 1, back, NULL), 0);
	KUNIT_EXPECT_EQ(test, memcmp(buf + PAGE_SIZE - 100, back, PAGE_SIZE), 0);

	/* The end: reads return 0 or are short, writes fail or are short. */
	KUNIT_EXPECT_EQ(test, rw_io(obj, size, back, 1, false), 0);
	KUNIT_EXPECT_EQ(test, rw_io(obj, size + PAGE_SIZE, back, 1, false), 0);
	KUNIT_EXPECT_EQ(test, rw_io(obj, size - 10, back, 100, false), 10);
	KUNIT_EXPECT_EQ(test, rw_io(obj, size, buf, 1, true), -ENOSPC);
	KUNIT_EXPECT_EQ(test, rw_io(obj, size - 10, buf, 100, true), 10);
	KUNIT_EXPECT_EQ(test, rw_io(obj, size, buf, 0, true), 0);
	KUNIT_EXPECT_EQ(test, rw_io(obj, -1, buf, 1, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, rw_io(obj, -1, buf, 1, false), -EINVAL);

	/* A page whose swap copy is lost fails; a read before it is short. */
	rw_make_bad(test, obj, 5);
	KUNIT_EXPECT_EQ(test, rw_io(obj, 5 * PAGE_SIZE, back, 1, false), -EIO);
	KUNIT_EXPECT_EQ(test, rw_io(obj, 4 * PAGE_SIZE, back, 2 * PAGE_SIZE, false),
			PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, rw_io(obj, 5 * PAGE_SIZE, buf, 1, true), -EIO);
	KUNIT_EXPECT_EQ(test, aobj_put(obj, 5, 6, AOBJ_PUT_FREE), 0);
	KUNIT_EXPECT_EQ(test, rw_io(obj, 5 * PAGE_SIZE, back, 1, false), 1);
}

static void rw_seek_test(struct kunit *test)
{
	const size_t size = 100 * PAGE_SIZE;	/* clustered slot map */
	struct aobj *obj = obj_create(test, size, 0);
	u8 byte = 1;

	KUNIT_EXPECT_EQ(test, aobj_seek_data_hole(obj, 0, SEEK_DATA), -ENXIO);
	KUNIT_EXPECT_EQ(test, aobj_seek_data_hole(obj, 0, SEEK_HOLE), 0);
	KUNIT_EXPECT_EQ(test, aobj_seek_data_hole(obj, size, SEEK_HOLE), -ENXIO);
	KUNIT_EXPECT_EQ(test, aobj_seek_data_hole(obj, -1, SEEK_DATA), -ENXIO);
	KUNIT_EXPECT_EQ(test, aobj_seek_data_hole(obj, 0, SEEK_SET), -EINVAL);

	KUNIT_EXPECT_EQ(test, rw_io(obj, 10 * PAGE_SIZE, &byte, 1, true), 1);
	KUNIT_EXPECT_EQ(test, rw_io(obj, 11 * PAGE_SIZE, &byte, 1, true), 1);
	rw_make_bad(test, obj, 40);	/* a lost page is data */
	KUNIT_EXPECT_EQ(test, aobj_seek_data_hole(obj, 0, SEEK_DATA),
			10 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, aobj_seek_data_hole(obj, 10 * PAGE_SIZE + 3, SEEK_DATA),
			10 * PAGE_SIZE + 3);
	KUNIT_EXPECT_EQ(test, aobj_seek_data_hole(obj, 10 * PAGE_SIZE, SEEK_HOLE),
			12 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, aobj_seek_data_hole(obj, 12 * PAGE_SIZE, SEEK_DATA),
			40 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, aobj_seek_data_hole(obj, 40 * PAGE_SIZE, SEEK_HOLE),
			41 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, aobj_seek_data_hole(obj, 41 * PAGE_SIZE, SEEK_DATA),
			-ENXIO);
	KUNIT_EXPECT_EQ(test, aobj_put(obj, 0, 100, AOBJ_PUT_FREE), 0);
	KUNIT_EXPECT_EQ(test, aobj_seek_data_hole(obj, 0, SEEK_DATA), -ENXIO);
}

static void rw_punch_test(struct kunit *test)
{
	struct aobj *obj = obj_create(test, 8 * PAGE_SIZE, 0);
	u8 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	pgoff_t i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, obj_write(test, obj, i, 0xab), 0);

	/* [100, 3 pages + 50): page 0 tail and page 3 head zeroed, 1-2 freed. */
	KUNIT_EXPECT_EQ(test, aobj_punch_hole(obj, 100, 3 * PAGE_SIZE - 50), 0);
	KUNIT_EXPECT_NULL(test, xa_load(aobj_folios(obj), 1));
	KUNIT_EXPECT_NULL(test, xa_load(aobj_folios(obj), 2));
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 2UL);
	KUNIT_ASSERT_EQ(test, obj_read(test, obj, 0, buf, NULL), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0xab, 100));
	KUNIT_EXPECT_NULL(test, memchr_inv(buf + 100, 0, PAGE_SIZE - 100));
	KUNIT_ASSERT_EQ(test, obj_read(test, obj, 3, buf, NULL), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(buf, 0, 50));
	KUNIT_EXPECT_NULL(test, memchr_inv(buf + 50, 0xab, PAGE_SIZE - 50));

	/* Inside one page. */
	KUNIT_EXPECT_EQ(test, aobj_punch_hole(obj, 3 * PAGE_SIZE + 60, 10), 0);
	KUNIT_ASSERT_EQ(test, obj_read(test, obj, 3, buf, NULL), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(buf + 50, 0xab, 10));
	KUNIT_EXPECT_NULL(test, memchr_inv(buf + 60, 0, 10));
	KUNIT_EXPECT_NULL(test, memchr_inv(buf + 70, 0xab, PAGE_SIZE - 70));

	/* Partial pages of holes stay holes; the end is clamped. */
	KUNIT_EXPECT_EQ(test, aobj_punch_hole(obj, 5 * PAGE_SIZE + 1, 100 * PAGE_SIZE), 0);
	KUNIT_EXPECT_NULL(test, xa_load(aobj_folios(obj), 5));
	KUNIT_EXPECT_EQ(test, aobj_punch_hole(obj, 100 * PAGE_SIZE, 1), 0);
	KUNIT_EXPECT_EQ(test, aobj_punch_hole(obj, -1, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, aobj_punch_hole(obj, 1, LLONG_MAX), 0);
	KUNIT_EXPECT_EQ(test, obj->nr_resident, 1UL);	/* page 0, zeroed after byte 0 */
}

/* aobj_pagemap() of [start, end) with room for @room runs. */
static int rw_pagemap(struct aobj *obj, pgoff_t start, pgoff_t end,
		      struct aobj_pagemap_run *runs, u32 room, u32 *nr,
		      pgoff_t *next, unsigned long budget)
{
	return aobj_pagemap(obj, start, end, runs, room, nr, next, &budget);
}

static void rw_expect_run(struct kunit *test, struct aobj_pagemap_run *r,
			  u64 start, u64 count, u8 state, u8 flags)
{
	KUNIT_EXPECT_EQ(test, r->start, start);
	KUNIT_EXPECT_EQ(test, r->count, count);
	KUNIT_EXPECT_EQ(test, r->state, state);
	KUNIT_EXPECT_EQ(test, r->flags, flags);
	KUNIT_EXPECT_EQ(test, r->__reserved, 0);
}

static void rw_pagemap_test(struct kunit *test)
{
	const pgoff_t pages = 200;
	struct aobj *obj = obj_create(test, pages * PAGE_SIZE, 0);
	struct aobj_pagemap_run *runs = kunit_kcalloc(test, 8, sizeof(*runs),
						      GFP_KERNEL);
	u8 *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	pgoff_t next;
	u32 nr;

	KUNIT_ASSERT_NOT_NULL(test, runs);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, rw_pagemap(obj, 0, pages, runs, 8, &nr, &next, 100), 0);
	KUNIT_EXPECT_EQ(test, nr, 1);
	rw_expect_run(test, &runs[0], 0, pages, AOBJ_PAGE_NONE, 0);
	KUNIT_EXPECT_EQ(test, next, pages);

	/* dirty 3-4, clean 5 (read), bad 100, dirty 199 */
	KUNIT_ASSERT_EQ(test, obj_write(test, obj, 3, 1), 0);
	KUNIT_ASSERT_EQ(test, obj_write(test, obj, 4, 1), 0);
	KUNIT_ASSERT_EQ(test, obj_read(test, obj, 5, buf, NULL), 0);
	rw_make_bad(test, obj, 100);
	KUNIT_ASSERT_EQ(test, obj_write(test, obj, 199, 1), 0);
	KUNIT_EXPECT_EQ(test, rw_pagemap(obj, 0, pages, runs, 8, &nr, &next, 100), 0);
	KUNIT_EXPECT_EQ(test, nr, 7);
	rw_expect_run(test, &runs[0], 0, 3, AOBJ_PAGE_NONE, 0);
	rw_expect_run(test, &runs[1], 3, 2, AOBJ_PAGE_DIRTY, 0);
	rw_expect_run(test, &runs[2], 5, 1, AOBJ_PAGE_CLEAN, 0);
	rw_expect_run(test, &runs[3], 6, 94, AOBJ_PAGE_NONE, 0);
	rw_expect_run(test, &runs[4], 100, 1, AOBJ_PAGE_BAD, 0);
	rw_expect_run(test, &runs[5], 101, 98, AOBJ_PAGE_NONE, 0);
	rw_expect_run(test, &runs[6], 199, 1, AOBJ_PAGE_DIRTY, 0);
	KUNIT_EXPECT_EQ(test, next, pages);

	/* Room for 2: the third run is where to continue. */
	KUNIT_EXPECT_EQ(test, rw_pagemap(obj, 0, pages, runs, 2, &nr, &next, 100), 0);
	KUNIT_EXPECT_EQ(test, nr, 2);
	KUNIT_EXPECT_EQ(test, next, 5);
	KUNIT_EXPECT_EQ(test, rw_pagemap(obj, 4, 6, runs, 0, &nr, &next, 100), 0);
	KUNIT_EXPECT_EQ(test, nr, 0);
	KUNIT_EXPECT_EQ(test, next, 4);

	/* A sub-range starts its first run at its start. */
	KUNIT_EXPECT_EQ(test, rw_pagemap(obj, 4, 101, runs, 8, &nr, &next, 100), 0);
	KUNIT_EXPECT_EQ(test, nr, 4);
	rw_expect_run(test, &runs[0], 4, 1, AOBJ_PAGE_DIRTY, 0);
	rw_expect_run(test, &runs[3], 100, 1, AOBJ_PAGE_BAD, 0);
	KUNIT_EXPECT_EQ(test, next, 101);

	/* The budget counts pages with data only; holes are free. */
	KUNIT_EXPECT_EQ(test, rw_pagemap(obj, 0, pages, runs, 8, &nr, &next, 2), 0);
	KUNIT_EXPECT_EQ(test, nr, 2);
	KUNIT_EXPECT_EQ(test, next, 5);
	rw_expect_run(test, &runs[1], 3, 2, AOBJ_PAGE_DIRTY, 0);

	/* Bad ranges. */
	KUNIT_EXPECT_EQ(test, rw_pagemap(obj, 5, 4, runs, 8, &nr, &next, 100), -EINVAL);
	KUNIT_EXPECT_EQ(test, rw_pagemap(obj, 0, pages + 1, runs, 8, &nr, &next, 100),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, rw_pagemap(obj, pages, pages, runs, 8, &nr, &next, 100), 0);
	KUNIT_EXPECT_EQ(test, nr, 0);
	KUNIT_EXPECT_EQ(test, next, pages);

	/* A page locked by someone (a fault in progress) says so. */
	{
		struct folio *folio;

		KUNIT_ASSERT_EQ(test, aobj_get(obj, 5, &folio), 0);
		KUNIT_EXPECT_EQ(test, rw_pagemap(obj, 5, 6, runs, 8, &nr, &next, 100), 0);
		folio_unlock(folio);
		folio_put(folio);
		KUNIT_EXPECT_EQ(test, nr, 1);
		rw_expect_run(test, &runs[0], 5, 1, AOBJ_PAGE_CLEAN, AOBJ_PAGE_LOCKED);
	}
	KUNIT_EXPECT_EQ(test, aobj_put(obj, 100, 101, AOBJ_PUT_FREE), 0);
}

static struct kunit_case aobj_rw_cases[] = {
	KUNIT_CASE(rw_read_write_test),
	KUNIT_CASE(rw_seek_test),
	KUNIT_CASE(rw_punch_test),
	KUNIT_CASE(rw_pagemap_test),
	{}
};

static struct kunit_suite aobj_rw_suite = {
	.name = "aobj_rw",
	.test_cases = aobj_rw_cases,
};

kunit_test_suites(&aobj_rw_suite);
