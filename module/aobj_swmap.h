/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aobj swap-slot map: page index -> swap slot, for one object.
 *
 * The geometry is the one of NetBSD's uvm_aobj.c: objects of at most
 * AOBJ_SWHASH_THRESHOLD pages keep a flat int array; larger objects keep a
 * hash of clusters, each cluster covering AOBJ_SWHASH_CLUSTER_SIZE
 * consecutive pages, with min(pages / cluster size, 256) buckets rounded up
 * to a power of two.  A cluster is allocated when its first slot is set and
 * freed when its last slot is cleared.
 */
#ifndef _AOBJ_SWMAP_H
#define _AOBJ_SWMAP_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

/* Slot 0 means "no slot"; SWSLOT_BAD marks a page whose swap copy is lost. */
#define SWSLOT_BAD			(-1)

#define AOBJ_SWHASH_CLUSTER_SHIFT	4
#define AOBJ_SWHASH_CLUSTER_SIZE	16	/* 1 << AOBJ_SWHASH_CLUSTER_SHIFT */
#define AOBJ_SWHASH_THRESHOLD		(AOBJ_SWHASH_CLUSTER_SIZE * 4)
#define AOBJ_SWHASH_MAXBUCKETS		256

/**
 * struct aobj_swcluster - one hash element: the slots of 16 pages
 * @link: on its bucket
 * @tag: page index >> AOBJ_SWHASH_CLUSTER_SHIFT
 * @count: number of non-zero @slots
 * @slots: swap slots, 0 for none
 */
struct aobj_swcluster {
	struct hlist_node link;
	pgoff_t tag;
	int count;
	int slots[AOBJ_SWHASH_CLUSTER_SIZE];
};

/**
 * struct aobj_swmap - the swap slots of one object
 * @pages: size of the object in pages
 * @array: slots, when @pages <= AOBJ_SWHASH_THRESHOLD
 * @buckets: hash buckets of clusters, otherwise
 * @mask: number of buckets - 1
 * @nr_slots: number of pages that have a non-zero slot (SWSLOT_BAD counts)
 * @nr_bad: number of pages whose slot is SWSLOT_BAD
 * @lock: the owning object's lock, which serialises every access
 */
struct aobj_swmap {
	pgoff_t pages;
	union {
		int *array;
		struct hlist_head *buckets;
	};
	unsigned long mask;
	unsigned long nr_slots;
	unsigned long nr_bad;
	struct mutex *lock;		/* the owner's */
};

static inline bool aobj_swmap_hashed(const struct aobj_swmap *map)
{
	return map->pages > AOBJ_SWHASH_THRESHOLD;
}

unsigned long aobj_swmap_nbuckets(pgoff_t pages);
int aobj_swmap_init(struct aobj_swmap *map, pgoff_t pages, struct mutex *lock);
void aobj_swmap_destroy(struct aobj_swmap *map,
			void (*drop)(int slot, void *arg), void *arg);
int aobj_swmap_find(const struct aobj_swmap *map, pgoff_t idx);
int aobj_swmap_set(struct aobj_swmap *map, pgoff_t idx, int slot);
bool aobj_swmap_next(const struct aobj_swmap *map, int start, int end,
		     pgoff_t *idx, pgoff_t last);

int aobj_swmap_cache_init(void);
void aobj_swmap_cache_exit(void);

#if IS_ENABLED(CONFIG_KUNIT)
struct aobj_swcluster *aobj_swcluster_alloc(void);
#endif

#endif /* _AOBJ_SWMAP_H */
