// SPDX-License-Identifier: GPL-2.0
/*
 * aobj swap-slot map, after uao_find_swhash_elt(), uao_find_swslot() and
 * uao_set_swslot() of NetBSD's uvm_aobj.c.
 *
 * Differences from the seed, each deliberate:
 * - the clusters of a large object are in an xarray indexed by tag, not in
 *   a hash of at most 256 buckets whose chains grow with the object (see
 *   aobj_swmap.h);
 * - a cluster that cannot be allocated (or stored in the xarray) makes
 *   aobj_swmap_set() return -ENOMEM, which cannot be confused with an old
 *   slot of SWSLOT_BAD (the seed returns -1 for both);
 * - the map counts its non-zero slots, so that STAT does not walk it;
 * - NOSWAP is the object's business: such objects never set a slot.
 *
 * Place in the module: the bottom; calls no other aobj file; called by
 * aobj_object.c, aobj_pageout.c, aobj_core.c and aobj_rw.c.
 */

#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#include <linux/minmax.h>
#include <linux/slab.h>

#include "aobj_swmap.h"

#define AOBJ_SWHASH_TAG(idx)	((idx) >> AOBJ_SWHASH_CLUSTER_SHIFT)
#define AOBJ_SWHASH_SLOT(idx)	((idx) & (AOBJ_SWHASH_CLUSTER_SIZE - 1))

/*
 * Clusters and xarray nodes are allocated with the object locked, possibly
 * from reclaim (pageout sets slots), so they must not sleep or recurse into
 * reclaim; a failure is an -ENOMEM the caller copes with.  Nothing is
 * charged to a memcg: the allocating task is whoever pages the object out.
 */
#define AOBJ_SWMAP_GFP		(GFP_NOWAIT | __GFP_NOWARN)

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
	map->array = NULL;
	xa_init(&map->clusters);
	if (aobj_swmap_clustered(map))
		return 0;
	map->array = kcalloc(pages, sizeof(*map->array), GFP_KERNEL_ACCOUNT);
	return map->array ? 0 : -ENOMEM;
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
	struct aobj_swcluster *c;
	unsigned long i;
	int j;

	if (aobj_swmap_clustered(map)) {
		/* The walk goes by index: freeing the entries behind it is safe. */
		xa_for_each(&map->clusters, i, c) {
			for (j = 0; j < AOBJ_SWHASH_CLUSTER_SIZE; j++)
				if (c->slots[j] && drop)
					drop(c->slots[j], arg);
			kfree(c);
		}
		xa_destroy(&map->clusters);
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

/*
 * aobj_swcluster_alloc: a zeroed cluster.  Called with the object locked,
 * possibly from reclaim, so it does not sleep; KUnit stubs it to fail.
 * From kmalloc, not a cache of our own: creating a cache at module init
 * is one more way for insmod to fail, and SLUB's kmem_cache_create() of
 * 6.12 leaks the cache's kobject name when its sysfs directory cannot be
 * made (found by tools/tests/failnth_init).
 */
VISIBLE_IF_KUNIT struct aobj_swcluster *aobj_swcluster_alloc(void)
{
	KUNIT_STATIC_STUB_REDIRECT(aobj_swcluster_alloc);
	return kzalloc(sizeof(struct aobj_swcluster), AOBJ_SWMAP_GFP);
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swcluster_alloc);

/*
 * aobj_swcluster_insert: store cluster @c at @tag, where there is none.
 * The xarray may need nodes, allocated like the cluster itself; KUnit
 * stubs this to fail.
 *
 * Return: 0, or -ENOMEM.
 */
VISIBLE_IF_KUNIT int aobj_swcluster_insert(struct xarray *clusters, pgoff_t tag,
					   struct aobj_swcluster *c)
{
	KUNIT_STATIC_STUB_REDIRECT(aobj_swcluster_insert, clusters, tag, c);
	return xa_insert(clusters, tag, c, AOBJ_SWMAP_GFP);
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swcluster_insert);

/*
 * aobj_swmap_cluster: find the cluster of page @idx; create it if @create.
 * Clusters are only stored and erased under the owner's lock, so the one
 * returned stays valid until that is dropped.
 *
 * => map's owner must be locked.
 * Return: the cluster, or NULL if there is none (and @create is false, or
 * it could not be allocated).
 */
static struct aobj_swcluster *aobj_swmap_cluster(struct aobj_swmap *map,
						 pgoff_t idx, bool create)
{
	pgoff_t tag = AOBJ_SWHASH_TAG(idx);
	struct aobj_swcluster *c;
	int err;

	c = xa_load(&map->clusters, tag);
	if (c || !create)
		return c;

	c = aobj_swcluster_alloc();
	if (!c)
		return NULL;
	err = aobj_swcluster_insert(&map->clusters, tag, c);
	if (err) {
		/* -EBUSY cannot be: @tag was empty, and we hold the lock. */
		WARN_ON_ONCE(err != -ENOMEM);
		kfree(c);
		return NULL;
	}
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
int aobj_swmap_find(struct aobj_swmap *map, pgoff_t idx)
{
	struct aobj_swcluster *c;

	lockdep_assert_held(map->lock);
	if (WARN_ON_ONCE(idx >= map->pages))
		return 0;
	if (!aobj_swmap_clustered(map))
		return map->array[idx];
	c = xa_load(&map->clusters, AOBJ_SWHASH_TAG(idx));
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
 * was needed and could not be allocated or stored (the map is then
 * unchanged).
 */
int aobj_swmap_set(struct aobj_swmap *map, pgoff_t idx, int slot)
{
	struct aobj_swcluster *c;
	int old, *where;

	lockdep_assert_held(map->lock);
	if (WARN_ON_ONCE(idx >= map->pages))
		return 0;

	if (aobj_swmap_clustered(map)) {
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
		/* Erasing frees xarray nodes, it never allocates. */
		xa_erase(&map->clusters, AOBJ_SWHASH_TAG(idx));
		kfree(c);
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
 * dropped the lock (the seed restarts from the first bucket instead); a
 * large object's walk visits only its clusters, in tag order.
 *
 * => map's owner must be locked.
 * Return: true if a page was found.
 */
bool aobj_swmap_next(struct aobj_swmap *map, int start, int end,
		     pgoff_t *idx, pgoff_t last)
{
	struct aobj_swcluster *c;
	pgoff_t i = *idx, first, tag;
	unsigned int j, jlast;

	lockdep_assert_held(map->lock);
	if (!map->nr_slots)
		return false;
	last = min_t(pgoff_t, last, map->pages - 1);
	if (!aobj_swmap_clustered(map)) {
		for (; i <= last; i++) {
			if (aobj_slot_in(map->array[i], start, end)) {
				*idx = i;
				return true;
			}
		}
		return false;
	}

	if (i > last)
		return false;
	first = AOBJ_SWHASH_TAG(i);
	xa_for_each_range(&map->clusters, tag, c, first, AOBJ_SWHASH_TAG(last)) {
		/* Only the first and the last cluster can be partly in range. */
		j = tag == first ? AOBJ_SWHASH_SLOT(i) : 0;
		jlast = tag == AOBJ_SWHASH_TAG(last) ? AOBJ_SWHASH_SLOT(last) :
			AOBJ_SWHASH_CLUSTER_SIZE - 1;
		for (; j <= jlast; j++) {
			if (aobj_slot_in(c->slots[j], start, end)) {
				*idx = (tag << AOBJ_SWHASH_CLUSTER_SHIFT) + j;
				return true;
			}
		}
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swmap_next);
