// SPDX-License-Identifier: GPL-2.0
/*
 * aobj core: anonymous memory objects, after NetBSD's uvm_aobj.c (rev 1.51).
 *
 * The seed's pieces and where they went:
 *   uvm_aobj, uao_create, uao_free        struct aobj, aobj_init(), aobj_release()
 *   uo_refs, uao_reference, uao_detach    kref, aobj_reference(), aobj_detach()
 *   memq + uvm_pagelookup                  the i_pages xarray of the object's
 *                                          inode, by page index
 *   u_swslots / u_swhash                   struct aobj_swmap (aobj_swmap.c)
 *   PG_BUSY / PG_WANTED                    the folio lock
 *   uao_get                                aobj_get(): resident, zero-fill, swap-in
 *   uao_put                                aobj_put(): FREE, DEACTIVATE, CLEAN
 *   uao_dropswap                           aobj_dropswap()
 *   uao_list, uao_list_lock                aobj_list, aobj_list_lock
 *   pmap_page_protect(pg, VM_PROT_NONE)    unmap_mapping_range() on the
 *                                          object's own address_space
 *   page queues (active/inactive)          aobj_lru_active/aobj_lru_inactive
 *
 * Lock order: mmap_lock -> folio lock -> obj->lock -> aobj_lru_lock.
 * obj->lock is never held while sleeping on a folio lock: a holder of a
 * folio lock (a fault, a swap-in, a pageout) may need obj->lock to finish.
 * aobj_list_lock is taken before obj->lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/fs_context.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "aobj.h"
#include "aobj_internal.h"
#include "aobj_swap.h"

#define CREATE_TRACE_POINTS
#include "aobj_trace.h"

#define AOBJ_FS_MAGIC	0x616f626a	/* "aobj" */

static LIST_HEAD(aobj_list);		/* the seed's uao_list */
DEFINE_MUTEX(aobj_list_lock);		/* protects aobj_list */

/* Pages of every object, in the order pageout should consider them. */
DEFINE_SPINLOCK(aobj_lru_lock);
LIST_HEAD(aobj_lru_active);
LIST_HEAD(aobj_lru_inactive);

struct aobj_counters aobj_counters;

/*
 * Object releases handed over by reclaim, and the pageout worker.  Both
 * free memory, hence WQ_MEM_RECLAIM; module exit drains it before it
 * frees what they use.
 */
struct workqueue_struct *aobj_wq;

static struct vfsmount *aobj_mnt;

/*
 * LRU: a page is on one of the two lists from the moment it becomes
 * resident until it leaves the object.  folio->private points back to the
 * object and folio->index holds the page index.
 */

/*
 * aobj_lru_add: put a new resident page at the head of the active list;
 * pages of NOSWAP objects are kept off the lists.
 * => obj must be locked.
 */
static void aobj_lru_add(struct aobj *obj, struct folio *folio, pgoff_t index)
{
	lockdep_assert_held(&obj->lock);
	folio->private = obj;
	folio->index = index;
	INIT_LIST_HEAD(&folio->lru);
	if (obj->flags & AOBJ_NOSWAP)
		return;		/* never a pageout candidate */
	spin_lock(&aobj_lru_lock);
	list_add(&folio->lru, &aobj_lru_active);
	spin_unlock(&aobj_lru_lock);
}

/*
 * aobj_lru_del: take a page off the LRU.
 * => obj must be locked.
 */
static void aobj_lru_del(struct aobj *obj, struct folio *folio)
{
	lockdep_assert_held(&obj->lock);
	spin_lock(&aobj_lru_lock);
	list_del_init(&folio->lru);
	spin_unlock(&aobj_lru_lock);
	folio->private = NULL;
	folio_clear_referenced(folio);
}

/*
 * aobj_lru_deactivate: make a page the next candidate for pageout (the
 * seed's pmap_clear_reference + uvm_pagedeactivate).
 * => obj must be locked.
 */
static void aobj_lru_deactivate(struct aobj *obj, struct folio *folio)
{
	lockdep_assert_held(&obj->lock);
	folio_clear_referenced(folio);
	if (obj->flags & AOBJ_NOSWAP)
		return;
	spin_lock(&aobj_lru_lock);
	list_move_tail(&folio->lru, &aobj_lru_inactive);
	spin_unlock(&aobj_lru_lock);
}

/*
 * aobj_account: adjust the resident and swap-only page counts.
 * => obj must be locked.
 */
void aobj_account(struct aobj *obj, long resident, long swpgonly)
{
	lockdep_assert_held(&obj->lock);
	obj->nr_resident += resident;
	atomic_long_add(resident, &aobj_counters.resident);
	if (obj->flags & AOBJ_NOSWAP)
		atomic_long_add(resident, &aobj_counters.resident_noswap);
	atomic_long_add(swpgonly, &aobj_counters.swpgonly);
}

/**
 * aobj_dropswap - release the swap slot of one page (the seed's uao_dropswap)
 * @obj: the object
 * @index: page index
 *
 * A bad slot is forgotten, not freed: it stays retired in its device.
 *
 * => obj must be locked.
 */
void aobj_dropswap(struct aobj *obj, pgoff_t index)
{
	int slot;

	lockdep_assert_held(&obj->lock);
	slot = aobj_swmap_set(&obj->swmap, index, 0);
	if (slot > 0) {
		if (!xa_load(aobj_folios(obj), index))
			aobj_account(obj, 0, -1);
		aobj_swap_free(slot, 1);
	}
}

/**
 * aobj_lock_folio - lock a resident page, sleeping with the object unlocked
 * @obj: the object
 * @index: the page's index
 * @folio: the page, found at @index with @obj locked
 *
 * The seed's UVM_UNLOCK_AND_WAIT on a busy page.
 *
 * => obj must be locked; it is locked on return, but may have been
 *    unlocked in between.
 * Return: true with @folio locked and still at @index; false if it left
 * the object meanwhile (the caller looks again).
 */
bool aobj_lock_folio(struct aobj *obj, pgoff_t index, struct folio *folio)
{
	lockdep_assert_held(&obj->lock);
	if (folio_trylock(folio))
		return true;

	folio_get(folio);
	aobj_unlock(obj);
	folio_lock(folio);
	aobj_lock(obj);
	if (xa_load(aobj_folios(obj), index) == folio) {
		folio_put(folio);
		return true;
	}
	folio_unlock(folio);
	folio_put(folio);
	return false;
}

/**
 * aobj_remove_folio - take a page out of the object and free it
 * @obj: the object
 * @index: the page's index
 * @folio: the page
 *
 * Every user mapping of the page is revoked first.  The swap slot, if
 * any, is left alone; the caller accounts for it.
 *
 * => obj must be locked, @folio must be locked; it is unlocked and
 *    released on return.
 */
void aobj_remove_folio(struct aobj *obj, pgoff_t index, struct folio *folio)
{
	lockdep_assert_held(&obj->lock);
	VM_WARN_ON_ONCE_FOLIO(!folio_test_locked(folio), folio);

	if (folio_mapped(folio))
		unmap_mapping_range(aobj_mapping(obj), (loff_t)index << PAGE_SHIFT,
				    PAGE_SIZE, 1);
	xa_erase_irq(aobj_folios(obj), index);
	folio->mapping = NULL;
	aobj_lru_del(obj, folio);
	aobj_account(obj, -1, 0);
	folio_unlock(folio);
	folio_put(folio);
}

/*
 * aobj_fs: a pseudo filesystem whose only purpose is to give each object
 * an inode, whose address_space links the object's user mappings.
 */
static int aobj_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, AOBJ_FS_MAGIC) ? 0 : -ENOMEM;
}

/*
 * No .owner: the internal mount would pin the module forever.  It is
 * unmounted in aobj_core_exit(), before the module's code goes away.
 */
static struct file_system_type aobj_fs_type = {
	.name		= "aobj",
	.init_fs_context = aobj_fs_init_fs_context,
	.kill_sb	= kill_anon_super,
};

/*
 * The object's pages sit in its inode's i_pages for filemap_map_pages(),
 * but they are not page cache as the rest of the kernel knows it: not
 * counted in nrpages nor in the page cache statistics, not on the kernel's
 * LRU, never written back.  Whatever tries to invalidate page cache
 * (drop_caches, fadvise(DONTNEED), memory failure) asks release_folio
 * first, since the mapping is "release always"; the answer is no: a page
 * leaves the object only through aobj_remove_folio().  Dirtying a page
 * through a mapping just sets its dirty flag, which pageout reads.
 */
static bool aobj_release_folio(struct folio *folio, gfp_t gfp)
{
	return false;
}

static const struct address_space_operations aobj_aops = {
	.dirty_folio	= noop_dirty_folio,
	.release_folio	= aobj_release_folio,
};

static void aobj_release_work(struct work_struct *work);

/**
 * aobj_init - initialise an object embedded in a caller's structure
 * @obj: the object
 * @size: size in bytes, rounded up to whole pages
 * @flags: AOBJ_NOSWAP or 0
 * @ops: @ops->release frees the containing structure
 *
 * The object starts with one reference and is on the global list.
 *
 * => nothing locked; may sleep.
 * Return: 0, -EINVAL for a bad size or flag, -EFBIG if too large for the
 * slot map, or -ENOMEM.
 */
int aobj_init(struct aobj *obj, u64 size, unsigned int flags,
	      const struct aobj_ops *ops)
{
	u64 pages;
	int err;

	if (!size || (flags & ~AOBJ_NOSWAP) || !ops || !ops->release)
		return -EINVAL;
	/* Page indices and slot counts are ints, as in the seed. */
	if (size > (u64)INT_MAX << PAGE_SHIFT)
		return -EFBIG;
	pages = DIV_ROUND_UP_ULL(size, PAGE_SIZE);

	kref_init(&obj->ref);
	mutex_init(&obj->lock);
	obj->pages = pages;
	obj->flags = flags;
	obj->nr_resident = 0;
	obj->ra_next = 0;
	obj->ra_window = 1;
	obj->ops = ops;
	INIT_WORK(&obj->release_work, aobj_release_work);
	err = aobj_swmap_init(&obj->swmap, pages, &obj->lock);
	if (err)
		goto err_mutex;

	obj->inode = alloc_anon_inode(aobj_mnt->mnt_sb);
	if (IS_ERR(obj->inode)) {
		err = PTR_ERR(obj->inode);
		goto err_swmap;
	}
	obj->inode->i_size = pages << PAGE_SHIFT;
	obj->inode->i_mapping->a_ops = &aobj_aops;
	/* Only the object takes its pages out of i_pages: see aobj_aops. */
	mapping_set_release_always(obj->inode->i_mapping);
	obj->inode->i_private = obj;
	err = aobj_pageout_attach(obj);
	if (err)
		goto err_inode;

	/*
	 * i_pages' nodes unaccounted: they are allocated under obj->lock, a
	 * NOIO scope, where a charge at memory.max could reclaim nothing of
	 * aobj's and would call the cgroup's OOM killer.  They are some 0.2%
	 * of the pages they index, which are charged.  The inode goes back
	 * to the inode cache with the flag restored (aobj_release()).
	 */
	obj->inode->i_mapping->i_pages.xa_flags &= ~XA_FLAGS_ACCOUNT;

	mutex_lock(&aobj_list_lock);
	list_add_tail(&obj->list, &aobj_list);
	mutex_unlock(&aobj_list_lock);
	atomic_long_inc(&aobj_counters.objects);
	return 0;

err_inode:
	iput(obj->inode);
err_swmap:
	aobj_swmap_destroy(&obj->swmap, NULL, NULL);
err_mutex:
	mutex_destroy(&obj->lock);
	return err;
}
EXPORT_SYMBOL_GPL(aobj_init);

static void aobj_kfree(struct aobj *obj)
{
	kfree(obj);
}

static const struct aobj_ops aobj_default_ops = {
	.release = aobj_kfree,
};

/**
 * aobj_create - create an object of @size bytes (the seed's uao_create)
 * @size: size in bytes, rounded up to whole pages
 * @flags: AOBJ_NOSWAP or 0
 *
 * => nothing locked; may sleep.
 * Return: the object with one reference, or an ERR_PTR (see aobj_init()).
 */
struct aobj *aobj_create(u64 size, unsigned int flags)
{
	struct aobj *obj;
	int err;

	obj = kzalloc(sizeof(*obj), GFP_KERNEL_ACCOUNT);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	err = aobj_init(obj, size, flags, &aobj_default_ops);
	if (err) {
		kfree(obj);
		return ERR_PTR(err);
	}
	return obj;
}
EXPORT_SYMBOL_GPL(aobj_create);

/**
 * aobj_reference - add a reference (the seed's uao_reference)
 * @obj: the object; the caller already holds a reference
 *
 * => any context.
 */
void aobj_reference(struct aobj *obj)
{
	kref_get(&obj->ref);
}
EXPORT_SYMBOL_GPL(aobj_reference);

static void aobj_drop_slot(int slot, void *arg)
{
	if (slot > 0)
		aobj_swap_free(slot, 1);
}

/*
 * aobj_release: the last reference is gone (the seed's uao_detach_locked at
 * zero references, and uao_free).  Nobody can reach the object but the LRU
 * scanner, which cannot take a reference any more.
 *
 * => nothing locked.
 */
static void aobj_release(struct kref *ref)
{
	struct aobj *obj = container_of(ref, struct aobj, ref);
	struct folio *folio;
	unsigned long index;

	mutex_lock(&aobj_list_lock);
	list_del(&obj->list);
	mutex_unlock(&aobj_list_lock);

	aobj_lock(obj);
	xa_for_each(aobj_folios(obj), index, folio) {
		/* No mapping holds a reference, so no fault or I/O is running. */
		VM_WARN_ON_ONCE_FOLIO(folio_test_locked(folio), folio);
		folio_lock(folio);
		aobj_dropswap(obj, index);
		aobj_remove_folio(obj, index, folio);
	}
	/* What is left are swap-only pages, and lost ones. */
	aobj_account(obj, 0, -(long)(obj->swmap.nr_slots - obj->swmap.nr_bad));
	aobj_swmap_destroy(&obj->swmap, aobj_drop_slot, NULL);
	aobj_unlock(obj);

	mutex_destroy(&obj->lock);
	obj->inode->i_mapping->i_pages.xa_flags |= XA_FLAGS_ACCOUNT;
	iput(obj->inode);
	aobj_pageout_detach(obj);
	atomic_long_dec(&aobj_counters.objects);
	obj->ops->release(obj);
}

static void aobj_release_work(struct work_struct *work)
{
	aobj_release(&container_of(work, struct aobj, release_work)->ref);
}

static void aobj_queue_release(struct kref *ref)
{
	struct aobj *obj = container_of(ref, struct aobj, ref);

	queue_work(aobj_wq, &obj->release_work);
}

/**
 * aobj_detach_async - drop a reference, freeing the object from a worker
 * @obj: the object
 *
 * For memory reclaim, which must not take the locks that tearing an object
 * down takes (other objects' holders allocate memory under them).
 *
 * => any context but hard irq.
 */
void aobj_detach_async(struct aobj *obj)
{
	kref_put(&obj->ref, aobj_queue_release);
}

/**
 * aobj_detach - drop a reference (the seed's uao_detach)
 * @obj: the object
 *
 * The last reference frees every page and every swap slot of the object.
 *
 * => nothing locked (in particular not obj->lock); may sleep.
 */
void aobj_detach(struct aobj *obj)
{
	might_sleep();
	kref_put(&obj->ref, aobj_release);
}
EXPORT_SYMBOL_GPL(aobj_detach);

/*
 * aobj_insert_folio: make @folio, locked and not yet visible, the page at
 * @index, on the LRU, with a reference for the object.
 * => obj must be locked.
 */
static int aobj_insert_folio(struct aobj *obj, pgoff_t index,
			     struct folio *folio)
{
	int err;

	lockdep_assert_held(&obj->lock);
	folio->mapping = aobj_mapping(obj);
	folio->index = index;
	err = xa_insert_irq(aobj_folios(obj), index, folio, GFP_KERNEL);
	if (err) {
		folio->mapping = NULL;
		return err;
	}
	folio_get(folio);
	aobj_lru_add(obj, folio, index);
	aobj_account(obj, 1, 0);
	return 0;
}

/*
 * aobj_grab_swapped: make pages @index + @n, @index + @n + 1, ... locked,
 * not yet up-to-date pages of @obj, to be read from swap into, as long as
 * they are not resident and their slots follow @slot (page @index + i on
 * slot @slot + i, below @slot_end), memory is at hand without reclaim and
 * the resident limit's high watermark is not reached; @folios gets them,
 * up to @max pages in all.
 *
 * => obj must be locked.
 * Return: the number of pages in @folios now.
 */
static int aobj_grab_swapped(struct aobj *obj, pgoff_t index, int slot,
			     int slot_end, struct folio **folios, int n, int max)
{
	lockdep_assert_held(&obj->lock);
	while (n < max && index + n < obj->pages && n < slot_end - slot &&
	       aobj_resident_room(n + 1)) {
		struct folio *folio;

		if (aobj_swmap_find(&obj->swmap, index + n) != slot + n ||
		    xa_load(aobj_folios(obj), index + n))
			break;
		folio = aobj_folio_alloc(obj, (GFP_HIGHUSER & ~__GFP_DIRECT_RECLAIM) |
					 __GFP_NOWARN);
		if (!folio)
			break;
		__folio_set_locked(folio);
		if (aobj_insert_folio(obj, index + n, folio)) {
			__folio_clear_locked(folio);
			folio_put(folio);
			break;
		}
		/* The object's reference keeps it: removal needs its lock. */
		folio_put(folio);
		folios[n++] = folio;
	}
	return n;
}

/*
 * aobj_swapin_readahead: the page at @index is about to be read from
 * @slot, and ra[0] is its locked page.  When faults go forward through the
 * object, add the pages that follow whose slots follow @slot, as locked
 * pages of the object, so that one read brings them all (the window
 * doubles with each sequential swap-in fault, up to AOBJ_READAHEAD_MAX).
 * Random faults read one page.  Readahead never waits: it stops at the
 * resident limit's high watermark or when memory is not at hand, and never
 * crosses the end of @slot's device.
 *
 * => obj must be locked.
 * Return: the number of pages in @ra.
 */
static int aobj_swapin_readahead(struct aobj *obj, pgoff_t index, int slot,
				 struct folio **ra)
{
	lockdep_assert_held(&obj->lock);
	if (index == obj->ra_next)
		obj->ra_window = clamp(obj->ra_window * 2, 4, AOBJ_READAHEAD_MAX);
	else
		obj->ra_window = 1;

	/* One read goes to one device: stop at the end of @slot's. */
	return aobj_grab_swapped(obj, index, slot, aobj_swap_dev_end(slot), ra,
				 1, obj->ra_window);
}

/*
 * aobj_unread_abort: take back pages folios[@first..@nr-1], at @index + i,
 * that aobj_grab_swapped() added for a read that failed; their slots are
 * left alone.
 * => obj must be locked.
 */
static void aobj_unread_abort(struct aobj *obj, pgoff_t index,
			      struct folio **folios, int first, int nr)
{
	int i;

	lockdep_assert_held(&obj->lock);
	for (i = first; i < nr; i++)
		aobj_remove_folio(obj, index + i, folios[i]);
}

/*
 * aobj_get_resident: the resident page at @index, locked and with a
 * reference, found without obj->lock (the seed's PGO_LOCKED pass).  As for
 * the page cache (filemap_get_entry), the lookup is speculative: the folio
 * may be freed and reused under us, so it counts only if it is still at
 * @index once we hold a reference and its lock (nothing leaves the object
 * without the folio lock).  Returns NULL when the slow path must decide:
 * no page, or a locked one (I/O, pageout, another fault).
 *
 * => nothing locked.
 */
static struct folio *aobj_get_resident(struct aobj *obj, pgoff_t index)
{
	XA_STATE(xas, aobj_folios(obj), index);
	struct folio *folio;

	/* One walk under one RCU section, as filemap_get_entry() does it. */
	rcu_read_lock();
	do {
		xas_reset(&xas);
		folio = xas_load(&xas);
	} while (xas_retry(&xas, folio));
	if (folio && !folio_try_get(folio))
		folio = NULL;
	/* Reused meanwhile?  Then it is not ours to lock. */
	if (folio && unlikely(xas_reload(&xas) != folio)) {
		folio_put(folio);
		folio = NULL;
	}
	rcu_read_unlock();
	if (!folio)
		return NULL;

	/*
	 * Locked, it is still ours at @index if it says so: ->mapping is set
	 * before a page enters the object and cleared, under the folio lock,
	 * when it leaves (the page cache's check after filemap_get_entry()).
	 */
	if (folio_trylock(folio)) {
		if (folio->mapping == aobj_mapping(obj) && folio->index == index &&
		    folio_test_uptodate(folio)) {
			if (!folio_test_referenced(folio))
				folio_set_referenced(folio);
			return folio;
		}
		folio_unlock(folio);
	}
	folio_put(folio);
	return NULL;
}

/*
 * __aobj_get: aobj_get(), where the page is allocated by
 * aobj_alloc_page(..., @may_oom): swapoff passes false, so that it stops
 * with -ENOMEM rather than have the OOM killer make room for its pages.
 * => nothing locked; may sleep.
 * Return: as aobj_get(), but 1 (AOBJ_GOT_SWAPIN) after a read from swap.
 */
static int __aobj_get(struct aobj *obj, pgoff_t index, struct folio **foliop,
		      bool may_oom)
{
	struct folio *folio, *new = NULL, *ra[AOBJ_READAHEAD_MAX];
	bool zeroed = false;
	int slot, err, nr, i;

	if (index >= obj->pages)
		return -EINVAL;

	/* case 1 without the object lock: the common refault. */
	folio = aobj_get_resident(obj, index);
	if (folio) {
		aobj_count(faults_resident);
		trace_aobj_get(obj, index, AOBJ_GET_RESIDENT, 0, 1, 0);
		*foliop = folio;
		return 0;
	}

	aobj_lock(obj);
	for (;;) {
		/* case 1: the page is resident. */
		folio = xa_load(aobj_folios(obj), index);
		if (folio) {
			if (!aobj_lock_folio(obj, index, folio))
				continue;
			folio_get(folio);
			folio_set_referenced(folio);
			aobj_unlock(obj);
			if (new)
				folio_put(new);
			aobj_count(faults_resident);
			trace_aobj_get(obj, index, AOBJ_GET_RESIDENT, 0, 1, 0);
			*foliop = folio;
			return 0;
		}

		slot = aobj_swmap_find(&obj->swmap, index);
		if (slot == SWSLOT_BAD) {
			aobj_unlock(obj);
			if (new)
				folio_put(new);
			trace_aobj_get(obj, index, AOBJ_GET_SWAPIN, slot, 0, -EIO);
			return -EIO;
		}
		if (new)
			break;

		/*
		 * Allocate with the object unlocked, then look again.  NOSWAP
		 * pages are locked memory, bounded by RLIMIT_MEMLOCK and the
		 * memory cgroup, not by max_resident_mb: they could never make
		 * room under it, only deny it to everyone else.
		 */
		aobj_unlock(obj);
		err = (obj->flags & AOBJ_NOSWAP) ? 0 : aobj_reserve_page();
		if (err)
			return err;
		zeroed = !slot;
		new = aobj_alloc_page(obj, GFP_HIGHUSER | (zeroed ? __GFP_ZERO : 0),
				      may_oom);
		if (!new)
			/* A fault gets SIGBUS, as at the resident limit. */
			return (obj->flags & AOBJ_NOSWAP) && may_oom &&
				!fatal_signal_pending(current) ? -ENOSPC : -ENOMEM;
		aobj_lock(obj);
	}

	__folio_set_locked(new);
	err = aobj_insert_folio(obj, index, new);
	if (err) {
		aobj_unlock(obj);
		__folio_clear_locked(new);
		folio_put(new);
		return err;
	}

	if (!slot) {
		/* case 2: zero-fill. */
		if (!zeroed)
			clear_highpage(&new->page);
		folio_mark_uptodate(new);
		aobj_unlock(obj);
		aobj_count(faults_zero);
		trace_aobj_get(obj, index, AOBJ_GET_ZERO, 0, 1, 0);
		*foliop = new;
		return 0;
	}

	/*
	 * case 3: swap-in.  The page is locked and in the object, so others
	 * wait on it; the slot stays, so that a clean eviction costs no write.
	 */
	ra[0] = new;
	nr = aobj_swapin_readahead(obj, index, slot, ra);
	aobj_unlock(obj);
	err = aobj_swap_read(ra, slot, nr);
	if (err && nr > 1) {
		/* Leave the neighbours in swap; their own faults will tell. */
		aobj_count(io_errors);
		aobj_lock(obj);
		aobj_unread_abort(obj, index, ra, 1, nr);
		aobj_unlock(obj);
		nr = 1;
		err = aobj_swap_read(ra, slot, 1);
	}
	aobj_lock(obj);
	if (err) {
		/* The copy is lost: retire the slot, and fail this page until FREE. */
		aobj_count(io_errors);
		slot = aobj_swmap_set(&obj->swmap, index, SWSLOT_BAD);
		if (slot > 0)
			aobj_swap_markbad(slot, 1);
		aobj_remove_folio(obj, index, new);
		aobj_account(obj, 0, -1);
		aobj_unlock(obj);
		folio_put(new);
		trace_aobj_get(obj, index, AOBJ_GET_SWAPIN, slot, 1, err);
		return -EIO;
	}
	for (i = 0; i < nr; i++) {
		folio_mark_uptodate(ra[i]);
		aobj_account(obj, 0, -1);
		if (i)
			folio_unlock(ra[i]);
	}
	obj->ra_next = index + nr;
	aobj_unlock(obj);
	aobj_count(faults_swapin);
	aobj_count_add(pageins, nr);
	trace_aobj_get(obj, index, AOBJ_GET_SWAPIN, slot, nr, 0);
	*foliop = new;
	return AOBJ_GOT_SWAPIN;
}

/**
 * aobj_get - fetch the page at @index (the seed's uao_get)
 * @obj: the object
 * @index: page index, below the object's size
 * @foliop: out: the page, locked, with a reference for the caller
 *
 * The seed's three cases: a resident page is returned; a page that never
 * existed is allocated zeroed; a page with a swap slot is read from it,
 * with the object unlocked during the I/O.  The page is clean unless it
 * was dirty already: a caller that writes to it marks it dirty.
 *
 * => nothing locked; may sleep.
 * Return: 0; -EINVAL for an index out of range; -ENOMEM; -EIO if the
 * page's swap copy is lost (until aobj_put(AOBJ_PUT_FREE) over it).
 */
int aobj_get(struct aobj *obj, pgoff_t index, struct folio **foliop)
{
	return min(__aobj_get(obj, index, foliop, true), 0);
}
EXPORT_SYMBOL_GPL(aobj_get);

/*
 * aobj_fault_get: aobj_get() for the fault handler, which must tell a
 * major fault (the page was read from swap) from a minor one.
 * => nothing locked; may sleep.
 * Return: as aobj_get(), but AOBJ_GOT_SWAPIN after a read from swap.
 */
int aobj_fault_get(struct aobj *obj, pgoff_t index, struct folio **foliop)
{
	return __aobj_get(obj, index, foliop, true);
}

/*
 * aobj_put_free: drop the pages and swap copies of [start, end).
 * Unlike the seed, which only deactivates pages of an object with several
 * references, this frees them whoever maps them: the mappings are revoked
 * first, so the range reads as zeros afterwards for everyone.
 *
 * => obj must be locked.
 */
static void aobj_put_free(struct aobj *obj, pgoff_t start, pgoff_t end)
{
	pgoff_t index = start, si = start;
	struct folio *folio;
	bool resync = true;

	lockdep_assert_held(&obj->lock);
	unmap_mapping_range(aobj_mapping(obj), (loff_t)start << PAGE_SHIFT,
			    (loff_t)(end - start) << PAGE_SHIFT, 1);

	/*
	 * Visit, in index order, every page that is resident or has a slot.
	 * si, the next page with a slot, only moves when index passes it: a
	 * slot can appear behind it only while the lock was dropped, for a
	 * page at or past index.
	 */
	while (index < end) {
		pgoff_t fi = index;

		if (si < index || resync) {
			resync = false;
			si = index;
			if (!aobj_swmap_next(&obj->swmap, SWSLOT_BAD, INT_MAX,
					     &si, end - 1))
				si = end;
		}
		folio = xa_find(aobj_folios(obj), &fi, end - 1, XA_PRESENT);
		if (!folio)
			fi = end;
		index = min(fi, si);
		if (index >= end)
			break;
		if (fi == index && !folio_trylock(folio)) {
			/* Sleeps unlocked: slots may have moved meanwhile. */
			resync = true;
			if (!aobj_lock_folio(obj, index, folio))
				continue;
		}
		/* Drop the slot first: a resident page is not swap-only. */
		aobj_dropswap(obj, index);
		if (fi == index)
			aobj_remove_folio(obj, index, folio);
		index++;
		cond_resched();
	}
}

/*
 * aobj_put_deactivate: move the resident pages of [start, end) to the
 * inactive end of the LRU.
 * => obj must be locked.
 */
static void aobj_put_deactivate(struct aobj *obj, pgoff_t start, pgoff_t end)
{
	struct folio *folio;
	unsigned long index;

	lockdep_assert_held(&obj->lock);
	xa_for_each_range(aobj_folios(obj), index, folio, start, end - 1)
		aobj_lru_deactivate(obj, folio);
}

/**
 * aobj_put - flush the pages of [@start, @end) (the seed's uao_put)
 * @obj: the object
 * @start: first page index
 * @end: page index past the range; clamped to the object's size
 * @flags: one of AOBJ_PUT_FREE, AOBJ_PUT_DEACTIVATE, AOBJ_PUT_CLEAN
 *
 * FREE drops the pages and their swap copies: the range reads as zeros.
 * DEACTIVATE makes the pages the first candidates for pageout.  CLEAN
 * writes the dirty pages to swap now and leaves them resident and clean.
 *
 * => nothing locked; may sleep.
 * Return: 0, -EINVAL for bad flags, or for CLEAN an error of the writes
 * (-ENOSPC without swap).
 */
int aobj_put(struct aobj *obj, pgoff_t start, pgoff_t end, unsigned int flags)
{
	int err = 0;

	if (flags != AOBJ_PUT_FREE && flags != AOBJ_PUT_DEACTIVATE &&
	    flags != AOBJ_PUT_CLEAN)
		return -EINVAL;
	end = min_t(pgoff_t, end, obj->pages);
	if (start >= end)
		return 0;

	switch (flags) {
	case AOBJ_PUT_FREE:
		aobj_lock(obj);
		aobj_put_free(obj, start, end);
		aobj_unlock(obj);
		break;
	case AOBJ_PUT_DEACTIVATE:
		aobj_lock(obj);
		aobj_put_deactivate(obj, start, end);
		aobj_unlock(obj);
		break;
	case AOBJ_PUT_CLEAN:
		err = aobj_clean_range(obj, start, end);
		break;
	}
	return err;
}
EXPORT_SYMBOL_GPL(aobj_put);

/**
 * aobj_read_stats - read the module-wide counters
 * @st: out
 *
 * => any context.
 */
void aobj_read_stats(struct aobj_stats *st)
{
	st->objects = atomic_long_read(&aobj_counters.objects);
	st->resident = atomic_long_read(&aobj_counters.resident);
	st->swpgonly = atomic_long_read(&aobj_counters.swpgonly);
	st->faults_resident = atomic_long_read(&aobj_counters.faults_resident);
	st->faults_zero = atomic_long_read(&aobj_counters.faults_zero);
	st->faults_swapin = atomic_long_read(&aobj_counters.faults_swapin);
	st->pageouts = atomic_long_read(&aobj_counters.pageouts);
	st->pageins = atomic_long_read(&aobj_counters.pageins);
	st->io_errors = atomic_long_read(&aobj_counters.io_errors);
	st->bad_slots = atomic_long_read(&aobj_counters.bad_slots);
}
EXPORT_SYMBOL_GPL(aobj_read_stats);

/**
 * aobj_walk_objects - call @walk->visit on every object, with a reference held
 * @walk: its visit() returns non-zero to stop the walk with that value
 *
 * The seed's uao_swap_off() walk: the list lock is dropped while visit() runs,
 * and the walk survives objects leaving the list meanwhile, because the
 * reference keeps the current object (and so its place on the list).
 *
 * => nothing locked; may sleep.
 */
int aobj_walk_objects(struct aobj_walk *walk)
{
	struct aobj *obj, *prev = NULL;
	int err = 0;

	mutex_lock(&aobj_list_lock);
	list_for_each_entry(obj, &aobj_list, list) {
		if (!kref_get_unless_zero(&obj->ref))
			continue;
		mutex_unlock(&aobj_list_lock);
		if (prev)
			aobj_detach(prev);
		prev = obj;
		err = walk->visit(obj, walk);
		mutex_lock(&aobj_list_lock);
		if (err)
			break;
	}
	mutex_unlock(&aobj_list_lock);
	if (prev)
		aobj_detach(prev);
	return err;
}

/* Most pages swapoff reads with one bio: as many as one bio holds. */
#define AOBJ_PAGEIN_BATCH	BIO_MAX_VECS

struct aobj_pagein_ctx {
	struct aobj_walk walk;
	int start;
	int end;
	u64 lost;
	struct folio **batch;	/* AOBJ_PAGEIN_BATCH entries, or NULL */
	pgoff_t single_until;	/* page by page below, after a read error */
};

/* A run of consecutive slots to give back in one call. */
struct aobj_slot_run {
	int start;
	int n;
};

static void aobj_slot_run_flush(struct aobj_slot_run *run)
{
	if (run->n)
		aobj_swap_free(run->start, run->n);
	run->n = 0;
}

static void aobj_slot_run_add(struct aobj_slot_run *run, int slot)
{
	if (run->n && slot != run->start + run->n)
		aobj_slot_run_flush(run);
	if (!run->n)
		run->start = slot;
	run->n++;
}

/*
 * aobj_pagein_resident: the page at @index is resident and locked, and its
 * slot is being drained: memory now holds the only copy.  The slot goes to
 * @run.
 * => obj must be locked.
 */
static void aobj_pagein_resident(struct aobj *obj, pgoff_t index,
				 struct folio *folio, struct aobj_slot_run *run)
{
	int slot;

	lockdep_assert_held(&obj->lock);
	folio_mark_dirty(folio);
	slot = aobj_swmap_set(&obj->swmap, index, 0);
	if (slot > 0)
		aobj_slot_run_add(run, slot);
	aobj_lru_deactivate(obj, folio);
	folio_unlock(folio);
}

/*
 * aobj_pagein_batch: read the page at @index, not resident, and the
 * non-resident pages that follow it on consecutive slots, up to
 * AOBJ_PAGEIN_BATCH, with one bio, and take them over as
 * aobj_pagein_resident() does.  Only as far as memory is at hand and the
 * resident limit leaves room; anything else (no room, a read error) is
 * left to the caller's page-by-page path, which waits for room and marks
 * lost pages bad.
 *
 * => obj must be locked; it is unlocked during the read.
 * Return: the number of pages brought in (0: nothing done).
 */
static int aobj_pagein_batch(struct aobj *obj, pgoff_t index,
			     struct aobj_pagein_ctx *ctx,
			     struct aobj_slot_run *run)
{
	struct folio **batch = ctx->batch;
	int slot, n, i, err;

	lockdep_assert_held(&obj->lock);
	slot = aobj_swmap_find(&obj->swmap, index);
	if (!batch || slot <= 0 || index < ctx->single_until)
		return 0;
	n = aobj_grab_swapped(obj, index, slot, ctx->end, batch, 0,
			      AOBJ_PAGEIN_BATCH);
	if (!n)
		return 0;

	aobj_slot_run_flush(run);
	aobj_unlock(obj);
	err = aobj_swap_read(batch, slot, n);
	aobj_lock(obj);
	if (err) {
		/* The page-by-page path will tell which pages are lost. */
		aobj_count(io_errors);
		aobj_unread_abort(obj, index, batch, 0, n);
		ctx->single_until = index + n;
		return 0;
	}
	for (i = 0; i < n; i++) {
		folio_mark_uptodate(batch[i]);
		aobj_account(obj, 0, -1);
		aobj_pagein_resident(obj, index + i, batch[i], run);
	}
	aobj_count_add(pageins, n);
	return n;
}

/*
 * aobj_pagein: page in every page of @obj whose slot is in the context's
 * range (the seed's uao_pagein and uao_pagein_page): read it, make it
 * dirty and resident, release the slot.  A page that cannot be read is
 * marked bad by aobj_get() and counted as lost.  Runs of pages on
 * consecutive slots are read with one bio each (aobj_pagein_batch());
 * pages that are already resident are taken over where they are, and
 * the slots are freed by runs.
 *
 * => nothing locked; the caller holds a reference on @obj.
 */
static int aobj_pagein(struct aobj *obj, struct aobj_walk *walk)
{
	struct aobj_pagein_ctx *ctx = container_of(walk, struct aobj_pagein_ctx, walk);
	struct aobj_slot_run run = { };
	struct folio *folio;
	pgoff_t index = 0;
	int err = 0, nr;

	ctx->single_until = 0;
	aobj_lock(obj);
	while (aobj_swmap_next(&obj->swmap, ctx->start, ctx->end, &index,
			       ULONG_MAX)) {
		if (need_resched()) {
			aobj_slot_run_flush(&run);
			aobj_unlock(obj);
			cond_resched();
			aobj_lock(obj);
			continue;
		}
		folio = xa_load(aobj_folios(obj), index);
		if (folio && folio_trylock(folio)) {
			if (folio_test_uptodate(folio)) {
				aobj_pagein_resident(obj, index++, folio, &run);
				continue;
			}
			folio_unlock(folio);
		}
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		nr = aobj_pagein_batch(obj, index, ctx, &run);
		if (nr) {
			index += nr;
			continue;
		}
		aobj_slot_run_flush(&run);
		aobj_unlock(obj);
		err = min(__aobj_get(obj, index, &folio, false), 0);
		aobj_lock(obj);
		if (!err) {
			/* Unless a FREE took the slot while we were unlocked. */
			if (aobj_swmap_find(&obj->swmap, index) > 0)
				aobj_pagein_resident(obj, index, folio, &run);
			else
				folio_unlock(folio);
			folio_put(folio);
		} else if (err == -EIO) {
			/* aobj_get() marked the page bad. */
			ctx->lost++;
			err = 0;
		} else {
			break;
		}
		index++;
	}
	aobj_slot_run_flush(&run);
	aobj_unlock(obj);
	/* Out of room: the caller keeps the device in service. */
	return err == -ENOSPC ? -ENOMEM : err;
}

/**
 * aobj_swap_off - page in everything swapped to slots [@start, @end)
 * @start: first slot
 * @end: slot past the range
 * @lost: incremented by the number of pages that could not be read
 *
 * The seed's uao_swap_off().  The caller has stopped allocation from the
 * range.
 *
 * => nothing locked; sleeps.
 * Return: 0, -ENOMEM or -EINTR (the remaining pages stay swapped).
 */
int aobj_swap_off(int start, int end, u64 *lost)
{
	struct aobj_pagein_ctx ctx = {
		.walk.visit = aobj_pagein,
		.start = start,
		.end = end,
	};
	int err;

	/* Without it, pages come in by aobj_get()'s readahead windows. */
	ctx.batch = kmalloc_array(AOBJ_PAGEIN_BATCH, sizeof(*ctx.batch),
				  GFP_KERNEL | __GFP_NOWARN);
	err = aobj_walk_objects(&ctx.walk);
	kfree(ctx.batch);
	*lost += ctx.lost;
	return err;
}

struct aobj_lose_ctx {
	struct aobj_walk walk;
	int start;
	int end;
	u64 lost;
};

/*
 * aobj_lose: give up every slot of @obj in the context's range, whose
 * device is gone, without I/O.  A page that is not resident is lost: its
 * slot becomes SWSLOT_BAD and the old slot is retired.  A resident,
 * up-to-date page keeps its data: the slot is dropped and the page made
 * dirty, so that pageout writes it elsewhere.  A page that is locked (a
 * swap-in or a pageout under way, whose I/O to the dead device fails at
 * once) is left for the next pass: that I/O settles its slot.
 *
 * => nothing locked; the caller holds a reference on @obj.
 */
static int aobj_lose(struct aobj *obj, struct aobj_walk *walk)
{
	struct aobj_lose_ctx *ctx = container_of(walk, struct aobj_lose_ctx, walk);
	struct folio *folio;
	pgoff_t index = 0;
	int slot;

	aobj_lock(obj);
	while (aobj_swmap_next(&obj->swmap, ctx->start, ctx->end, &index,
			       ULONG_MAX)) {
		folio = xa_load(aobj_folios(obj), index);
		if (folio) {
			if (folio_trylock(folio)) {
				if (folio_test_uptodate(folio)) {
					folio_mark_dirty(folio);
					slot = aobj_swmap_set(&obj->swmap, index, 0);
					if (slot > 0)
						aobj_swap_free(slot, 1);
				}
				folio_unlock(folio);
			}
		} else {
			/* The slot exists: setting it allocates nothing. */
			slot = aobj_swmap_set(&obj->swmap, index, SWSLOT_BAD);
			if (slot > 0) {
				aobj_swap_lost(slot, 1);
				aobj_account(obj, 0, -1);
				ctx->lost++;
			}
		}
		index++;
		if (need_resched()) {
			aobj_unlock(obj);
			cond_resched();
			aobj_lock(obj);
		}
	}
	aobj_unlock(obj);
	return 0;
}

/**
 * aobj_swap_lose - give up slots [@start, @end) of a dead device
 * @start: first slot
 * @end: slot past the range
 * @lost: incremented by the number of pages lost
 *
 * One pass over every object (aobj_lose()).  The caller has stopped
 * allocation from the range and I/O to it; it calls again while slots of
 * the range are still in use (I/O that was in flight).
 *
 * => nothing locked; sleeps.
 */
void aobj_swap_lose(int start, int end, u64 *lost)
{
	struct aobj_lose_ctx ctx = {
		.walk.visit = aobj_lose,
		.start = start,
		.end = end,
	};

	aobj_walk_objects(&ctx.walk);
	*lost += ctx.lost;
}

/**
 * aobj_core_init - set up what objects need
 *
 * => nothing locked; may sleep.
 * Return: 0 or a negative errno.
 */
int aobj_core_init(void)
{
	int err;

	aobj_wq = alloc_workqueue("aobj", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!aobj_wq)
		return -ENOMEM;
	aobj_mnt = kern_mount(&aobj_fs_type);
	if (IS_ERR(aobj_mnt)) {
		err = PTR_ERR(aobj_mnt);
		goto err_wq;
	}
	return 0;

err_wq:
	destroy_workqueue(aobj_wq);
	return err;
}

/**
 * aobj_core_exit - tear down what aobj_core_init() set up
 *
 * The callers' references are gone and pageout is stopped
 * (aobj_pageout_exit()), but reclaim may have handed the release of the
 * last objects to aobj_wq: drain it before anything they use goes.
 *
 * => nothing locked; sleeps.
 */
void aobj_core_exit(void)
{
	struct aobj_stats st;

	drain_workqueue(aobj_wq);
	aobj_read_stats(&st);
	WARN(st.objects || st.resident || st.swpgonly,
	     "aobj: %ld objects, %ld resident and %ld swapped pages left at unload\n",
	     st.objects, st.resident, st.swpgonly);
	destroy_workqueue(aobj_wq);
	aobj_swap_exit();
	kern_unmount(aobj_mnt);
}
