/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aobj swap-slot map: page index -> swap slot, for one object.
 *
 * Objects of at most AOBJ_SWHASH_THRESHOLD pages keep a flat int array, as
 * in NetBSD's uvm_aobj.c.  Larger objects keep clusters, each covering
 * AOBJ_SWHASH_CLUSTER_SIZE consecutive pages; a cluster is allocated when
 * its first slot is set and freed when its last slot is cleared.
 *
 * Unlike the seed, the clusters are not hashed: NetBSD caps its hash at 256
 * buckets, so the chains, and every lookup, grow with the object (chains
 * of 32 clusters at 512 MiB, of 128 at 2 GiB); FreeBSD replaced its swap
 * hash with a pctrie for the same reason.  Here the clusters live in
 * an xarray indexed by their tag (page index >> AOBJ_SWHASH_CLUSTER_SHIFT):
 * a lookup is O(log n) and there are no chains.
 */
#ifndef _AOBJ_SWMAP_H
#define _AOBJ_SWMAP_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

/* Slot 0 means "no slot"; SWSLOT_BAD marks a page whose swap copy is lost. */
#define SWSLOT_BAD			(-1)

#define AOBJ_SWHASH_CLUSTER_SHIFT	4
#define AOBJ_SWHASH_CLUSTER_SIZE	16	/* 1 << AOBJ_SWHASH_CLUSTER_SHIFT */
#define AOBJ_SWHASH_THRESHOLD		(AOBJ_SWHASH_CLUSTER_SIZE * 4)

/**
 * struct aobj_swcluster - the slots of 16 pages, at index tag of the xarray
 * @count: number of non-zero @slots
 * @slots: swap slots, 0 for none
 */
struct aobj_swcluster {
	int count;
	int slots[AOBJ_SWHASH_CLUSTER_SIZE];
};

/**
 * struct aobj_swmap - the swap slots of one object
 * @pages: size of the object in pages
 * @array: slots, when @pages <= AOBJ_SWHASH_THRESHOLD
 * @clusters: the clusters by tag, otherwise
 * @nr_slots: number of pages that have a non-zero slot (SWSLOT_BAD counts)
 * @nr_bad: number of pages whose slot is SWSLOT_BAD
 * @lock: the owning object's lock, which serialises every access
 */
struct aobj_swmap {
	pgoff_t pages;
	int *array;
	struct xarray clusters;
	unsigned long nr_slots;
	unsigned long nr_bad;
	struct mutex *lock;		/* the owner's */
};

static inline bool aobj_swmap_clustered(const struct aobj_swmap *map)
{
	return map->pages > AOBJ_SWHASH_THRESHOLD;
}

int aobj_swmap_init(struct aobj_swmap *map, pgoff_t pages, struct mutex *lock);
void aobj_swmap_destroy(struct aobj_swmap *map,
			void (*drop)(int slot, void *arg), void *arg);
int aobj_swmap_find(struct aobj_swmap *map, pgoff_t idx);
int aobj_swmap_set(struct aobj_swmap *map, pgoff_t idx, int slot);
bool aobj_swmap_next(struct aobj_swmap *map, int start, int end,
		     pgoff_t *idx, pgoff_t last);

#if IS_ENABLED(CONFIG_KUNIT)
struct aobj_swcluster *aobj_swcluster_alloc(void);
int aobj_swcluster_insert(struct xarray *clusters, pgoff_t tag,
			  struct aobj_swcluster *c);
#endif

#endif /* _AOBJ_SWMAP_H */
