/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aobj: anonymous memory objects, a port of NetBSD's uvm_aobj.c pager.
 *
 * In-kernel interface, exported to GPL modules.  An aobj is a sparse array
 * of pages: a page is resident, or never touched (reads as zero), or paged
 * out to a swap slot.  References are counted; the last aobj_detach()
 * frees every page and every swap slot.
 */
#ifndef _AOBJ_H
#define _AOBJ_H

#include <linux/bits.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "aobj_swmap.h"

/* aobj_create() flags */
#define AOBJ_NOSWAP		BIT(0)	/* never page out */

/* aobj_put() flags: exactly one */
#define AOBJ_PUT_FREE		BIT(0)	/* drop pages and swap copies */
#define AOBJ_PUT_DEACTIVATE	BIT(1)	/* first in line for pageout */
#define AOBJ_PUT_CLEAN		BIT(2)	/* write dirty pages out now */

struct aobj;
struct aobj_memcg_link;
struct mem_cgroup;

/**
 * struct aobj_ops - hooks of whoever embeds a struct aobj
 * @release: free the containing structure; called once the object is
 *	torn down (pages and slots gone, off the global list)
 */
struct aobj_ops {
	void (*release)(struct aobj *obj);
};

/**
 * struct aobj - an anonymous memory object
 * @ref: references: holders call aobj_reference()/aobj_detach()
 * @lock: the object lock (the seed's vmobjlock); protects aobj_folios(), @swmap
 *	and the counters below.  Never held while sleeping on a folio lock.
 *	Taken with aobj_lock(), which makes the section a NOIO scope.
 * @lock_noio: memalloc_noio_save() state of @lock's holder
 * @pages: size in pages
 * @flags: AOBJ_NOSWAP
 * @nr_resident: number of resident pages (entries in aobj_folios())
 * @swmap: swap slots by page index
 * @ra_next: page index a sequential swap-in fault would come to next
 * @ra_window: swap-in readahead window, in pages
 * @pageout_hand: where cgroup pageout by index goes on in the object:
 *	the clock of aobj_pageout_gather(), under @lock
 * @list: on the global object list, under aobj_list_lock
 * @inode: owns the address_space that user mappings of the object are
 *	linked on, so that they can be revoked with unmap_mapping_range(),
 *	and whose i_pages hold the resident pages (aobj_folios())
 * @ops: release hook
 * @release_work: frees the object when reclaim dropped the last reference
 * @memcg: the memory cgroup its pages are charged to (the creator's), with
 *	a css reference; NULL without memory cgroups
 * @memcg_link: its entry on the per-memcg object lists of aobj's shrinker
 */
struct aobj {
	struct kref ref;
	struct mutex lock;		/* see above */
	unsigned int lock_noio;
	pgoff_t pages;
	unsigned int flags;
	unsigned long nr_resident;
	struct aobj_swmap swmap;
	pgoff_t ra_next;
	int ra_window;
	pgoff_t pageout_hand;
	struct list_head list;
	struct inode *inode;
	const struct aobj_ops *ops;
	struct work_struct release_work;
	struct mem_cgroup *memcg;
	struct aobj_memcg_link *memcg_link;
};

/**
 * struct aobj_stats - module-wide counters, read with aobj_read_stats()
 */
struct aobj_stats {
	long objects;
	long resident;
	long swpgonly;
	long faults_resident;
	long faults_zero;
	long faults_swapin;
	long pageouts;
	long pageins;
	long io_errors;
	long io_timeouts;
	long bad_slots;
};

/* aobj_object.c: an object's lifetime */
int aobj_init(struct aobj *obj, u64 size, unsigned int flags,
	      const struct aobj_ops *ops);
struct aobj *aobj_create(u64 size, unsigned int flags);
void aobj_reference(struct aobj *obj);
void aobj_detach(struct aobj *obj);
void aobj_read_stats(struct aobj_stats *st);

/* aobj_core.c: the pager */
int aobj_get(struct aobj *obj, pgoff_t index, struct folio **foliop);
int aobj_put(struct aobj *obj, pgoff_t start, pgoff_t end, unsigned int flags);

/*
 * aobj_lock, aobj_trylock, aobj_unlock: the object lock (the seed's
 * simple_lock(&uobj->vmobjlock)).  Memory reclaim pages aobj pages out, and
 * that takes object locks, so an allocation under one must not enter
 * reclaim that could need it: the locked section is a NOIO scope, in which
 * reclaim neither does I/O nor calls aobj's shrinker (which needs
 * __GFP_IO), and lockdep sees no obj->lock -> fs_reclaim dependency.
 * Reclaim itself only ever trylocks an object.  Object locks never nest:
 * the saved state lives in the object.
 */
static inline void aobj_lock(struct aobj *obj)
{
	mutex_lock(&obj->lock);
	obj->lock_noio = memalloc_noio_save();
}

static inline bool aobj_trylock(struct aobj *obj)
{
	if (!mutex_trylock(&obj->lock))
		return false;
	obj->lock_noio = memalloc_noio_save();
	return true;
}

static inline void aobj_unlock(struct aobj *obj)
{
	memalloc_noio_restore(obj->lock_noio);
	mutex_unlock(&obj->lock);
}

/* aobj_rw.c: the object as a file */
struct iov_iter;
ssize_t aobj_read_iter(struct aobj *obj, loff_t *pos, struct iov_iter *to);
ssize_t aobj_write_iter(struct aobj *obj, loff_t *pos, struct iov_iter *from);
loff_t aobj_seek_data_hole(struct aobj *obj, loff_t offset, int whence);
int aobj_punch_hole(struct aobj *obj, loff_t offset, loff_t len);

static inline struct address_space *aobj_mapping(struct aobj *obj)
{
	return obj->inode->i_mapping;
}

/*
 * The resident pages by page index (the seed's memq + uvm_pagelookup): the
 * i_pages of the object's address_space, so that filemap_map_pages() can
 * map them around a fault.  Changed only with xa_*_irq(), as i_pages is.
 */
static inline struct xarray *aobj_folios(struct aobj *obj)
{
	return &obj->inode->i_mapping->i_pages;
}

static inline unsigned long aobj_nr_swapped(struct aobj *obj)
{
	return obj->swmap.nr_slots - obj->swmap.nr_bad;
}

/* module init/exit of the core, called by the device layer */
int aobj_core_init(void);
void aobj_core_exit(void);

#endif /* _AOBJ_H */
