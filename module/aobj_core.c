// SPDX-License-Identifier: GPL-2.0
/*
 * aobj core: the pager of anonymous memory objects, after NetBSD's
 * uvm_aobj.c (rev 1.51): aobj_get()'s three cases with swap-in readahead,
 * aobj_put()'s flush modes, and the walks that take a swap device's
 * slots out of every object (swapoff, a dead device).
 *
 * The seed's pieces and where they went:
 *   uvm_aobj, uao_create, uao_free        struct aobj, aobj_init(), aobj_release()
 *                                          (aobj_object.c)
 *   uo_refs, uao_reference, uao_detach    kref, aobj_reference(), aobj_detach()
 *                                          (aobj_object.c)
 *   memq + uvm_pagelookup                  the i_pages xarray of the object's
 *                                          inode, by page index (aobj_object.c)
 *   u_swslots / u_swhash                   struct aobj_swmap (aobj_swmap.c)
 *   PG_BUSY / PG_WANTED                    the folio lock
 *   uao_get                                aobj_get(): resident, zero-fill, swap-in
 *   uao_put                                aobj_put(): FREE, DEACTIVATE, CLEAN
 *   uao_dropswap                           aobj_dropswap() (aobj_object.c)
 *   uao_list, uao_list_lock                aobj_list, aobj_list_lock (aobj_object.c)
 *   uao_swap_off, uao_pagein(_page)        aobj_swap_off(), aobj_pagein(), for
 *                                          aobj_swapoff() (uvm_swap.c's swap_off)
 *   pmap_page_protect(pg, VM_PROT_NONE)    unmap_mapping_range() on the
 *                                          object's own address_space
 *   page queues (active/inactive)          aobj_lru_active/aobj_lru_inactive
 *                                          (aobj_object.c; scanned by aobj_pageout.c)
 *
 * Place in the module, top to bottom: aobj_dev.c, aobj_rw.c, aobj_core.c,
 * aobj_pageout.c, aobj_object.c, aobj_swap.c, aobj_swmap.c.  This file
 * calls only aobj_pageout.c, aobj_object.c, aobj_swap.c and aobj_swmap.c
 * below it; called by aobj_rw.c and aobj_dev.c.  aobj_core_init() hands
 * aobj_swap.c aobj_swap_lose(), the one call that comes back up (when a
 * swap device dies).
 *
 * Lock order: see aobj_object.c, where the locks live.  swapoff holds
 * aobj_swapon_lock (aobj_swap.c) across its walks.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/visibility.h>
#include <linux/bio.h>
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "aobj.h"
#include "aobj_internal.h"
#include "aobj_swap.h"
#include "aobj_trace.h"

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
		/* Not into a page that a bio given up on may still fill. */
		if (err != -ETIMEDOUT)
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
static int aobj_swap_off(int start, int end, u64 *lost)
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
static void aobj_swap_lose(int start, int end, u64 *lost)
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
 * aobj_swapoff - page everything in from a device, then stop using it
 * @path: the block device
 * @lost: out: pages whose copy could not be read back
 *
 * => nothing locked; sleeps.
 * Return: 0; -EINVAL if aobj does not use the device (or it is dead and
 * on its way out on its own); -ENOMEM or -EINTR
 * with the device still in service and the pages not yet read in still
 * on it (*@lost counts what was lost before the abort).
 */
int aobj_swapoff(const char *path, u64 *lost)
{
	struct aobj_swapdev *sd;
	int start, end, err, live;

	*lost = 0;
	/* With aobj_swapon_lock held and the device draining. */
	sd = aobj_swapoff_begin(path, &start, &end);
	if (IS_ERR(sd))
		return PTR_ERR(sd);

	/*
	 * Slots of a pageout in flight are recorded in their object only when
	 * the write completes: go over the objects until nothing is left.
	 */
	for (;;) {
		err = aobj_swap_off(start, end, lost);
		if (err)
			break;
		live = aobj_swapoff_live(sd);
		trace_aobj_swapoff(start, end, live, *lost, 0);
		if (!live)
			break;
		err = aobj_swapoff_settle(sd, live);
		if (err)
			break;
	}

	/* Unlists and frees the device, or puts it back in service. */
	aobj_swapoff_end(sd, err, *lost);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swapoff);

/**
 * aobj_core_init - set up what objects need
 *
 * Also hands the swap layer aobj_swap_lose(), which a dead device's work
 * calls (see aobj_swap_init()).
 *
 * => nothing locked; may sleep.
 * Return: 0 or a negative errno.
 */
int aobj_core_init(void)
{
	int err;

	err = aobj_object_init();
	if (err)
		return err;
	err = aobj_swap_init(aobj_swap_lose);
	if (err)
		aobj_object_exit();
	return err;
}

/**
 * aobj_core_exit - tear down what aobj_core_init() set up
 *
 * The callers' references are gone and pageout is stopped
 * (aobj_pageout_exit()), but reclaim may have handed the release of the
 * last objects to aobj_wq: aobj_object_exit() drains it before anything
 * they use goes.  Then no object is left, so no slot is in use, and the
 * swap devices can go.
 *
 * => nothing locked; sleeps.
 */
void aobj_core_exit(void)
{
	aobj_object_exit();
	aobj_swap_exit();
}
