// SPDX-License-Identifier: GPL-2.0
/*
 * aobj-stress: random operations on aobj objects from several processes
 * and threads, with exact verification of every page read, while another
 * process turns two swap devices off and on again.
 *
 *   aobj-stress [--duration S] [--seed N] [--procs P] [--threads T]
 *               [--objects K] [--max-pages N] [--limit-mb M]
 *               [--pressure[=BYTES]] [--verbose] [DEVICE...]
 *
 * Objects live in K slots in shared memory.  Each slot has a process-shared
 * rwlock and stripe locks, an incarnation number (the object's unique key)
 * and, per page, the generation last written (0: the page must read as
 * zeros).  Page contents are a hash of (key, page, generation, word), so
 * every page read has exactly one right answer:
 *
 *   create, detach, FLUSH FREE, munmap     slot lock held for writing
 *   write, verify                          slot lock read + the page's stripe
 *   FLUSH CLEAN/DEACTIVATE, STAT, LIST     slot lock read (concurrent with
 *                                          writes and verifies of others)
 *   fork                                   slot lock read; the child checks
 *                                          and writes through the inherited
 *                                          mapping, the parent checks after
 *
 * With two or more devices, a churn process keeps one of them in service
 * and takes the other out (SWAPOFF reads every page back) and in again,
 * so faults never lack swap.  The resident limit
 * (/sys/module/aobj/parameters/max_resident_mb) is set low enough that
 * pages are paged out all the time, and restored at exit.
 *
 * --seed fixes every worker's sequence of operations (the interleaving is
 * up to the scheduler).  Exit status: 0 when there was no mismatch and no
 * unexpected error, 1 otherwise, 2 for usage errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
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
#define NSTRIPES	8
#define MAX_PROCS	16
#define MAX_THREADS	16
#define MAX_DEVS	2
#define MAX_REPORTS	20

/* ---- options ---- */

static unsigned int opt_duration = 60, opt_procs = 3, opt_threads = 2;
static unsigned int opt_objects = 12, opt_max_pages = 256, opt_limit_mb = 4;
static uint64_t opt_seed;
static const char *opt_pressure;
static bool opt_verbose;
static const char *devs[MAX_DEVS];
static int ndevs;
static long pagesz;

/* ---- shared state ---- */

enum { SLOT_EMPTY, SLOT_LIVE };

struct slot {
	pthread_rwlock_t lock;
	pthread_mutex_t stripe[NSTRIPES];
	int state;
	unsigned int id;
	uint32_t npages;
	bool noswap;
	uint64_t key;		/* unique per incarnation; 0 when empty */
	uint32_t gen[MAX_PAGES];
};

struct shared {
	volatile int stop;
	uint64_t next_key;
	uint64_t ops, bytes_verified, mismatches, errors, enomem;
	uint64_t swapon_cycles, swapoff_cycles, swapoff_aborted, forks;
	uint64_t creates, detaches, frees, cleans, deacts, unmaps;
	unsigned int reports;
	pthread_mutex_t print_lock;
	struct slot slots[MAX_SLOTS];
};

static struct shared *sh;

#define ADD(field, n)	__atomic_fetch_add(&sh->field, (n), __ATOMIC_RELAXED)
#define STOPPED()	__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)

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

/* ---- the pattern ---- */

static inline uint64_t pattern(uint64_t key, uint32_t pg, uint32_t gen,
			       uint32_t word)
{
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

/* What a bad page holds: "zeros", "generation N", or its first word. */
static void describe(const uint64_t *w, uint64_t key, uint32_t pg,
		     uint32_t want, char *buf, size_t len)
{
	uint32_t n = pagesz / 8, i, g, lo = want > 64 ? want - 64 : 0;

	for (i = 0; i < n && !w[i]; i++)
		;
	if (i == n) {
		snprintf(buf, len, "zeros");
		return;
	}
	for (g = lo; g <= want + 64; g++) {
		if (g && w[0] == pattern(key, pg, g, 0)) {
			uint32_t bad = 0;

			for (i = 0; i < n; i++)
				bad += w[i] != pattern(key, pg, g, i);
			snprintf(buf, len, "generation %u (%u words differ)", g,
				 bad);
			return;
		}
	}
	for (i = 0; i < n; i++)
		if (want ? w[i] != pattern(key, pg, want, i) : w[i] != 0)
			break;
	snprintf(buf, len, "word %u = %#" PRIx64 " (of another page/object?)",
		 i, w[i < n ? i : 0]);
}

/* Check one page; true if right.  Caller holds the page's stripe or the slot. */
static bool check_page(struct slot *s, const void *p, uint32_t pg,
		       const char *what)
{
	const uint64_t *w = p;
	uint32_t gen = s->gen[pg], n = pagesz / 8, i;
	bool ok = true;

	if (!gen) {
		for (i = 0; i < n && ok; i++)
			ok = !w[i];
	} else {
		for (i = 0; i < n && ok; i++)
			ok = w[i] == pattern(s->key, pg, gen, i);
	}
	if (ok) {
		ADD(bytes_verified, pagesz);
		return true;
	}
	ADD(mismatches, 1);
	if (__atomic_fetch_add(&sh->reports, 1, __ATOMIC_RELAXED) < MAX_REPORTS) {
		char found[128];

		describe(w, s->key, pg, gen, found, sizeof(found));
		msg("stress: MISMATCH [pid %d] %s: object %u (key %" PRIu64
		    ", %u pages) page %u: expected %s %u, found %s\n",
		    (int)getpid(), what, s->id, s->key, s->npages, pg,
		    gen ? "generation" : "zeros, generation", gen, found);
	}
	return false;
}

/* ---- locking: timed, so that a stop or a dead worker never hangs us ---- */

static struct timespec soon(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_nsec += 200 * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static bool slot_lock(struct slot *s, bool write)
{
	while (!STOPPED()) {
		struct timespec t = soon();
		int err = write ? pthread_rwlock_timedwrlock(&s->lock, &t) :
				  pthread_rwlock_timedrdlock(&s->lock, &t);

		if (!err)
			return true;
		if (err != ETIMEDOUT && err != EAGAIN) {
			error("rwlock: %s", strerror(err));
			return false;
		}
	}
	return false;
}

static void slot_unlock(struct slot *s)
{
	pthread_rwlock_unlock(&s->lock);
}

static bool stripe_lock(struct slot *s, uint32_t pg)
{
	while (!STOPPED()) {
		struct timespec t = soon();
		int err = pthread_mutex_timedlock(&s->stripe[pg % NSTRIPES], &t);

		if (!err)
			return true;
		if (err != ETIMEDOUT) {
			error("mutex: %s", strerror(err));
			return false;
		}
	}
	return false;
}

static void stripe_unlock(struct slot *s, uint32_t pg)
{
	pthread_mutex_unlock(&s->stripe[pg % NSTRIPES]);
}

/* ---- per-process mappings ---- */

struct map {
	pthread_mutex_t lock;
	uint64_t key;		/* incarnation mapped, 0: none */
	char *addr;
	size_t len;
	int fd;			/* O_RDWR on the node, for FLUSH and DETACH */
};

static struct map maps[MAX_SLOTS];

static void map_drop(struct map *m)
{
	if (!m->key)
		return;
	if (munmap(m->addr, m->len))
		error("munmap: %s", strerror(errno));
	close(m->fd);
	m->key = 0;
	m->addr = NULL;
	m->fd = -1;
}

/*
 * map_get: this process's mapping of the live object in @s (slot lock held,
 * read or write); a mapping of an older incarnation is dropped first.
 */
static struct map *map_get(int idx)
{
	struct slot *s = &sh->slots[idx];
	struct map *m = &maps[idx];
	char path[32];
	void *p;

	pthread_mutex_lock(&m->lock);
	if (m->key == s->key) {
		pthread_mutex_unlock(&m->lock);
		return m;
	}
	map_drop(m);
	snprintf(path, sizeof(path), "/dev/aobj%u", s->id);
	m->fd = open(path, O_RDWR | O_CLOEXEC);
	if (m->fd < 0) {
		error("open %s (live object): %s", path, strerror(errno));
		pthread_mutex_unlock(&m->lock);
		return NULL;
	}
	p = mmap(NULL, (size_t)s->npages * pagesz, PROT_READ | PROT_WRITE,
		 MAP_SHARED, m->fd, 0);
	if (p == MAP_FAILED) {
		error("mmap %s: %s", path, strerror(errno));
		close(m->fd);
		m->fd = -1;
		pthread_mutex_unlock(&m->lock);
		return NULL;
	}
	m->addr = p;
	m->len = (size_t)s->npages * pagesz;
	m->key = s->key;
	pthread_mutex_unlock(&m->lock);
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

static void op_create(int idx, struct rng *r)
{
	struct slot *s = &sh->slots[idx];
	struct aobj_create c = { .size = sizeof(c) };
	uint32_t npages;

	if (!slot_lock(s, true))
		return;
	if (s->state != SLOT_EMPTY) {
		slot_unlock(s);
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
			ADD(enomem, 1);
		else
			error("CREATE %u pages: %s", npages, strerror(errno));
		slot_unlock(s);
		return;
	}
	s->id = c.id;
	s->npages = npages;
	s->noswap = c.flags & AOBJ_CREATE_NOSWAP;
	s->key = __atomic_add_fetch(&sh->next_key, 1, __ATOMIC_RELAXED);
	memset(s->gen, 0, sizeof(s->gen[0]) * npages);
	s->state = SLOT_LIVE;
	ADD(creates, 1);
	slot_unlock(s);
}

/* Random page range [*first, *first + *n). */
static void pick_range(struct rng *r, uint32_t npages, uint32_t *first,
		       uint32_t *n, uint32_t max)
{
	*first = rnd_below(r, npages);
	*n = 1 + rnd_below(r, npages - *first < max ? npages - *first : max);
}

static void op_write(int idx, struct rng *r)
{
	struct slot *s = &sh->slots[idx];
	uint32_t first, n, pg;
	struct map *m;

	if (!slot_lock(s, false))
		return;
	if (s->state != SLOT_LIVE || !(m = map_get(idx)))
		goto out;
	pick_range(r, s->npages, &first, &n, 32);
	for (pg = first; pg < first + n && !STOPPED(); pg++) {
		uint32_t gen;

		if (!stripe_lock(s, pg))
			break;
		gen = s->gen[pg] + 1;
		if (!gen)
			gen = 1;
		/* Sometimes check the old contents first (read fault, then write). */
		if (rnd_below(r, 4) == 0)
			check_page(s, m->addr + (size_t)pg * pagesz, pg,
				   "before write");
		fill_page(m->addr + (size_t)pg * pagesz, s->key, pg, gen);
		s->gen[pg] = gen;
		stripe_unlock(s, pg);
	}
out:
	slot_unlock(s);
}

static void op_verify(int idx, struct rng *r)
{
	struct slot *s = &sh->slots[idx];
	uint32_t first, n, pg;
	struct map *m;

	if (!slot_lock(s, false))
		return;
	if (s->state != SLOT_LIVE || !(m = map_get(idx)))
		goto out;
	pick_range(r, s->npages, &first, &n, 64);
	for (pg = first; pg < first + n && !STOPPED(); pg++) {
		if (!stripe_lock(s, pg))
			break;
		check_page(s, m->addr + (size_t)pg * pagesz, pg, "verify");
		stripe_unlock(s, pg);
	}
out:
	slot_unlock(s);
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

static void op_flush(int idx, struct rng *r, uint32_t mode)
{
	struct slot *s = &sh->slots[idx];
	bool excl = mode == AOBJ_FLUSH_FREE;
	uint32_t first, end, pg;
	uint64_t off, len;
	struct map *m;
	int err;

	if (!slot_lock(s, excl))
		return;
	if (s->state != SLOT_LIVE || !(m = map_get(idx)))
		goto out;
	flush_range(r, s, &off, &len, &first, &end);
	err = do_flush(m->fd, mode, off, len);
	if (err == -ENOMEM) {
		ADD(enomem, 1);
	} else if (err) {
		error("FLUSH %s object %u [%u, %u): %s",
		      mode == AOBJ_FLUSH_FREE ? "FREE" :
		      mode == AOBJ_FLUSH_CLEAN ? "CLEAN" : "DEACTIVATE",
		      s->id, first, end, strerror(-err));
	} else if (excl) {
		for (pg = first; pg < end; pg++)
			s->gen[pg] = 0;
		/* The freed range reads as zeros at once. */
		if (rnd_below(r, 2))
			for (pg = first; pg < end && pg < first + 8; pg++)
				check_page(s, m->addr + (size_t)pg * pagesz, pg,
					   "after FLUSH FREE");
	}
	if (!err)
		mode == AOBJ_FLUSH_FREE ? ADD(frees, 1) :
		mode == AOBJ_FLUSH_CLEAN ? ADD(cleans, 1) : ADD(deacts, 1);
out:
	slot_unlock(s);
}

static void op_stat_list(int idx, struct rng *r)
{
	struct slot *s = &sh->slots[idx];
	struct aobj_stat st = { .size = sizeof(st) };
	struct aobj_info ents[MAX_SLOTS * 2 + 16];
	struct aobj_list l = {
		.size = sizeof(l), .count = MAX_SLOTS * 2 + 16,
		.entry_size = sizeof(ents[0]), .entries = (uintptr_t)ents,
	};
	struct map *m;
	uint32_t i;
	bool found = false;

	if (!slot_lock(s, false))
		return;
	if (s->state != SLOT_LIVE || !(m = map_get(idx)))
		goto out;
	if (rnd_below(r, 2)) {
		if (ioctl(m->fd, AOBJ_IOC_STAT, &st)) {
			error("STAT object %u: %s", s->id, strerror(errno));
		} else if (st.info.id != s->id ||
			   st.info.length != (uint64_t)s->npages * pagesz ||
			   st.info.flags != (s->noswap ? AOBJ_INFO_NOSWAP : 0) ||
			   st.info.resident > s->npages ||
			   st.info.swapped > s->npages) {
			error("STAT object %u: id %u length %llu flags %#x resident %llu swapped %llu (%u pages)",
			      s->id, st.info.id, (unsigned long long)st.info.length,
			      st.info.flags, (unsigned long long)st.info.resident,
			      (unsigned long long)st.info.swapped, s->npages);
		}
	} else {
		if (ioctl(ctl_fd, AOBJ_IOC_LIST, &l)) {
			error("LIST: %s", strerror(errno));
			goto out;
		}
		for (i = 0; i < l.count && i < MAX_SLOTS * 2 + 16; i++)
			if (ents[i].id == s->id && !(ents[i].flags & AOBJ_INFO_DETACHED)) {
				found = true;
				if (ents[i].length != (uint64_t)s->npages * pagesz)
					error("LIST: object %u has length %llu, want %llu",
					      s->id, (unsigned long long)ents[i].length,
					      (unsigned long long)s->npages * pagesz);
			}
		if (!found && l.count <= MAX_SLOTS * 2 + 16)
			error("LIST: live object %u is not listed (%u objects)",
			      s->id, l.count);
	}
out:
	slot_unlock(s);
}

/* Drop this process's mapping (the object stays). */
static void op_unmap(int idx)
{
	struct slot *s = &sh->slots[idx];

	if (!slot_lock(s, true))
		return;
	pthread_mutex_lock(&maps[idx].lock);
	if (maps[idx].key) {
		map_drop(&maps[idx]);
		ADD(unmaps, 1);
	}
	pthread_mutex_unlock(&maps[idx].lock);
	slot_unlock(s);
}

/* Check everything, detach; other processes' mappings keep it alive. */
static void op_detach(int idx)
{
	struct slot *s = &sh->slots[idx];
	struct aobj_detach d = { .size = sizeof(d) };
	struct map *m;
	uint32_t pg;

	if (!slot_lock(s, true))
		return;
	if (s->state != SLOT_LIVE || !(m = map_get(idx)))
		goto out;
	for (pg = 0; pg < s->npages && !STOPPED(); pg++)
		check_page(s, m->addr + (size_t)pg * pagesz, pg, "before detach");
	if (ioctl(m->fd, AOBJ_IOC_DETACH, &d)) {
		error("DETACH object %u: %s", s->id, strerror(errno));
		goto out;
	}
	/* The detached object is still mapped: it reads the same. */
	for (pg = 0; pg < s->npages && pg < 4; pg++)
		check_page(s, m->addr + (size_t)pg * pagesz, pg, "after detach");
	pthread_mutex_lock(&m->lock);
	map_drop(m);
	pthread_mutex_unlock(&m->lock);
	s->state = SLOT_EMPTY;
	s->key = 0;
	ADD(detaches, 1);
out:
	slot_unlock(s);
}

/*
 * Fork while holding the slot for reading: the child checks the object
 * through the inherited mapping, rewrites some pages (with their stripes)
 * and exits; the parent checks those pages afterwards.
 */
static void op_fork(int idx, struct rng *r)
{
	struct slot *s = &sh->slots[idx];
	uint32_t first, n, pg;
	struct map *m;
	int status;
	pid_t pid;

	if (!slot_lock(s, false))
		return;
	if (s->state != SLOT_LIVE || !(m = map_get(idx)))
		goto out;
	pick_range(r, s->npages, &first, &n, 16);
	pthread_mutex_lock(&m->lock);
	pid = fork();
	if (pid < 0) {
		pthread_mutex_unlock(&m->lock);
		if (errno != ENOMEM && errno != EAGAIN)
			error("fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* Single-threaded copy: only this slot's mapping is used. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (pg = first; pg < first + n && !STOPPED(); pg++) {
			uint32_t gen;

			if (!stripe_lock(s, pg))
				break;
			check_page(s, m->addr + (size_t)pg * pagesz, pg,
				   "fork child");
			gen = s->gen[pg] + 1 ? s->gen[pg] + 1 : 1;
			fill_page(m->addr + (size_t)pg * pagesz, s->key, pg, gen);
			s->gen[pg] = gen;
			stripe_unlock(s, pg);
		}
		if (rnd_below(r, 2))
			munmap(m->addr, m->len);
		_exit(0);
	}
	pthread_mutex_unlock(&m->lock);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		error("fork child of object %u: %s %d", s->id,
		      WIFSIGNALED(status) ? "killed by signal" : "exit status",
		      WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	ADD(forks, 1);
	for (pg = first; pg < first + n && !STOPPED(); pg++) {
		if (!stripe_lock(s, pg))
			break;
		check_page(s, m->addr + (size_t)pg * pagesz, pg, "after fork child");
		stripe_unlock(s, pg);
	}
out:
	slot_unlock(s);
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

		if (__atomic_load_n(&sh->slots[idx].state, __ATOMIC_RELAXED) ==
		    SLOT_EMPTY) {
			op_create(idx, &r);
		} else if (op < 30) {
			op_write(idx, &r);
		} else if (op < 60) {
			op_verify(idx, &r);
		} else if (op < 66) {
			op_flush(idx, &r, AOBJ_FLUSH_CLEAN);
		} else if (op < 72) {
			op_flush(idx, &r, AOBJ_FLUSH_DEACTIVATE);
		} else if (op < 78) {
			op_flush(idx, &r, AOBJ_FLUSH_FREE);
		} else if (op < 84) {
			op_stat_list(idx, &r);
		} else if (op < 90) {
			op_unmap(idx);
		} else if (op < 94) {
			op_fork(idx, &r);
		} else {
			op_detach(idx);
		}
		ADD(ops, 1);
	}
	return NULL;
}

static void sigbus_handler(int sig, siginfo_t *si, void *uc)
{
	char buf[160];
	int n;

	(void)uc;
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

static void worker_process(unsigned int proc)
{
	pthread_t tids[MAX_THREADS];
	struct worker_arg args[MAX_THREADS];
	struct sigaction sa;
	unsigned int t;
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigbus_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	for (i = 0; i < MAX_SLOTS; i++) {
		pthread_mutex_init(&maps[i].lock, NULL);
		maps[i].fd = -1;
	}
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
		map_drop(&maps[i]);
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

static void sleep_ms(unsigned int ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

/*
 * Take devs[i] out and put it back, alternating; the other one stays in
 * service all along.  A SWAPOFF that runs out of memory (ENOMEM) leaves
 * the device in service: counted, tried again later.
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

/* ---- main process ---- */

static char saved_limit[32];
static bool limit_saved;

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = 0;
	return 0;
}

static void restore_limit(void)
{
	if (limit_saved && write_file(LIMIT_PARAM, saved_limit))
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

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* After the workers are gone: check every live object in full, detach it. */
static void final_check(void)
{
	struct aobj_detach d = { .size = sizeof(d) };
	unsigned int i;
	uint32_t pg;

	for (i = 0; i < opt_objects; i++) {
		struct slot *s = &sh->slots[i];
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
				check_page(s, p + (size_t)pg * pagesz, pg, "final");
			munmap(p, (size_t)s->npages * pagesz);
		}
		if (ioctl(fd, AOBJ_IOC_DETACH, &d))
			error("final: DETACH %s: %s", path, strerror(errno));
		close(fd);
		s->state = SLOT_EMPTY;
	}
}

static void usage(FILE *f, int status)
{
	fprintf(f,
		"Usage: aobj-stress [OPTIONS] [DEVICE...]\n"
		"Random create/mmap/write/verify/fork/munmap/flush/detach on aobj\n"
		"objects from several processes, with exact checks of every read,\n"
		"while SWAPOFF/SWAPON cycles over two DEVICEs (e.g. $AOBJ_DISKS).\n\n"
		"  -d, --duration S    stop after S seconds (default 60)\n"
		"  -s, --seed N        random seed (default: time); printed for replay\n"
		"  -p, --procs P       worker processes (default 3, at most %d)\n"
		"  -t, --threads T     threads per process (default 2, at most %d)\n"
		"  -o, --objects K     object slots (default 12, at most %d)\n"
		"  -m, --max-pages N   largest object, in pages (default 256, at most %d)\n"
		"  -l, --limit-mb M    max_resident_mb during the run (default 4; 0 keeps it)\n"
		"  -P, --pressure[=B]  run stress-ng --vm 1 --vm-bytes B (default 64M) alongside\n"
		"  -v, --verbose       progress every 10 s\n"
		"  -h, --help          this help\n\n"
		"Without devices nothing is paged out (no limit is set).  Ends with\n"
		"\"stress: ops=N bytes_verified=N mismatches=N swapon_cycles=N\n"
		"swapoff_cycles=N errors=N\"; exit status 1 on any mismatch or error.\n",
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
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	pid_t workers[MAX_PROCS], churn = -1, pressure = -1;
	long long objects_start, objects_end;
	pthread_mutexattr_t ma;
	pthread_rwlockattr_t ra;
	struct sigaction sa;
	double t0, next_report;
	bool seeded = false, hung = false;
	unsigned int i;
	int c, j;

	while ((c = getopt_long(argc, argv, "d:s:p:t:o:m:l:P::vh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': opt_duration = num_arg(optarg, 1, 86400, "duration"); break;
		case 's': opt_seed = strtoull(optarg, NULL, 0); seeded = true; break;
		case 'p': opt_procs = num_arg(optarg, 1, MAX_PROCS, "procs"); break;
		case 't': opt_threads = num_arg(optarg, 1, MAX_THREADS, "threads"); break;
		case 'o': opt_objects = num_arg(optarg, 1, MAX_SLOTS, "objects"); break;
		case 'm': opt_max_pages = num_arg(optarg, 1, MAX_PAGES, "max-pages"); break;
		case 'l': opt_limit_mb = num_arg(optarg, 0, 1 << 20, "limit-mb"); break;
		case 'P': opt_pressure = optarg ? optarg : "64M"; break;
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
	if (!seeded)
		opt_seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 20;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pagesz = sysconf(_SC_PAGESIZE);

	ctl_fd = open(CTL, O_RDWR | O_CLOEXEC);
	if (ctl_fd < 0) {
		fprintf(stderr, "aobj-stress: %s: %s (module not loaded?)\n", CTL,
			strerror(errno));
		return 1;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("aobj-stress: mmap");
		return 1;
	}
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setpshared(&ra, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&sh->print_lock, &ma);
	for (i = 0; i < MAX_SLOTS; i++) {
		pthread_rwlock_init(&sh->slots[i].lock, &ra);
		for (j = 0; j < NSTRIPES; j++)
			pthread_mutex_init(&sh->slots[i].stripe[j], &ma);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	objects_start = read_num(STAT_OBJECTS);
	msg("stress: seed=%" PRIu64 " duration=%us procs=%u threads=%u objects=%u max_pages=%u devices=%d%s%s\n",
	    opt_seed, opt_duration, opt_procs, opt_threads, opt_objects,
	    opt_max_pages, ndevs, opt_pressure ? " pressure=" : "",
	    opt_pressure ? opt_pressure : "");

	for (j = 0; j < ndevs; j++) {
		int err = swapon_dev(devs[j], 0);

		if (err) {
			error("SWAPON %s: %s", devs[j], strerror(-err));
			goto out;
		}
	}
	if (ndevs && opt_limit_mb) {
		char buf[32];

		if (read_file(LIMIT_PARAM, saved_limit, sizeof(saved_limit))) {
			error("read %s: %s", LIMIT_PARAM, strerror(errno));
			goto out;
		}
		limit_saved = true;
		snprintf(buf, sizeof(buf), "%u", opt_limit_mb);
		if (write_file(LIMIT_PARAM, buf)) {
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

	t0 = now_s();
	next_report = t0 + 10;
	while (!STOPPED() && now_s() - t0 < opt_duration) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid > 0 && pid != pressure) {
			/* A worker or the churner ended early. */
			error("process %d ended early (%s %d)", (int)pid,
			      WIFSIGNALED(status) ? "signal" : "status",
			      WIFSIGNALED(status) ? WTERMSIG(status) :
			      WEXITSTATUS(status));
			for (i = 0; i < opt_procs; i++)
				if (workers[i] == pid)
					workers[i] = -1;
			if (pid == churn)
				churn = -1;
			break;
		}
		if (opt_verbose && now_s() >= next_report) {
			next_report += 10;
			msg("stress: [%.0f s] ops=%" PRIu64 " bytes_verified=%" PRIu64
			    " swapoff_cycles=%" PRIu64 " resident=%lld pageouts=%lld\n",
			    now_s() - t0, sh->ops, sh->bytes_verified,
			    sh->swapoff_cycles, read_num(STAT_DIR "resident_pages"),
			    read_num(STAT_DIR "pageouts"));
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
		}
	}
	if (pressure > 0) {
		kill(pressure, SIGTERM);
		waitpid(pressure, NULL, 0);
	}
	if (hung)
		goto summary;	/* cleanup could hang too */

	sh->stop = 0;	/* check_page and friends run once more */
	final_check();

out:
	restore_limit();
	for (j = 0; j < ndevs; j++) {
		uint64_t lost = 0;
		int err, tries;

		/* Which of the two is on depends on where the churn stopped. */
		for (tries = 0; tries < 50; tries++) {
			err = swapoff_dev(devs[j], &lost);
			if (err != -ENOMEM && err != -EINTR)
				break;
			sleep_ms(100);
		}
		if (err && err != -EINVAL)
			error("final SWAPOFF %s: %s", devs[j], strerror(-err));
		if (!err && lost)
			error("final SWAPOFF %s: %llu page(s) lost", devs[j],
			      (unsigned long long)lost);
	}
	objects_end = read_num(STAT_OBJECTS);
	for (j = 0; j < 50 && objects_end != objects_start; j++) {
		sleep_ms(100);	/* objects are released from a workqueue */
		objects_end = read_num(STAT_OBJECTS);
	}
	if (objects_end != objects_start)
		error("objects counter: %lld at start, %lld at end", objects_start,
		      objects_end);

summary:
	restore_limit();
	msg("stress: creates=%" PRIu64 " detaches=%" PRIu64 " frees=%" PRIu64
	    " cleans=%" PRIu64 " deactivates=%" PRIu64 " unmaps=%" PRIu64
	    " forks=%" PRIu64 " swapoff_aborted=%" PRIu64 " enomem=%" PRIu64
	    " pageouts=%lld pageins=%lld\n",
	    sh->creates, sh->detaches, sh->frees, sh->cleans, sh->deacts,
	    sh->unmaps, sh->forks, sh->swapoff_aborted, sh->enomem,
	    read_num(STAT_DIR "pageouts"), read_num(STAT_DIR "pageins"));
	msg("stress: ops=%" PRIu64 " bytes_verified=%" PRIu64 " mismatches=%" PRIu64
	    " swapon_cycles=%" PRIu64 " swapoff_cycles=%" PRIu64 " errors=%" PRIu64
	    "\n", sh->ops, sh->bytes_verified, sh->mismatches, sh->swapon_cycles,
	    sh->swapoff_cycles, sh->errors);
	if (sh->mismatches || sh->errors)
		msg("stress: FAIL (replay with --seed %" PRIu64 ")\n", opt_seed);
	return sh->mismatches || sh->errors ? 1 : 0;
}
