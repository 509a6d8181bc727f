// SPDX-License-Identifier: GPL-2.0
/*
 * aobj-stress: random operations on aobj objects from several processes
 * and threads, racing each other on the same objects without any lock of
 * the tool's in between, with exact verification of every page read,
 * while another process turns two swap devices off and on again.
 *
 *   aobj-stress [--duration S] [--seed N] [--procs P] [--threads T]
 *               [--objects K] [--max-pages N] [--limit-mb M]
 *               [--pressure[=BYTES]] [--remove-device=NULLB]
 *               [--removed-elsewhere=NULLB] [--shared] [--allow-enomem]
 *               [--no-floors] [--verbose] [DEVICE...]
 *
 * Objects live in K slots in shared memory.  A slot has a state (empty,
 * live, detaching, detached), a count of the operations inside it (so that
 * a slot is only reused for a new object when nobody uses the old one),
 * an incarnation number (the object's unique key) and, per page, a model:
 *
 *   gen      the generation last written; contents are a hash of (key,
 *            page, gen, word), so a page has one right answer
 *   zero     the page must read as zeros (new object, or FREEd since)
 *   zok      it may also read as zeros, word by word: a FREE raced the
 *            last write, so some or all of that write may be gone
 *   pending  FREEs in flight over the page: zeros are fine meanwhile
 *   lost     it may be gone for good (device removal, see below)
 *   seq      a seqlock count: even when stable, bumped around changes
 *   lock     taken by a writer while it fills the page and by a FREE to
 *            record its outcome; readers never take it
 *
 * Writes, verifies, FLUSH FREE/CLEAN/DEACTIVATE, STAT, LIST, DETACH, fork,
 * munmap and the VMA operations (a second mapping of part of the object,
 * split by partial munmap and mprotect, moved, shrunk, grown and
 * duplicated by mremap, forked) all run at the same
 * time on the same objects.  A reader copies a page between two reads of
 * its seq and retries if a write came in between; it accepts the
 * generation written, or zeros when the model says FREE may have been
 * there.  A FREE marks its pages pending before the ioctl and, after it,
 * records "zero" on every page no write completed on in between; a write
 * that completes while a FREE is pending leaves "zok".  A reader that finds
 * a clean answer with no FREE pending tightens the model again.
 *
 * With two or more devices, a churn process keeps one of them in service
 * and takes the other out (SWAPOFF reads every page back) and in again,
 * so faults never lack swap.  The resident limit
 * (/sys/module/aobj/parameters/max_resident_mb) is set low enough that
 * pages are paged out all the time, and restored at exit.
 *
 * --remove-device=/sys/kernel/config/nullb/NAME swaps /dev/NAME (a
 * memory-backed null_blk device) on as well and, after pages went out to
 * it, removes the device (power 0, rmdir) while the run goes on.  Objects
 * seen with swapped pages while it was in service may then fail with
 * SIGBUS (or a FLUSH with EIO): counted as lost_to_removal, not as errors.
 * This needs the module to let go of a dead device (blk_holder_ops).
 *
 * --removed-elsewhere=/sys/kernel/config/nullb/NAME: another run removes
 * that device (its --remove-device), and pageout may have put this run's
 * pages there too.  A watcher records which objects have swapped pages
 * while /dev/NAME serves, and notices the removal (power 0 or the
 * directory gone); SIGBUS/EIO on those objects is then lost_to_removal.
 *
 * ENOMEM is an error unless fault injection is on (failslab or
 * fail_page_alloc probability > 0 in debugfs) or --allow-enomem is given.
 * The run fails if it did too little: see "floors" in the summary.
 *
 * --seed fixes every worker's sequence of operations (the interleaving is
 * up to the scheduler).  Exit status: 0 when there was no mismatch, no
 * unexpected error and every floor was met, 1 otherwise, 2 for usage
 * errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/aobj.h>

#include "aobj-util.h"

#define CTL		"/dev/aobj"
#define LIMIT_PARAM	"/sys/module/aobj/parameters/max_resident_mb"
#define STAT_OBJECTS	"/sys/class/misc/aobj/stats/objects"
#define STAT_DIR	"/sys/class/misc/aobj/stats/"
#define MAX_SLOTS	64
#define MAX_PAGES	4096
#define MAX_PROCS	16
#define MAX_THREADS	16
#define MAX_DEVS	2
#define MAX_REPORTS	20
#define VMA_PAGES	16	/* largest second mapping of op_vma */

/* ---- options ---- */

static unsigned int opt_duration = 60, opt_procs = 3, opt_threads = 2;
static unsigned int opt_objects = 12, opt_max_pages = 256, opt_limit_mb = 4;
static uint64_t opt_seed;
static const char *opt_pressure, *opt_remove, *opt_watch;
static bool opt_verbose, opt_allow_enomem, opt_no_floors, opt_shared;
static const char *devs[MAX_DEVS];
static int ndevs;
static long pagesz;
static char rm_dev[128];	/* /dev/NAME of --remove-device (--removed-elsewhere) */

/* ---- shared state ---- */

enum { SLOT_EMPTY, SLOT_CREATING, SLOT_LIVE, SLOT_DETACHING, SLOT_DETACHED,
       SLOT_RECYCLING };

/* One page's model; see the top of the file. */
struct pstate {
	uint32_t lock;
	uint32_t seq;
	uint32_t gen;
	uint32_t prev;
	uint32_t wcount;
	uint32_t pending;
	uint8_t zero;
	uint8_t zok;
	uint8_t lost;
	uint8_t pad;
	uint32_t pad2;
};

struct slot {
	int state;
	int users;		/* operations inside; 0 before reuse */
	unsigned int id;
	uint32_t npages;
	bool noswap;
	int exposed;		/* had swapped pages while the removed device served */
	uint64_t key;		/* unique per incarnation */
	struct pstate pg[];	/* opt_max_pages of them */
};

struct shared {
	volatile int stop;
	int enomem_ok;
	int removal_started;	/* the removable device is being removed */
	int removal_listed;	/* ... and exposure was recorded after it */
	uint64_t next_key;
	uint64_t ops, bytes_verified, mismatches, errors, enomem;
	uint64_t swapon_cycles, swapoff_cycles, swapoff_aborted, forks;
	uint64_t creates, detaches, frees, cleans, deacts, unmaps;
	uint64_t vmas, munmaps_partial, mprotects, mremaps, vma_forks;
	uint64_t torn, raced_free, retries, lost_to_removal, removed_used;
	unsigned int reports;
	pthread_mutex_t print_lock;
	char slots[];		/* opt_objects slots of slot_size bytes */
};

static struct shared *sh;
static size_t slot_size;

#define ADD(field, n)	__atomic_fetch_add(&sh->field, (n), __ATOMIC_RELAXED)
#define STOPPED()	__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)
#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)
#define INC(x)		__atomic_add_fetch(&(x), 1, __ATOMIC_SEQ_CST)
#define DEC(x)		__atomic_sub_fetch(&(x), 1, __ATOMIC_SEQ_CST)

static struct slot *slot_at(int idx)
{
	return (struct slot *)(sh->slots + (size_t)idx * slot_size);
}

/*
 * msg: one line to stdout.  No stdio: a fork child of a threaded worker
 * may not take the locks of stdio streams.
 */
__attribute__((format(printf, 1, 2)))
static void msg(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	pthread_mutex_lock(&sh->print_lock);
	if (write(1, buf, (size_t)n) < 0) {
		/* nowhere to report it */
	}
	pthread_mutex_unlock(&sh->print_lock);
}

/* An unexpected errno or event: counted, the first ones printed. */
__attribute__((format(printf, 1, 2)))
static void error(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	ADD(errors, 1);
	if (__atomic_fetch_add(&sh->reports, 1, __ATOMIC_RELAXED) >= MAX_REPORTS)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	msg("stress: ERROR [pid %d] %s\n", (int)getpid(), buf);
}

/*
 * enomem: an ENOMEM from @what.  Fine under fault injection, else an
 * error (a module that fails every allocation must not pass).
 */
static void enomem(const char *what)
{
	ADD(enomem, 1);
	if (!sh->enomem_ok)
		error("%s: ENOMEM without fault injection", what);
}

/* ---- random numbers (splitmix64 seeded xorshift) ---- */

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct rng { uint64_t s; };

static uint64_t rnd(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix(r->s);
}

static uint32_t rnd_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rnd(r) % n) : 0;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* ---- the pattern ---- */

static inline uint64_t pattern(uint64_t key, uint32_t pg, uint32_t gen,
			       uint32_t word)
{
	if (!gen)
		return 0;
	return mix(key * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)pg << 32 | gen) ^
		   mix((uint64_t)word + 1));
}

static void fill_page(void *p, uint64_t key, uint32_t pg, uint32_t gen)
{
	uint64_t *w = p;
	uint32_t i, n = pagesz / 8;

	for (i = 0; i < n; i++)
		w[i] = pattern(key, pg, gen, i);
}

/* What a bad page holds: "zeros", "generation N", or its first bad word. */
static void describe(const uint64_t *w, uint64_t key, uint32_t pg,
		     uint32_t want, char *buf, size_t len)
{
	uint32_t n = pagesz / 8, i, g, lo = want > 64 ? want - 64 : 1;

	for (i = 0; i < n && !w[i]; i++)
		;
	if (i == n) {
		snprintf(buf, len, "zeros");
		return;
	}
	for (g = lo; g <= want + 64; g++) {
		if (w[0] == pattern(key, pg, g, 0)) {
			uint32_t bad = 0;

			for (i = 0; i < n; i++)
				bad += w[i] != pattern(key, pg, g, i);
			snprintf(buf, len, "generation %u (%u words differ)", g,
				 bad);
			return;
		}
	}
	for (i = 0; i < n; i++)
		if (w[i] != pattern(key, pg, want, i))
			break;
	snprintf(buf, len, "word %u = %#" PRIx64 " (of another page/object?)",
		 i, w[i < n ? i : 0]);
}

/* ---- SIGBUS: a page that cannot be read (device removal) ---- */

static __thread sigjmp_buf bus_jmp;
static __thread volatile sig_atomic_t bus_armed;
static __thread void *volatile bus_addr;

static void fatal_signal(int sig, siginfo_t *si, void *uc)
{
	char buf[200];
	int n;

	(void)uc;
	if (sig == SIGBUS && bus_armed) {
		bus_armed = 0;
		bus_addr = si->si_addr;
		siglongjmp(bus_jmp, 1);
	}
	n = snprintf(buf, sizeof(buf),
		     "stress: ERROR [pid %d] signal %d at address %p: a page of an object could not be read or allocated\n",
		     (int)getpid(), sig, si->si_addr);
	if (write(1, buf, (size_t)n) < 0) {
		/* nothing to do */
	}
	__atomic_fetch_add(&sh->errors, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
	_exit(3);
}

static void set_fatal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fatal_signal;
	/* NODEFER: a siglongjmp() out of the handler leaves SIGBUS open. */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

/*
 * bus_expected: a SIGBUS (or EIO) on object @s is expected only after the
 * removable device went away, and only for objects that had pages swapped
 * while it was in service.  The exposure list is completed just after the
 * removal: wait for it.
 */
/*
 * removal_seen: has the device been removed?  With --removed-elsewhere the
 * watcher may notice it a little after this run's first SIGBUS: wait for
 * it, up to 10 s.
 */
static bool removal_seen(void)
{
	int i;

	for (i = 0; opt_watch && i < 200 && !LOAD(sh->removal_started); i++)
		sleep_ms(50);
	return LOAD(sh->removal_started);
}

static bool bus_expected(struct slot *s)
{
	int i;

	if (!removal_seen())
		return false;
	for (i = 0; i < 100 && !LOAD(sh->removal_listed); i++)
		sleep_ms(50);
	return LOAD(s->exposed);
}

/* ---- per-page model ---- */

/* page_lock: bounded; false (and an error) if it stays taken for 30 s. */
static bool page_lock(struct pstate *ps)
{
	double t0 = 0;
	unsigned int spins = 0;

	for (;;) {
		uint32_t z = 0;

		if (__atomic_compare_exchange_n(&ps->lock, &z, 1, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return true;
		if (++spins < 100) {
			sched_yield();
			continue;
		}
		if (!t0)
			t0 = now_s();
		else if (now_s() - t0 > 30) {
			error("a page lock stayed taken for 30 s (holder died?)");
			return false;
		}
		sleep_ms(1);
	}
}

static bool page_trylock(struct pstate *ps)
{
	uint32_t z = 0;

	return __atomic_compare_exchange_n(&ps->lock, &z, 1, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static void page_unlock(struct pstate *ps)
{
	STORE(ps->lock, 0);
}

/* Model changes are made with the page lock held, between seq bumps. */
static void seq_begin(struct pstate *ps)
{
	STORE(ps->seq, ps->seq + 1);
}

static void seq_end(struct pstate *ps)
{
	STORE(ps->seq, ps->seq + 1);
}

/* The model as a reader saw it. */
struct view {
	uint32_t gen, prev;
	bool zero, zok, lost;
};

static void read_view(struct pstate *ps, struct view *v)
{
	v->gen = LOAD(ps->gen);
	v->prev = LOAD(ps->prev);
	v->zero = LOAD(ps->zero);
	v->zok = LOAD(ps->zok);
	v->lost = LOAD(ps->lost);
}

enum { PAGE_OK_GEN, PAGE_OK_ZERO, PAGE_OK_TORN, PAGE_BAD };

/*
 * classify: is @w a right answer for page @pg under @v, @allow_zero
 * meaning a FREE may have cleared some or all of it?
 */
static int classify(const uint64_t *w, uint64_t key, uint32_t pg,
		    const struct view *v, bool allow_zero)
{
	uint32_t n = pagesz / 8, i, ngen = 0, nzero = 0;

	if (v->zero) {
		for (i = 0; i < n; i++)
			if (w[i])
				return PAGE_BAD;
		return PAGE_OK_ZERO;
	}
	for (i = 0; i < n; i++) {
		if (w[i] == pattern(key, pg, v->gen, i)) {
			ngen++;
		} else if (!w[i] && (allow_zero || v->lost)) {
			nzero++;
		} else if (!(v->lost && w[i] == pattern(key, pg, v->prev, i))) {
			return PAGE_BAD;
		}
	}
	if (ngen == n)
		return PAGE_OK_GEN;
	if (nzero == n)
		return PAGE_OK_ZERO;
	return PAGE_OK_TORN;
}

static void report_mismatch(struct slot *s, const uint64_t *w, uint32_t pg,
			    const struct view *v, bool allow_zero,
			    const char *what)
{
	char found[128];

	ADD(mismatches, 1);
	if (__atomic_fetch_add(&sh->reports, 1, __ATOMIC_RELAXED) >= MAX_REPORTS)
		return;
	describe(w, s->key, pg, v->gen, found, sizeof(found));
	msg("stress: MISMATCH [pid %d] %s: object %u (key %" PRIu64
	    ", %u pages) page %u: expected %s %u%s%s, found %s\n",
	    (int)getpid(), what, s->id, s->key, s->npages, pg,
	    v->zero ? "zeros, after generation" : "generation", v->gen,
	    !v->zero && allow_zero ? " or zeros" : "",
	    v->lost ? " (or lost)" : "", found);
}

/* A SIGBUS on page @pg of @s: expected (counted) or an error. */
static void page_sigbus(struct slot *s, uint32_t pg, const char *what)
{
	if (bus_expected(s)) {
		ADD(lost_to_removal, 1);
		STORE(s->pg[pg].lost, 1);
		return;
	}
	error("SIGBUS at %p, %s object %u page %u (%s)", bus_addr, what, s->id,
	      pg, LOAD(sh->removal_started) ?
	      "not exposed to the removed device" : "no device was removed");
}

/*
 * verify_page: read page @pg of @s at @addr and check it against the
 * model, without any lock: the copy is taken between two reads of the
 * page's seq and retried if a write came in between.  Returns false only
 * on a mismatch.
 */
static bool verify_page(struct slot *s, const char *addr, uint32_t pg,
			const char *what)
{
	struct pstate *ps = &s->pg[pg];
	uint64_t buf[8192 / 8];
	int tries, res = PAGE_OK_GEN;

	for (tries = 0; tries < 20; tries++) {
		uint32_t s1, s2, pend;
		struct view v;
		bool allow_zero;

		s1 = LOAD(ps->seq);
		if (s1 & 1) {
			ADD(retries, 1);
			sched_yield();
			continue;
		}
		read_view(ps, &v);
		if (sigsetjmp(bus_jmp, 0)) {
			page_sigbus(s, pg, what);
			return true;
		}
		bus_armed = 1;
		memcpy(buf, addr, pagesz);
		bus_armed = 0;
		pend = LOAD(ps->pending);
		s2 = LOAD(ps->seq);
		if (s1 != s2) {
			ADD(retries, 1);
			continue;
		}
		allow_zero = v.zok || pend;
		res = classify(buf, s->key, pg, &v, allow_zero);
		if (res == PAGE_BAD) {
			report_mismatch(s, buf, pg, &v, allow_zero, what);
			return false;
		}
		ADD(bytes_verified, pagesz);
		if (res == PAGE_OK_TORN)
			ADD(torn, 1);
		if (res != PAGE_OK_GEN && !v.zero && pend)
			ADD(raced_free, 1);
		/*
		 * A clean answer with no FREE pending and no write since: the
		 * model learns it ("zero" until the next write, or "gen").
		 */
		if (!pend && !v.zero && (v.zok || v.lost) &&
		    (res == PAGE_OK_GEN || res == PAGE_OK_ZERO) &&
		    page_trylock(ps)) {
			if (LOAD(ps->seq) == s1 && !LOAD(ps->pending)) {
				seq_begin(ps);
				if (res == PAGE_OK_ZERO)
					STORE(ps->zero, 1);
				STORE(ps->zok, 0);
				STORE(ps->lost, 0);
				seq_end(ps);
			}
			page_unlock(ps);
		}
		return true;
	}
	return true;	/* always being written: nothing to conclude */
}

/*
 * write_page: the next generation of page @pg of @s, through @addr.  The
 * page lock keeps other writers off; FREEs are not kept off: if one is
 * pending when the write completes, some of the write may be zeros.
 */
static void write_page(struct slot *s, char *addr, uint32_t pg,
		       bool check_first, const char *what)
{
	struct pstate *ps = &s->pg[pg];
	volatile uint32_t gen;

	if (!page_lock(ps))
		return;
	if (check_first)
		verify_page(s, addr, pg, what);
	gen = ps->gen + 1;
	seq_begin(ps);
	if (sigsetjmp(bus_jmp, 0)) {
		/* Part of the page may be written: gen, prev or gone. */
		page_sigbus(s, pg, what);
		STORE(ps->prev, ps->zero ? 0 : ps->gen);
		STORE(ps->gen, gen);
		STORE(ps->zero, 0);
		STORE(ps->zok, 1);
		INC(ps->wcount);
		seq_end(ps);
		page_unlock(ps);
		return;
	}
	bus_armed = 1;
	fill_page(addr, s->key, pg, gen);
	bus_armed = 0;
	STORE(ps->prev, ps->zero ? 0 : ps->gen);
	STORE(ps->gen, gen);
	STORE(ps->zero, 0);
	STORE(ps->lost, 0);
	STORE(ps->zok, LOAD(ps->pending) != 0);
	INC(ps->wcount);
	seq_end(ps);
	page_unlock(ps);
}

/* ---- slots: entered without a lock, reused only when nobody is inside ---- */

static bool slot_enter(struct slot *s)
{
	int st;

	INC(s->users);
	st = LOAD(s->state);
	if (st == SLOT_LIVE || st == SLOT_DETACHING || st == SLOT_DETACHED)
		return true;
	DEC(s->users);
	return false;
}

static void slot_leave(struct slot *s)
{
	DEC(s->users);
}

/* ---- per-process mappings ---- */

/*
 * A process maps each object once for its workers; the mapping is
 * counted, so that op_unmap() can drop it while other threads of the
 * process still use it: the last one unmaps.  map_lock only guards the
 * pointer, never a fault, FLUSH or DETACH.
 */
struct mapping {
	int refs;
	uint64_t key;
	char *addr;
	size_t len;
	int fd;			/* O_RDWR on the node, for FLUSH and DETACH */
};

static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mapping *maps[MAX_SLOTS];

static void map_put(struct mapping *m)
{
	if (DEC(m->refs))
		return;
	if (munmap(m->addr, m->len))
		error("munmap: %s", strerror(errno));
	close(m->fd);
	free(m);
}

/* Expected when the object is being detached: the node went away. */
static bool detach_raced(struct slot *s, int err)
{
	return LOAD(s->state) != SLOT_LIVE &&
	       (err == ENXIO || err == ENOENT || err == EIDRM);
}

/*
 * map_get: this process's mapping of the object in @s (entered), counted;
 * NULL if there is none and the object is detached (or on an error).
 */
static struct mapping *map_get(int idx)
{
	struct slot *s = slot_at(idx);
	struct mapping *m;
	char path[32];
	void *p;

	pthread_mutex_lock(&map_lock);
	m = maps[idx];
	if (m && m->key == s->key) {
		INC(m->refs);
		pthread_mutex_unlock(&map_lock);
		return m;
	}
	maps[idx] = NULL;
	if (m)
		map_put(m);
	m = calloc(1, sizeof(*m));
	if (!m) {
		pthread_mutex_unlock(&map_lock);
		enomem("malloc");
		return NULL;
	}
	/*
	 * Only a live object is opened by its id: once detached, the id may
	 * be freed and given to another slot's object.  Live before and
	 * after the open (and no reuse while we are inside the slot): the
	 * node opened is this object's.
	 */
	snprintf(path, sizeof(path), "/dev/aobj%u", s->id);
	m->fd = LOAD(s->state) == SLOT_LIVE ? open(path, O_RDWR | O_CLOEXEC) : -2;
	if (m->fd >= 0 && LOAD(s->state) != SLOT_LIVE) {
		close(m->fd);
		m->fd = -2;
	}
	if (m->fd < 0) {
		int err = errno;

		pthread_mutex_unlock(&map_lock);
		if (m->fd == -1 && !detach_raced(s, err))
			error("open %s (live object): %s", path, strerror(err));
		free(m);
		return NULL;
	}
	p = mmap(NULL, (size_t)s->npages * pagesz, PROT_READ | PROT_WRITE,
		 MAP_SHARED, m->fd, 0);
	if (p == MAP_FAILED) {
		int err = errno;

		pthread_mutex_unlock(&map_lock);
		close(m->fd);
		free(m);
		if (err == ENOMEM)
			enomem("mmap");
		else if (!detach_raced(s, err))
			error("mmap %s: %s", path, strerror(err));
		return NULL;
	}
	m->addr = p;
	m->len = (size_t)s->npages * pagesz;
	m->key = s->key;
	m->refs = 2;		/* maps[idx] and the caller */
	maps[idx] = m;
	pthread_mutex_unlock(&map_lock);
	return m;
}

/* ---- ioctls ---- */

static int ctl_fd = -1;

static int do_flush(int fd, uint32_t flags, uint64_t off, uint64_t len)
{
	struct aobj_flush f = {
		.size = sizeof(f), .flags = flags, .offset = off, .length = len,
	};

	return ioctl(fd, AOBJ_IOC_FLUSH, &f) ? -errno : 0;
}

/* ---- operations (slot index @idx, thread's rng @r) ---- */

/* Create an object in an empty slot, or in a detached one nobody uses. */
static void op_create(int idx, struct rng *r)
{
	struct slot *s = slot_at(idx);
	struct aobj_create c = { .size = sizeof(c) };
	int st = LOAD(s->state), want = SLOT_CREATING;
	uint32_t npages, pg;

	if (st == SLOT_DETACHED)
		want = SLOT_RECYCLING;
	else if (st != SLOT_EMPTY)
		return;
	if (!__atomic_compare_exchange_n(&s->state, &st, want, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return;
	if (LOAD(s->users)) {
		/* Someone entered before seeing RECYCLING: later. */
		STORE(s->state, st);
		return;
	}
	npages = 1 + rnd_below(r, opt_max_pages);
	/* Slot 0 is sometimes NOSWAP, and then small. */
	if (idx == 0 && rnd_below(r, 2)) {
		c.flags = AOBJ_CREATE_NOSWAP;
		npages = 1 + rnd_below(r, 8);
	}
	/* An unaligned length rounds up to the same number of pages. */
	c.length = (uint64_t)npages * pagesz - rnd_below(r, pagesz);
	c.mode = rnd_below(r, 2) ? 0600 : 0;
	if (ioctl(ctl_fd, AOBJ_IOC_CREATE, &c)) {
		if (errno == ENOMEM)
			enomem("CREATE");
		else
			error("CREATE %u pages: %s", npages, strerror(errno));
		STORE(s->state, SLOT_EMPTY);
		return;
	}
	s->id = c.id;
	s->npages = npages;
	s->noswap = c.flags & AOBJ_CREATE_NOSWAP;
	s->exposed = 0;
	s->key = __atomic_add_fetch(&sh->next_key, 1, __ATOMIC_RELAXED);
	for (pg = 0; pg < npages; pg++) {
		memset(&s->pg[pg], 0, sizeof(s->pg[pg]));
		s->pg[pg].zero = 1;
	}
	ADD(creates, 1);
	STORE(s->state, SLOT_LIVE);
}

/* Random page range [*first, *first + *n). */
static void pick_range(struct rng *r, uint32_t npages, uint32_t *first,
		       uint32_t *n, uint32_t max)
{
	*first = rnd_below(r, npages);
	*n = 1 + rnd_below(r, npages - *first < max ? npages - *first : max);
}

static void op_write(struct slot *s, struct mapping *m, struct rng *r)
{
	uint32_t first, n, pg;

	pick_range(r, s->npages, &first, &n, 32);
	for (pg = first; pg < first + n && !STOPPED(); pg++)
		write_page(s, m->addr + (size_t)pg * pagesz, pg,
			   rnd_below(r, 4) == 0, "before write");
}

static void op_verify(struct slot *s, struct mapping *m, struct rng *r)
{
	uint32_t first, n, pg;

	pick_range(r, s->npages, &first, &n, 64);
	for (pg = first; pg < first + n && !STOPPED(); pg++)
		verify_page(s, m->addr + (size_t)pg * pagesz, pg, "verify");
}

/* Page-aligned range for FLUSH; length 0 (to the end) sometimes. */
static void flush_range(struct rng *r, struct slot *s, uint64_t *off,
			uint64_t *len, uint32_t *first, uint32_t *end)
{
	uint32_t n;

	pick_range(r, s->npages, first, &n, s->npages);
	*off = (uint64_t)*first * pagesz;
	*end = *first + n;
	if (rnd_below(r, 4) == 0) {
		*len = 0;
		*end = s->npages;
	} else {
		*len = (uint64_t)n * pagesz;
	}
}

static const char *flush_name(uint32_t mode)
{
	return mode == AOBJ_FLUSH_FREE ? "FREE" :
	       mode == AOBJ_FLUSH_CLEAN ? "CLEAN" : "DEACTIVATE";
}

/*
 * FLUSH FREE, racing writes and reads of the same pages: pending around
 * the ioctl, then per page "zero" if no write completed meanwhile.
 */
static void op_free(struct slot *s, struct mapping *m, struct rng *r)
{
	uint32_t snap[MAX_PAGES];
	uint32_t first, end, pg;
	uint64_t off, len;
	int err;

	flush_range(r, s, &off, &len, &first, &end);
	for (pg = first; pg < end; pg++) {
		INC(s->pg[pg].pending);
		snap[pg - first] = LOAD(s->pg[pg].wcount);
	}
	err = do_flush(m->fd, AOBJ_FLUSH_FREE, off, len);
	if (err == -ENOMEM)
		enomem("FLUSH FREE");
	else if (err)
		error("FLUSH FREE object %u [%u, %u): %s", s->id, first, end,
		      strerror(-err));
	else
		ADD(frees, 1);
	for (pg = first; pg < end; pg++) {
		struct pstate *ps = &s->pg[pg];

		if (!page_lock(ps)) {
			DEC(ps->pending);
			continue;
		}
		seq_begin(ps);
		if (err) {
			/* Perhaps freed in part. */
			if (!ps->zero)
				STORE(ps->zok, 1);
		} else if (LOAD(ps->wcount) == snap[pg - first]) {
			STORE(ps->zero, 1);
			STORE(ps->zok, 0);
			STORE(ps->lost, 0);
		}
		DEC(ps->pending);
		seq_end(ps);
		page_unlock(ps);
	}
	/* The freed range reads as zeros at once (unless written since). */
	if (!err && rnd_below(r, 2))
		for (pg = first; pg < end && pg < first + 8; pg++)
			verify_page(s, m->addr + (size_t)pg * pagesz, pg,
				    "after FLUSH FREE");
}

static void op_flush(struct slot *s, struct mapping *m, struct rng *r,
		     uint32_t mode)
{
	uint32_t first, end;
	uint64_t off, len;
	int err;

	flush_range(r, s, &off, &len, &first, &end);
	err = do_flush(m->fd, mode, off, len);
	if (err == -ENOMEM) {
		enomem(flush_name(mode));
	} else if (err == -EIO && mode == AOBJ_FLUSH_CLEAN && removal_seen()) {
		/* CLEAN wrote to the device being removed. */
		ADD(lost_to_removal, 1);
	} else if (err) {
		error("FLUSH %s object %u [%u, %u): %s", flush_name(mode),
		      s->id, first, end, strerror(-err));
	} else {
		mode == AOBJ_FLUSH_CLEAN ? ADD(cleans, 1) : ADD(deacts, 1);
	}
}

static void op_stat_list(struct slot *s, struct mapping *m, struct rng *r)
{
	struct aobj_stat st = { .size = sizeof(st) };
	struct aobj_info ents[MAX_SLOTS * 2 + 16];
	struct aobj_list l = {
		.size = sizeof(l), .count = MAX_SLOTS * 2 + 16,
		.entry_size = sizeof(ents[0]), .entries = (uintptr_t)ents,
	};
	uint32_t i, want;
	bool found = false, live;

	if (rnd_below(r, 2)) {
		if (ioctl(m->fd, AOBJ_IOC_STAT, &st)) {
			error("STAT object %u: %s", s->id, strerror(errno));
			return;
		}
		/* DETACHING is set before the DETACH ioctl. */
		live = LOAD(s->state) == SLOT_LIVE;
		want = s->noswap ? AOBJ_INFO_NOSWAP : 0;
		if (st.info.id != s->id ||
		    st.info.length != (uint64_t)s->npages * pagesz ||
		    (st.info.flags & ~AOBJ_INFO_DETACHED) != want ||
		    (live && (st.info.flags & AOBJ_INFO_DETACHED)) ||
		    st.info.resident > s->npages ||
		    st.info.swapped > s->npages) {
			error("STAT object %u: id %u length %llu flags %#x resident %llu swapped %llu (%u pages%s)",
			      s->id, st.info.id, (unsigned long long)st.info.length,
			      st.info.flags, (unsigned long long)st.info.resident,
			      (unsigned long long)st.info.swapped, s->npages,
			      live ? "" : ", detached");
		}
		return;
	}
	live = LOAD(s->state) == SLOT_LIVE;
	if (ioctl(ctl_fd, AOBJ_IOC_LIST, &l)) {
		if (errno == ENOMEM)
			enomem("LIST");
		else
			error("LIST: %s", strerror(errno));
		return;
	}
	for (i = 0; i < l.count && i < MAX_SLOTS * 2 + 16; i++)
		if (ents[i].id == s->id && !(ents[i].flags & AOBJ_INFO_DETACHED)) {
			found = true;
			if (ents[i].length != (uint64_t)s->npages * pagesz)
				error("LIST: object %u has length %llu, want %llu",
				      s->id, (unsigned long long)ents[i].length,
				      (unsigned long long)s->npages * pagesz);
		}
	/* Live before and after the call: it must be there, not detached. */
	if (!found && live && LOAD(s->state) == SLOT_LIVE &&
	    l.count <= MAX_SLOTS * 2 + 16)
		error("LIST: live object %u is not listed (%u objects)",
		      s->id, l.count);
}

/* Drop this process's mapping (the object stays); the last user unmaps. */
static bool op_unmap(int idx)
{
	struct mapping *m;

	pthread_mutex_lock(&map_lock);
	m = maps[idx];
	maps[idx] = NULL;
	pthread_mutex_unlock(&map_lock);
	if (!m)
		return false;
	map_put(m);
	ADD(unmaps, 1);
	return true;
}

/*
 * DETACH while others write, read, FREE and map: the object lives on in
 * every mapping; new opens fail from now on.
 */
static void op_detach(struct slot *s, struct mapping *m, struct rng *r)
{
	struct aobj_detach d = { .size = sizeof(d) };
	int st = SLOT_LIVE;
	uint32_t pg;

	if (!__atomic_compare_exchange_n(&s->state, &st, SLOT_DETACHING, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return;
	if (ioctl(m->fd, AOBJ_IOC_DETACH, &d)) {
		error("DETACH object %u: %s", s->id, strerror(errno));
		STORE(s->state, SLOT_LIVE);
		return;
	}
	STORE(s->state, SLOT_DETACHED);
	ADD(detaches, 1);
	/* The detached object is still mapped: it reads the same. */
	for (pg = rnd_below(r, s->npages); pg < s->npages && pg < 4; pg++)
		verify_page(s, m->addr + (size_t)pg * pagesz, pg, "after detach");
}

/*
 * Fork while the other threads go on: the child checks and rewrites some
 * pages through the inherited mapping and exits, perhaps unmapping first;
 * the parent checks those pages afterwards.
 */
static void op_fork(struct slot *s, struct mapping *m, struct rng *r)
{
	uint32_t first, n, pg;
	int status;
	pid_t pid;

	pick_range(r, s->npages, &first, &n, 16);
	pid = fork();
	if (pid < 0) {
		if (errno == ENOMEM)
			enomem("fork");
		else if (errno != EAGAIN)
			error("fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		/* Only this mapping and shared memory are used: no locks of ours. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (pg = first; pg < first + n && !STOPPED(); pg++)
			write_page(s, m->addr + (size_t)pg * pagesz, pg, true,
				   "fork child");
		if (rnd_below(r, 2))
			munmap(m->addr, m->len);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		error("fork child of object %u: %s %d", s->id,
		      WIFSIGNALED(status) ? "killed by signal" : "exit status",
		      WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	ADD(forks, 1);
	for (pg = first; pg < first + n && !STOPPED(); pg++)
		verify_page(s, m->addr + (size_t)pg * pagesz, pg,
			    "after fork child");
}

/*
 * A second mapping of part of the object, cut up while the other threads
 * and processes fault, write and FREE on the same pages: partial munmap,
 * mprotect, mremap (move, shrink, grow, MREMAP_DONTUNMAP, duplicate) and
 * fork.  @at[i] is where page first + i is
 * mapped now (NULL: unmapped), @piece[i] which VMA it came from: a run of
 * pages of one piece at consecutive addresses is one VMA.
 */
struct window {
	uint32_t first, n;
	char *at[VMA_PAGES];
	unsigned int piece[VMA_PAGES];
	unsigned int pieces;
};

/* The longest run (at most @max pages) of one VMA starting at page @i. */
static uint32_t run_at(const struct window *w, uint32_t i, uint32_t max)
{
	uint32_t len = 1;

	if (!w->at[i])
		return 0;
	while (i + len < w->n && len < max && w->at[i + len] &&
	       w->at[i + len] == w->at[i] + (size_t)len * pagesz &&
	       w->piece[i + len] == w->piece[i])
		len++;
	return len;
}

/*
 * split: pages [@i, @i + @len) became a VMA of their own (mprotect, or
 * mremap moved them), and what follows in the old VMA is one of its own
 * too.  The kernel may merge neighbours again (after mprotect back to
 * read-write); a piece is then part of a larger VMA, and anything done
 * within one piece stays within one VMA, which is all that mremap needs.
 */
static void split(struct window *w, uint32_t i, uint32_t len)
{
	unsigned int old = w->piece[i], mid = ++w->pieces, tail = ++w->pieces;
	uint32_t j;

	for (j = i; j < i + len; j++)
		w->piece[j] = mid;
	for (; j < w->n; j++)
		if (w->piece[j] == old)
			w->piece[j] = tail;
}

/* A random mapped page of the window, or -1. */
static int some_page(const struct window *w, struct rng *r)
{
	uint32_t i, k = rnd_below(r, w->n);

	for (i = 0; i < w->n; i++)
		if (w->at[(k + i) % w->n])
			return (int)((k + i) % w->n);
	return -1;
}

static void window_unmap(struct window *w, uint32_t i, uint32_t len)
{
	uint32_t j;

	if (munmap(w->at[i], (size_t)len * pagesz))
		error("munmap of %u page(s) of a second mapping: %s", len,
		      strerror(errno));
	for (j = i; j < i + len; j++)
		w->at[j] = NULL;
}

static void window_verify(struct slot *s, struct window *w, const char *what)
{
	uint32_t i;

	for (i = 0; i < w->n; i++)
		if (w->at[i])
			verify_page(s, w->at[i], w->first + i, what);
}

static void vma_step(struct slot *s, struct window *w, struct rng *r,
		     pid_t *child)
{
	int k = some_page(w, r);
	uint32_t i, len, j;
	void *p, *dst;

	if (k < 0)
		return;
	i = (uint32_t)k;
	len = 1 + rnd_below(r, run_at(w, i, w->n));
	len = run_at(w, i, len);
	switch (rnd_below(r, 7)) {
	case 0:		/* partial munmap: splits the VMA */
		window_unmap(w, i, len);
		ADD(munmaps_partial, 1);
		break;
	case 1:		/* mprotect part of it read-only, read, back, write */
		if (mprotect(w->at[i], (size_t)len * pagesz, PROT_READ)) {
			error("mprotect(PROT_READ) of %u page(s): %s", len,
			      strerror(errno));
			break;
		}
		split(w, i, len);
		for (j = i; j < i + len; j++)
			verify_page(s, w->at[j], w->first + j, "read-only");
		if (mprotect(w->at[i], (size_t)len * pagesz,
			     PROT_READ | PROT_WRITE)) {
			error("mprotect(PROT_READ|PROT_WRITE) of %u page(s): %s",
			      len, strerror(errno));
			window_unmap(w, i, len);	/* not writable */
			break;
		}
		write_page(s, w->at[i], w->first + i, false, "after mprotect");
		ADD(mprotects, 1);
		break;
	case 2:		/* mremap to a new place */
		dst = mmap(NULL, (size_t)len * pagesz, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (dst == MAP_FAILED) {
			enomem("mmap of a reservation");
			break;
		}
		p = mremap(w->at[i], (size_t)len * pagesz, (size_t)len * pagesz,
			   MREMAP_MAYMOVE | MREMAP_FIXED, dst);
		if (p != dst) {
			/*
			 * dst may be unmapped already and taken by another
			 * thread: left alone.
			 */
			error("mremap move of %u page(s): %s", len,
			      p == MAP_FAILED ? strerror(errno) : "moved elsewhere");
			break;
		}
		split(w, i, len);
		for (j = i; j < i + len; j++)
			w->at[j] = (char *)dst + (size_t)(j - i) * pagesz;
		verify_page(s, w->at[i], w->first + i, "after mremap move");
		ADD(mremaps, 1);
		break;
	case 3:		/* mremap shrink: the tail goes */
		if (len < 2)
			len = run_at(w, i, 2);
		if (len < 2)
			break;
		p = mremap(w->at[i], (size_t)len * pagesz,
			   (size_t)(len - 1) * pagesz, 0);
		if (p != w->at[i]) {
			error("mremap shrink of %u page(s): %s", len,
			      p == MAP_FAILED ? strerror(errno) : "moved");
			break;
		}
		w->at[i + len - 1] = NULL;
		ADD(mremaps, 1);
		break;
	case 4:		/* mremap grow, and duplicate with old_len 0 */
		/*
		 * Growing maps the object's next page (or the space past its
		 * end, where a touch gets SIGBUS); without MREMAP_MAYMOVE it
		 * fails with ENOMEM when the next page of address space is
		 * taken.  The grown mapping is unmapped again.
		 */
		p = mremap(w->at[i], (size_t)len * pagesz,
			   (size_t)(len + 1) * pagesz,
			   rnd_below(r, 2) ? MREMAP_MAYMOVE : 0);
		if (p == MAP_FAILED) {
			if (errno != ENOMEM)
				error("mremap grow of an aobj mapping: %s",
				      strerror(errno));
			break;
		}
		for (j = i; j < i + len; j++)
			w->at[j] = (char *)p + (size_t)(j - i) * pagesz;
		verify_page(s, w->at[i], w->first + i, "after mremap grow");
		if (munmap((char *)p + (size_t)len * pagesz, pagesz))
			error("munmap of a grown page: %s", strerror(errno));
		split(w, i, len);
		/* old_len 0: a second mapping of the same pages */
		p = mremap(w->at[i], 0, pagesz, MREMAP_MAYMOVE);
		if (p == MAP_FAILED) {
			if (errno != ENOMEM)
				error("mremap duplicate of an aobj mapping: %s",
				      strerror(errno));
		} else {
			verify_page(s, p, w->first + i, "mremap duplicate");
			munmap(p, pagesz);
		}
		ADD(mremaps, 1);
		break;
	case 5:		/* MREMAP_DONTUNMAP: moved, and the old range stays */
		/* No MREMAP_FIXED: the new address must be NULL, or EINVAL. */
		p = mremap(w->at[i], (size_t)len * pagesz, (size_t)len * pagesz,
			   MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
		if (p == MAP_FAILED) {
			if (errno != ENOMEM)
				error("mremap MREMAP_DONTUNMAP of an aobj mapping: %s",
				      strerror(errno));
			break;
		}
		verify_page(s, p, w->first + i, "after MREMAP_DONTUNMAP");
		verify_page(s, w->at[i], w->first + i,
			    "old range after MREMAP_DONTUNMAP");
		munmap(p, (size_t)len * pagesz);
		ADD(mremaps, 1);
		break;
	default:	/* fork: the child goes on beside us */
		if (*child > 0)
			break;
		*child = fork();
		if (*child < 0) {
			if (errno == ENOMEM)
				enomem("fork");
			else if (errno != EAGAIN)
				error("fork: %s", strerror(errno));
			*child = -1;
			break;
		}
		if (*child == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			window_verify(s, w, "second mapping, fork child");
			write_page(s, w->at[i], w->first + i, false,
				   "second mapping, fork child");
			window_unmap(w, i, len);
			window_verify(s, w, "second mapping, fork child");
			_exit(0);
		}
		ADD(vma_forks, 1);
		break;
	}
}

static void op_vma(struct slot *s, struct mapping *m, struct rng *r)
{
	struct window w = { .pieces = 0 };
	pid_t child = -1;
	uint32_t i, steps;
	char *base;
	int k;

	pick_range(r, s->npages, &w.first, &w.n, VMA_PAGES);
	base = mmap(NULL, (size_t)w.n * pagesz, PROT_READ | PROT_WRITE,
		    MAP_SHARED, m->fd, (off_t)w.first * pagesz);
	if (base == MAP_FAILED) {
		if (errno == ENOMEM)
			enomem("mmap of a second mapping");
		else if (!detach_raced(s, errno))
			error("mmap of pages [%u, %u) of object %u: %s", w.first,
			      w.first + w.n, s->id, strerror(errno));
		return;
	}
	for (i = 0; i < w.n; i++) {
		w.at[i] = base + (size_t)i * pagesz;
		w.piece[i] = 0;
	}
	ADD(vmas, 1);
	steps = 3 + rnd_below(r, 5);
	for (i = 0; i < steps && !STOPPED(); i++) {
		vma_step(s, &w, r, &child);
		k = some_page(&w, r);
		if (k >= 0 && rnd_below(r, 2))
			write_page(s, w.at[k], w.first + (uint32_t)k, false,
				   "second mapping");
		k = some_page(&w, r);
		if (k >= 0)
			verify_page(s, w.at[k], w.first + (uint32_t)k,
				    "second mapping");
	}
	window_verify(s, &w, "second mapping, at the end");
	for (i = 0; i < w.n; i++)
		if (w.at[i])
			window_unmap(&w, i, run_at(&w, i, w.n));
	if (child > 0) {
		int status;

		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			error("fork child of a second mapping of object %u: %s %d",
			      s->id, WIFSIGNALED(status) ? "killed by signal" :
			      "exit status", WIFSIGNALED(status) ?
			      WTERMSIG(status) : WEXITSTATUS(status));
	}
}

/* ---- workers ---- */

struct worker_arg {
	unsigned int proc, thread;
};

static void *worker_thread(void *p)
{
	struct worker_arg *a = p;
	struct rng r = { mix(opt_seed * 1000003 + a->proc * 131 + a->thread + 1) };

	while (!STOPPED()) {
		int idx = (int)rnd_below(&r, opt_objects);
		uint32_t op = rnd_below(&r, 100);
		struct slot *s = slot_at(idx);
		int st = LOAD(s->state);
		struct mapping *m;

		/* ops: operations that got to an object (a failed CREATE did not). */
		if (st == SLOT_EMPTY || (st == SLOT_DETACHED && op < 15)) {
			op_create(idx, &r);
			if (LOAD(s->state) == SLOT_LIVE)
				ADD(ops, 1);
			continue;
		}
		if (op >= 77 && op < 81) {
			if (op_unmap(idx))
				ADD(ops, 1);
			continue;
		}
		if (!slot_enter(s))
			continue;
		m = map_get(idx);
		if (!m) {
			slot_leave(s);
			continue;
		}
		if (op < 28)
			op_write(s, m, &r);
		else if (op < 54)
			op_verify(s, m, &r);
		else if (op < 59)
			op_flush(s, m, &r, AOBJ_FLUSH_CLEAN);
		else if (op < 64)
			op_flush(s, m, &r, AOBJ_FLUSH_DEACTIVATE);
		else if (op < 72)
			op_free(s, m, &r);
		else if (op < 77)
			op_stat_list(s, m, &r);
		else if (op < 85)
			op_fork(s, m, &r);
		else if (op < 97)
			op_vma(s, m, &r);
		else
			op_detach(s, m, &r);
		ADD(ops, 1);
		map_put(m);
		slot_leave(s);
	}
	return NULL;
}

static void worker_process(unsigned int proc)
{
	pthread_t tids[MAX_THREADS];
	struct worker_arg args[MAX_THREADS];
	unsigned int t;
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (t = 0; t < opt_threads; t++) {
		args[t].proc = proc;
		args[t].thread = t;
		if (pthread_create(&tids[t], NULL, worker_thread, &args[t])) {
			error("pthread_create failed");
			break;
		}
	}
	while (t--)
		pthread_join(tids[t], NULL);
	for (i = 0; i < MAX_SLOTS; i++)
		if (maps[i])
			map_put(maps[i]);
	_exit(0);
}

/* ---- swap churn ---- */

static int swapon_dev(const char *path, int prio)
{
	struct aobj_swapon s = {
		.size = sizeof(s), .path = (uintptr_t)path, .priority = prio,
	};

	return ioctl(ctl_fd, AOBJ_IOC_SWAPON, &s) ? -errno : 0;
}

static int swapoff_dev(const char *path, uint64_t *lost)
{
	struct aobj_swapoff s = { .size = sizeof(s), .path = (uintptr_t)path };
	int err = ioctl(ctl_fd, AOBJ_IOC_SWAPOFF, &s) ? -errno : 0;

	*lost = err ? 0 : s.lost;
	return err;
}

/*
 * Take devs[i] out and put it back, alternating; the other one stays in
 * service all along.  A SWAPOFF that runs out of room (ENOMEM: the pages
 * do not fit under the limits) leaves the device in service: counted,
 * tried again later.
 */
static void churn_process(void)
{
	struct rng r = { mix(opt_seed ^ 0xc0ffee) };
	unsigned int i = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (!STOPPED()) {
		const char *d = devs[i];
		uint64_t lost;
		int err;

		sleep_ms(100 + rnd_below(&r, 900));
		if (STOPPED())
			break;
		err = swapoff_dev(d, &lost);
		if (err == -ENOMEM || err == -EINTR) {
			ADD(swapoff_aborted, 1);
			continue;
		}
		if (err) {
			error("SWAPOFF %s: %s", d, strerror(-err));
			break;
		}
		ADD(swapoff_cycles, 1);
		if (lost)
			error("SWAPOFF %s: %llu page(s) lost (no I/O error expected)",
			      d, (unsigned long long)lost);
		sleep_ms(rnd_below(&r, 300));
		for (;;) {
			err = swapon_dev(d, (int)rnd_below(&r, 3) - 1);
			if (!err || (err != -EBUSY && err != -ENOMEM))
				break;
			/* The exclusive opener may still be going away. */
			sleep_ms(50);
			if (STOPPED())
				break;
		}
		if (err) {
			error("SWAPON %s: %s (churn stops)", d, strerror(-err));
			break;
		}
		ADD(swapon_cycles, 1);
		i = (i + 1) % (unsigned int)ndevs;
	}
	_exit(0);
}

/* ---- device removal ---- */

static dev_t rm_devt;

/* Slots used on the removable device, or -1 if it is not in service. */
static long long rm_used(void)
{
	struct aobj_swapdev_info info[8];
	struct aobj_swaps sw = {
		.size = sizeof(sw), .count = 8, .entry_size = sizeof(info[0]),
		.entries = (uintptr_t)info,
	};
	uint32_t i;

	if (ioctl(ctl_fd, AOBJ_IOC_SWAPS, &sw))
		return -1;
	for (i = 0; i < sw.count && i < 8; i++)
		if (makedev(info[i].major, info[i].minor) == rm_devt)
			return (long long)info[i].used;
	return -1;
}

/* Every object with swapped pages now is exposed to the removal. */
static void mark_exposed(void)
{
	struct aobj_info ents[MAX_SLOTS * 2 + 16];
	struct aobj_list l = {
		.size = sizeof(l), .count = MAX_SLOTS * 2 + 16,
		.entry_size = sizeof(ents[0]), .entries = (uintptr_t)ents,
	};
	uint32_t i;
	unsigned int j;

	if (ioctl(ctl_fd, AOBJ_IOC_LIST, &l) || l.count > MAX_SLOTS * 2 + 16) {
		/* Cannot tell: all of them. */
		for (j = 0; j < opt_objects; j++)
			STORE(slot_at(j)->exposed, 1);
		return;
	}
	for (i = 0; i < l.count; i++) {
		if (!ents[i].swapped)
			continue;
		for (j = 0; j < opt_objects; j++) {
			struct slot *s = slot_at(j);

			if (slot_enter(s)) {
				if (s->id == ents[i].id)
					STORE(s->exposed, 1);
				slot_leave(s);
			}
		}
	}
}

/*
 * Once pages went out to the removable device (after 30% of the run at
 * the earliest, 60% at the latest), remove it: power 0, rmdir.  Objects
 * with swapped pages meanwhile are exposed: SIGBUS on them is expected.
 */
static void removal_process(void)
{
	double t0 = now_s();
	char path[256];
	long long used = -1;
	int err;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (!STOPPED()) {
		double el = now_s() - t0;

		used = rm_used();
		mark_exposed();
		if ((el >= opt_duration * 0.3 && used >= 16) ||
		    el >= opt_duration * 0.6)
			break;
		sleep_ms(200);
	}
	if (STOPPED())
		_exit(0);
	STORE(sh->removed_used, used > 0 ? (uint64_t)used : 0);
	mark_exposed();
	STORE(sh->removal_started, 1);
	snprintf(path, sizeof(path), "%s/power", opt_remove);
	err = write_str(path, "0");
	if (err)
		error("removing %s: write 0 to %s: %s", rm_dev, path,
		      strerror(-err));
	if (rmdir(opt_remove))
		error("removing %s: rmdir %s: %s", rm_dev, opt_remove,
		      strerror(errno));
	mark_exposed();
	STORE(sh->removal_listed, 1);
	msg("stress: removed %s at %.0f s, %lld slot(s) in use on it\n", rm_dev,
	    now_s() - t0, used);
	_exit(err ? 1 : 0);
}

/* Has another run begun to remove the --removed-elsewhere device? */
static bool watched_removed(void)
{
	char path[256], buf[8];

	snprintf(path, sizeof(path), "%s/power", opt_watch);
	return read_str(path, buf, sizeof(buf)) || buf[0] == '0';
}

/*
 * --removed-elsewhere: mark the objects with swapped pages exposed while
 * the device serves; once it is being removed, mark them once more and
 * record the removal.
 */
static void watch_process(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (!STOPPED()) {
		mark_exposed();
		if (watched_removed())
			break;
		sleep_ms(100);
	}
	if (STOPPED())
		_exit(0);
	mark_exposed();
	STORE(sh->removal_started, 1);
	/* The module lets go of the dead device after its last I/O fails. */
	sleep_ms(1000);
	mark_exposed();
	STORE(sh->removal_listed, 1);
	msg("stress: %s removed by another run\n", rm_dev);
	_exit(0);
}

/* ---- main process ---- */

static char saved_limit[32];
static bool limit_saved;

static void restore_limit(void)
{
	if (limit_saved && write_str(LIMIT_PARAM, saved_limit))
		fprintf(stderr, "stress: cannot restore max_resident_mb=%s\n",
			saved_limit);
	limit_saved = false;
}

static void on_signal(int sig)
{
	(void)sig;
	if (sh)
		__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
}

/* After the workers are gone: check every live object in full, detach it. */
static void final_check(void)
{
	struct aobj_detach d = { .size = sizeof(d) };
	unsigned int i;
	uint32_t pg;

	for (i = 0; i < opt_objects; i++) {
		struct slot *s = slot_at((int)i);
		char path[32];
		char *p;
		int fd;

		if (s->state != SLOT_LIVE)
			continue;
		snprintf(path, sizeof(path), "/dev/aobj%u", s->id);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			error("final: open %s: %s", path, strerror(errno));
			continue;
		}
		p = mmap(NULL, (size_t)s->npages * pagesz, PROT_READ,
			 MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			error("final: mmap %s: %s", path, strerror(errno));
		} else {
			for (pg = 0; pg < s->npages; pg++)
				verify_page(s, p + (size_t)pg * pagesz, pg, "final");
			munmap(p, (size_t)s->npages * pagesz);
		}
		if (ioctl(fd, AOBJ_IOC_DETACH, &d))
			error("final: DETACH %s: %s", path, strerror(errno));
		close(fd);
		s->state = SLOT_EMPTY;
	}
}

/* Fault injection that may fail allocations: then ENOMEM is fine. */
static bool fault_injection_on(void)
{
	return read_num("/sys/kernel/debug/failslab/probability") > 0 ||
	       read_num("/sys/kernel/debug/fail_page_alloc/probability") > 0;
}

static unsigned int floors_missed;

/* floor: @val must be at least @min, or the run did too little. */
static void floor_check(const char *name, uint64_t val, uint64_t min,
			const char *meaning)
{
	if (val >= min)
		return;
	floors_missed++;
	msg("stress: FLOOR MISSED: %s=%" PRIu64 " < %" PRIu64 " (%s)\n", name,
	    val, min, meaning);
}

static void usage(FILE *f, int status)
{
	fprintf(f,
		"Usage: aobj-stress [OPTIONS] [DEVICE...]\n"
		"Random create/mmap/write/verify/fork/munmap/mprotect/mremap/flush/\n"
		"detach on aobj objects from several processes, racing on the same\n"
		"objects, with exact checks of every read, while SWAPOFF/SWAPON\n"
		"cycles over two DEVICEs (e.g. $AOBJ_DISKS).\n\n"
		"  -d, --duration S    stop after S seconds (default 60)\n"
		"  -s, --seed N        random seed (default: time); printed for replay\n"
		"  -p, --procs P       worker processes (default 3, at most %d)\n"
		"  -t, --threads T     threads per process (default 2, at most %d)\n"
		"  -o, --objects K     object slots (default 12, at most %d)\n"
		"  -m, --max-pages N   largest object, in pages (default 256, at most %d)\n"
		"  -l, --limit-mb M    max_resident_mb during the run (default 4; 0 keeps it)\n"
		"  -P, --pressure[=B]  run stress-ng --vm 1 --vm-bytes B (default 64M) alongside\n"
		"  -R, --remove-device=DIR  swap on /dev/NAME of the null_blk configfs\n"
		"                      directory DIR (/sys/kernel/config/nullb/NAME) too, and\n"
		"                      remove it mid-run (power 0, rmdir); SIGBUS/EIO on\n"
		"                      objects that had pages swapped meanwhile is expected\n"
		"  -W, --removed-elsewhere=DIR  another run removes that device (its\n"
		"                      --remove-device): the same SIGBUS/EIO are expected here\n"
		"  -S, --shared        another aobj user runs meanwhile: the module's objects\n"
		"                      counter is not checked against its value at the start\n"
		"  -E, --allow-enomem  ENOMEM is no error (it is with no fault injection on)\n"
		"  -F, --no-floors     do not fail a run that did too little work\n"
		"  -v, --verbose       progress every 10 s\n"
		"  -h, --help          this help\n\n"
		"Without devices nothing is paged out (no limit is set).  Ends with\n"
		"\"stress: ops=N bytes_verified=N mismatches=N swapon_cycles=N\n"
		"swapoff_cycles=N pageouts=N errors=N floors_missed=N lost_to_removal=N\";\n"
		"exit status 1 on any mismatch, error or floor missed.\n",
		MAX_PROCS, MAX_THREADS, MAX_SLOTS, MAX_PAGES);
	exit(status);
}

static unsigned long num_arg(const char *s, unsigned long lo, unsigned long hi,
			     const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || !*s || v < lo || v > hi) {
		fprintf(stderr, "aobj-stress: invalid %s '%s' (%lu..%lu)\n", what,
			s, lo, hi);
		exit(2);
	}
	return v;
}

/* Reap @pid if it ended; true if it did (and was not expected to). */
static bool reaped(pid_t *pid, const char *what, bool may_end)
{
	int status;

	if (*pid <= 0 || waitpid(*pid, &status, WNOHANG) != *pid)
		return false;
	*pid = -1;
	if (may_end && WIFEXITED(status) && !WEXITSTATUS(status))
		return false;
	error("%s ended early (%s %d)", what,
	      WIFSIGNALED(status) ? "signal" : "status",
	      WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "procs", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "objects", required_argument, NULL, 'o' },
		{ "max-pages", required_argument, NULL, 'm' },
		{ "limit-mb", required_argument, NULL, 'l' },
		{ "pressure", optional_argument, NULL, 'P' },
		{ "remove-device", required_argument, NULL, 'R' },
		{ "removed-elsewhere", required_argument, NULL, 'W' },
		{ "shared", no_argument, NULL, 'S' },
		{ "allow-enomem", no_argument, NULL, 'E' },
		{ "no-floors", no_argument, NULL, 'F' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	pid_t workers[MAX_PROCS], churn = -1, pressure = -1, remover = -1;
	pid_t watcher = -1;
	long long objects_start, objects_end, pageouts_start, pageouts;
	pthread_mutexattr_t ma;
	struct sigaction sa;
	double t0, next_report;
	bool seeded = false, hung = false, rm_on = false;
	unsigned int i;
	size_t shsize;
	int c, j;

	while ((c = getopt_long(argc, argv, "d:s:p:t:o:m:l:P::R:W:SEFvh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': opt_duration = num_arg(optarg, 1, 86400, "duration"); break;
		case 's': opt_seed = strtoull(optarg, NULL, 0); seeded = true; break;
		case 'p': opt_procs = num_arg(optarg, 1, MAX_PROCS, "procs"); break;
		case 't': opt_threads = num_arg(optarg, 1, MAX_THREADS, "threads"); break;
		case 'o': opt_objects = num_arg(optarg, 1, MAX_SLOTS, "objects"); break;
		case 'm': opt_max_pages = num_arg(optarg, 1, MAX_PAGES, "max-pages"); break;
		case 'l': opt_limit_mb = num_arg(optarg, 0, 1 << 20, "limit-mb"); break;
		case 'P': opt_pressure = optarg ? optarg : "64M"; break;
		case 'R': opt_remove = optarg; break;
		case 'W': opt_watch = optarg; break;
		case 'S': opt_shared = true; break;
		case 'E': opt_allow_enomem = true; break;
		case 'F': opt_no_floors = true; break;
		case 'v': opt_verbose = true; break;
		case 'h': usage(stdout, 0); break;
		default: usage(stderr, 2);
		}
	}
	for (; optind < argc; optind++) {
		struct stat st;

		if (ndevs == MAX_DEVS) {
			fprintf(stderr, "aobj-stress: at most %d devices\n", MAX_DEVS);
			return 2;
		}
		if (stat(argv[optind], &st) || !S_ISBLK(st.st_mode)) {
			fprintf(stderr, "aobj-stress: %s is not a block device\n",
				argv[optind]);
			return 2;
		}
		devs[ndevs++] = argv[optind];
	}
	if (opt_remove && opt_watch) {
		fprintf(stderr, "aobj-stress: --remove-device and --removed-elsewhere exclude each other\n");
		return 2;
	}
	if (opt_remove || opt_watch) {
		const char *dir = opt_remove ? opt_remove : opt_watch;
		const char *name = strrchr(dir, '/');
		struct stat st;

		name = name ? name + 1 : dir;
		snprintf(rm_dev, sizeof(rm_dev), "/dev/%s", name);
		if (!*name || stat(rm_dev, &st) || !S_ISBLK(st.st_mode)) {
			fprintf(stderr, "aobj-stress: --%s %s: %s is not a block device\n",
				opt_remove ? "remove-device" : "removed-elsewhere",
				dir, rm_dev);
			return 2;
		}
		rm_devt = st.st_rdev;
	}
	if (opt_watch) {
		char path[256], buf[8] = "";

		/* Else the watcher would take the device as removed at once. */
		snprintf(path, sizeof(path), "%s/power", opt_watch);
		if (read_str(path, buf, sizeof(buf)) || buf[0] != '1') {
			fprintf(stderr, "aobj-stress: --removed-elsewhere %s: %s does not read 1 (not a powered null_blk configfs directory)\n",
				opt_watch, path);
			return 2;
		}
	}
	if (!seeded)
		opt_seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 20;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pagesz = sysconf(_SC_PAGESIZE);
	if (pagesz > 8192) {
		fprintf(stderr, "aobj-stress: page size %ld not supported\n", pagesz);
		return 2;
	}

	ctl_fd = open(CTL, O_RDWR | O_CLOEXEC);
	if (ctl_fd < 0) {
		fprintf(stderr, "aobj-stress: %s: %s (module not loaded?)\n", CTL,
			strerror(errno));
		return 1;
	}
	slot_size = sizeof(struct slot) + sizeof(struct pstate) * opt_max_pages;
	slot_size = (slot_size + 63) & ~(size_t)63;
	shsize = sizeof(*sh) + slot_size * opt_objects;
	sh = mmap(NULL, shsize, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("aobj-stress: mmap");
		return 1;
	}
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&sh->print_lock, &ma);
	sh->enomem_ok = opt_allow_enomem || fault_injection_on();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	set_fatal_handlers();

	objects_start = read_num(STAT_OBJECTS);
	pageouts_start = read_num(STAT_DIR "pageouts");
	msg("stress: seed=%" PRIu64 " duration=%us procs=%u threads=%u objects=%u max_pages=%u devices=%d%s%s%s%s%s\n",
	    opt_seed, opt_duration, opt_procs, opt_threads, opt_objects,
	    opt_max_pages, ndevs, opt_pressure ? " pressure=" : "",
	    opt_pressure ? opt_pressure : "", opt_remove ? " remove=" : "",
	    opt_remove ? rm_dev : "", sh->enomem_ok ? " enomem_ok" : "");

	for (j = 0; j < ndevs; j++) {
		int err = swapon_dev(devs[j], 0);

		if (err) {
			error("SWAPON %s: %s", devs[j], strerror(-err));
			goto out;
		}
	}
	if (opt_remove) {
		int err = swapon_dev(rm_dev, 0);

		if (err) {
			error("SWAPON %s: %s", rm_dev, strerror(-err));
			goto out;
		}
		rm_on = true;
	}
	if ((ndevs || opt_remove) && opt_limit_mb) {
		char buf[32];

		if (read_str(LIMIT_PARAM, saved_limit, sizeof(saved_limit))) {
			error("read %s: %s", LIMIT_PARAM, strerror(errno));
			goto out;
		}
		limit_saved = true;
		snprintf(buf, sizeof(buf), "%u", opt_limit_mb);
		if (write_str(LIMIT_PARAM, buf)) {
			error("set max_resident_mb=%s failed", buf);
			goto out;
		}
	} else if (!ndevs) {
		msg("stress: no swap devices given: no paging, no swap churn\n");
	}
	if (ndevs == 1)
		msg("stress: one device: paging, but no SWAPOFF churn (needs two)\n");

	fflush(stdout);
	if (opt_pressure) {
		char secs[32];

		snprintf(secs, sizeof(secs), "%us", opt_duration + 5);
		pressure = fork();
		if (pressure == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			execlp("stress-ng", "stress-ng", "--vm", "1", "--vm-bytes",
			       opt_pressure, "--timeout", secs, "--quiet",
			       (char *)NULL);
			msg("stress: stress-ng not found: no --pressure co-runner\n");
			_exit(0);
		}
	}
	for (i = 0; i < opt_procs; i++) {
		workers[i] = fork();
		if (workers[i] == 0)
			worker_process(i);
		if (workers[i] < 0) {
			error("fork: %s", strerror(errno));
			opt_procs = i;
			sh->stop = 1;
			break;
		}
	}
	if (ndevs >= 2) {
		churn = fork();
		if (churn == 0)
			churn_process();
	}
	if (opt_remove) {
		remover = fork();
		if (remover == 0)
			removal_process();
	}
	if (opt_watch) {
		watcher = fork();
		if (watcher == 0)
			watch_process();
	}

	t0 = now_s();
	next_report = t0 + 10;
	while (!STOPPED() && now_s() - t0 < opt_duration) {
		bool early = false;

		for (i = 0; i < opt_procs; i++)
			early |= reaped(&workers[i], "a worker process", false);
		early |= reaped(&churn, "the churn process", false);
		reaped(&remover, "the removal process", true);
		reaped(&watcher, "the removal watcher", true);
		if (early)
			break;
		if (opt_verbose && now_s() >= next_report) {
			next_report += 10;
			msg("stress: [%.0f s] ops=%" PRIu64 " bytes_verified=%" PRIu64
			    " swapoff_cycles=%" PRIu64 " resident=%lld pageouts=%lld lost_to_removal=%" PRIu64 "\n",
			    now_s() - t0, sh->ops, sh->bytes_verified,
			    sh->swapoff_cycles, read_num(STAT_DIR "resident_pages"),
			    read_num(STAT_DIR "pageouts") - pageouts_start,
			    sh->lost_to_removal);
		}
		sleep_ms(100);
	}
	sh->stop = 1;

	/* Workers finish their current operation; a swapoff may take a while. */
	{
		double deadline = now_s() + 120;
		int left;

		do {
			int status;
			pid_t pid;

			left = 0;
			for (i = 0; i < opt_procs; i++) {
				if (workers[i] <= 0)
					continue;
				pid = waitpid(workers[i], &status, WNOHANG);
				if (pid == workers[i]) {
					if (!WIFEXITED(status) || WEXITSTATUS(status))
						error("worker %d: %s %d", (int)pid,
						      WIFSIGNALED(status) ? "signal" : "status",
						      WIFSIGNALED(status) ? WTERMSIG(status) :
						      WEXITSTATUS(status));
					workers[i] = -1;
				} else {
					left++;
				}
			}
			if (churn > 0) {
				pid = waitpid(churn, &status, WNOHANG);
				if (pid == churn) {
					if (!WIFEXITED(status) || WEXITSTATUS(status))
						error("churn process: abnormal end");
					churn = -1;
				} else {
					left++;
				}
			}
			if (remover > 0) {
				pid = waitpid(remover, &status, WNOHANG);
				if (pid == remover) {
					if (!WIFEXITED(status) || WEXITSTATUS(status))
						error("removal process: abnormal end");
					remover = -1;
				} else {
					left++;
				}
			}
			if (left)
				sleep_ms(100);
		} while (left && now_s() < deadline);
		if (left) {
			error("%d process(es) did not stop within 120 s (hung in the kernel?)",
			      left);
			hung = true;
			for (i = 0; i < opt_procs; i++)
				if (workers[i] > 0)
					kill(workers[i], SIGKILL);
			if (churn > 0)
				kill(churn, SIGKILL);
			if (remover > 0)
				kill(remover, SIGKILL);
		}
	}
	if (pressure > 0) {
		kill(pressure, SIGTERM);
		waitpid(pressure, NULL, 0);
	}
	if (watcher > 0) {
		kill(watcher, SIGKILL);
		waitpid(watcher, NULL, 0);
	}
	if (hung)
		goto summary;	/* cleanup could hang too */

	sh->stop = 0;	/* verify_page and friends run once more */
	final_check();

out:
	restore_limit();
	for (j = 0; j < ndevs + (rm_on && !sh->removal_started); j++) {
		const char *d = j < ndevs ? devs[j] : rm_dev;
		uint64_t lost = 0;
		int err, tries;

		/* Which of the two is on depends on where the churn stopped. */
		for (tries = 0; tries < 50; tries++) {
			err = swapoff_dev(d, &lost);
			if (err != -ENOMEM && err != -EINTR)
				break;
			sleep_ms(100);
		}
		if (err && err != -EINVAL)
			error("final SWAPOFF %s: %s", d, strerror(-err));
		if (!err && lost)
			error("final SWAPOFF %s: %llu page(s) lost", d,
			      (unsigned long long)lost);
	}
	objects_end = read_num(STAT_OBJECTS);
	for (j = 0; !opt_shared && j < 50 && objects_end != objects_start; j++) {
		sleep_ms(100);	/* objects are released from a workqueue */
		objects_end = read_num(STAT_OBJECTS);
	}
	if (!opt_shared && objects_end != objects_start)
		error("objects counter: %lld at start, %lld at end", objects_start,
		      objects_end);

summary:
	restore_limit();
	pageouts = read_num(STAT_DIR "pageouts") - pageouts_start;
	msg("stress: creates=%" PRIu64 " detaches=%" PRIu64 " frees=%" PRIu64
	    " cleans=%" PRIu64 " deactivates=%" PRIu64 " unmaps=%" PRIu64
	    " forks=%" PRIu64 " swapoff_aborted=%" PRIu64 " enomem=%" PRIu64
	    " pageins=%lld\n",
	    sh->creates, sh->detaches, sh->frees, sh->cleans, sh->deacts,
	    sh->unmaps, sh->forks, sh->swapoff_aborted, sh->enomem,
	    read_num(STAT_DIR "pageins"));
	msg("stress: vmas=%" PRIu64 " partial_munmaps=%" PRIu64 " mprotects=%"
	    PRIu64 " mremaps=%" PRIu64 " vma_forks=%" PRIu64 " raced_free=%"
	    PRIu64 " torn=%" PRIu64 " retries=%" PRIu64 "%s\n",
	    sh->vmas, sh->munmaps_partial, sh->mprotects, sh->mremaps,
	    sh->vma_forks, sh->raced_free, sh->torn, sh->retries,
	    opt_remove ? "" : " (no device removal)");
	if (!hung && !opt_no_floors) {
		/*
		 * Floors, for the slowest setup (debug kernel under TCG on a
		 * busy 2-core machine: 15 ops, 540 KB verified, 8 pageouts and
		 * 0.5 SWAPOFF a second, in make stress and make check): a
		 * quarter to a fifth of that.
		 */
		uint64_t d = opt_duration;
		bool paging = (ndevs || opt_remove) && opt_limit_mb;

		msg("stress: floors: ops>=%" PRIu64 " bytes_verified>=%" PRIu64
		    " creates>=1 frees>=1 vmas>=1", 3 * d, 128 * 1024 * d);
		if (ndevs >= 2)
			msg(" swapoff_cycles>=%" PRIu64, 1 + d / 10);
		if (paging)
			msg(" pageouts>=%" PRIu64, 1 + 2 * d);
		msg("%s\n", opt_remove ? " removed_used>=1" : "");
		floor_check("ops", sh->ops, 3 * d, "operations done");
		floor_check("bytes_verified", sh->bytes_verified, 128 * 1024 * d,
			    "bytes read back and checked");
		floor_check("creates", sh->creates, 1, "objects created");
		floor_check("frees", sh->frees, 1, "FLUSH FREEs that succeeded");
		floor_check("vmas", sh->vmas, 1, "second mappings cut up");
		if (ndevs >= 2)
			floor_check("swapoff_cycles", sh->swapoff_cycles,
				    1 + d / 10, "SWAPOFFs that completed");
		if (paging)
			floor_check("pageouts", pageouts > 0 ? (uint64_t)pageouts : 0,
				    1 + 2 * d, "pages written to swap");
		if (opt_remove)
			floor_check("removed_used", sh->removed_used, 1,
				    "slots in use on the device when it was removed");
	}
	msg("stress: ops=%" PRIu64 " bytes_verified=%" PRIu64 " mismatches=%" PRIu64
	    " swapon_cycles=%" PRIu64 " swapoff_cycles=%" PRIu64 " pageouts=%lld"
	    " errors=%" PRIu64 " floors_missed=%u lost_to_removal=%" PRIu64 "\n",
	    sh->ops, sh->bytes_verified, sh->mismatches, sh->swapon_cycles,
	    sh->swapoff_cycles, pageouts, sh->errors, floors_missed,
	    sh->lost_to_removal);
	if (sh->mismatches || sh->errors || floors_missed)
		msg("stress: FAIL (replay with --seed %" PRIu64 ")\n", opt_seed);
	return sh->mismatches || sh->errors || floors_missed ? 1 : 0;
}
