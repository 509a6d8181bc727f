// SPDX-License-Identifier: GPL-2.0
/*
 * aobj objects: what an object is, apart from how its pages come and go
 * (the pager, aobj_core.c, and pageout, aobj_pageout.c).  From NetBSD's
 * uvm_aobj.c: uao_create, uao_reference, uao_detach, uao_free,
 * uao_dropswap and uao_list (see aobj_core.c for the whole map).
 *
 *   - lifetime: aobj_init(), aobj_create(), aobj_reference(), aobj_detach(),
 *     aobj_detach_async() and the release work on aobj_wq;
 *   - the object list and aobj_walk_objects();
 *   - the pseudo filesystem that gives each object an inode, whose
 *     address_space holds its pages and links its user mappings;
 *   - a page entering and leaving an object: aobj_insert_folio(),
 *     aobj_remove_folio(), aobj_lock_folio();
 *   - the LRU lists and their add/del/deactivate helpers;
 *   - aobj_account(), aobj_dropswap(), the counters and aobj_read_stats();
 *   - the memory cgroup of an object: aobj_memcg_attach(),
 *     aobj_memcg_detach(), aobj_folio_alloc() and aobj_memcg_lru, whose
 *     shrinker is pageout's (aobj_pageout_init() sets the list up).
 *
 * Place in the module: calls only aobj_swap.c (a page leaving gives back
 * its slot) and aobj_swmap.c below it; called by aobj_pageout.c,
 * aobj_core.c, aobj_rw.c and aobj_dev.c.  It calls nothing above it but
 * the callbacks its callers hand in: @walk->visit of aobj_walk_objects()
 * and the embedder's obj->ops->release.
 *
 * Lock order (the locks live here): mmap_lock -> folio lock -> obj->lock
 * -> aobj_lru_lock.  obj->lock is never held while sleeping on a folio
 * lock: a holder of a folio lock (a fault, a swap-in, a pageout) may need
 * obj->lock to finish.  aobj_list_lock is taken before obj->lock.
 * aobj_swapon_lock (aobj_swap.c) is taken before aobj_list_lock: swapoff
 * and a dead device's work walk the objects with it held.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs_context.h>
#include <linux/list_lru.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/pseudo_fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "aobj.h"
#include "aobj_internal.h"
#include "aobj_swap.h"

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
void aobj_lru_deactivate(struct aobj *obj, struct folio *folio)
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
 * NOSWAP pages are charged like the others, but nothing can reclaim them:
 * a cgroup filled with them up to its limit has room for nothing else of
 * its tasks, whose next charge (a page table, an anon page, the creds of
 * a core dump) calls the cgroup's OOM killer.  So each cgroup with NOSWAP
 * objects in its subtree has a count of their resident pages, which
 * aobj_noswap_at_limit() keeps AOBJ_MEMCG_MARGIN below the limit.  What
 * else is charged there is the kernel's to reclaim when a NOSWAP page is
 * charged; only the NOSWAP pages are counted against the margin.
 *
 * An entry lives while NOSWAP objects below its cgroup are attached,
 * and those keep the cgroup (a css reference on theirs, which holds its
 * parents): the mem_cgroup pointer is its key.
 */
struct aobj_noswap_cg {
	struct list_head list;		/* on aobj_noswap_cgs */
	struct mem_cgroup *memcg;
	atomic_long_t pages;		/* resident NOSWAP pages of its subtree */
	unsigned int objects;		/* aobj_noswap_mutex: NOSWAP objects below */
};

/*
 * aobj_account: adjust the resident and swap-only page counts.
 * => obj must be locked.
 */
void aobj_account(struct aobj *obj, long resident, long swpgonly)
{
	lockdep_assert_held(&obj->lock);
	obj->nr_resident += resident;
	atomic_long_add(resident, &aobj_counters.resident);
	if (obj->flags & AOBJ_NOSWAP) {
		struct aobj_memcg_link *link = obj->memcg_link;
		unsigned int i;

		atomic_long_add(resident, &aobj_counters.resident_noswap);
		for (i = 0; resident && link && i < link->noswap_depth; i++)
			atomic_long_add(resident, &link->noswap[i]->pages);
	}
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
 * unmounted in aobj_object_exit(), before the module's code goes away.
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
	obj->pageout_hand = 0;
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
	err = aobj_memcg_attach(obj);
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
	aobj_memcg_detach(obj);
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
int aobj_insert_folio(struct aobj *obj, pgoff_t index, struct folio *folio)
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
	st->io_timeouts = atomic_long_read(&aobj_counters.io_timeouts);
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

/*
 * Made on the first object, not at module init: kmem_cache_create() dumps
 * the stack when it fails, and init must fail cleanly.
 */
static struct kmem_cache *aobj_memcg_link_cache;
static DEFINE_MUTEX(aobj_memcg_link_mutex);
/*
 * Every object's struct aobj_memcg_link, on its cgroup's list.  Set up,
 * with aobj's shrinker, by aobj_pageout_init(), which reads the lists.
 */
struct list_lru aobj_memcg_lru;

/**
 * aobj_folio_alloc - allocate a page for @obj, charged to its cgroup
 * @obj: the object
 * @gfp: allocation flags; __GFP_ACCOUNT is added
 *
 * => any context @gfp allows.
 * Return: the folio, or NULL.
 */
struct folio *aobj_folio_alloc(struct aobj *obj, gfp_t gfp)
{
	struct mem_cgroup *old = set_active_memcg(obj->memcg);
	struct folio *folio = folio_alloc(gfp | __GFP_ACCOUNT, 0);

	set_active_memcg(old);
	return folio;
}

static LIST_HEAD(aobj_noswap_cgs);
static DEFINE_MUTEX(aobj_noswap_mutex);

/* Drop @link's first @n entries.  => aobj_noswap_mutex held. */
static void aobj_noswap_put(struct aobj_memcg_link *link, unsigned int n)
{
	lockdep_assert_held(&aobj_noswap_mutex);
	while (n--) {
		struct aobj_noswap_cg *cg = link->noswap[n];

		if (!--cg->objects) {
			WARN_ON_ONCE(atomic_long_read(&cg->pages));
			list_del(&cg->list);
			kfree(cg);
		}
	}
}

/*
 * aobj_noswap_attach: count a new NOSWAP object's pages in its cgroup and
 * every cgroup above it but the root (which has no limit).
 * => nothing locked; may sleep.  Return: 0 or -ENOMEM.
 */
static int aobj_noswap_attach(struct aobj_memcg_link *link,
			      struct mem_cgroup *memcg)
{
	struct mem_cgroup *pos;
	unsigned int depth = 0, i;

	for (pos = memcg; pos && pos->css.parent; pos = parent_mem_cgroup(pos))
		depth++;
	if (!depth)
		return 0;
	link->noswap = kcalloc(depth, sizeof(*link->noswap), GFP_KERNEL_ACCOUNT);
	if (!link->noswap)
		return -ENOMEM;

	mutex_lock(&aobj_noswap_mutex);
	for (i = 0, pos = memcg; i < depth; i++, pos = parent_mem_cgroup(pos)) {
		struct aobj_noswap_cg *cg;

		list_for_each_entry(cg, &aobj_noswap_cgs, list)
			if (cg->memcg == pos)
				goto found;
		cg = kzalloc(sizeof(*cg), GFP_KERNEL);
		if (!cg) {
			aobj_noswap_put(link, i);
			mutex_unlock(&aobj_noswap_mutex);
			kfree(link->noswap);
			link->noswap = NULL;
			return -ENOMEM;
		}
		cg->memcg = pos;
		list_add(&cg->list, &aobj_noswap_cgs);
found:
		cg->objects++;
		link->noswap[i] = cg;
	}
	link->noswap_depth = depth;
	mutex_unlock(&aobj_noswap_mutex);
	return 0;
}

/**
 * aobj_noswap_at_limit - may NOSWAP object @obj not take another page?
 * @obj: a NOSWAP object
 *
 * It may not once the NOSWAP pages of its cgroup, or of a cgroup above
 * it, come within AOBJ_MEMCG_MARGIN of that cgroup's memory.max or
 * memory.high.  A removed cgroup limits nothing: its charges went to its
 * parent, whose own limit holds.
 *
 * => any context.
 */
bool aobj_noswap_at_limit(struct aobj *obj)
{
	struct aobj_memcg_link *link = obj->memcg_link;
	unsigned int i;

	for (i = 0; link && i < link->noswap_depth; i++) {
		struct aobj_noswap_cg *cg = link->noswap[i];
		unsigned long limit;

		if (!mem_cgroup_online(cg->memcg))
			continue;
		limit = min(READ_ONCE(cg->memcg->memory.max),
			    READ_ONCE(cg->memcg->memory.high));
		if (limit != PAGE_COUNTER_MAX &&
		    atomic_long_read(&cg->pages) + 1 + AOBJ_MEMCG_MARGIN(limit) > limit)
			return true;
	}
	return false;
}

/**
 * aobj_memcg_attach - charge @obj's pages to the current task's cgroup
 * @obj: a new object, not yet on the global list
 *
 * Puts the object on its cgroup's list, so that reclaim in that cgroup
 * calls aobj's shrinker.
 *
 * => nothing locked; may sleep.
 * Return: 0 or -ENOMEM.
 */
int aobj_memcg_attach(struct aobj *obj)
{
	/* Pairs with the release below: a cache seen is a cache made. */
	struct kmem_cache *cache = smp_load_acquire(&aobj_memcg_link_cache);
	struct aobj_memcg_link *link = NULL;
	struct mem_cgroup *old;

	if (!cache) {
		mutex_lock(&aobj_memcg_link_mutex);
		cache = aobj_memcg_link_cache;
		if (!cache) {
			cache = KMEM_CACHE(aobj_memcg_link, SLAB_ACCOUNT);
			/* Pairs with the acquire above. */
			smp_store_release(&aobj_memcg_link_cache, cache);
		}
		mutex_unlock(&aobj_memcg_link_mutex);
	}
	obj->memcg = get_mem_cgroup_from_mm(NULL);
	old = set_active_memcg(obj->memcg);
	if (cache)
		link = kmem_cache_alloc_lru(cache, &aobj_memcg_lru,
					    GFP_KERNEL_ACCOUNT);
	set_active_memcg(old);
	if (!link) {
		mem_cgroup_put(obj->memcg);
		obj->memcg = NULL;
		return -ENOMEM;
	}
	INIT_LIST_HEAD(&link->node);
	link->obj = obj;
	link->noswap = NULL;
	link->noswap_depth = 0;
	if ((obj->flags & AOBJ_NOSWAP) && aobj_noswap_attach(link, obj->memcg)) {
		kmem_cache_free(cache, link);
		mem_cgroup_put(obj->memcg);
		obj->memcg = NULL;
		return -ENOMEM;
	}
	obj->memcg_link = link;
	list_lru_add_obj(&aobj_memcg_lru, &link->node);
	return 0;
}

/**
 * aobj_memcg_detach - undo aobj_memcg_attach()
 * @obj: an object whose pages are all gone
 *
 * => nothing locked.
 */
void aobj_memcg_detach(struct aobj *obj)
{
	struct aobj_memcg_link *link = obj->memcg_link;

	if (link->noswap_depth) {
		mutex_lock(&aobj_noswap_mutex);
		aobj_noswap_put(link, link->noswap_depth);
		mutex_unlock(&aobj_noswap_mutex);
		kfree(link->noswap);
	}
	list_lru_del_obj(&aobj_memcg_lru, &obj->memcg_link->node);
	kmem_cache_free(aobj_memcg_link_cache, obj->memcg_link);
	mem_cgroup_put(obj->memcg);
}

/*
 * aobj_memcg_destroy: free the cache of the cgroup list entries, once
 * every object is gone (aobj_pageout_destroy(), after aobj_memcg_lru).
 * => nothing locked.
 */
void aobj_memcg_destroy(void)
{
	kmem_cache_destroy(aobj_memcg_link_cache);
	aobj_memcg_link_cache = NULL;
}

/**
 * aobj_object_init - set up what objects need
 *
 * => nothing locked; may sleep.
 * Return: 0 or a negative errno.
 */
int aobj_object_init(void)
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
 * aobj_object_exit - tear down what aobj_object_init() set up
 *
 * The callers' references are gone and pageout is stopped
 * (aobj_pageout_exit()), but reclaim may have handed the release of the
 * last objects to aobj_wq: drain it before anything they use goes.
 * Every object is gone on return, and with them every slot in use.
 *
 * => nothing locked; sleeps.
 */
void aobj_object_exit(void)
{
	struct aobj_stats st;

	drain_workqueue(aobj_wq);
	aobj_read_stats(&st);
	WARN(st.objects || st.resident || st.swpgonly ||
	     atomic_long_read(&aobj_counters.resident_noswap),
	     "aobj: %ld objects, %ld resident (%ld NOSWAP) and %ld swapped pages left at unload\n",
	     st.objects, st.resident,
	     atomic_long_read(&aobj_counters.resident_noswap), st.swpgonly);
	destroy_workqueue(aobj_wq);
	kern_unmount(aobj_mnt);
}
