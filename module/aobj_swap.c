// SPDX-License-Identifier: GPL-2.0
/*
 * aobj swap devices: the device table, the slot allocator and the I/O
 * (what the seed pager takes from uvm_swap.c), on the Linux block layer.
 *
 * Slots are numbered as in UVM: 0 is "no slot", SWSLOT_BAD (-1) marks a
 * lost page, and each device owns the range [start, start + nslots).  A
 * slot that failed I/O is retired: it stays allocated in its device's
 * bitmap until the device goes away, and is never handed out again.
 *
 * A device can also disappear under us (hot unplug, a driver removing its
 * disk).  The block layer calls the holder's mark_dead: the device is
 * marked dead at once (no allocation from it, its I/O fails without being
 * submitted), and a worker then takes its slots out of every object, as
 * swapoff would, but without reading them: a page whose only copy was
 * there is lost (SWSLOT_BAD, -EIO on fault), a resident page keeps its
 * data and becomes dirty.  Once no slot of the device is in use any more,
 * it leaves the table.
 *
 * A device may also stay in the table and fail every I/O: a network block
 * device whose server or link is gone fails each request once its
 * timeout expires.  After AOBJ_SWAP_MAX_ERRORS failed I/Os in a row on a
 * device it is marked failing: pageout stops choosing it while another
 * device has room (the dirty pages whose writes failed go there), and
 * swap-ins from it are still tried.  One I/O that succeeds on it clears
 * the mark; so does swapping it off and on again (after the server or the
 * link is back).
 *
 * A driver can also lose a request and never end it.  No swap I/O is
 * waited for longer than swap_io_timeout seconds: after that it counts as
 * failed (-ETIMEDOUT, the device marked failing at once), and its bio is
 * abandoned, with references on its folios, the module and the device,
 * until it ends.  Until then the device is stalled: no slot is allocated
 * on it and its I/O fails at once, as a dead device's (the pages whose
 * only copy is there are lost when touched); if it is swapped off, or
 * dies, meanwhile, it stays open and claimed (a swapon of it is -EBUSY),
 * so that a late write cannot land on sectors given to someone else.
 *
 * Place in the module: calls no other aobj file (aobj_swmap.c, the one
 * below it, has nothing it needs); called by aobj_object.c,
 * aobj_pageout.c, aobj_core.c, aobj_rw.c and aobj_dev.c.  It counts
 * retired slots in aobj_counters (aobj_object.c's variable, not a call).
 * Swapoff's walk over the objects is the pager's (aobj_swapoff() in
 * aobj_core.c): this file only marks, counts and unlists the device
 * (aobj_swapoff_begin() ... aobj_swapoff_end()).  The one notification
 * upward is a dead device's: the block layer tells this file that a
 * device died, and only the pager can walk the objects to take its slots
 * out of them, so aobj_core_init() registers that walk with
 * aobj_swap_init(), and the dead device's work calls it.
 *
 * The tracepoints of every aobj file are defined here, in the lowest file
 * that fires one (the aobj_swapoff event of a dead device), so that no
 * file fires one into the code of a file above it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#include <linux/bio.h>
#include <linux/bitmap.h>
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/mempool.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "aobj_internal.h"
#include "aobj_swap.h"
#include "uapi/linux/aobj.h"

#define CREATE_TRACE_POINTS
#include "aobj_trace.h"

/**
 * struct aobj_swapdev - one backing block device
 * @list: on aobj_swapdevs, by decreasing priority
 * @bdev_file: the device, opened exclusively with the swapdev as holder
 * @bdev: its block device
 * @path: the path given to swapon, for the listing
 * @priority: higher fills first
 * @start: first slot number
 * @nslots: number of slots (pages)
 * @used: bitmap of slots allocated or retired
 * @bad: bitmap of retired slots
 * @nr_used: bits set in @used
 * @nr_bad: bits set in @bad
 * @cursor: where the next allocation starts looking
 * @draining: swapoff is running: no new allocation
 * @dead: the block device is gone: no new allocation, no I/O
 * @failing: AOBJ_SWAP_MAX_ERRORS I/Os in a row failed: no new allocation
 *	while a device that is not failing has room
 * @errors: I/Os failed in a row (reset by one that succeeds)
 * @listed: on the table (under aobj_swapon_lock); a dead-device work that
 *	finds it off has nothing to do: whoever took it off frees it
 * @stalled: bios given up on (struct aobj_io) that have not ended: its
 *	I/O fails at once, and it stays open and claimed until they end
 * @orphan: off the table with @stalled bios: the last one's release frees
 *	it (on aobj_swap_orphans meanwhile, by @list)
 * @dead_work: takes a dead device's slots out of the objects and the
 *	device out of the table
 */
struct aobj_swapdev {
	struct list_head list;
	struct file *bdev_file;
	struct block_device *bdev;
	char path[64];
	int priority;
	int start;
	int nslots;
	unsigned long *used;
	unsigned long *bad;
	int nr_used;
	int nr_bad;
	int cursor;
	bool draining;
	bool dead;
	bool failing;
	bool listed;
	bool orphan;
	int errors;
	int stalled;
	struct work_struct dead_work;
};

/* Failed I/Os in a row after which a device gets no more pageouts. */
#define AOBJ_SWAP_MAX_ERRORS	3

/* aobj_swap_lock guards the list, the bitmaps and the counts. */
static LIST_HEAD(aobj_swapdevs);
static DEFINE_SPINLOCK(aobj_swap_lock);
/* Serialises swapon and swapoff. */
static DEFINE_MUTEX(aobj_swapon_lock);
/* swapoff waits here for slots of in-flight pageouts to settle. */
static DECLARE_WAIT_QUEUE_HEAD(aobj_swapoff_wait);
/* Runs the dead devices' workers; made by the first swapon. */
static struct workqueue_struct *aobj_swap_wq;
/*
 * Releases bios given up on (aobj_io_release()), which give back pool
 * elements: not behind a dead device's work, which can take long.
 */
static struct workqueue_struct *aobj_io_wq;
/* Module exit has begun: no dead-device work any more.  aobj_swap_lock. */
static bool aobj_swap_exiting;
/* Devices off the table that wait for a bio given up on.  aobj_swap_lock. */
static LIST_HEAD(aobj_swap_orphans);
/* Takes a dead device's slots out of every object; see aobj_swap_init(). */
static void (*aobj_swap_reap)(int start, int end, u64 *lost) __ro_after_init;

#define AOBJ_IO_TIMEOUT_MAX	3600
static unsigned int swap_io_timeout = 60;

static int aobj_set_io_timeout(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, AOBJ_IO_TIMEOUT_MAX);
}

static const struct kernel_param_ops aobj_io_timeout_ops = {
	.set = aobj_set_io_timeout,
	.get = param_get_uint,
};
module_param_cb(swap_io_timeout, &aobj_io_timeout_ops, &swap_io_timeout, 0644);
MODULE_PARM_DESC(swap_io_timeout,
		 "Seconds a swap read or write may take before it counts as failed (default 60, at most 3600; 0: no limit)");

/*
 * Bios the pool keeps for when memory is short.  A bio given up on keeps
 * its element until it ends; a stalled device gets no more bios, so only
 * the I/Os in flight when it stalled can each hold one.
 */
#define AOBJ_IO_POOL		16

enum { AOBJ_IO_WAITING, AOBJ_IO_DONE, AOBJ_IO_ABANDONED };

/**
 * struct aobj_io - a swap bio, and what giving up on it needs
 * @done: completed by the bio's end_io while its submitter waits
 * @state: AOBJ_IO_WAITING until the bio ends (AOBJ_IO_DONE) or its
 *	submitter gives up (AOBJ_IO_ABANDONED), whichever comes first
 * @work: releases an abandoned bio once it ends, in process context
 * @sd: its device, which an abandoned bio keeps (@sd->stalled)
 * @bio: the bio, from aobj_bioset; its bi_private points here
 *
 * Both come from pools of their own (no new slab cache: a bio_set with a
 * front_pad would make one), so that pageout in reclaim gets them.
 *
 * A request that a driver loses would otherwise hold its submitter in D
 * state for good: a fault, swapoff, or reclaim with an object locked.
 */
struct aobj_io {
	struct completion done;
	atomic_t state;
	struct work_struct work;
	struct aobj_swapdev *sd;
	struct bio *bio;
};

static struct bio_set aobj_bioset;
static mempool_t *aobj_io_pool;
static void aobj_swapdev_free(struct aobj_swapdev *sd);

/**
 * aobj_swap_init - tell the swap layer who reaps a dead device's slots
 * @reap: gives up slots [start, end) in every object, adding the pages
 *	lost to *lost (aobj_core.c's aobj_swap_lose())
 *
 * The one call from this file upward, and why: the block layer tells us
 * that a device died (aobj_swapdev_mark_dead()), but only the pager, above
 * us, can walk the objects.  Called once at module init, before any
 * swapon.  Also sets up the bios' pool.
 *
 * => nothing locked.
 * Return: 0 or -ENOMEM.
 */
int aobj_swap_init(void (*reap)(int start, int end, u64 *lost))
{
	aobj_swap_reap = reap;
	aobj_io_pool = mempool_create_kmalloc_pool(AOBJ_IO_POOL,
						   sizeof(struct aobj_io));
	if (!aobj_io_pool)
		return -ENOMEM;
	if (bioset_init(&aobj_bioset, AOBJ_IO_POOL, 0, BIOSET_NEED_BVECS)) {
		mempool_destroy(aobj_io_pool);
		return -ENOMEM;
	}
	return 0;
}

/*
 * aobj_swapdev_of: the device that owns @slot.
 * => aobj_swap_lock must be held.
 */
static struct aobj_swapdev *aobj_swapdev_of(int slot)
{
	struct aobj_swapdev *sd;

	lockdep_assert_held(&aobj_swap_lock);
	list_for_each_entry(sd, &aobj_swapdevs, list)
		if (slot >= sd->start && slot - sd->start < sd->nslots)
			return sd;
	return NULL;
}

/**
 * aobj_swap_dev_end - end of the slot range of the device that owns @slot
 * @slot: an allocated slot
 *
 * A run of consecutive slots that starts at @slot must stop before the
 * returned slot: the slots after it belong to another device, or to none.
 *
 * => any context but hard irq; the slot is allocated, which keeps its
 *    device in the table.
 * Return: the slot past the owning device's range; @slot + 1 if no device
 * owns @slot (a single page, whose I/O will fail).
 */
int aobj_swap_dev_end(int slot)
{
	struct aobj_swapdev *sd;
	int end;

	spin_lock(&aobj_swap_lock);
	sd = aobj_swapdev_of(slot);
	end = sd ? sd->start + sd->nslots : slot + 1;
	spin_unlock(&aobj_swap_lock);
	return end;
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swap_dev_end);

/**
 * aobj_swap_available - is there a device that can take pages?
 *
 * => any context but hard irq.
 */
bool aobj_swap_available(void)
{
	struct aobj_swapdev *sd;
	bool ret = false;

	spin_lock(&aobj_swap_lock);
	list_for_each_entry(sd, &aobj_swapdevs, list) {
		if (!sd->draining && !sd->dead && !sd->stalled &&
		    sd->nr_used < sd->nslots) {
			ret = true;
			break;
		}
	}
	spin_unlock(&aobj_swap_lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swap_available);

/* How many free stretches one allocation looks at before it settles. */
#define AOBJ_SWAP_SCAN_RUNS	64

/*
 * aobj_swapdev_take: allocate a run of at most *@nslots slots from @sd,
 * going from the cursor on (next fit, wrapping once): the first free
 * stretch long enough, else the longest of the first AOBJ_SWAP_SCAN_RUNS.
 * => aobj_swap_lock must be held.
 */
static int aobj_swapdev_take(struct aobj_swapdev *sd, int *nslots)
{
	unsigned long pos = sd->cursor, limit = sd->nslots, end, best = 0;
	int want = *nslots, len = 0, runs = 0;
	bool wrapped = false;

	lockdep_assert_held(&aobj_swap_lock);
	if (sd->nr_used >= sd->nslots)
		return 0;
	while (len < want && runs < AOBJ_SWAP_SCAN_RUNS) {
		pos = find_next_zero_bit(sd->used, limit, pos);
		if (pos >= limit) {
			if (wrapped)
				break;
			wrapped = true;
			limit = sd->cursor;
			pos = 0;
			continue;
		}
		end = find_next_bit(sd->used, limit, pos);
		if (end - pos > len) {
			len = min_t(unsigned long, end - pos, want);
			best = pos;
		}
		pos = end;
		runs++;
	}
	bitmap_set(sd->used, best, len);
	sd->nr_used += len;
	sd->cursor = best + len;
	*nslots = len;
	return sd->start + best;
}

/**
 * aobj_swap_alloc - allocate a run of contiguous slots
 * @nslots: in: slots wanted; out: slots allocated (at least 1)
 *
 * The highest-priority device with room is used; devices of equal
 * priority take turns.  A failing device is used only when no other one
 * has room.
 *
 * => any context but hard irq.
 * Return: the first slot of the run, or 0 if no device has room.
 */
int aobj_swap_alloc(int *nslots)
{
	struct aobj_swapdev *sd, *next;
	bool failing = false;
	int slot = 0;

	spin_lock(&aobj_swap_lock);
again:
	list_for_each_entry(sd, &aobj_swapdevs, list) {
		if (sd->draining || sd->dead || sd->stalled ||
		    sd->failing != failing)
			continue;
		slot = aobj_swapdev_take(sd, nslots);
		if (!slot)
			continue;
		/* Round-robin: go behind the last device of equal priority. */
		next = list_next_entry(sd, list);
		while (!list_entry_is_head(next, &aobj_swapdevs, list) &&
		       next->priority == sd->priority)
			next = list_next_entry(next, list);
		list_move_tail(&sd->list, &next->list);
		break;
	}
	if (!slot && !failing) {
		/* Better a device that may fail than none. */
		failing = true;
		goto again;
	}
	spin_unlock(&aobj_swap_lock);
	return slot;
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swap_alloc);

/**
 * aobj_swap_free - give back a run of slots
 * @slot: first slot
 * @nslots: number of slots
 *
 * => any context but hard irq.
 */
void aobj_swap_free(int slot, int nslots)
{
	struct aobj_swapdev *sd;

	spin_lock(&aobj_swap_lock);
	sd = aobj_swapdev_of(slot);
	if (!WARN_ON_ONCE(!sd || slot - sd->start + nslots > sd->nslots)) {
		int pos = slot - sd->start;

		/* Neither free nor retired: a double free would skew nr_used. */
		WARN_ON_ONCE(find_next_zero_bit(sd->used, pos + nslots, pos) <
			     pos + nslots);
		WARN_ON_ONCE(find_next_bit(sd->bad, pos + nslots, pos) <
			     pos + nslots);
		bitmap_clear(sd->used, pos, nslots);
		sd->nr_used -= nslots;
		if (sd->draining || sd->dead)
			wake_up(&aobj_swapoff_wait);
	}
	spin_unlock(&aobj_swap_lock);
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swap_free);

/* => any context but hard irq. */
static void __aobj_swap_markbad(int slot, int nslots)
{
	struct aobj_swapdev *sd;

	spin_lock(&aobj_swap_lock);
	sd = aobj_swapdev_of(slot);
	if (!WARN_ON_ONCE(!sd || slot - sd->start + nslots > sd->nslots)) {
		int pos = slot - sd->start, i, n = 0;

		for (i = pos; i < pos + nslots; i++)
			n += !__test_and_set_bit(i, sd->bad);
		sd->nr_bad += n;
		aobj_count_add(bad_slots, n);
		if (sd->draining || sd->dead)
			wake_up(&aobj_swapoff_wait);
	}
	spin_unlock(&aobj_swap_lock);
}

/**
 * aobj_swap_markbad - retire a run of allocated slots for good
 * @slot: first slot
 * @nslots: number of slots
 *
 * The seed's uvm_swap_markbad().  The slots stay allocated until their
 * device is removed.
 *
 * => any context but hard irq.
 */
void aobj_swap_markbad(int slot, int nslots)
{
	__aobj_swap_markbad(slot, nslots);
	pr_warn_ratelimited("%d swap slot(s) from %d retired after an I/O error\n",
			    nslots, slot);
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swap_markbad);

/**
 * aobj_swap_lost - retire a run of slots of a dead device
 * @slot: first slot
 * @nslots: number of slots
 *
 * As aobj_swap_markbad(), without a warning per run: the device's removal
 * reports its lost pages once.
 *
 * => any context but hard irq.
 */
void aobj_swap_lost(int slot, int nslots)
{
	__aobj_swap_markbad(slot, nslots);
}

/*
 * aobj_io_release: an abandoned bio has ended: drop what it held, and free
 * its device if that was waiting for it.
 * => process context (aobj_swap_wq); nothing locked.
 */
static void aobj_io_release(struct work_struct *work)
{
	struct aobj_io *io = container_of(work, struct aobj_io, work);
	struct aobj_swapdev *sd = io->sd;
	struct bio *bio = io->bio;
	struct folio_iter fi;
	bool free;

	pr_info("%s: a swap %s given up on has ended: %d\n", sd->path,
		op_is_write(bio->bi_opf) ? "write" : "read",
		blk_status_to_errno(bio->bi_status));
	bio_for_each_folio_all(fi, bio)
		folio_put(fi.folio);
	bio_put(bio);
	mempool_free(io, aobj_io_pool);
	spin_lock(&aobj_swap_lock);
	free = !--sd->stalled && sd->orphan;
	if (free)
		list_del(&sd->list);
	spin_unlock(&aobj_swap_lock);
	if (free)
		aobj_swapdev_free(sd);
	/*
	 * Module exit's destroy_workqueue() waits for us to return.  The
	 * bio's end_io that queued us may still be returning (a few
	 * instructions after queue_work()); nothing closes that window.
	 */
	module_put(THIS_MODULE);
}

/* => any context: the bio's end_io. */
static void aobj_io_end(struct bio *bio)
{
	struct aobj_io *io = bio->bi_private;

	if (atomic_xchg(&io->state, AOBJ_IO_DONE) == AOBJ_IO_WAITING)
		complete(&io->done);
	else
		queue_work(aobj_io_wq, &io->work);
}

/*
 * aobj_io_abandon: the submitter of @io stops waiting for it.  The bio
 * keeps a reference on each of its folios, on the module, and on its
 * device, which is stalled until the bio ends.
 * => process context; nothing locked but the folios.
 * Return: false if the bio ended meanwhile: the caller takes it back.
 */
static bool aobj_io_abandon(struct aobj_io *io)
{
	struct bio *bio = io->bio;
	struct folio_iter fi;
	bool abandoned;

	bio_for_each_folio_all(fi, bio)
		folio_get(fi.folio);
	__module_get(THIS_MODULE);
	/* Under the lock: no I/O sees the device stalled by a bio that ended. */
	spin_lock(&aobj_swap_lock);
	abandoned = atomic_xchg(&io->state, AOBJ_IO_ABANDONED) == AOBJ_IO_WAITING;
	if (abandoned)
		io->sd->stalled++;
	spin_unlock(&aobj_swap_lock);
	if (abandoned)
		return true;

	module_put(THIS_MODULE);
	bio_for_each_folio_all(fi, bio)
		folio_put(fi.folio);
	return false;
}

/*
 * aobj_swap_rw: one bio over @nr pages and as many slots, waited for at
 * most swap_io_timeout seconds (-ETIMEDOUT after that).  A bio given up
 * on keeps its folios until it ends; its slots are retired by the caller
 * as after any failed I/O.  -EIO at once for a dead or stalled device.
 * KUnit stubs it to inject I/O errors.
 * => nothing locked but the folios (and, for a write from memory reclaim,
 *    their object: see aobj_write_pages()); the slots are allocated,
 *    which keeps their device.
 */
VISIBLE_IF_KUNIT
int aobj_swap_rw(struct folio **folios, int slot, int nr, blk_opf_t opf)
{
	unsigned long timeout = READ_ONCE(swap_io_timeout) * (unsigned long)HZ;
	struct block_device *bdev = NULL;
	struct aobj_swapdev *sd;
	sector_t sector = 0;
	struct aobj_io *io;
	struct bio *bio;
	int i, err;

	KUNIT_STATIC_STUB_REDIRECT(aobj_swap_rw, folios, slot, nr, opf);
	if (WARN_ON_ONCE(nr < 1 || nr > BIO_MAX_VECS))
		return -EINVAL;
	spin_lock(&aobj_swap_lock);
	sd = aobj_swapdev_of(slot);
	if (sd && (sd->dead || sd->stalled)) {
		/*
		 * Gone: fail now rather than queue I/O for a dying disk.
		 * Stalled: nor behind a request it never answered.
		 */
		spin_unlock(&aobj_swap_lock);
		return -EIO;
	}
	if (sd) {
		bdev = sd->bdev;
		sector = (sector_t)(slot - sd->start) << (PAGE_SHIFT - SECTOR_SHIFT);
	}
	spin_unlock(&aobj_swap_lock);
	if (WARN_ON_ONCE(!bdev))
		return -EIO;

	io = mempool_alloc(aobj_io_pool, GFP_NOIO);
	bio = bio_alloc_bioset(bdev, nr, opf, GFP_NOIO, &aobj_bioset);
	io->bio = bio;
	io->sd = sd;
	bio->bi_private = io;
	init_completion(&io->done);
	atomic_set(&io->state, AOBJ_IO_WAITING);
	INIT_WORK(&io->work, aobj_io_release);
	bio->bi_iter.bi_sector = sector;
	bio->bi_end_io = aobj_io_end;
	for (i = 0; i < nr; i++)
		bio_add_folio_nofail(bio, folios[i], PAGE_SIZE, 0);
	submit_bio(bio);
	if (!timeout) {
		wait_for_completion_io(&io->done);
	} else if (!wait_for_completion_io_timeout(&io->done, timeout)) {
		if (aobj_io_abandon(io)) {
			aobj_count(io_timeouts);
			pr_warn_ratelimited("swap %s of %d page(s) at slot %d not done after %lu s: given up\n",
					    op_is_write(opf) ? "write" : "read",
					    nr, slot, timeout / HZ);
			return -ETIMEDOUT;
		}
		/* It ended as we gave up: end_io may still be in complete(). */
		wait_for_completion_io(&io->done);
	}
	err = blk_status_to_errno(bio->bi_status);
	bio_put(bio);
	mempool_free(io, aobj_io_pool);
	if (err)
		pr_warn_ratelimited("swap %s of %d page(s) at slot %d failed: %d\n",
				    op_is_write(opf) ? "write" : "read", nr,
				    slot, err);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swap_rw);

/*
 * aobj_swap_io_done: count an I/O of the device that owns @slot that ended
 * with @err: AOBJ_SWAP_MAX_ERRORS failures in a row, or one timeout, mark
 * it failing; a success clears the mark.
 * => any context but hard irq; the slot is allocated, which keeps its device.
 */
static void aobj_swap_io_done(int slot, int err)
{
	struct aobj_swapdev *sd;
	int was = -1;
	char path[sizeof(sd->path)];

	spin_lock(&aobj_swap_lock);
	sd = aobj_swapdev_of(slot);
	if (sd && err) {
		if (sd->errors < INT_MAX)
			sd->errors++;
		/* A request the device never answered: no more of them. */
		if (err == -ETIMEDOUT)
			sd->errors = max(sd->errors, AOBJ_SWAP_MAX_ERRORS);
		if (!sd->failing && sd->errors >= AOBJ_SWAP_MAX_ERRORS) {
			sd->failing = true;
			was = 0;
		}
	} else if (sd) {
		sd->errors = 0;
		if (sd->failing) {
			sd->failing = false;
			was = 1;
		}
	}
	if (was >= 0)
		strscpy(path, sd->path, sizeof(path));
	spin_unlock(&aobj_swap_lock);
	if (!was)
		pr_warn("swap device %s failing: %d I/O errors in a row, no more pageouts to it\n",
			path, AOBJ_SWAP_MAX_ERRORS);
	else if (was == 1)
		pr_info("swap device %s works again\n", path);
}

/**
 * aobj_swap_read - read @nr pages from the slots starting at @slot
 * @folios: locked, order-0 folios
 * @slot: first slot
 * @nr: number of pages
 *
 * => nothing locked but the folios; sleeps.
 */
int aobj_swap_read(struct folio **folios, int slot, int nr)
{
	int err = aobj_swap_rw(folios, slot, nr, REQ_OP_READ);

	aobj_swap_io_done(slot, err);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swap_read);

/**
 * aobj_swap_write - write @nr pages to the slots starting at @slot
 * @folios: locked, order-0 folios
 * @slot: first slot
 * @nr: number of pages
 *
 * => nothing locked but the folios (and their object, from memory reclaim);
 *    sleeps.
 */
int aobj_swap_write(struct folio **folios, int slot, int nr)
{
	int err = aobj_swap_rw(folios, slot, nr, REQ_OP_WRITE | REQ_SYNC);

	aobj_swap_io_done(slot, err);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swap_write);

/*
 * aobj_swap_range: lowest free range of @nslots slot numbers, above 0.
 * => aobj_swapon_lock must be held.
 */
static int aobj_swap_range(int nslots)
{
	struct aobj_swapdev *sd;
	int start = 1;
	bool moved;

	lockdep_assert_held(&aobj_swapon_lock);
	do {
		moved = false;
		list_for_each_entry(sd, &aobj_swapdevs, list) {
			if (start < sd->start + sd->nslots &&
			    sd->start < start + nslots) {
				start = sd->start + sd->nslots;
				moved = true;
			}
		}
	} while (moved);
	return start > INT_MAX - nslots ? 0 : start;
}

/*
 * aobj_swapdev_orphaned: @sd is off the table; if a bio given up on still
 * targets it, keep it, open and claimed, for that bio's release to free
 * (aobj_io_release()): a late write must not land on sectors that someone
 * else, or a new swapon, has been given meanwhile.
 * => nothing locked.
 * Return: true if @sd is kept.
 */
static bool aobj_swapdev_orphaned(struct aobj_swapdev *sd)
{
	bool orphan;

	spin_lock(&aobj_swap_lock);
	orphan = sd->stalled > 0;
	if (orphan && !sd->orphan) {
		sd->orphan = true;
		list_add(&sd->list, &aobj_swap_orphans);
		/* Under the lock: once it is dropped, the release may free @sd. */
		pr_info("%s: stays open until the swap I/O given up on ends\n",
			sd->path);
	}
	spin_unlock(&aobj_swap_lock);
	return orphan;
}

/*
 * __aobj_swapdev_free: close the device and free @sd, which is off the
 * table (or never was on it) and has no dead-device work pending; or
 * leave that to the release of the last bio given up on.
 * => nothing locked; sleeps.
 */
static void __aobj_swapdev_free(struct aobj_swapdev *sd)
{
	if (aobj_swapdev_orphaned(sd))
		return;
	/* bdev_fput(): the exclusive claim ends now, not at a delayed fput. */
	if (sd->bdev_file)
		bdev_fput(sd->bdev_file);
	kvfree(sd->used);
	kvfree(sd->bad);
	kfree(sd);
}

/*
 * aobj_swapdev_free: the same, from anywhere but its own dead-device work:
 * once the device is closed no mark_dead can queue that work any more, and
 * a work queued before finds @sd unlisted and returns.
 * => nothing locked (in particular not aobj_swapon_lock); sleeps.
 */
static void aobj_swapdev_free(struct aobj_swapdev *sd)
{
	if (aobj_swapdev_orphaned(sd))
		return;
	if (sd->bdev_file) {
		bdev_fput(sd->bdev_file);
		sd->bdev_file = NULL;
	}
	cancel_work_sync(&sd->dead_work);
	__aobj_swapdev_free(sd);
}

/* In use: allocated and not retired.  => aobj_swap_lock must be held. */
static int aobj_swapdev_live(struct aobj_swapdev *sd)
{
	return sd->nr_used - sd->nr_bad;
}

/* The same, unlocked, for a wait condition. */
static int aobj_swapdev_live_unlocked(struct aobj_swapdev *sd)
{
	/* data_race: a stale value only makes the waiter look once more. */
	return data_race(sd->nr_used - sd->nr_bad);
}

/*
 * aobj_swapdev_dead_work: take a dead device out of service for good.
 * Every object gives up its slots on the device (aobj_swap_reap, that is
 * aobj_swap_lose(): see aobj_swap_init()); slots
 * of I/O in flight come back when that I/O fails or lands, so this goes
 * over the objects again until no slot of the device is in use.  No I/O
 * to the device is waited for: it fails at once (aobj_swap_rw()).
 *
 * => nothing locked; sleeps.
 */
static void aobj_swapdev_dead_work(struct work_struct *work)
{
	struct aobj_swapdev *sd = container_of(work, struct aobj_swapdev,
					       dead_work);
	u64 lost = 0;
	int live;

	mutex_lock(&aobj_swapon_lock);
	if (!sd->listed) {
		/* Not yet, or no longer, in the table: not ours to free. */
		mutex_unlock(&aobj_swapon_lock);
		return;
	}
	for (;;) {
		aobj_swap_reap(sd->start, sd->start + sd->nslots, &lost);
		spin_lock(&aobj_swap_lock);
		live = aobj_swapdev_live(sd);
		spin_unlock(&aobj_swap_lock);
		trace_aobj_swapoff(sd->start, sd->start + sd->nslots, live,
				   lost, 0);
		if (!live)
			break;
		wait_event_timeout(aobj_swapoff_wait,
				   aobj_swapdev_live_unlocked(sd) != live,
				   HZ / 10);
	}
	spin_lock(&aobj_swap_lock);
	list_del(&sd->list);
	sd->listed = false;
	spin_unlock(&aobj_swap_lock);
	mutex_unlock(&aobj_swapon_lock);

	pr_warn("%s removed from swap: device gone, %llu page(s) lost\n",
		sd->path, lost);
	/* Not aobj_swapdev_free(): this work cannot wait for itself. */
	__aobj_swapdev_free(sd);
}

/*
 * aobj_swapdev_mark_dead: the block layer's word that the device is gone
 * (blk_holder_ops.mark_dead; @surprise: it went without warning).  Stop
 * using it now, leave the rest to the worker.
 * => bdev->bd_holder_lock is held, which keeps the holder (the swapdev):
 *    it is released here, as the holder_ops contract wants.
 */
static void aobj_swapdev_mark_dead(struct block_device *bdev, bool surprise)
{
	struct aobj_swapdev *sd = bdev->bd_holder;
	bool first;

	lockdep_assert_held(&bdev->bd_holder_lock);
	spin_lock(&aobj_swap_lock);
	first = !sd->dead && !aobj_swap_exiting;
	sd->dead = true;
	spin_unlock(&aobj_swap_lock);
	if (first) {
		pr_warn("swap device %s is gone%s: pages only on it are lost\n",
			sd->path, surprise ? " (surprise removal)" : "");
		queue_work(aobj_swap_wq, &sd->dead_work);
	}
	mutex_unlock(&bdev->bd_holder_lock);
}

static const struct blk_holder_ops aobj_holder_ops = {
	.mark_dead = aobj_swapdev_mark_dead,
};

/*
 * aobj_swap_orphan_of: is @path (or its whole disk) a device that was
 * taken out of service while a bio given up on still targets it?
 * => nothing locked.
 */
static bool aobj_swap_orphan_of(const char *path)
{
	struct aobj_swapdev *sd;
	bool ret = false;
	dev_t dev;

	if (lookup_bdev(path, &dev))
		return false;
	spin_lock(&aobj_swap_lock);
	list_for_each_entry(sd, &aobj_swap_orphans, list) {
		if (sd->bdev->bd_dev == dev ||
		    disk_devt(sd->bdev->bd_disk) == dev) {
			ret = true;
			break;
		}
	}
	spin_unlock(&aobj_swap_lock);
	return ret;
}

/**
 * aobj_swapon - start paging to a block device
 * @path: the block device
 * @priority: higher fills first
 *
 * => nothing locked; sleeps.
 * Return: 0, or -EBUSY (in use, by aobj or anyone else, or kept claimed
 * by aobj until a swap I/O to it that was given up on ends), -ENOTBLK,
 * -ENOENT, -EINVAL (empty device), -ENOSPC (slot numbers exhausted),
 * -ENOMEM, -ENODEV (the device went away meanwhile).
 */
int aobj_swapon(const char *path, int priority)
{
	struct aobj_swapdev *sd, *pos;
	u64 pages;
	int err;

	sd = kzalloc(sizeof(*sd), GFP_KERNEL);
	if (!sd)
		return -ENOMEM;
	strscpy(sd->path, path, sizeof(sd->path));
	sd->priority = priority;
	INIT_WORK(&sd->dead_work, aobj_swapdev_dead_work);

	/* Where the works run: made once, freed at module exit. */
	mutex_lock(&aobj_swapon_lock);
	if (!aobj_swap_wq)
		aobj_swap_wq = alloc_workqueue("aobj_swap", WQ_UNBOUND, 0);
	if (!aobj_io_wq)
		aobj_io_wq = alloc_workqueue("aobj_swap_io",
					     WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	mutex_unlock(&aobj_swapon_lock);
	if (!aobj_swap_wq || !aobj_io_wq) {
		err = -ENOMEM;
		goto err;
	}

	/*
	 * The swapdev is the holder: a second swapon of it is -EBUSY too.
	 * The holder ops tell us when the device goes away.
	 */
	sd->bdev_file = bdev_file_open_by_path(path, BLK_OPEN_READ | BLK_OPEN_WRITE,
					       sd, &aobj_holder_ops);
	if (IS_ERR(sd->bdev_file)) {
		err = PTR_ERR(sd->bdev_file);
		sd->bdev_file = NULL;
		if (err == -EBUSY && aobj_swap_orphan_of(path))
			pr_warn_ratelimited("swapon %s: busy until a swap I/O to it that was given up on ends\n",
					    path);
		goto err;
	}
	sd->bdev = file_bdev(sd->bdev_file);
	pages = bdev_nr_bytes(sd->bdev) >> PAGE_SHIFT;
	if (!pages) {
		err = -EINVAL;
		goto err;
	}
	sd->nslots = min_t(u64, pages, INT_MAX / 2);
	sd->used = kvcalloc(BITS_TO_LONGS(sd->nslots), sizeof(long), GFP_KERNEL);
	sd->bad = kvcalloc(BITS_TO_LONGS(sd->nslots), sizeof(long), GFP_KERNEL);
	if (!sd->used || !sd->bad) {
		err = -ENOMEM;
		goto err;
	}

	mutex_lock(&aobj_swapon_lock);
	sd->start = aobj_swap_range(sd->nslots);
	if (!sd->start) {
		mutex_unlock(&aobj_swapon_lock);
		err = -ENOSPC;
		goto err;
	}
	spin_lock(&aobj_swap_lock);
	if (sd->dead) {
		/* Gone since we opened it; its work finds it unlisted. */
		spin_unlock(&aobj_swap_lock);
		mutex_unlock(&aobj_swapon_lock);
		err = -ENODEV;
		goto err;
	}
	/* Keep the list by decreasing priority; a newcomer goes last among equals. */
	list_for_each_entry(pos, &aobj_swapdevs, list)
		if (pos->priority < priority)
			break;
	list_add_tail(&sd->list, &pos->list);
	sd->listed = true;
	spin_unlock(&aobj_swap_lock);
	mutex_unlock(&aobj_swapon_lock);
	pr_info("swapon %s: %d pages, slots %d-%d, priority %d\n", sd->path,
		sd->nslots, sd->start, sd->start + sd->nslots - 1, priority);
	return 0;

err:
	aobj_swapdev_free(sd);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swapon);

/**
 * aobj_swapoff_begin - find the device to swap off, and stop allocation
 * @path: the block device
 * @start: out: its first slot
 * @end: out: the slot past its range
 *
 * The first step of aobj_swapoff() (aobj_core.c), which then pages the
 * device's slots in and ends with aobj_swapoff_end().
 *
 * => nothing locked; sleeps.  On success, returns with aobj_swapon_lock
 *    held (swapon and swapoff are serialised until aobj_swapoff_end()).
 * Return: the device, marked draining; ERR_PTR(-EINVAL) if aobj does not
 * use it (or it is dead and on its way out on its own), or the error of
 * the path's lookup.
 */
struct aobj_swapdev *aobj_swapoff_begin(const char *path, int *start, int *end)
{
	struct aobj_swapdev *sd;
	dev_t devt;
	int err;

	err = lookup_bdev(path, &devt);
	if (err)
		return ERR_PTR(err);

	mutex_lock(&aobj_swapon_lock);
	spin_lock(&aobj_swap_lock);
	list_for_each_entry(sd, &aobj_swapdevs, list)
		if (sd->bdev->bd_dev == devt && !sd->dead)
			break;
	if (list_entry_is_head(sd, &aobj_swapdevs, list)) {
		spin_unlock(&aobj_swap_lock);
		mutex_unlock(&aobj_swapon_lock);
		return ERR_PTR(-EINVAL);
	}
	sd->draining = true;
	spin_unlock(&aobj_swap_lock);
	*start = sd->start;
	*end = sd->start + sd->nslots;
	return sd;
}

/**
 * aobj_swapoff_live - slots of a draining device still in use
 * @sd: from aobj_swapoff_begin()
 *
 * => aobj_swapon_lock must be held.
 */
int aobj_swapoff_live(struct aobj_swapdev *sd)
{
	int live;

	lockdep_assert_held(&aobj_swapon_lock);
	spin_lock(&aobj_swap_lock);
	live = aobj_swapdev_live(sd);
	spin_unlock(&aobj_swap_lock);
	return live;
}

/**
 * aobj_swapoff_settle - wait a little for in-flight I/O to change @live
 * @sd: from aobj_swapoff_begin()
 * @live: what aobj_swapoff_live() said
 *
 * Waits until the number of slots in use differs from @live, at most
 * HZ / 10.
 *
 * => aobj_swapon_lock must be held; sleeps.
 * Return: 0, or -EINTR on a fatal signal.
 */
int aobj_swapoff_settle(struct aobj_swapdev *sd, int live)
{
	lockdep_assert_held(&aobj_swapon_lock);
	if (wait_event_killable_timeout(aobj_swapoff_wait,
					aobj_swapdev_live_unlocked(sd) != live,
					HZ / 10) < 0)
		return -EINTR;
	return 0;
}

/**
 * aobj_swapoff_end - finish what aobj_swapoff_begin() started
 * @sd: from aobj_swapoff_begin()
 * @err: 0 if no slot of the device is in use any more: it leaves the
 *	table and is freed; otherwise it goes back in service
 * @lost: pages lost, for the message
 *
 * => aobj_swapon_lock must be held; it is released.  Sleeps.
 */
void aobj_swapoff_end(struct aobj_swapdev *sd, int err, u64 lost)
{
	lockdep_assert_held(&aobj_swapon_lock);
	spin_lock(&aobj_swap_lock);
	if (err) {
		sd->draining = false;
	} else {
		list_del(&sd->list);
		sd->listed = false;
	}
	spin_unlock(&aobj_swap_lock);
	mutex_unlock(&aobj_swapon_lock);
	if (err)
		return;

	pr_info("swapoff %s: done, %llu page(s) lost\n", sd->path, lost);
	aobj_swapdev_free(sd);
}

/**
 * aobj_swap_list - describe the swap devices
 * @info: room for @room entries
 * @room: size of @info
 *
 * => nothing locked.
 * Return: the number of devices (which may exceed @room).
 */
u32 aobj_swap_list(struct aobj_swapdev_info *info, u32 room)
{
	struct aobj_swapdev *sd;
	u32 n = 0;

	spin_lock(&aobj_swap_lock);
	list_for_each_entry(sd, &aobj_swapdevs, list) {
		if (n < room) {
			struct aobj_swapdev_info *i = &info[n];

			memset(i, 0, sizeof(*i));
			strscpy(i->path, sd->path, sizeof(i->path));
			i->major = MAJOR(sd->bdev->bd_dev);
			i->minor = MINOR(sd->bdev->bd_dev);
			i->priority = sd->priority;
			i->flags = (sd->draining ? AOBJ_SWAPDEV_DRAINING : 0) |
				   (sd->dead ? AOBJ_SWAPDEV_DEAD : 0) |
				   (sd->failing ? AOBJ_SWAPDEV_FAILING : 0) |
				   (sd->stalled ? AOBJ_SWAPDEV_STALLED : 0);
			i->slots = sd->nslots;
			i->used = sd->nr_used;
			i->bad = sd->nr_bad;
		}
		n++;
	}
	spin_unlock(&aobj_swap_lock);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(aobj_swap_list);

/**
 * aobj_swap_slot_where - which device holds @slot
 * @slot: a slot number (> 0)
 * @devidx: out: the device's index in the aobj_swap_list() order
 * @start: out: the device's first slot
 * @nslots: out: the device's number of slots
 *
 * => any context but hard irq (obj->lock may be held).
 * Return: 0, or -ENOENT if no device owns @slot.
 */
int aobj_swap_slot_where(int slot, u32 *devidx, int *start, int *nslots)
{
	struct aobj_swapdev *sd;
	u32 n = 0;
	int err = -ENOENT;

	spin_lock(&aobj_swap_lock);
	list_for_each_entry(sd, &aobj_swapdevs, list) {
		if (slot >= sd->start && slot - sd->start < sd->nslots) {
			*devidx = n;
			*start = sd->start;
			*nslots = sd->nslots;
			err = 0;
			break;
		}
		n++;
	}
	spin_unlock(&aobj_swap_lock);
	return err;
}

/**
 * aobj_swap_quiesce - no dead-device work from now on, and none running
 *
 * Module exit calls it before it frees the objects: the work walks the
 * objects with references held, and must not drop the last one of an
 * object the exit path is looking at.  A device that dies from now on is
 * only marked dead; aobj_swap_exit() closes it with the others.
 *
 * => nothing locked; sleeps.
 */
void aobj_swap_quiesce(void)
{
	spin_lock(&aobj_swap_lock);
	aobj_swap_exiting = true;
	spin_unlock(&aobj_swap_lock);
	if (aobj_swap_wq)
		flush_workqueue(aobj_swap_wq);
}

/* => no object is left, so no slot is in use. */
void aobj_swap_exit(void)
{
	struct aobj_swapdev *sd, *next;
	LIST_HEAD(devs);

	/* A dead device's work running now finishes before we look. */
	mutex_lock(&aobj_swapon_lock);
	spin_lock(&aobj_swap_lock);
	list_for_each_entry(sd, &aobj_swapdevs, list) {
		WARN_ON(aobj_swapdev_live(sd));
		sd->listed = false;
	}
	list_splice_init(&aobj_swapdevs, &devs);
	/* Each bio given up on holds a module reference. */
	WARN_ON(!list_empty(&aobj_swap_orphans));
	spin_unlock(&aobj_swap_lock);
	mutex_unlock(&aobj_swapon_lock);

	list_for_each_entry_safe(sd, next, &devs, list) {
		list_del(&sd->list);
		aobj_swapdev_free(sd);
	}
	/*
	 * Waits for works that freed their device, or released an abandoned
	 * bio (each held a module reference), and are still returning.
	 */
	if (aobj_swap_wq)
		destroy_workqueue(aobj_swap_wq);
	aobj_swap_wq = NULL;
	if (aobj_io_wq)
		destroy_workqueue(aobj_io_wq);
	aobj_io_wq = NULL;
	bioset_exit(&aobj_bioset);
	mempool_destroy(aobj_io_pool);
}
