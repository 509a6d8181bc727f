/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aobj: what the core, the pageout daemon, the swap layer and the device
 * share, but other modules do not see.
 */
#ifndef _AOBJ_INTERNAL_H
#define _AOBJ_INTERNAL_H

#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "aobj.h"

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
void aobj_remove_folio(struct aobj *obj, pgoff_t index, struct folio *folio);
void aobj_detach_async(struct aobj *obj);
/* aobj_fault_get(): the page was read from swap (a major fault). */
#define AOBJ_GOT_SWAPIN	1
int aobj_fault_get(struct aobj *obj, pgoff_t index, struct folio **foliop);
/**
 * struct aobj_walk - a walk over every object, see aobj_walk_objects()
 * @visit: called with a reference on @obj held and nothing locked
 */
struct aobj_walk {
	int (*visit)(struct aobj *obj, struct aobj_walk *walk);
};

int aobj_walk_objects(struct aobj_walk *walk);

/* Most pages one swap-in reads (FreeBSD reads up to 32 too). */
#define AOBJ_READAHEAD_MAX	32

/* aobj_pageout.c */
bool aobj_resident_room(unsigned long n);
int aobj_reserve_page(void);
struct folio *aobj_folio_alloc(struct aobj *obj, gfp_t gfp);
struct folio *aobj_alloc_page(struct aobj *obj, gfp_t gfp, bool may_oom);
int aobj_pageout_attach(struct aobj *obj);
void aobj_pageout_detach(struct aobj *obj);
int aobj_clean_range(struct aobj *obj, pgoff_t start, pgoff_t end);
int aobj_pageout_init(void);
void aobj_pageout_exit(void);
void aobj_pageout_destroy(void);

/* aobj_rw.c */
struct aobj_pagemap_run;
int aobj_pagemap(struct aobj *obj, pgoff_t start, pgoff_t end,
		 struct aobj_pagemap_run *runs, u32 room, u32 *nr,
		 pgoff_t *next, unsigned long *budget);

#endif /* _AOBJ_INTERNAL_H */
