// SPDX-License-Identifier: GPL-2.0
/*
 * aobj as a file: read and write through the page lookup that faults use
 * (aobj_get()), SEEK_DATA/SEEK_HOLE from the resident pages and the slot
 * map, hole punching, and the per-page state query behind
 * AOBJ_IOC_PAGEMAP.
 *
 * A read copies from the page with a reference but without the page lock,
 * as filemap_read() does, so that a user buffer that maps the same page can
 * fault.  A write pre-faults the user buffer, then copies with page faults
 * disabled under the page lock, as generic_perform_write() does: pageout
 * locks a page before it writes it out and decides on its dirty flag, so
 * the data and the dirty flag reach the page together.
 *
 * Holes (pages never written, or freed) are read as zeros without making
 * them resident.
 *
 * Place in the module: calls only aobj_core.c, aobj_swap.c and
 * aobj_swmap.c below it; called by aobj_dev.c.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/visibility.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/uio.h>

#include "aobj.h"
#include "aobj_internal.h"
#include "aobj_swap.h"
#include "uapi/linux/aobj.h"

static u64 aobj_size(struct aobj *obj)
{
	return (u64)obj->pages << PAGE_SHIFT;
}

/*
 * aobj_page_has_data: is page @index resident or on a slot (bad ones too)?
 * => obj must be locked.
 */
static bool aobj_page_has_data(struct aobj *obj, pgoff_t index)
{
	lockdep_assert_held(&obj->lock);
	return xa_load(aobj_folios(obj), index) ||
	       aobj_swmap_find(&obj->swmap, index);
}

/*
 * aobj_next_data: the first page at or after @index, below @end, that is
 * resident or has a slot; @end if there is none.
 * => obj must be locked.
 */
static pgoff_t aobj_next_data(struct aobj *obj, pgoff_t index, pgoff_t end)
{
	pgoff_t fi = index, si = index;

	lockdep_assert_held(&obj->lock);
	if (index >= end)
		return end;
	if (!xa_find(aobj_folios(obj), &fi, end - 1, XA_PRESENT))
		fi = end;
	if (!aobj_swmap_next(&obj->swmap, SWSLOT_BAD, INT_MAX, &si, end - 1))
		si = end;
	return min3(fi, si, end);
}

/*
 * aobj_next_hole: the first page at or after @index, below @end, that is
 * neither resident nor on a slot; @end if there is none.
 * => obj must be locked.
 */
static pgoff_t aobj_next_hole(struct aobj *obj, pgoff_t index, pgoff_t end)
{
	lockdep_assert_held(&obj->lock);
	for (; index < end; index++) {
		if (!aobj_page_has_data(obj, index))
			break;
		if (!(index % 1024))
			cond_resched();
	}
	return index;
}

/**
 * aobj_read_iter - read from an object at *@pos into @to
 * @obj: the object
 * @pos: in: byte offset; out: advanced by what was read
 * @to: the destination
 *
 * Reads stop at the end of the object (a read there returns 0).
 *
 * => nothing locked; may sleep.
 * Return: bytes read, or an error if nothing was: -EIO (a page whose swap
 * copy is lost), -EFAULT, -ENOMEM, -EINTR.
 */
ssize_t aobj_read_iter(struct aobj *obj, loff_t *pos, struct iov_iter *to)
{
	u64 size = aobj_size(obj);
	ssize_t done = 0;
	int err = 0;

	if (*pos < 0)
		return -EINVAL;
	while (iov_iter_count(to) && (u64)*pos < size) {
		pgoff_t index = *pos >> PAGE_SHIFT;
		size_t offset = offset_in_page(*pos);
		size_t bytes = min_t(u64, iov_iter_count(to), size - *pos);
		struct folio *folio;
		size_t copied;

		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		if (!xa_load(aobj_folios(obj), index)) {
			pgoff_t data;

			/* A hole reads as zeros, up to the next page with data. */
			aobj_lock(obj);
			data = aobj_next_data(obj, index, obj->pages);
			aobj_unlock(obj);
			if (data > index) {
				bytes = min_t(u64, bytes,
					      ((u64)data << PAGE_SHIFT) - *pos);
				copied = iov_iter_zero(bytes, to);
				*pos += copied;
				done += copied;
				if (copied < bytes) {
					err = -EFAULT;
					break;
				}
				continue;
			}
		}

		bytes = min_t(size_t, bytes, PAGE_SIZE - offset);
		err = aobj_get(obj, index, &folio);
		if (err)
			break;
		/* A reference keeps the page; the copy may fault on it. */
		folio_unlock(folio);
		copied = copy_folio_to_iter(folio, offset, bytes, to);
		folio_put(folio);
		*pos += copied;
		done += copied;
		if (copied < bytes) {
			err = -EFAULT;
			break;
		}
		cond_resched();
	}
	return done ? done : err;
}
EXPORT_SYMBOL_GPL(aobj_read_iter);

/**
 * aobj_write_iter - write @from into an object at *@pos
 * @obj: the object
 * @pos: in: byte offset; out: advanced by what was written
 * @from: the source
 *
 * The object has a fixed size: a write that starts at or past its end
 * fails with -ENOSPC, one that crosses it is cut short there.  Written
 * pages are marked dirty, so that pageout writes them to swap again.
 *
 * => nothing locked; may sleep.
 * Return: bytes written, or an error if nothing was: -ENOSPC, -EIO,
 * -EFAULT, -ENOMEM, -EINTR.
 */
ssize_t aobj_write_iter(struct aobj *obj, loff_t *pos, struct iov_iter *from)
{
	u64 size = aobj_size(obj);
	ssize_t done = 0;
	int err = 0;

	if (*pos < 0)
		return -EINVAL;
	if (!iov_iter_count(from))
		return 0;
	if ((u64)*pos >= size)
		return -ENOSPC;
	while (iov_iter_count(from) && (u64)*pos < size) {
		pgoff_t index = *pos >> PAGE_SHIFT;
		size_t offset = offset_in_page(*pos);
		size_t bytes = min3((u64)iov_iter_count(from), size - *pos,
				    (u64)(PAGE_SIZE - offset));
		struct folio *folio;
		size_t copied;

		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		/*
		 * Fault the source in now: under the page lock the copy runs
		 * with page faults disabled, since a fault on a mapping of
		 * this very page would wait for the lock we hold.
		 */
		if (unlikely(fault_in_iov_iter_readable(from, bytes) == bytes)) {
			err = -EFAULT;
			break;
		}
		err = aobj_get(obj, index, &folio);
		if (err)
			break;
		copied = copy_folio_from_iter_atomic(folio, offset, bytes, from);
		flush_dcache_folio(folio);
		if (copied)
			folio_mark_dirty(folio);
		folio_unlock(folio);
		folio_put(folio);
		/* A short copy: the source left memory again; fault it in. */
		*pos += copied;
		done += copied;
		cond_resched();
	}
	return done ? done : err;
}
EXPORT_SYMBOL_GPL(aobj_write_iter);

/**
 * aobj_seek_data_hole - SEEK_DATA or SEEK_HOLE on an object
 * @obj: the object
 * @offset: where to start looking, in bytes
 * @whence: SEEK_DATA or SEEK_HOLE
 *
 * Data are the pages that are resident or have a swap slot (a lost one
 * too: reading it fails); everything else is a hole, and the end of the
 * object is one.
 *
 * => nothing locked; may sleep.
 * Return: the offset found, or -ENXIO (@offset outside the object, or no
 * data after it), -EINVAL for another @whence.
 */
loff_t aobj_seek_data_hole(struct aobj *obj, loff_t offset, int whence)
{
	pgoff_t index, found;

	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return -EINVAL;
	if (offset < 0 || (u64)offset >= aobj_size(obj))
		return -ENXIO;
	index = offset >> PAGE_SHIFT;
	aobj_lock(obj);
	if (whence == SEEK_DATA)
		found = aobj_next_data(obj, index, obj->pages);
	else
		found = aobj_next_hole(obj, index, obj->pages);
	aobj_unlock(obj);
	if (found >= obj->pages)
		return whence == SEEK_DATA ? -ENXIO : (loff_t)aobj_size(obj);
	return max_t(loff_t, offset, (loff_t)found << PAGE_SHIFT);
}
EXPORT_SYMBOL_GPL(aobj_seek_data_hole);

/*
 * aobj_zero_part: zero bytes [@from, @to) of page @index, unless it is a
 * hole already.
 * => nothing locked.
 */
static int aobj_zero_part(struct aobj *obj, pgoff_t index, size_t from,
			  size_t to)
{
	struct folio *folio;
	bool hole;
	int err;

	aobj_lock(obj);
	hole = !aobj_page_has_data(obj, index);
	aobj_unlock(obj);
	if (hole)
		return 0;
	err = aobj_get(obj, index, &folio);
	if (err)
		return err;
	folio_zero_range(folio, from, to - from);
	folio_mark_dirty(folio);
	folio_unlock(folio);
	folio_put(folio);
	return 0;
}

/**
 * aobj_punch_hole - make [@offset, @offset + @len) read as zeros
 * @obj: the object
 * @offset: start in bytes
 * @len: length in bytes; the range is clamped to the object's end
 *
 * Whole pages are freed with their swap copies (aobj_put(AOBJ_PUT_FREE));
 * the parts of the first and last page that the range covers are zeroed
 * in place.
 *
 * => nothing locked; may sleep.
 * Return: 0, -EINVAL for a negative or overflowing range, or an error of
 * aobj_get() for a partial page (-EIO if its swap copy is lost).
 */
int aobj_punch_hole(struct aobj *obj, loff_t offset, loff_t len)
{
	u64 end, first, last;
	int err = 0;

	if (offset < 0 || len < 0 ||
	    check_add_overflow((u64)offset, (u64)len, &end))
		return -EINVAL;
	end = min(end, aobj_size(obj));
	if ((u64)offset >= end)
		return 0;
	first = round_up((u64)offset, PAGE_SIZE);
	last = round_down(end, PAGE_SIZE);
	if (first > last)	/* inside one page */
		return aobj_zero_part(obj, offset >> PAGE_SHIFT,
				      offset_in_page(offset),
				      offset_in_page(offset) + end - offset);
	if ((u64)offset < first)
		err = aobj_zero_part(obj, offset >> PAGE_SHIFT,
				     offset_in_page(offset), PAGE_SIZE);
	if (!err && last < end)
		err = aobj_zero_part(obj, last >> PAGE_SHIFT, 0, end - last);
	if (!err && first < last)
		err = aobj_put(obj, first >> PAGE_SHIFT, last >> PAGE_SHIFT,
			       AOBJ_PUT_FREE);
	return err;
}
EXPORT_SYMBOL_GPL(aobj_punch_hole);

/* Pages looked at with obj->lock held at a stretch. */
#define AOBJ_PAGEMAP_BATCH	512

/*
 * struct aobj_pm - a pagemap walk: @runs[0..@nr) are complete; @cur is the
 * run being extended (if @open); for a swapped @cur, @next_slot is the
 * slot the next page must have to join it, below @dev_end.
 */
struct aobj_pm {
	struct aobj_pagemap_run *runs;
	u32 room;
	u32 nr;
	bool open;
	struct aobj_pagemap_run cur;
	int next_slot;
	int dev_end;
};

/*
 * aobj_pm_add: pages [@index, @index + @n) are in @state with @flags (and
 * for a swapped page, @n == 1, on @slot).  Return: false if they start a
 * new run and the run before it has no room.
 */
static bool aobj_pm_add(struct aobj_pm *pm, pgoff_t index, unsigned long n,
			u8 state, u8 flags, int slot)
{
	struct aobj_pagemap_run *cur = &pm->cur;
	int start, nslots;
	u32 dev;

	if (pm->open && cur->state == state && cur->flags == flags &&
	    cur->start + cur->count == index &&
	    (state != AOBJ_PAGE_SWAPPED ||
	     (slot == pm->next_slot && slot < pm->dev_end))) {
		cur->count += n;
		pm->next_slot++;
		return true;
	}
	if (pm->open) {
		if (pm->nr == pm->room)
			return false;
		pm->runs[pm->nr++] = *cur;
	}
	memset(cur, 0, sizeof(*cur));
	cur->start = index;
	cur->count = n;
	cur->state = state;
	cur->flags = flags;
	if (state == AOBJ_PAGE_SWAPPED) {
		if (aobj_swap_slot_where(slot, &dev, &start, &nslots)) {
			/* Cannot happen: a slot in use pins its device. */
			dev = U32_MAX;
			start = 0;
			nslots = slot + 1;
		}
		cur->swapdev = dev;
		cur->slot = slot - start;
		pm->next_slot = slot + 1;
		pm->dev_end = start + nslots;
	}
	pm->open = true;
	return true;
}

/*
 * aobj_pm_page: the state of page @index, which has data.
 * => obj must be locked.
 */
static void aobj_pm_page(struct aobj *obj, pgoff_t index, u8 *state,
			 u8 *flags, int *slot)
{
	struct folio *folio = xa_load(aobj_folios(obj), index);

	lockdep_assert_held(&obj->lock);
	*slot = aobj_swmap_find(&obj->swmap, index);
	*flags = 0;
	if (!folio) {
		*state = *slot == SWSLOT_BAD ? AOBJ_PAGE_BAD :
			 *slot ? AOBJ_PAGE_SWAPPED : AOBJ_PAGE_NONE;
		return;
	}
	/*
	 * The folio cannot leave the object while we hold its lock; its
	 * flags are read without the folio lock, as a snapshot.
	 */
	if (folio_test_locked(folio))
		*flags |= AOBJ_PAGE_LOCKED;
	if (!folio_test_uptodate(folio)) {
		/* Being read in from its slot. */
		*state = *slot > 0 ? AOBJ_PAGE_SWAPPED : AOBJ_PAGE_NONE;
		return;
	}
	*state = folio_test_dirty(folio) ? AOBJ_PAGE_DIRTY : AOBJ_PAGE_CLEAN;
	if (folio_mapped(folio))
		*flags |= AOBJ_PAGE_MAPPED;
	if (folio_maybe_dma_pinned(folio))
		*flags |= AOBJ_PAGE_PINNED;
	if (folio_test_mlocked(folio))
		*flags |= AOBJ_PAGE_MLOCKED;
	if (*slot > 0)
		*flags |= AOBJ_PAGE_SWAPCOPY;
}

/**
 * aobj_pagemap - describe the pages of [@start, @end) as runs
 * @obj: the object
 * @start: first page index
 * @end: page index past the range, at most the object's size
 * @runs: room for @room runs
 * @room: size of @runs
 * @nr: out: runs written
 * @next: out: the page index to continue from (@end when done)
 * @budget: in/out: how many more pages that are not holes to look at
 *
 * Holes are skipped whole; other pages are looked at one by one, under
 * obj->lock AOBJ_PAGEMAP_BATCH pages at a time, and at most *@budget of
 * them.  A run is written only once
 * it is complete: when @runs is full, *@next is the start of the run that
 * did not fit.
 *
 * => nothing locked; may sleep.
 * Return: 0, or -EINVAL for a bad range.
 */
int aobj_pagemap(struct aobj *obj, pgoff_t start, pgoff_t end,
		 struct aobj_pagemap_run *runs, u32 room, u32 *nr,
		 pgoff_t *next, unsigned long *budget)
{
	struct aobj_pm pm = { .runs = runs, .room = room };
	pgoff_t index = start;
	bool full = false;
	int batch = 0;

	if (start > end || end > obj->pages)
		return -EINVAL;
	aobj_lock(obj);
	while (index < end && *budget) {
		pgoff_t data;
		int slot;
		u8 state, flags;

		if (++batch == AOBJ_PAGEMAP_BATCH) {
			batch = 0;
			aobj_unlock(obj);
			cond_resched();
			if (fatal_signal_pending(current)) {
				aobj_lock(obj);
				break;
			}
			aobj_lock(obj);
		}
		data = aobj_next_data(obj, index, end);
		if (data > index) {
			if (!aobj_pm_add(&pm, index, data - index,
					 AOBJ_PAGE_NONE, 0, 0)) {
				full = true;
				break;
			}
			index = data;
			continue;
		}
		aobj_pm_page(obj, index, &state, &flags, &slot);
		if (!aobj_pm_add(&pm, index, 1, state, flags, slot)) {
			full = true;
			break;
		}
		index++;
		(*budget)--;
	}
	aobj_unlock(obj);

	/* The run in progress ends here: write it, or continue from it. */
	if (pm.open && !full && pm.nr < pm.room)
		pm.runs[pm.nr++] = pm.cur;
	else if (pm.open)
		index = pm.cur.start;
	*nr = pm.nr;
	*next = index;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(aobj_pagemap);
