// SPDX-License-Identifier: GPL-2.0
/*
 * aobj pageout: the pagedaemon's work on aobj pages.
 *
 * Two things drive it: kernel memory pressure, through a shrinker, and the
 * max_resident_mb limit, through a worker that pages out from a high
 * watermark (limit - limit/32) down to a low one (limit - limit/16).  A
 * fault past the high watermark pages out a cluster itself first (direct
 * pageout); at the limit, when all it sees is busy, it waits for the
 * worker.  The limit is of the pages pageout can take: NOSWAP pages are
 * locked memory (RLIMIT_MEMLOCK, the memory cgroup), outside it.
 *
 * Victims come from the tail of the inactive list; a page referenced since
 * it got there goes back to the active list (second chance), and so does
 * one whose mappings show a use (aobj_pageout_cluster()).  A victim is
 * paged out together with other inactive pages of its object, up to
 * AOBJ_PAGEOUT_CLUSTER, in one bio to contiguous slots.  Before a
 * page is written every user mapping of it is revoked; a clean page whose
 * swap copy is valid (or which was never written: it is all zeros) is
 * dropped without I/O.  Pages of NOSWAP objects are never on the lists;
 * pages in an mlock()ed mapping and pages pinned by someone are skipped.
 *
 * Memory cgroups.  An object's pages are charged, as kernel memory
 * (__GFP_ACCOUNT), to the memory cgroup of the task that created it
 * (obj->memcg), whoever faults them in: memory.current, memory.max,
 * memory.high and memory.reclaim see them, as "kernel" in memory.stat.
 * The kernel reclaims kernel memory of a cgroup only through memcg-aware
 * shrinkers, for cgroups whose shrinker bit is set, and the one exported
 * way to set it is list_lru_add(): every object is on aobj_memcg_lru, in
 * its cgroup's list.  A call of the shrinker for a cgroup counts the
 * resident pages of the cgroup's objects, and pages out from the
 * inactive list the pages of objects in the cgroup or below it.  A call
 * for the root cgroup (global reclaim, or no memory cgroups) takes any
 * page, as pageout did before cgroups.  An object's link to its cgroup
 * (aobj_memcg_attach(), aobj_folio_alloc()) and aobj_memcg_lru itself are
 * the object layer's (aobj_object.c); the list is set up here, with the
 * shrinker it belongs to.
 *
 * Place in the module: calls only aobj_object.c, aobj_swap.c and
 * aobj_swmap.c below it; called by aobj_core.c (room for a page, a page
 * allocated with pageout before OOM, AOBJ_PUT_CLEAN) and aobj_dev.c
 * (init and exit).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/visibility.h>
#include <linux/fs.h>
#include <linux/list_lru.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/notifier.h>
#include <linux/oom.h>
#include <linux/pagemap.h>
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/swap.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "aobj_internal.h"
#include "aobj_swap.h"
#include "aobj_trace.h"

#define AOBJ_PAGEOUT_CLUSTER	32
#define AOBJ_LRU_REFILL		256
/* How far from the inactive tail a cluster is gathered. */
#define AOBJ_PAGEOUT_LOOKAHEAD	(4 * AOBJ_PAGEOUT_CLUSTER)
/*
 * Clusters a scan may send back to the active list as used, when they
 * freed nothing, before it takes used pages all the same
 * (aobj_aging_rounds()): one refill's worth, and for a cgroup at its
 * limit at most AOBJ_AGING_MAX (32768 pages).
 */
#define AOBJ_AGING_ROUNDS	(AOBJ_LRU_REFILL / AOBJ_PAGEOUT_CLUSTER)
#define AOBJ_AGING_MAX		1024

static struct work_struct aobj_pageout_work;
static struct work_struct aobj_oom_work;
static DECLARE_WAIT_QUEUE_HEAD(aobj_pageout_wait);
/* Completed worker passes, and what the last one freed. */
static unsigned long aobj_pageout_gen;
static unsigned long aobj_pageout_last;
static struct shrinker *aobj_shrinker;

/* How far pageout for a cgroup looks along a list for the cgroup's pages. */
#define AOBJ_MEMCG_LOOKAHEAD	1024

static unsigned int max_resident_mb;
/* The worker may be queued; under kernel_param_lock(THIS_MODULE). */
static bool aobj_pageout_live;

/* => kernel_param_lock(THIS_MODULE) held (by the sysfs store). */
static int aobj_set_max_resident(const char *val, const struct kernel_param *kp)
{
	int err = param_set_uint(val, kp);

	if (!err && aobj_pageout_live)
		queue_work(aobj_wq, &aobj_pageout_work);
	return err;
}

static const struct kernel_param_ops aobj_max_resident_ops = {
	.set = aobj_set_max_resident,
	.get = param_get_uint,
};
module_param_cb(max_resident_mb, &aobj_max_resident_ops, &max_resident_mb, 0644);
MODULE_PARM_DESC(max_resident_mb, "Resident limit of all objects but NOSWAP ones, in MiB (0: none)");

static unsigned long aobj_limit_pages(void)
{
	return (unsigned long)READ_ONCE(max_resident_mb) << (20 - PAGE_SHIFT);
}

/* Resident pages that pageout could take (not NOSWAP): the limit's. */
static unsigned long aobj_resident(void)
{
	long n = atomic_long_read(&aobj_counters.resident) -
		 atomic_long_read(&aobj_counters.resident_noswap);

	return n > 0 ? n : 0;
}

/**
 * aobj_resident_room - may @n more pages become resident without pageout?
 * @n: number of pages
 *
 * => any context.
 */
bool aobj_resident_room(unsigned long n)
{
	unsigned long limit = aobj_limit_pages();

	return !limit || aobj_resident() + n < limit - limit / 32;
}

/* Is this the OOM worker (aobj_oom_worker())? */
static bool aobj_in_oom_worker(void)
{
	return current_work() == &aobj_oom_work;
}

/* The OOM worker's: wait for object locks (aobj_pageout_cluster()). */
static bool aobj_oom_wait_locks;

/*
 * aobj_write_pages: write @n locked, unmapped pages to fresh slots, record
 * the slots, and release the old ones.  Unless @keep, the written pages
 * leave the object.  A write error retires the slots and leaves the pages
 * resident and dirty.  A page that may be pinned for DMA (io_uring fixed
 * buffers, RDMA, vfio) stays dirty: whatever is written through the pin
 * after this write is seen by no dirty bit, so its swap copy can never be
 * trusted to replace it.
 *
 * => obj must be locked.  It is unlocked during the I/O, except in memory
 *    reclaim (PF_MEMALLOC): reclaim only trylocks objects.  A holder of an
 *    object lock can be waiting for memory (a NOIO allocation, which no
 *    OOM kill helps), and kswapd must not sleep behind it.  The folios
 *    are locked; they are unlocked (or released) on return.
 * Return: pages written; *@errp (if not NULL) is set to the error that
 * kept some page from being written (-ENOSPC, -EIO or -ENOMEM), else 0.
 */
static int aobj_write_pages(struct aobj *obj, struct folio **folios,
			    pgoff_t *idx, int n, bool keep, int *errp)
{
	bool unlock = !(current->flags & PF_MEMALLOC);
	int i, done = 0, written = 0, err = 0;

	lockdep_assert_held(&obj->lock);
	while (done < n) {
		int nr = n - done;
		int slot = aobj_swap_alloc(&nr);

		if (!slot) {
			err = -ENOSPC;
			break;
		}
		for (i = done; i < done + nr; i++)
			if (!folio_maybe_dma_pinned(folios[i]))
				folio_clear_dirty(folios[i]);
		if (unlock)
			aobj_unlock(obj);
		err = aobj_swap_write(folios + done, slot, nr);
		trace_aobj_pageout(obj, idx[done], slot, nr, err);
		if (unlock)
			aobj_lock(obj);
		if (err) {
			aobj_count(io_errors);
			aobj_swap_markbad(slot, nr);
			for (i = done; i < done + nr; i++)
				folio_mark_dirty(folios[i]);
			break;
		}
		for (i = done; i < done + nr; i++) {
			int old = aobj_swmap_set(&obj->swmap, idx[i],
						 slot + i - done);

			if (old == -ENOMEM) {
				aobj_swap_free(slot + i - done, 1);
				folio_mark_dirty(folios[i]);
				err = -ENOMEM;
				continue;
			}
			if (old > 0)
				aobj_swap_free(old, 1);
			written++;
			aobj_count(pageouts);
			if (!keep) {
				aobj_remove_folio(obj, idx[i], folios[i]);
				aobj_account(obj, 0, 1);
				folios[i] = NULL;
			}
		}
		done += nr;
	}
	for (i = 0; i < n; i++)
		if (folios[i])
			folio_unlock(folios[i]);
	if (errp)
		*errp = err;
	return written;
}

static int aobj_cmp_index(const void *a, const void *b)
{
	const struct folio *fa = *(struct folio * const *)a;
	const struct folio *fb = *(struct folio * const *)b;

	return fa->index < fb->index ? -1 : fa->index > fb->index;
}

/*
 * aobj_lru_keep: an inactive page that must not go now goes back to the
 * active list: one referenced since it got there (second chance), or one
 * in an mlock()ed mapping (PG_mlocked, set by mlock_vma_folio() when it is
 * mapped there).  mlocked pages must not stay on the inactive list, where
 * they would be all that pageout finds; on the active list they age like
 * the others, and come back once munlock() cleared PG_mlocked.
 * => aobj_lru_lock must be held.
 * Return: true if @folio went back to the active list.
 */
static bool aobj_lru_keep(struct folio *folio)
{
	lockdep_assert_held(&aobj_lru_lock);
	if (!folio_test_clear_referenced(folio) && !folio_test_mlocked(folio))
		return false;
	list_move(&folio->lru, &aobj_lru_active);
	return true;
}

/*
 * aobj_lru_refill: move the oldest active pages to the inactive list.
 * => aobj_lru_lock must be held.
 */
static void aobj_lru_refill(void)
{
	int n;

	lockdep_assert_held(&aobj_lru_lock);
	for (n = 0; n < AOBJ_LRU_REFILL && !list_empty(&aobj_lru_active); n++)
		list_move(aobj_lru_active.prev, &aobj_lru_inactive);
}

/*
 * aobj_reclaim_memcg: the cgroup that pageout for @memcg must keep to:
 * NULL (any page) for the root cgroup and without cgroups.
 */
static struct mem_cgroup *aobj_reclaim_memcg(struct mem_cgroup *memcg)
{
	return memcg && memcg->css.parent ? memcg : NULL;
}

/* May pageout for @memcg (not NULL) take @folio?  => aobj_lru_lock held. */
static bool aobj_folio_in_memcg(struct folio *folio, struct mem_cgroup *memcg)
{
	struct aobj *obj = folio->private;

	lockdep_assert_held(&aobj_lru_lock);
	return obj->memcg && mem_cgroup_is_descendant(obj->memcg, memcg);
}

/*
 * aobj_memcg_near: is @memcg, or a cgroup above it, within
 * AOBJ_MEMCG_MARGIN of its memory.max (with @high: or of its memory.high)?
 * Charges there fail (or are throttled).  A removed cgroup is skipped: its
 * charges went to its parent, and its own counter no longer goes down.
 * *@limited (if not NULL): whether any of them has such a limit.
 */
static bool aobj_memcg_near(struct mem_cgroup *memcg, bool high, bool *limited)
{
	if (limited)
		*limited = false;
	for (; memcg; memcg = parent_mem_cgroup(memcg)) {
		unsigned long limit = READ_ONCE(memcg->memory.max);

		if (high)
			limit = min(limit, READ_ONCE(memcg->memory.high));
		if (limit == PAGE_COUNTER_MAX || !mem_cgroup_online(memcg))
			continue;
		if (limited)
			*limited = true;
		if (page_counter_read(&memcg->memory) + AOBJ_MEMCG_MARGIN(limit) > limit)
			return true;
	}
	return false;
}

/* Is @memcg, or a cgroup above it, at its memory.max?  Charges there fail. */
static bool aobj_memcg_at_max(struct mem_cgroup *memcg)
{
	return aobj_memcg_near(memcg, false, NULL);
}

/*
 * aobj_lru_victim: the next page pageout looks at: the tail of the
 * inactive list (refilled from the active one when empty), or for a
 * cgroup the inactive page of the cgroup nearest the tail.  When the
 * inactive list has none near its tail, the cgroup's oldest active pages
 * move to the inactive tail first, as a refill does: the cgroup ages its
 * pages without touching other cgroups' pages.
 * => aobj_lru_lock must be held.
 * Return: the page, or NULL if there is none to take.
 */
static struct folio *aobj_lru_victim(struct mem_cgroup *memcg)
{
	struct folio *folio, *prev, *found = NULL;
	int looked = 0, moved = 0;

	lockdep_assert_held(&aobj_lru_lock);
	if (list_empty(&aobj_lru_inactive))
		aobj_lru_refill();
	if (list_empty(&aobj_lru_inactive) && list_empty(&aobj_lru_active))
		return NULL;
	if (!memcg)
		return list_last_entry(&aobj_lru_inactive, struct folio, lru);

	list_for_each_entry_reverse(folio, &aobj_lru_inactive, lru) {
		if (aobj_folio_in_memcg(folio, memcg))
			return folio;
		if (++looked == AOBJ_MEMCG_LOOKAHEAD)
			break;
	}
	looked = 0;
	list_for_each_entry_safe_reverse(folio, prev, &aobj_lru_active, lru) {
		if (moved == AOBJ_LRU_REFILL || looked++ == AOBJ_MEMCG_LOOKAHEAD)
			break;
		if (!aobj_folio_in_memcg(folio, memcg))
			continue;
		list_move_tail(&folio->lru, &aobj_lru_inactive);
		if (!found)
			found = folio;
		moved++;
	}
	return found;
}

/*
 * aobj_pageout_gather: lock up to AOBJ_PAGEOUT_CLUSTER inactive pages of
 * @obj, the one at @index first, then others of @obj from the tail of the
 * inactive list, whatever their index: NetBSD's pagedaemon builds swap
 * clusters the same way, so random writes still give one large write.
 * Pages taken are rotated to the head of the inactive list, so that one
 * which cannot go now does not come first again; referenced ones go to
 * the active list.  With @by_index (pageout for a cgroup whose pages are
 * not near the tails, aobj_memcg_victim()), @index is the first resident
 * page from the object's pageout hand on (round to the start), the run is
 * filled up with the resident pages that follow it, and the hand moves
 * past the last page looked at: the run's, unless pages from the inactive
 * tail filled it first.
 *
 * => obj must be locked.
 * Return: the number of pages locked into @run, sorted by index.
 */
static int aobj_pageout_gather(struct aobj *obj, pgoff_t index,
			       struct folio **run, bool by_index)
{
	struct folio *folio, *prev;
	int n = 0, looked = 0;

	lockdep_assert_held(&obj->lock);
	if (by_index) {
		/* The object's clock: from its pageout hand on, round to 0. */
		index = obj->pageout_hand;
		folio = xa_find(aobj_folios(obj), &index, ULONG_MAX, XA_PRESENT);
		if (!folio) {
			index = 0;
			folio = xa_find(aobj_folios(obj), &index, ULONG_MAX,
					XA_PRESENT);
		}
	} else {
		folio = xa_load(aobj_folios(obj), index);
	}
	if (folio && !folio_test_mlocked(folio) && folio_trylock(folio))
		run[n++] = folio;

	spin_lock(&aobj_lru_lock);
	list_for_each_entry_safe_reverse(folio, prev, &aobj_lru_inactive, lru) {
		if (n == AOBJ_PAGEOUT_CLUSTER ||
		    looked++ == AOBJ_PAGEOUT_LOOKAHEAD)
			break;
		/* On the lists with obj locked: a page of obj, not leaving. */
		if (folio->private != obj || (n && folio == run[0]))
			continue;
		if (aobj_lru_keep(folio))
			continue;
		list_move(&folio->lru, &aobj_lru_inactive);
		if (folio_trylock(folio))
			run[n++] = folio;
	}
	spin_unlock(&aobj_lru_lock);

	/* Filled up with the pages that follow @index, whatever their age. */
	for (looked = 0; by_index && n < AOBJ_PAGEOUT_CLUSTER &&
	     looked < 2 * AOBJ_PAGEOUT_CLUSTER; looked++) {
		int i;

		folio = xa_find_after(aobj_folios(obj), &index, ULONG_MAX, XA_PRESENT);
		if (!folio) {
			index = ULONG_MAX;	/* the hand goes round */
			break;
		}
		for (i = 0; i < n && run[i] != folio; i++)
			;
		if (i < n || folio_test_mlocked(folio) || !folio_trylock(folio))
			continue;
		run[n++] = folio;
	}
	if (by_index)
		obj->pageout_hand = index == ULONG_MAX ? 0 : index + 1;

	sort(run, n, sizeof(*run), aobj_cmp_index, NULL);
	return n;
}

/*
 * aobj_pageout_drop_locked: take out of @run (sorted by index) the pages
 * that an mlock()ed mapping covers, back to the active list.  PG_mlocked
 * alone does not tell: on a page off the kernel's LRU the first munlock()
 * or munmap() of any locked mapping clears it, although others may still
 * be locked.  The kernel's reclaim finds those again in its rmap walk
 * (try_to_unmap_one()); this walk over the object's mappings is ours.
 *
 * => obj must be locked; the pages of @run are locked.
 * Return: the number of pages left in @run.
 */
static int aobj_pageout_drop_locked(struct aobj *obj, struct folio **run,
				    int n)
{
	struct address_space *mapping = aobj_mapping(obj);
	struct vm_area_struct *vma;
	struct rb_node *node;
	int i, kept;

	lockdep_assert_held(&obj->lock);
	if (!n || !mapping_mapped(mapping))
		return n;
	i_mmap_lock_read(mapping);
	for (node = rb_first_cached(&mapping->i_mmap); node && n;
	     node = rb_next(node)) {
		vma = rb_entry(node, struct vm_area_struct, shared.rb);
		if (!(vma->vm_flags & VM_LOCKED))
			continue;
		for (i = 0, kept = 0; i < n; i++) {
			pgoff_t pgoff = run[i]->index;

			if (pgoff < vma->vm_pgoff ||
			    pgoff >= vma->vm_pgoff + vma_pages(vma)) {
				run[kept++] = run[i];
				continue;
			}
			spin_lock(&aobj_lru_lock);
			list_move(&run[i]->lru, &aobj_lru_active);
			spin_unlock(&aobj_lru_lock);
			folio_unlock(run[i]);
		}
		n = kept;
	}
	i_mmap_unlock_read(mapping);
	return n;
}

/*
 * aobj_pageout_cluster: page out the page at @index and a cluster of other
 * inactive pages of its object (aobj_pageout_gather(); with @by_index,
 * the pages from the object's pageout hand on instead of @index): revoke
 * their mappings, one call per run of consecutive indexes, drop the clean
 * ones, write the dirty ones to contiguous slots.
 *
 * Aging.  A use of a page through a mapping it is already in sets the
 * accessed bit of a PTE, which aobj cannot read: the kernel exports no
 * rmap walk (folio_referenced()).  But revoking a mapping hands that bit
 * over: zap_present_folio_ptes() calls folio_mark_accessed() for a young
 * PTE of a file folio, which sets PG_referenced.  So the pages of a
 * cluster are looked at again after their mappings are revoked, and one
 * found referenced goes back to the active list instead of out: it was
 * mapped since it was last looked at (on x86 a PTE is young from the
 * moment it is made, fault-around's included, so that is all a young PTE
 * tells); after that one round, only a new fault or use counts.  Its next
 * use faults (minor) and maps it again.  Without @age (a scan out of
 * aging rounds, and the OOM worker's) such pages go all the same.
 *
 * => nothing locked; the caller holds a reference on @obj.
 * Return: pages that left memory; *@aged: pages sent back to the active
 * list as used.
 */
static int aobj_pageout_cluster(struct aobj *obj, pgoff_t index, bool by_index,
				bool age, int *aged)
{
	struct address_space *mapping = aobj_mapping(obj);
	struct folio *run[AOBJ_PAGEOUT_CLUSTER];
	pgoff_t idx[AOBJ_PAGEOUT_CLUSTER];
	int i, j, n = 0, nr, freed = 0;

	*aged = 0;

	/*
	 * The OOM worker waits for the lock once a scan of trylocks freed
	 * nothing: a reclaimer keeps it over its write, and back-to-back
	 * reclaim writes of one large object would make every trylock
	 * fail.  Nothing else is held here, and the OOM notifier waits for
	 * the worker a bounded time.  (Not in reclaim the worker entered.)
	 */
	if (aobj_in_oom_worker() && !(current->flags & PF_MEMALLOC) &&
	    READ_ONCE(aobj_oom_wait_locks))
		aobj_lock(obj);
	else if (!aobj_trylock(obj))
		return 0;

	nr = aobj_pageout_gather(obj, index, run, by_index);
	nr = aobj_pageout_drop_locked(obj, run, nr);
	/*
	 * PG_active over the unmap: with the classic LRU, a second young PTE
	 * (a second mapping) would make folio_mark_accessed() clear the
	 * PG_referenced the first one set, on a folio that is not active.
	 * Our folios are never on the kernel's LRU; the flag is gone again
	 * before the folio lock is.
	 */
	for (i = 0; i < nr; i++)
		folio_set_active(run[i]);
	for (i = 0; i < nr && mapping_mapped(mapping); i = j) {
		for (j = i + 1; j < nr; j++)
			if (run[j]->index != run[j - 1]->index + 1)
				break;
		unmap_mapping_range(mapping, (loff_t)run[i]->index << PAGE_SHIFT,
				    (loff_t)(j - i) << PAGE_SHIFT, 1);
	}
	for (i = 0; i < nr; i++)
		folio_clear_active(run[i]);

	for (i = 0; i < nr; i++) {
		struct folio *folio = run[i];
		pgoff_t pgoff = folio->index;

		/*
		 * Pinned, or someone waits for it: in use.  It goes back to
		 * the active list, as the kernel's reclaim activates such
		 * folios: left on the inactive list, pages that cannot go
		 * would keep it from ever draining, and a refill (of an empty
		 * inactive list) from ever bringing the active pages to
		 * pageout.
		 */
		if (folio_mapped(folio) || folio_ref_count(folio) > 1) {
			spin_lock(&aobj_lru_lock);
			list_move(&folio->lru, &aobj_lru_active);
			spin_unlock(&aobj_lru_lock);
			folio_unlock(folio);
			continue;
		}
		/* A young PTE, handed over by the unmap above: in use. */
		if (age && folio_test_clear_referenced(folio)) {
			spin_lock(&aobj_lru_lock);
			list_move(&folio->lru, &aobj_lru_active);
			spin_unlock(&aobj_lru_lock);
			folio_unlock(folio);
			(*aged)++;
			continue;
		}
		if (!folio_test_dirty(folio)) {
			/* Its swap copy, or zeros if it has none, is what it holds. */
			int slot = aobj_swmap_find(&obj->swmap, pgoff);

			aobj_remove_folio(obj, pgoff, folio);
			if (slot > 0)
				aobj_account(obj, 0, 1);
			freed++;
			continue;
		}
		run[n] = folio;
		idx[n++] = pgoff;
	}
	if (n)
		freed += aobj_write_pages(obj, run, idx, n, false, NULL);
	aobj_unlock(obj);
	return freed;
}

/* Add up the pages pageout could take from one object of a cgroup's list. */
static enum lru_status aobj_memcg_count_one(struct list_head *item,
					    struct list_lru_one *list,
					    spinlock_t *lock, void *arg)
{
	struct aobj *obj = container_of(item, struct aobj_memcg_link, node)->obj;
	unsigned long *n = arg;

	if (!(obj->flags & AOBJ_NOSWAP))
		*n += READ_ONCE(obj->nr_resident);
	return LRU_SKIP;
}

/*
 * aobj_memcg_resident: the pages pageout could take from the objects
 * charged to @memcg itself; *@objs: how many objects it has.
 * Not NUMA aware (a shrinker's sc->nid is 0), but an entry is on the list
 * of the node its memory is on: all nodes are counted.
 * => nothing locked.
 */
static unsigned long aobj_memcg_resident(struct mem_cgroup *memcg,
					 unsigned long *objs)
{
	unsigned long n = 0, walk;
	int nid;

	*objs = 0;
	for_each_node(nid) {
		walk = list_lru_count_one(&aobj_memcg_lru, nid, memcg);
		*objs += walk;
		list_lru_walk_one(&aobj_memcg_lru, nid, memcg,
				  aobj_memcg_count_one, &n, &walk);
	}
	return n;
}

/*
 * aobj_aging_rounds: how many clusters found all in use a scan for @memcg
 * (NULL: any page) may send back to the active list before it takes used
 * pages all the same.
 *
 * For a cgroup at its limit, outside kswapd: enough for one pass over
 * its memory (memory.current, its own and its children's, aobj's and any
 * other, in clusters: a bound, not a count of aobj pages), from
 * AOBJ_AGING_ROUNDS up to AOBJ_AGING_MAX.  Its tasks pay for that
 * pageout (memcg reclaim, aobj_alloc_page() at its memory.max; global
 * direct reclaim by others too, which the shrinker cannot tell apart),
 * and what is at stake is its own working set: when that fills much of
 * the cgroup, few pages at the tail can go, and a clock over an object
 * (aobj_memcg_victim()) passes its hot set in one stretch.  A fixed
 * handful of rounds ran out within one call of reclaim, and the pages of
 * the next clusters went, used or not; with half a pass, a hot set of
 * half the cgroup still lost pages on every pass of the clock.  With one
 * pass, a scan that found every page in use takes the ones it sent back
 * first, as a clock's second pass would; the cap bounds the unmapping
 * one call may do.
 *
 * Otherwise (kswapd, global reclaim for a cgroup below its limits, the
 * resident limit) AOBJ_AGING_ROUNDS, no more than @nr_to_scan: the whole
 * machine is short of memory, and pages sent back free none of it.
 * (With a budget of half the resident pages there, test pressure hung:
 * while its 456 MiB object was read back in a 462 MiB machine, the OOM
 * worker waited over 240 s for an object lock, until the test was
 * killed.)
 * => nothing locked.
 */
static unsigned long aobj_aging_rounds(struct mem_cgroup *memcg,
				       unsigned long nr_to_scan)
{
	if (!memcg || current_is_kswapd() || !aobj_memcg_near(memcg, true, NULL))
		return min_t(unsigned long, nr_to_scan, AOBJ_AGING_ROUNDS);
	return clamp_t(unsigned long,
		       page_counter_read(&memcg->memory) / AOBJ_PAGEOUT_CLUSTER,
		       AOBJ_AGING_ROUNDS, AOBJ_AGING_MAX);
}

/* Take a reference on the first object of a cgroup's list with a page to go. */
static enum lru_status aobj_memcg_pick_one(struct list_head *item,
					   struct list_lru_one *list,
					   spinlock_t *lock, void *arg)
{
	struct aobj *obj = container_of(item, struct aobj_memcg_link, node)->obj;
	struct aobj **picked = arg;

	if (*picked)
		return LRU_STOP;
	if ((obj->flags & AOBJ_NOSWAP) || !READ_ONCE(obj->nr_resident) ||
	    !kref_get_unless_zero(&obj->ref))
		return LRU_SKIP;
	*picked = obj;
	return LRU_ROTATE;	/* the next call starts with another object */
}

/*
 * aobj_memcg_victim: when no page of @memcg is near the tails of the
 * lists (other cgroups' pages are older), take pages of an object of
 * @memcg, round robin over its objects: a cgroup at its limit must not
 * wait for the others' pages to age first, or be OOM-killed meanwhile.
 * In the object, pageout goes by its clock (aobj_pageout_gather() with
 * by_index): from the object's pageout hand on, which each cluster moves
 * past its pages, unmapping them and keeping those used since the hand
 * last passed (aobj_pageout_cluster()'s aging), as the lists would.
 * Starting from the first page each time took the same pages again and
 * again, used or not: a hot set at the start of an object went out on
 * every call.
 * => nothing locked.
 * Return: the object, with a reference, or NULL.
 */
static struct aobj *aobj_memcg_victim(struct mem_cgroup *memcg)
{
	struct aobj *obj = NULL;
	unsigned long walk;
	int nid;

	/* An entry is on the list of the node its memory is on. */
	for_each_node(nid) {
		if (obj)
			break;
		walk = list_lru_count_one(&aobj_memcg_lru, nid, memcg);
		list_lru_walk_one(&aobj_memcg_lru, nid, memcg,
				  aobj_memcg_pick_one, &obj, &walk);
	}
	return obj;
}

/*
 * aobj_pageout_scan: look at up to @nr_to_scan victims, stop once
 * @nr_to_free pages have left memory.  With @memcg, only pages charged to
 * it or to a cgroup below it.  A victim whose cluster only went back to
 * the active list as used through its mappings (aobj_pageout_cluster()'s
 * aging) does not count, up to aobj_aging_rounds() of them; after that
 * such pages go all the same, so that a scan frees what can go even when
 * every page was in use, and goes round the lists (for a cgroup at its
 * limit, over its pages) at most once.  The OOM worker does no aging.
 * => nothing locked; sleeps.
 * Return: pages that left memory.
 */
static unsigned long aobj_pageout_scan(unsigned long nr_to_scan,
				       unsigned long nr_to_free,
				       struct mem_cgroup *memcg)
{
	unsigned long freed = 0;
	unsigned long aging = aobj_aging_rounds(memcg, nr_to_scan);
	int n, aged;

	/* Out of memory: no unmapping of pages in use only to keep them. */
	if (aobj_in_oom_worker())
		aging = 0;

	for (; nr_to_scan && freed < nr_to_free; nr_to_scan--) {
		bool by_index = false;
		struct folio *folio;
		struct aobj *obj;
		pgoff_t index = 0;

		spin_lock(&aobj_lru_lock);
		folio = aobj_lru_victim(memcg);
		if (folio) {
			if (aobj_lru_keep(folio)) {
				spin_unlock(&aobj_lru_lock);
				continue;
			}
			/* Rotate, so that a page we cannot take now does not block. */
			list_move(&folio->lru, &aobj_lru_inactive);
			obj = folio->private;
			index = folio->index;
			if (!kref_get_unless_zero(&obj->ref)) {
				spin_unlock(&aobj_lru_lock);
				continue;
			}
			spin_unlock(&aobj_lru_lock);
		} else {
			spin_unlock(&aobj_lru_lock);
			/* The cgroup's pages are far from the tails. */
			obj = memcg ? aobj_memcg_victim(memcg) : NULL;
			if (!obj)
				break;
			by_index = true;
		}

		n = aobj_pageout_cluster(obj, index, by_index, aging, &aged);
		freed += n;
		aobj_detach_async(obj);
		if (!n && aged && aging) {
			aging--;
			nr_to_scan++;
		}
		cond_resched();
	}
	return freed;
}

/* The worker: from above the high watermark down to the low one. */
static void aobj_pageout_worker(struct work_struct *work)
{
	unsigned long limit = aobj_limit_pages();
	unsigned long low = limit - limit / 16;
	unsigned long freed = 0, n = 1;

	while (limit && n && aobj_resident() > low && aobj_swap_available()) {
		unsigned long want = aobj_resident() - low;

		/*
		 * Enough looks to go round both lists twice: a pass that
		 * frees nothing has seen every page, referenced ones twice.
		 */
		n = aobj_pageout_scan(2 * aobj_resident() + AOBJ_PAGEOUT_CLUSTER,
				      want, NULL);
		freed += n;
	}
	WRITE_ONCE(aobj_pageout_last, freed);
	WRITE_ONCE(aobj_pageout_gen, aobj_pageout_gen + 1);
	wake_up_all(&aobj_pageout_wait);
}

/* How long a fault waits at the limit while pageout makes no progress. */
#define AOBJ_RESERVE_PATIENCE	(5 * HZ)

/* Is there any page pageout could take?  => nothing locked. */
static bool aobj_lru_empty(void)
{
	bool empty;

	spin_lock(&aobj_lru_lock);
	empty = list_empty(&aobj_lru_active) && list_empty(&aobj_lru_inactive);
	spin_unlock(&aobj_lru_lock);
	return empty;
}

/**
 * aobj_reserve_page - make room for one more resident page
 *
 * From the high watermark on, the task that wants the page pages out a
 * cluster itself before it goes on, as memcg reclaim does for a task over
 * its limit: the writer is throttled by its own writes, and revoking the
 * mappings of its own pages flushes only its own TLB, where the worker on
 * another CPU interrupts it for every cluster.  When every page it looks
 * at is busy, it waits for the worker at the limit.  Pages may be busy for
 * a while (faults, I/O, a swapoff holding an object), so a fault gives up
 * only when nothing could ever be paged out (no swap device with room, no
 * page on the lists) or when pageout has freed nothing for
 * AOBJ_RESERVE_PATIENCE.
 *
 * => nothing locked (no object, no folio); sleeps.
 * Return: 0; -ENOSPC if the limit is reached and nothing can be paged out;
 * -EINTR on a fatal signal.
 */
int aobj_reserve_page(void)
{
	unsigned long limit = aobj_limit_pages(), gen, deadline;

	if (!limit)
		return 0;
	deadline = jiffies + AOBJ_RESERVE_PATIENCE;
	while (aobj_resident() + 1 >= limit - limit / 32) {
		if (!aobj_swap_available() || aobj_lru_empty()) {
			if (aobj_resident() < limit)
				return 0;
			goto full;
		}
		if (aobj_pageout_scan(AOBJ_PAGEOUT_LOOKAHEAD,
				      AOBJ_PAGEOUT_CLUSTER, NULL)) {
			deadline = jiffies + AOBJ_RESERVE_PATIENCE;
			continue;
		}
		/* All busy: below the limit, go on and let the worker try. */
		queue_work(aobj_wq, &aobj_pageout_work);
		if (aobj_resident() < limit)
			return 0;
		gen = READ_ONCE(aobj_pageout_gen);
		if (wait_event_killable(aobj_pageout_wait,
					aobj_resident() < limit ||
					READ_ONCE(aobj_pageout_gen) != gen))
			return -EINTR;
		if (aobj_resident() < limit)
			break;
		if (READ_ONCE(aobj_pageout_last))
			deadline = jiffies + AOBJ_RESERVE_PATIENCE;
		else if (time_after(jiffies, deadline))
			goto full;
		else
			schedule_timeout_killable(HZ / 50); /* let busy pages settle */
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	return 0;

full:
	pr_warn_ratelimited("resident limit of %u MiB reached, nothing can be paged out\n",
			    max_resident_mb);
	return -ENOSPC;
}

/* Direct pageouts swapoff tries before it gives up on a page. */
#define AOBJ_ALLOC_TRIES	16
/* Pageout scans in a row that free nothing: nothing aobj has can go. */
#define AOBJ_ALLOC_IDLE_SCANS	4

/**
 * aobj_alloc_page - allocate a page for an object, paging out before OOM
 * @obj: the object; the page is charged to its cgroup (aobj_folio_alloc())
 * @gfp: GFP_HIGHUSER, or'd with flags such as __GFP_ZERO
 * @may_oom: a fault may still call the OOM killer once aobj pageout can
 *	free nothing (the memory is someone else's); swapoff never does
 *
 * aobj pages are not on the kernel's LRU, so the kernel does not count
 * them as reclaimable: under global pressure its allocator gives up on
 * reclaim and calls the OOM killer while aobj pages could still go to
 * swap.  So the allocation is made without the OOM killer
 * (__GFP_RETRY_MAYFAIL), and when it fails the task pages out a cluster
 * of aobj pages itself and tries again: of the object's cgroup first, then
 * any.  (A cgroup at its limit has already reclaimed, aobj's shrinker
 * included, before the charge failed: the charge then fails rather than
 * call the cgroup's OOM killer.)
 *
 * A fault goes on as long as pageout frees pages (a fatal signal ends
 * it), since failing it would leak VM_FAULT_OOM to the fault handler;
 * once AOBJ_ALLOC_IDLE_SCANS scans in a row freed nothing, or aobj has
 * no swap room or no page on its lists, it allocates as any
 * other fault would, OOM killer included, except for a NOSWAP object,
 * whose pages are its creator's choice: that allocation fails.  Swapoff
 * gives up after AOBJ_ALLOC_TRIES tries: it stops with -ENOMEM, the
 * device in service.  A NOSWAP page is not allocated when it would bring
 * the NOSWAP pages of its cgroup within AOBJ_MEMCG_MARGIN of the cgroup's
 * limit (aobj_noswap_at_limit()): the cgroup's tasks keep that room for
 * their other memory.
 *
 * => nothing locked (no object, no folio); sleeps.
 * Return: the folio, or NULL: memory short for swapoff or for a NOSWAP
 * object, or a fatal signal.
 */
struct folio *aobj_alloc_page(struct aobj *obj, gfp_t gfp, bool may_oom)
{
	struct mem_cgroup *memcg = aobj_reclaim_memcg(obj->memcg);
	struct folio *folio;
	int tries, idle = 0;

	might_sleep();
	for (tries = 0; may_oom || tries < AOBJ_ALLOC_TRIES; tries++) {
		/*
		 * NOSWAP pages stop AOBJ_MEMCG_MARGIN short of their cgroup's
		 * limit: nothing can reclaim them, and a cgroup filled to the
		 * brim with them would have its OOM killer called by the next
		 * page table, anon page or core dump of one of its tasks.
		 * Paging out other pages does not lower their count.
		 */
		if ((obj->flags & AOBJ_NOSWAP) && aobj_noswap_at_limit(obj))
			return NULL;
		folio = aobj_folio_alloc(obj, gfp | __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
		if (folio || fatal_signal_pending(current))
			return folio;
		if (!aobj_swap_available() || aobj_lru_empty())
			break;
		/*
		 * At its cgroup's memory.max, only the cgroup's own pages
		 * make room: paging out others' would go on for ever.
		 */
		if (aobj_pageout_scan(AOBJ_PAGEOUT_LOOKAHEAD, AOBJ_PAGEOUT_CLUSTER,
				      aobj_memcg_at_max(memcg) ? memcg : NULL))
			idle = 0;
		else if (++idle == AOBJ_ALLOC_IDLE_SCANS)
			break;
		cond_resched();
	}
	/* Nothing of a NOSWAP object can go: the OOM killer must not either. */
	if (!may_oom || (obj->flags & AOBJ_NOSWAP))
		return NULL;
	return aobj_folio_alloc(obj, gfp | __GFP_NOWARN);
}

/**
 * aobj_clean_range - write the dirty pages of [@start, @end) to swap now
 * @obj: the object
 * @start: first page index
 * @end: page index past the range
 *
 * The pages stay resident, clean, with a valid swap copy: evicting them
 * later costs no I/O.  Their mappings are revoked first, so that writes
 * through them are seen.
 *
 * => nothing locked; sleeps.
 * Return: 0; -ENOSPC without room on a swap device; -EIO; -ENOMEM.
 */
int aobj_clean_range(struct aobj *obj, pgoff_t start, pgoff_t end)
{
	struct folio *run[AOBJ_PAGEOUT_CLUSTER];
	pgoff_t idx[AOBJ_PAGEOUT_CLUSTER];
	pgoff_t index = start;
	struct folio *folio;
	int n, err = 0;

	if (obj->flags & AOBJ_NOSWAP)
		return 0;
	if (!aobj_swap_available())
		return -ENOSPC;

	aobj_lock(obj);
	unmap_mapping_range(aobj_mapping(obj), (loff_t)start << PAGE_SHIFT,
			    (loff_t)(end - start) << PAGE_SHIFT, 1);
	while (!err && index < end) {
		n = 0;
		while (n < AOBJ_PAGEOUT_CLUSTER && index < end) {
			folio = xa_find(aobj_folios(obj), &index, end - 1, XA_PRESENT);
			if (!folio)
				break;
			/* Sleep on a page only with no other page locked. */
			if (!folio_trylock(folio)) {
				if (n)
					break;
				if (!aobj_lock_folio(obj, index, folio))
					continue;
			}
			if (folio_mapped(folio))
				unmap_mapping_range(aobj_mapping(obj),
						    (loff_t)index << PAGE_SHIFT,
						    PAGE_SIZE, 1);
			if (folio_test_dirty(folio)) {
				run[n] = folio;
				idx[n++] = index;
			} else {
				folio_unlock(folio);
			}
			index++;
		}
		if (!n)
			break;
		aobj_write_pages(obj, run, idx, n, true, &err);
	}
	aobj_unlock(obj);
	return err;
}

static unsigned long aobj_shrink_count(struct shrinker *s,
				       struct shrink_control *sc)
{
	unsigned long n, objs;

	if (!aobj_swap_available())
		return 0;
	if (aobj_reclaim_memcg(sc->memcg)) {
		n = aobj_memcg_resident(sc->memcg, &objs);
		/*
		 * SHRINK_EMPTY clears the cgroup's shrinker bit, which only a
		 * new object would set again: only for a cgroup without any.
		 */
		if (!n && objs)
			return 0;
	} else {
		n = aobj_resident();
	}
	return n ? n : SHRINK_EMPTY;
}

/*
 * aobj_memcg_satisfied: is reclaim for @memcg done with aobj pages?  It is
 * once @memcg and every cgroup above it with a memory.max or memory.high
 * is AOBJ_MEMCG_MARGIN below it, if any has one (removed cgroups aside, see
 * aobj_memcg_near()).  The kernel does not count
 * the pages a shrinker frees as progress of cgroup reclaim
 * (flush_reclaim_state() in mm/vmscan.c), so a cgroup at its limit would
 * otherwise go down to priority 0 and page out every aobj page it has on
 * each charge that fails.  A cgroup without limits is reclaimed
 * proactively (memory.reclaim): there, pageout takes what it is asked for.
 */
static bool aobj_memcg_satisfied(struct mem_cgroup *memcg)
{
	bool limited;

	return !aobj_memcg_near(memcg, true, &limited) && limited;
}

static unsigned long aobj_shrink_scan(struct shrinker *s,
				      struct shrink_control *sc)
{
	struct mem_cgroup *memcg = aobj_reclaim_memcg(sc->memcg);
	unsigned long freed;

	/* Pageout does block I/O. */
	if (!(sc->gfp_mask & __GFP_IO))
		return SHRINK_STOP;
	if (memcg && aobj_memcg_satisfied(memcg))
		return SHRINK_STOP;
	freed = aobj_pageout_scan(sc->nr_to_scan, sc->nr_to_scan, memcg);
	/*
	 * The pages went back to the page allocator: tell reclaim, as slab
	 * does for its pages, or it sees no progress and goes for the OOM
	 * killer while aobj pages could still go to swap.
	 */
	mm_account_reclaimed_pages(freed);
	return freed ? freed : SHRINK_STOP;
}

/* What the OOM notifier asks the OOM worker for (8 MiB). */
#define AOBJ_OOM_FREE		2048
/* How long the notifier waits for the first pages, under oom_lock. */
#define AOBJ_OOM_WAIT		HZ
/* How long the worker goes on while every page it looks at is busy. */
#define AOBJ_OOM_WORK_TIME	(2 * HZ)
/* OOM kills it may defer within one AOBJ_OOM_INTERVAL: past them, it kills. */
#define AOBJ_OOM_INTERVAL	HZ
#define AOBJ_OOM_MAX_DEFERRED	4

static DECLARE_WAIT_QUEUE_HEAD(aobj_oom_wait);
static DEFINE_MUTEX(aobj_oom_lock);	/* the notifier's state (oom_lock, in effect) */
static bool aobj_oom_running;		/* worker queued or running: aobj_oom_wait.lock */
static unsigned long aobj_oom_started;	/* aobj_oom_wait.lock: queued, then ran */
static atomic_long_t aobj_oom_freed;	/* what it freed since it was queued */
static unsigned long aobj_oom_window;	/* aobj_oom_lock: the interval's start */
static unsigned int aobj_oom_deferred;	/* aobj_oom_lock: kills deferred in it */

/*
 * aobj_oom_worker: page out AOBJ_OOM_FREE aobj pages for the OOM notifier,
 * a cluster at a time, adding each to aobj_oom_freed and waking the
 * notifier.  Pages and objects that are busy now (their lock held, I/O on
 * them) are only skipped, so it looks again, a short while apart, for up
 * to AOBJ_OOM_WORK_TIME.  Once a scan freed nothing, it waits for object
 * locks, unlike reclaim (aobj_pageout_cluster()): a reclaimer keeps one
 * over its write, and with one large object every trylock could fail for
 * as long as the OOM lasts.  Should the holder be waiting for memory
 * itself, the notifier stops waiting for the worker after AOBJ_OOM_WAIT
 * all the same, and not at all once the worker is past its time.
 * => nothing locked; sleeps (aobj_wq, WQ_MEM_RECLAIM).
 */
static void aobj_oom_worker(struct work_struct *work)
{
	unsigned long deadline, freed = 0, n;
	unsigned long looks = 0;

	spin_lock(&aobj_oom_wait.lock);
	aobj_oom_started = jiffies;	/* its deadline's start, not its queueing's */
	deadline = aobj_oom_started + AOBJ_OOM_WORK_TIME;
	spin_unlock(&aobj_oom_wait.lock);
	WRITE_ONCE(aobj_oom_wait_locks, false);
	while (freed < AOBJ_OOM_FREE && aobj_swap_available() &&
	       !aobj_lru_empty() && time_before(jiffies, deadline)) {
		n = aobj_pageout_scan(AOBJ_PAGEOUT_LOOKAHEAD, AOBJ_PAGEOUT_CLUSTER,
				      NULL);
		looks += AOBJ_PAGEOUT_LOOKAHEAD;
		if (n) {
			freed += n;
			atomic_long_add(n, &aobj_oom_freed);
			wake_up_all(&aobj_oom_wait);
		} else if (!aobj_oom_wait_locks) {
			/* Objects locked, or pages in use: wait for locks now. */
			WRITE_ONCE(aobj_oom_wait_locks, true);
		} else if (looks > 2 * aobj_resident() + AOBJ_PAGEOUT_CLUSTER) {
			/* Round both lists twice: everything is busy now. */
			schedule_timeout_uninterruptible(msecs_to_jiffies(10));
			looks = 0;
		}
	}
	spin_lock(&aobj_oom_wait.lock);
	aobj_oom_running = false;
	spin_unlock(&aobj_oom_wait.lock);
	wake_up_all(&aobj_oom_wait);
}

/* Has the worker freed something, or stopped?  => aobj_oom_lock held. */
static bool aobj_oom_progress(void)
{
	bool running;

	lockdep_assert_held(&aobj_oom_lock);
	spin_lock(&aobj_oom_wait.lock);
	running = aobj_oom_running;
	spin_unlock(&aobj_oom_wait.lock);
	return atomic_long_read(&aobj_oom_freed) || !running;
}

/*
 * aobj_oom_notify: the global OOM killer is about to choose a victim.
 * aobj pages are neither file nor anon to the page allocator, so it does
 * not count them as reclaimable when it decides that reclaim has failed
 * (should_reclaim_retry() in mm/page_alloc.c), however many of them could
 * still go to swap: the shrinker's pages are progress, but a task that
 * finds memory below the min watermark after its reclaim comes here all
 * the same.  So, as virtio_balloon gives its pages back here, aobj pages
 * are paged out first: when a notifier freed anything, out_of_memory()
 * kills no one and the allocation is tried again.
 *
 * The pageout is the OOM worker's, on aobj_wq; the notifier waits until it
 * freed its first pages (or stopped), at most AOBJ_OOM_WAIT, and reports
 * what it freed by then.  The task here may be anywhere an allocation can
 * fail: inside ->submit_bio (where its own bios would only be queued), or
 * holding filesystem locks a write to aobj's swap device could need (a
 * loop device).  Waiting a bounded time is safe there; doing the I/O here
 * was not.  Without __GFP_FS in its context (a NOFS or NOIO scope, an
 * object lock held, the OOM worker itself) the kernel kills no one
 * anyway: the worker is only started, and no kill is counted as deferred.
 * (The notifier does not see the failing allocation's own flags: an
 * explicit GFP_NOFS one outside such a scope waits and counts as one, and
 * so does a SysRq-f OOM, which kills all the same.)
 * Once nothing of aobj's can go, or after AOBJ_OOM_MAX_DEFERRED kills
 * deferred within AOBJ_OOM_INTERVAL (allocations failing again and again:
 * a node- or cpuset-bound OOM that aobj pages elsewhere do not help, or a
 * thrashing working set), the OOM killer goes on as before.
 * Not for a memory cgroup's OOM: the kernel calls no notifier for it, and
 * aobj's memcg-aware shrinker and aobj_alloc_page() see to cgroups.
 * => oom_lock held by the caller; sleeps.
 */
VISIBLE_IF_KUNIT
int aobj_oom_notify(struct notifier_block *nb, unsigned long unused, void *parm)
{
	unsigned long *freed = parm, n;
	bool start, stuck;

	if (aobj_in_oom_worker() || !aobj_swap_available() || aobj_lru_empty())
		return NOTIFY_DONE;
	mutex_lock(&aobj_oom_lock);
	spin_lock(&aobj_oom_wait.lock);
	start = !aobj_oom_running;
	if (start) {
		aobj_oom_running = true;
		aobj_oom_started = jiffies;
		atomic_long_set(&aobj_oom_freed, 0);
	}
	/* Past its time, the worker waits for an object lock: don't wait for it. */
	stuck = time_after(jiffies, aobj_oom_started + AOBJ_OOM_WORK_TIME);
	spin_unlock(&aobj_oom_wait.lock);
	if (start)
		queue_work(aobj_wq, &aobj_oom_work);
	if (!(current_gfp_context(GFP_KERNEL) & __GFP_FS)) {
		mutex_unlock(&aobj_oom_lock);
		return NOTIFY_DONE;
	}

	if (!time_in_range(jiffies, aobj_oom_window,
			   aobj_oom_window + AOBJ_OOM_INTERVAL)) {
		aobj_oom_window = jiffies;
		aobj_oom_deferred = 0;
	}
	if (aobj_oom_deferred >= AOBJ_OOM_MAX_DEFERRED) {
		mutex_unlock(&aobj_oom_lock);
		pr_info_ratelimited("out of memory: %u OOM kills deferred within a second already, not one more\n",
				    AOBJ_OOM_MAX_DEFERRED);
		return NOTIFY_DONE;
	}
	if (!stuck)
		wait_event_timeout(aobj_oom_wait, aobj_oom_progress(),
				   AOBJ_OOM_WAIT);
	n = atomic_long_xchg(&aobj_oom_freed, 0);
	if (n)
		aobj_oom_deferred++;
	mutex_unlock(&aobj_oom_lock);
	if (!n) {
		pr_info_ratelimited("out of memory: no aobj page could be paged out (%lu resident)\n",
				    aobj_resident());
		return NOTIFY_OK;
	}
	*freed += n;
	pr_info_ratelimited("out of memory: %lu aobj pages paged out instead of an OOM kill\n",
			    n);
	return NOTIFY_OK;
}
EXPORT_SYMBOL_IF_KUNIT(aobj_oom_notify);

#if IS_ENABLED(CONFIG_KUNIT)
/* For tests: wait for the OOM worker to finish. */
void aobj_oom_flush(void)
{
	flush_work(&aobj_oom_work);
}
EXPORT_SYMBOL_IF_KUNIT(aobj_oom_flush);

/* For tests: aobj_oom_flush(), and a fresh deferral interval. */
void aobj_oom_reset(void)
{
	aobj_oom_flush();
	mutex_lock(&aobj_oom_lock);
	aobj_oom_window = jiffies;
	aobj_oom_deferred = 0;
	mutex_unlock(&aobj_oom_lock);
}
EXPORT_SYMBOL_IF_KUNIT(aobj_oom_reset);
#endif

static struct notifier_block aobj_oom_nb = {
	.notifier_call = aobj_oom_notify,
};

int aobj_pageout_init(void)
{
	int err = -ENOMEM;

	INIT_WORK(&aobj_pageout_work, aobj_pageout_worker);
	INIT_WORK(&aobj_oom_work, aobj_oom_worker);
	aobj_oom_window = jiffies;
	aobj_shrinker = shrinker_alloc(SHRINKER_MEMCG_AWARE, "aobj");
	if (!aobj_shrinker)
		return -ENOMEM;
	err = list_lru_init_memcg(&aobj_memcg_lru, aobj_shrinker);
	if (err)
		goto err_shrinker;
	aobj_shrinker->count_objects = aobj_shrink_count;
	aobj_shrinker->scan_objects = aobj_shrink_scan;
	aobj_shrinker->seeks = DEFAULT_SEEKS;
	err = register_oom_notifier(&aobj_oom_nb);
	if (err)
		goto err_lru;
	shrinker_register(aobj_shrinker);
	kernel_param_lock(THIS_MODULE);
	aobj_pageout_live = true;
	kernel_param_unlock(THIS_MODULE);
	return 0;

err_lru:
	list_lru_destroy(&aobj_memcg_lru);
err_shrinker:
	shrinker_free(aobj_shrinker);
	return err;
}

/*
 * aobj_pageout_exit: stop pageout for good.  Once the shrinker and the OOM
 * notifier are gone, nothing but a write of max_resident_mb could queue
 * the worker again, and that is shut out first.
 * => nothing locked; sleeps.
 */
void aobj_pageout_exit(void)
{
	kernel_param_lock(THIS_MODULE);
	aobj_pageout_live = false;
	kernel_param_unlock(THIS_MODULE);
	unregister_oom_notifier(&aobj_oom_nb);
	shrinker_free(aobj_shrinker);
	cancel_work_sync(&aobj_oom_work);
	cancel_work_sync(&aobj_pageout_work);
}

/*
 * aobj_pageout_destroy: free the cgroup lists, once every object is gone.
 * => nothing locked.
 */
void aobj_pageout_destroy(void)
{
	list_lru_destroy(&aobj_memcg_lru);
	aobj_memcg_destroy();
}
