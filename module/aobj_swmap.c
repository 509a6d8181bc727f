// SPDX-License-Identifier: GPL-2.0
/*
 * aobj swap-slot map, after uao_find_swhash_elt(), uao_find_swslot() and
 * uao_set_swslot() of NetBSD's uvm_aobj.c.
 *
 * Differences from the seed, each deliberate:
 * - a cluster that cannot be allocated makes aobj_swmap_set() return
 *   -ENOMEM, which cannot be confused with an old slot of SWSLOT_BAD (the
 *   seed returns -1 for both);
 * - the map counts its non-zero slots, so that STAT does not walk it;
 * - NOSWAP is the object's business: such objects never set a slot.
 */

#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/slab.h>

#include "aobj_swmap.h"

static struct kmem_cache *aobj_swcluster_cache;

#define AOBJ_SWHASH_TAG(idx)	((idx) >> AOBJ_SWHASH_CLUSTER_SHIFT)
#define AOBJ_SWHASH_SLOT(idx)	((idx) & (AOBJ_SWHASH_CLUSTER_SIZE - 1))

/**
 * aobj_swmap_nbuckets - number of hash buckets for an object of @pages pages
 * @pages: object size in pages, above AOBJ_SWHASH_THRESHOLD
 *
 * min(pages >> 4, 256), rounded up to a power of two as hashinit() does.
 */
unsigned long aobj_swmap_nbuckets(pgoff_t pages)
{
	pgoff_t n = min_t(pgoff_t, pages >> AOBJ_SWHASH_CLUSTER_SHIFT,
			  AOBJ_SWHASH_MAXBUCKETS);

	return roundup_pow_of_two(max_t(pgoff_t, n, 1));
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swmap_nbuckets);

/**
 * aobj_swmap_init - set up an empty map for an object of @pages pages
 * @map: the map
 * @pages: object size in pages, at least 1
 * @lock: the owner's lock, held around every later call
 *
 * => nothing locked; may sleep.
 * Return: 0, or -ENOMEM.
 */
int aobj_swmap_init(struct aobj_swmap *map, pgoff_t pages, struct mutex *lock)
{
	map->pages = pages;
	map->nr_slots = 0;
	map->nr_bad = 0;
	map->lock = lock;
	if (aobj_swmap_hashed(map)) {
		unsigned long i, n = aobj_swmap_nbuckets(pages);

		map->buckets = kvmalloc_array(n, sizeof(*map->buckets),
					      GFP_KERNEL_ACCOUNT);
		if (!map->buckets)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			INIT_HLIST_HEAD(&map->buckets[i]);
		map->mask = n - 1;
	} else {
		map->array = kcalloc(pages, sizeof(*map->array),
				     GFP_KERNEL_ACCOUNT);
		if (!map->array)
			return -ENOMEM;
		map->mask = 0;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swmap_init);

/**
 * aobj_swmap_destroy - free the map, handing every slot still set to @drop
 * @map: the map
 * @drop: called for each non-zero slot (SWSLOT_BAD included), or NULL
 * @arg: passed to @drop
 *
 * => the owner is dead: nobody else can reach the map.
 */
void aobj_swmap_destroy(struct aobj_swmap *map,
			void (*drop)(int slot, void *arg), void *arg)
{
	unsigned long i;
	int j;

	if (aobj_swmap_hashed(map)) {
		for (i = 0; i <= map->mask; i++) {
			struct aobj_swcluster *c;
			struct hlist_node *next;

			hlist_for_each_entry_safe(c, next, &map->buckets[i], link) {
				for (j = 0; j < AOBJ_SWHASH_CLUSTER_SIZE; j++)
					if (c->slots[j] && drop)
						drop(c->slots[j], arg);
				kmem_cache_free(aobj_swcluster_cache, c);
			}
		}
		kvfree(map->buckets);
	} else {
		for (i = 0; i < map->pages; i++)
			if (map->array[i] && drop)
				drop(map->array[i], arg);
		kfree(map->array);
	}
	map->array = NULL;
	map->nr_slots = 0;
	map->nr_bad = 0;
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swmap_destroy);

static struct hlist_head *aobj_swmap_bucket(const struct aobj_swmap *map,
					    pgoff_t idx)
{
	return &map->buckets[AOBJ_SWHASH_TAG(idx) & map->mask];
}

/*
 * aobj_swcluster_alloc: a zeroed cluster.  Called with the object locked,
 * possibly from reclaim, so it does not sleep; KUnit stubs it to fail.
 */
VISIBLE_IF_KUNIT struct aobj_swcluster *aobj_swcluster_alloc(void)
{
	KUNIT_STATIC_STUB_REDIRECT(aobj_swcluster_alloc);
	return kmem_cache_zalloc(aobj_swcluster_cache,
				 GFP_NOWAIT | __GFP_NOWARN);
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swcluster_alloc);

/*
 * aobj_swmap_cluster: find the cluster of page @idx; create it if @create.
 *
 * => map's owner must be locked.
 */
static struct aobj_swcluster *aobj_swmap_cluster(const struct aobj_swmap *map,
						 pgoff_t idx, bool create)
{
	struct hlist_head *bucket = aobj_swmap_bucket(map, idx);
	pgoff_t tag = AOBJ_SWHASH_TAG(idx);
	struct aobj_swcluster *c;

	hlist_for_each_entry(c, bucket, link)
		if (c->tag == tag)
			return c;
	if (!create)
		return NULL;

	c = aobj_swcluster_alloc();
	if (!c)
		return NULL;
	c->tag = tag;
	hlist_add_head(&c->link, bucket);
	return c;
}

/**
 * aobj_swmap_find - the swap slot of page @idx
 * @map: the map
 * @idx: page index, below the object size
 *
 * => map's owner must be locked.
 * Return: the slot, 0 if none, or SWSLOT_BAD.
 */
int aobj_swmap_find(const struct aobj_swmap *map, pgoff_t idx)
{
	struct aobj_swcluster *c;

	lockdep_assert_held(map->lock);
	if (WARN_ON_ONCE(idx >= map->pages))
		return 0;
	if (!aobj_swmap_hashed(map))
		return map->array[idx];
	c = aobj_swmap_cluster(map, idx, false);
	return c ? c->slots[AOBJ_SWHASH_SLOT(idx)] : 0;
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swmap_find);

/**
 * aobj_swmap_set - set the swap slot of page @idx, return the old one
 * @map: the map
 * @idx: page index, below the object size
 * @slot: the new slot; 0 clears it (and frees an emptied cluster)
 *
 * Clearing the slot of a page that has none allocates nothing.
 *
 * => map's owner must be locked.
 * Return: the old slot (0, a slot, or SWSLOT_BAD), or -ENOMEM if a cluster
 * was needed and could not be allocated (the map is then unchanged).
 */
int aobj_swmap_set(struct aobj_swmap *map, pgoff_t idx, int slot)
{
	struct aobj_swcluster *c;
	int old, *where;

	lockdep_assert_held(map->lock);
	if (WARN_ON_ONCE(idx >= map->pages))
		return 0;

	if (aobj_swmap_hashed(map)) {
		c = aobj_swmap_cluster(map, idx, slot != 0);
		if (!c)
			return slot ? -ENOMEM : 0;
		where = &c->slots[AOBJ_SWHASH_SLOT(idx)];
	} else {
		c = NULL;
		where = &map->array[idx];
	}

	old = *where;
	*where = slot;
	map->nr_bad += (slot == SWSLOT_BAD) - (old == SWSLOT_BAD);
	if (!old && slot) {
		map->nr_slots++;
		if (c)
			c->count++;
	} else if (old && !slot) {
		map->nr_slots--;
		if (c)
			c->count--;
	}
	if (c && !c->count) {
		hlist_del(&c->link);
		kmem_cache_free(aobj_swcluster_cache, c);
	}
	return old;
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swmap_set);

static bool aobj_slot_in(int slot, int start, int end)
{
	return slot && slot >= start && slot < end;
}

/**
 * aobj_swmap_next - find the next page whose slot lies in [@start, @end)
 * @map: the map
 * @start: first slot of the range (SWSLOT_BAD to include bad slots)
 * @end: slot past the range
 * @idx: in: first page index to look at; out: the page found
 * @last: last page index to look at
 *
 * The walk goes by page index, so that it can resume after the caller
 * dropped the lock (the seed restarts from the first bucket instead).
 *
 * => map's owner must be locked.
 * Return: true if a page was found.
 */
bool aobj_swmap_next(const struct aobj_swmap *map, int start, int end,
		     pgoff_t *idx, pgoff_t last)
{
	pgoff_t i = *idx;

	lockdep_assert_held(map->lock);
	if (!map->nr_slots)
		return false;
	last = min_t(pgoff_t, last, map->pages - 1);
	if (!aobj_swmap_hashed(map)) {
		for (; i <= last; i++) {
			if (aobj_slot_in(map->array[i], start, end)) {
				*idx = i;
				return true;
			}
		}
		return false;
	}

	while (i <= last) {
		struct aobj_swcluster *c = aobj_swmap_cluster(map, i, false);
		pgoff_t next = (AOBJ_SWHASH_TAG(i) + 1) << AOBJ_SWHASH_CLUSTER_SHIFT;

		for (; c && i < next && i <= last; i++) {
			if (aobj_slot_in(c->slots[AOBJ_SWHASH_SLOT(i)],
					 start, end)) {
				*idx = i;
				return true;
			}
		}
		i = next;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swmap_next);

int aobj_swmap_cache_init(void)
{
	aobj_swcluster_cache = KMEM_CACHE(aobj_swcluster, 0);
	return aobj_swcluster_cache ? 0 : -ENOMEM;
}

void aobj_swmap_cache_exit(void)
{
	kmem_cache_destroy(aobj_swcluster_cache);
}
