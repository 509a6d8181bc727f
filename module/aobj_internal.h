/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aobj: what the device, the core, the pageout daemon and the objects
 * share, but other modules do not see.  By file, top to bottom: a file
 * calls only the files below it (aobj_swap.h and aobj_swmap.h are the two
 * at the bottom).
 */
#ifndef _AOBJ_INTERNAL_H
#define _AOBJ_INTERNAL_H

#include <linux/atomic.h>
#include <linux/list_lru.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "aobj.h"

/* aobj_rw.c */
struct aobj_pagemap_run;
int aobj_pagemap(struct aobj *obj, pgoff_t start, pgoff_t end,
		 struct aobj_pagemap_run *runs, u32 room, u32 *nr,
		 pgoff_t *next, unsigned long *budget);

/* aobj_core.c */

/* Most pages one swap-in reads (FreeBSD reads up to 32 too). */
#define AOBJ_READAHEAD_MAX	32

int aobj_swapoff(const char *path, u64 *lost);
/* aobj_fault_get(): the page was read from swap (a major fault). */
#define AOBJ_GOT_SWAPIN	1
int aobj_fault_get(struct aobj *obj, pgoff_t index, struct folio **foliop);

/* aobj_pageout.c */
bool aobj_resident_room(unsigned long n);
int aobj_reserve_page(void);
struct folio *aobj_alloc_page(struct aobj *obj, gfp_t gfp, bool may_oom);
int aobj_clean_range(struct aobj *obj, pgoff_t start, pgoff_t end);
int aobj_pageout_init(void);
void aobj_pageout_exit(void);
void aobj_pageout_destroy(void);
#if IS_ENABLED(CONFIG_KUNIT)
struct notifier_block;
int aobj_oom_notify(struct notifier_block *nb, unsigned long unused, void *parm);
void aobj_oom_flush(void);
void aobj_oom_reset(void);
#endif

/* aobj_object.c */

/* Module-wide counters; see struct aobj_stats. */
struct aobj_counters {
	atomic_long_t objects;
	atomic_long_t resident;
	atomic_long_t resident_noswap;	/* of them, of NOSWAP objects */
	atomic_long_t swpgonly;
	atomic_long_t faults_resident;
	atomic_long_t faults_zero;
	atomic_long_t faults_swapin;
	atomic_long_t pageouts;
	atomic_long_t pageins;
	atomic_long_t io_errors;
	atomic_long_t io_timeouts;
	atomic_long_t bad_slots;
};

extern struct aobj_counters aobj_counters;
#define aobj_count(name)	atomic_long_inc(&aobj_counters.name)
#define aobj_count_add(name, n)	atomic_long_add(n, &aobj_counters.name)

extern struct workqueue_struct *aobj_wq;
extern struct mutex aobj_list_lock;
extern spinlock_t aobj_lru_lock;
extern struct list_head aobj_lru_active;
extern struct list_head aobj_lru_inactive;

void aobj_account(struct aobj *obj, long resident, long swpgonly);
void aobj_dropswap(struct aobj *obj, pgoff_t index);
bool aobj_lock_folio(struct aobj *obj, pgoff_t index, struct folio *folio);
int aobj_insert_folio(struct aobj *obj, pgoff_t index, struct folio *folio);
void aobj_remove_folio(struct aobj *obj, pgoff_t index, struct folio *folio);
void aobj_lru_deactivate(struct aobj *obj, struct folio *folio);
void aobj_detach_async(struct aobj *obj);
/**
 * struct aobj_walk - a walk over every object, see aobj_walk_objects()
 * @visit: called with a reference on @obj held and nothing locked
 */
struct aobj_walk {
	int (*visit)(struct aobj *obj, struct aobj_walk *walk);
};

int aobj_walk_objects(struct aobj_walk *walk);

/*
 * An object's entry on aobj_memcg_lru.  It is a slab object of its own,
 * allocated charged to the object's cgroup with kmem_cache_alloc_lru():
 * that is what makes the list_lru ready for the cgroup, and what tells
 * list_lru_add_obj() which cgroup's list it goes on (its parent's, after
 * the cgroup is removed).
 */
struct aobj_memcg_link {
	struct list_head node;
	struct aobj *obj;
	struct aobj_noswap_cg **noswap;	/* a NOSWAP object's cgroup, parents */
	unsigned int noswap_depth;	/* ... up to below the root: entries */
};

/* Room a cgroup's reclaim makes below its limit (pages): 1/32, >= 64 pages. */
#define AOBJ_MEMCG_MARGIN(limit)	max_t(unsigned long, (limit) / 32, 64)

extern struct list_lru aobj_memcg_lru;

struct folio *aobj_folio_alloc(struct aobj *obj, gfp_t gfp);
int aobj_memcg_attach(struct aobj *obj);
void aobj_memcg_detach(struct aobj *obj);
bool aobj_noswap_at_limit(struct aobj *obj);
void aobj_memcg_destroy(void);
int aobj_object_init(void);
void aobj_object_exit(void);

#endif /* _AOBJ_INTERNAL_H */
