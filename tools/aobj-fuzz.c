// SPDX-License-Identifier: GPL-2.0
/*
 * aobj-fuzz: random and edge-value ioctl arguments against /dev/aobj and
 * /dev/aobj<ID>, each checked against the result the ABI promises.
 *
 *   aobj-fuzz [--iterations N] [--seed N] [--verbose] [DEVICE...]
 *
 * Every call either fails with an errno from the set expected for its case
 * or succeeds, and then consistently: a created object is listed with its
 * size, mode and flags, its node opens and STATs the same, and DETACH
 * removes it.  Cases: sizes 0/1/unaligned/huge, bad ids and minors, bad
 * pointers (NULL, kernel, unmapped, straddling a guard page), unknown
 * flags and reserved bits, truncated structures and longer ones with
 * zero and non-zero tails, random ioctl numbers of types 0xAA-0xAC,
 * ioctls on the wrong node, mmap edge cases, DETACH of one object from
 * several threads at once, SWAPOFF of devices never swapped on, SWAPON
 * of odd paths (and of DEVICEs, if given: then SWAPS, EBUSY, SWAPOFF
 * through a symlink).  At the end every object it created is detached
 * and the global objects counter must be back where it started.
 *
 * ENOMEM is unexpected unless fault injection is on (failslab or
 * fail_page_alloc probability > 0 in debugfs) or --allow-enomem is given:
 * a module that fails every allocation must not pass.  A run whose calls
 * nearly all failed fails too (floors: ok >= iterations / 10, at least
 * one object created).
 *
 * Ends with "fuzz: calls=N ok=N failed_as_expected=N unexpected=N
 * floors_missed=N"; exit status 1 if anything was unexpected or a floor
 * was missed, 2 for usage errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <unistd.h>

#include <linux/aobj.h>

#include "aobj-util.h"

#define CTL		"/dev/aobj"
#define STAT_OBJECTS	"/sys/class/misc/aobj/stats/objects"
#define PARAMS		"/sys/module/aobj/parameters/"
#define MAX_OBJS	24
#define MAX_DEVS	4
#define RACERS		6

static uint64_t seed, seed0;
static unsigned long iterations = 2000;
static bool verbose;
static long pagesz;
static int ctl_fd;
static bool root;
static char *guard;	/* a readable+writable page followed by a PROT_NONE one */
static char tmpdir[64];

static unsigned long calls, n_ok, n_expected, n_unexpected, n_created;
static bool enomem_ok;

/* ENOMEM where an allocation may fail: only under fault injection. */
#define ENOMEM_OK	(enomem_ok ? ENOMEM : 0)

/* An errno set: a -1 terminated list, 0 meaning success. */
#define E(...)	((const int[]){ __VA_ARGS__, -1 })

static bool in_set(int err, const int *set)
{
	for (; *set >= 0; set++)
		if (*set == err)
			return true;
	return false;
}

/*
 * result: account for one call that returned @err (0 or an errno);
 * @set: what was allowed.  Returns true if @err is in @set.
 */
__attribute__((format(printf, 3, 4)))
static bool result(int err, const int *set, const char *fmt, ...)
{
	char what[256], want[128] = "";
	const int *p;
	va_list ap;

	calls++;
	if (in_set(err, set)) {
		if (err)
			n_expected++;
		else
			n_ok++;
		if (verbose) {
			va_start(ap, fmt);
			vsnprintf(what, sizeof(what), fmt, ap);
			va_end(ap);
			printf("fuzz: %s: %s\n", what, errno_name(err));
		}
		return true;
	}
	n_unexpected++;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	for (p = set; *p >= 0; p++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s",
			 p == set ? "" : "|", errno_name(*p));
	printf("fuzz: UNEXPECTED: %s: got %s, expected %s\n", what, errno_name(err),
	       want);
	fflush(stdout);
	return false;
}

/* A failed consistency check after a call that succeeded. */
__attribute__((format(printf, 1, 2)))
static void inconsistent(const char *fmt, ...)
{
	va_list ap;

	n_unexpected++;
	printf("fuzz: UNEXPECTED: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

/* ---- random ---- */

static uint64_t rnd(void)
{
	uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

/* ---- sysfs ---- */

/* ---- our objects ---- */

struct obj {
	unsigned int id;
	uint64_t length;	/* page aligned */
	uint32_t mode;
	bool noswap;
	bool live;
};

static struct obj objs[MAX_OBJS];
static int nobjs;
static unsigned int node_major;

static int obj_open(unsigned int id, int flags)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/aobj%u", id);
	return open(path, flags | O_CLOEXEC);
}

static int do_detach(unsigned int id)
{
	struct aobj_detach d = { .size = sizeof(d) };
	int fd = obj_open(id, O_RDWR), err;

	if (fd < 0)
		return errno;
	err = xioctl(fd, AOBJ_IOC_DETACH, &d);
	close(fd);
	return err;
}

/* LIST into @ents (room @room): number of objects, or -errno. */
static int list(struct aobj_info *ents, unsigned int room)
{
	struct aobj_list l = {
		.size = sizeof(l), .count = room, .entry_size = sizeof(*ents),
		.entries = (uintptr_t)ents,
	};

	return ioctl(ctl_fd, AOBJ_IOC_LIST, &l) ? -errno : (int)l.count;
}

static bool listed(unsigned int id, struct aobj_info *out)
{
	static struct aobj_info ents[2048];
	int n = list(ents, 2048), i;

	for (i = 0; i < n && i < 2048; i++)
		if (ents[i].id == id) {
			if (out)
				*out = ents[i];
			return true;
		}
	return false;
}

/* The objects' total size and count now, as the limits see them. */
static void totals(uint64_t *bytes, unsigned int *count)
{
	static struct aobj_info ents[2048];
	int n = list(ents, 2048), i;

	*bytes = 0;
	*count = n > 0 ? (unsigned int)n : 0;
	for (i = 0; i < n && i < 2048; i++)
		*bytes += ents[i].length;
}

/* Check a successful CREATE's object, and track it. */
static void created(unsigned int id, uint64_t length, uint32_t mode, bool noswap)
{
	struct aobj_stat st = { .size = sizeof(st) };
	struct aobj_info info;
	struct stat sb;
	char path[32];
	int fd, i;

	uint64_t want_len = (length + pagesz - 1) / pagesz * pagesz;
	uint32_t want_mode = mode ? mode : 0600;

	n_created++;

	if (!listed(id, &info))
		inconsistent("created object %u is not in LIST", id);
	else if (info.length != want_len || info.mode != want_mode ||
		 info.flags != (noswap ? AOBJ_INFO_NOSWAP : 0u))
		inconsistent("LIST of new object %u: length %llu mode %o flags %#x, want %llu %o %#x",
			     id, (unsigned long long)info.length, info.mode,
			     info.flags, (unsigned long long)want_len, want_mode,
			     noswap ? AOBJ_INFO_NOSWAP : 0u);
	snprintf(path, sizeof(path), "/dev/aobj%u", id);
	if (stat(path, &sb) || !S_ISCHR(sb.st_mode) ||
	    (sb.st_mode & 0777) != want_mode)
		inconsistent("node %s: missing or wrong mode", path);
	else
		node_major = major(sb.st_rdev);
	fd = obj_open(id, O_RDONLY);
	if (fd < 0) {
		inconsistent("open %s: %s", path, strerror(errno));
	} else {
		if (ioctl(fd, AOBJ_IOC_STAT, &st))
			inconsistent("STAT %s: %s", path, strerror(errno));
		else if (st.info.id != id || st.info.length != want_len)
			inconsistent("STAT %s: id %u length %llu", path,
				     st.info.id, (unsigned long long)st.info.length);
		close(fd);
	}
	for (i = 0; i < MAX_OBJS; i++)
		if (!objs[i].live) {
			objs[i] = (struct obj){ id, want_len, want_mode, noswap, true };
			nobjs++;
			return;
		}
	/* No room to track it: detach at once. */
	result(do_detach(id), E(0), "DETACH untracked object %u", id);
}

static struct obj *pick_obj(void)
{
	int i, start = (int)below(MAX_OBJS);

	for (i = 0; i < MAX_OBJS; i++)
		if (objs[(start + i) % MAX_OBJS].live)
			return &objs[(start + i) % MAX_OBJS];
	return NULL;
}

/* ---- argument buffers ---- */

/*
 * arg_buf: a buffer for a structure of @len bytes placed so that it ends
 * exactly at the guard page (reading past it faults).
 */
static void *arg_buf(size_t len)
{
	return guard + pagesz - len;
}

/* A pointer no ioctl may read: NULL, kernel, unmapped, guard. */
static void *bad_ptr(void)
{
	switch (below(4)) {
	case 0: return NULL;
	case 1: return (void *)0xffff800000001000UL;
	case 2: return (void *)0x10UL;
	default: return guard + pagesz;	/* PROT_NONE */
	}
}

/*
 * Pick a structure size for an ioctl whose structure is @size bytes and
 * write the tail: returns the size to put in the header and sets
 * *@expect to 0 (fine), EINVAL or EFAULT.
 */
static uint32_t pick_size(uint32_t size, int *expect, size_t *buflen)
{
	uint32_t s;

	*expect = 0;
	*buflen = size;
	switch (below(10)) {
	case 0:		/* truncated */
		s = below(size);
		*expect = EINVAL;
		*buflen = s < 4 ? 4 : s;
		return s;
	case 1:		/* longer, zero tail */
		s = size + 1 + below(200);
		*buflen = s;
		return s;
	case 2:		/* longer, non-zero tail */
		s = size + 1 + below(200);
		*buflen = s;
		*expect = -1;	/* caller writes a non-zero byte: EINVAL */
		return s;
	case 3:		/* claims more than is readable */
		s = size + pagesz + below(1 << 20);
		*expect = EFAULT;
		return s;
	default:
		return size;
	}
}

/*
 * Prepare @hdr (of @size bytes) as an argument: copy it into a guard
 * buffer with the chosen size and tail.  Returns the pointer; *expect as
 * pick_size, with -1 resolved to EINVAL.
 */
static void *prep(const void *hdr, uint32_t size, int *expect)
{
	size_t buflen;
	uint32_t s = pick_size(size, expect, &buflen);
	char *p = arg_buf(buflen);

	memset(p, 0, buflen);
	memcpy(p, hdr, buflen < size ? buflen : size);
	memcpy(p, &s, 4);
	if (*expect == -1) {
		p[size + below(buflen - size)] = (char)(1 + below(255));
		*expect = EINVAL;
	}
	return p;
}

/* ---- cases ---- */

static void case_create(void)
{
	struct aobj_create c = { .size = sizeof(c) };
	uint64_t max_obj = (uint64_t)read_num(PARAMS "max_object_size");
	uint64_t max_total = (uint64_t)read_num(PARAMS "max_total_size");
	unsigned int max_objects = (unsigned int)read_num(PARAMS "max_objects");
	uint64_t aligned, total;
	unsigned int count;
	int expect, err;
	bool bad = false;
	void *p;

	switch (below(12)) {
	case 0: c.length = 0; break;
	case 1: c.length = 1; break;
	case 2: c.length = pagesz - 1; break;
	case 3: c.length = pagesz + 1; break;
	case 4: c.length = UINT64_MAX; break;
	case 5: c.length = UINT64_MAX - pagesz + 1 + below(pagesz); break;
	case 6: c.length = max_obj + 1 + below(pagesz * 2); break;
	case 7: c.length = (uint64_t)1 << (40 + below(24)); break;
	case 8: c.length = (uint64_t)1 << 30; break;	/* 1 GiB, never touched */
	default: c.length = 1 + rnd() % (16ULL << 20); break;
	}
	if (below(8) == 0) {
		c.flags = (uint32_t)rnd();
		bad |= c.flags & ~AOBJ_CREATE_NOSWAP;
	} else {
		c.flags = below(4) ? 0 : AOBJ_CREATE_NOSWAP;
	}
	if (below(8) == 0) {
		c.mode = below(2) ? (uint32_t)rnd() : 01000 | below(01000);
		bad |= c.mode & ~0777;
	} else {
		c.mode = below(3) ? 0 : below(01000);
	}
	c.id = below(4) ? 0 : (uint32_t)rnd();	/* out only: ignored */
	if (nobjs >= MAX_OBJS - 2 && !bad && c.length)
		c.length = 0;	/* keep the number of objects bounded */
	bad |= !c.length || c.length > UINT64_MAX - pagesz;

	p = prep(&c, sizeof(c), &expect);
	totals(&total, &count);
	errno = 0;
	err = xioctl(ctl_fd, AOBJ_IOC_CREATE, p);
	if (expect) {
		if (!err) {
			/* Should not happen: still, do not leak the object. */
			unsigned int id = ((struct aobj_create *)p)->id;

			result(err, E(expect), "CREATE with a bad structure size");
			do_detach(id);
			return;
		}
		result(err, E(expect), "CREATE, size field %u",
		       *(uint32_t *)p);
		return;
	}
	if (bad) {
		result(err, E(EINVAL), "CREATE length %#llx flags %#x mode %#o",
		       (unsigned long long)c.length, c.flags, c.mode);
		if (!err)
			do_detach(((struct aobj_create *)p)->id);
		return;
	}
	aligned = (c.length + pagesz - 1) / pagesz * pagesz;
	if (aligned > max_obj) {
		result(err, E(EFBIG), "CREATE of %#llx bytes (max_object_size %#llx)",
		       (unsigned long long)c.length, (unsigned long long)max_obj);
	} else if (count >= max_objects || total + aligned > max_total) {
		result(err, E(ENOSPC), "CREATE of %#llx bytes over the limits",
		       (unsigned long long)c.length);
	} else if (aligned > (uint64_t)INT_MAX * pagesz) {
		result(err, E(EFBIG), "CREATE of %#llx bytes (more than INT_MAX pages)",
		       (unsigned long long)c.length);
	} else {
		result(err, E(0, ENOMEM_OK), "CREATE of %llu bytes flags %#x mode %#o",
		       (unsigned long long)c.length, c.flags, c.mode);
	}
	if (!err)
		created(((struct aobj_create *)p)->id, c.length, c.mode,
			c.flags & AOBJ_CREATE_NOSWAP);
}

static void case_list(void)
{
	struct aobj_list l = { .size = sizeof(l) };
	struct aobj_info *ents = NULL;
	uint32_t room = below(4) ? 1 + below(64) : 0;
	uint32_t esize = sizeof(struct aobj_info);
	int expect, err, nours = nobjs;
	char *buf = NULL;
	size_t blen = 0;
	void *p;

	if (below(6) == 0)
		esize = below(sizeof(struct aobj_info));	/* too small */
	else if (below(4) == 0)
		esize += 8 * below(8);
	l.flags = below(8) == 0 ? (uint32_t)rnd() | 1 : 0;
	l.count = room;
	l.entry_size = esize;
	if (room && esize) {
		blen = (size_t)room * esize;
		buf = malloc(blen);
		memset(buf, 0xa5, blen);
		ents = (struct aobj_info *)buf;
	}
	if (below(5) == 0)
		l.entries = (uintptr_t)bad_ptr();
	else
		l.entries = (uintptr_t)ents;
	p = prep(&l, sizeof(l), &expect);
	err = xioctl(ctl_fd, AOBJ_IOC_LIST, p);
	if (expect) {
		result(err, E(expect), "LIST, size field %u", *(uint32_t *)p);
	} else if (l.flags) {
		result(err, E(EINVAL), "LIST flags %#x", l.flags);
	} else if (room && esize < sizeof(struct aobj_info)) {
		result(err, E(EINVAL), "LIST entry_size %u", esize);
	} else if (room && l.entries != (uintptr_t)ents) {
		/* Copies fail only if an object is there to copy. */
		result(err, nours ? E(EFAULT) : E(0, EFAULT),
		       "LIST into a bad pointer (%d objects of ours)", nours);
	} else if (result(err, E(0), "LIST count %u entry_size %u", room, esize)) {
		uint32_t n = ((struct aobj_list *)p)->count, i;
		size_t j;

		if (n < (uint32_t)nours)
			inconsistent("LIST: count %u, but we have %d objects", n, nours);
		for (i = 0; i < n && i < room; i++)
			for (j = sizeof(struct aobj_info); j < esize; j++)
				if (buf[(size_t)i * esize + j]) {
					inconsistent("LIST: entry %u byte %zu not cleared", i, j);
					i = room;
					break;
				}
	}
	free(buf);
}

/* STAT, FLUSH, DETACH on an object's node (read-only or read-write fd). */
static void case_object(void)
{
	struct obj *o = pick_obj();
	int fd, err, expect;
	bool rw = below(3) != 0;
	void *p;

	if (!o) {
		/* No object: ioctls on a missing node. */
		char path[32];

		snprintf(path, sizeof(path), "/dev/aobj%u", 60000 + below(5000));
		fd = open(path, O_RDWR | O_CLOEXEC);
		result(fd < 0 ? errno : 0, E(ENOENT), "open %s", path);
		if (fd >= 0)
			close(fd);
		return;
	}
	fd = obj_open(o->id, rw ? O_RDWR : O_RDONLY);
	if (fd < 0) {
		inconsistent("open /dev/aobj%u (live): %s", o->id, strerror(errno));
		return;
	}
	switch (below(4)) {
	case 0: {
		struct aobj_stat s = { .size = sizeof(s) };

		s.flags = below(6) == 0 ? 1 + below(0xffff) : 0;
		p = prep(&s, sizeof(s), &expect);
		err = xioctl(fd, AOBJ_IOC_STAT, p);
		if (expect)
			result(err, E(expect), "STAT, size field %u", *(uint32_t *)p);
		else if (s.flags)
			result(err, E(EINVAL), "STAT flags %#x", s.flags);
		else if (result(err, E(0), "STAT object %u", o->id)) {
			struct aobj_info *i = &((struct aobj_stat *)p)->info;

			if (i->id != o->id || i->length != o->length ||
			    i->mode != o->mode || i->__reserved ||
			    i->flags != (o->noswap ? AOBJ_INFO_NOSWAP : 0u))
				inconsistent("STAT object %u: id %u length %llu mode %o flags %#x",
					     o->id, i->id, (unsigned long long)i->length,
					     i->mode, i->flags);
		}
		break;
	}
	case 1:
	case 2: {
		struct aobj_flush f = { .size = sizeof(f) };
		uint64_t pages = o->length / pagesz, len;
		bool bad = false;

		switch (below(6)) {
		case 0: f.flags = (uint32_t)rnd(); break;
		case 1: f.flags = 0; break;
		case 2: f.flags = AOBJ_FLUSH_FREE | AOBJ_FLUSH_CLEAN; break;
		default: f.flags = 1u << below(3); break;
		}
		bad = __builtin_popcount(f.flags) != 1 || f.flags > AOBJ_FLUSH_CLEAN;
		switch (below(6)) {
		case 0: f.offset = rnd() % (o->length + 1); break;	/* unaligned */
		case 1: f.offset = o->length + pagesz * below(3); break;
		case 2: f.offset = UINT64_MAX & ~(uint64_t)(pagesz - 1); break;
		default: f.offset = (uint64_t)below(pages + 1) * pagesz; break;
		}
		switch (below(6)) {
		case 0: f.length = 0; break;
		case 1: f.length = 1 + rnd() % o->length; break;
		case 2: f.length = UINT64_MAX & ~(uint64_t)(pagesz - 1); break;
		default: f.length = (uint64_t)below(pages + 1) * pagesz; break;
		}
		if (f.offset % pagesz || f.length % pagesz || f.offset > o->length)
			bad = true;
		len = f.length ? f.length : o->length - (f.offset > o->length ? 0 : f.offset);
		if (!bad && len > o->length - f.offset)
			bad = true;
		p = prep(&f, sizeof(f), &expect);
		err = xioctl(fd, AOBJ_IOC_FLUSH, p);
		if (expect)
			result(err, E(expect, rw ? expect : EBADF), "FLUSH, size field %u",
			       *(uint32_t *)p);
		else if (!rw)
			result(err, E(EBADF), "FLUSH on a read-only fd");
		else if (bad)
			result(err, E(EINVAL), "FLUSH flags %#x offset %#llx length %#llx of %llu bytes",
			       f.flags, (unsigned long long)f.offset,
			       (unsigned long long)f.length,
			       (unsigned long long)o->length);
		else if (f.flags == AOBJ_FLUSH_CLEAN)
			/* Nothing is dirty (the fuzzer writes only to freed pages). */
			result(err, E(0, ENOSPC), "FLUSH CLEAN");
		else
			result(err, E(0), "FLUSH %#x offset %#llx length %#llx",
			       f.flags, (unsigned long long)f.offset,
			       (unsigned long long)f.length);
		break;
	}
	default: {
		struct aobj_detach d = { .size = sizeof(d) };

		d.flags = below(4) == 0 ? (uint32_t)rnd() | 1 : 0;
		p = prep(&d, sizeof(d), &expect);
		err = xioctl(fd, AOBJ_IOC_DETACH, p);
		if (expect) {
			result(err, E(expect), "DETACH, size field %u", *(uint32_t *)p);
		} else if (d.flags) {
			result(err, E(EINVAL), "DETACH flags %#x", d.flags);
		} else if (!rw) {
			result(err, E(EBADF), "DETACH on a read-only fd");
		} else if (result(err, E(0), "DETACH object %u", o->id)) {
			char path[32];
			struct aobj_info info;

			o->live = false;
			nobjs--;
			/* Again on the same fd: gone already. */
			err = xioctl(fd, AOBJ_IOC_DETACH, p);
			result(err, E(EIDRM), "second DETACH of object %u", o->id);
			/* Still open: listed as detached; mmap refused. */
			if (!listed(o->id, &info) || !(info.flags & AOBJ_INFO_DETACHED))
				inconsistent("detached, open object %u not listed as detached",
					     o->id);
			err = mmap(NULL, pagesz, PROT_READ, MAP_SHARED, fd, 0) ==
			      MAP_FAILED ? errno : 0;
			result(err, E(EIDRM), "mmap of detached object %u", o->id);
			snprintf(path, sizeof(path), "/dev/aobj%u", o->id);
			err = access(path, F_OK) ? errno : 0;
			result(err, E(ENOENT), "node of detached object %u is gone",
			       o->id);
			/* Its minor, through a node of our own: ENXIO. */
			if (node_major && root) {
				char mine[96];

				snprintf(mine, sizeof(mine), "%s/n%u", tmpdir, o->id);
				if (!mknod(mine, S_IFCHR | 0600, makedev(node_major, o->id))) {
					int fd2 = open(mine, O_RDWR | O_CLOEXEC);

					result(fd2 < 0 ? errno : 0, E(ENXIO),
					       "open detached object %u by its minor", o->id);
					if (fd2 >= 0)
						close(fd2);
					unlink(mine);
				}
			}
		}
		break;
	}
	}
	close(fd);
}

/* mmap edge cases, and a write that FLUSH FREE must undo. */
static void case_mmap(void)
{
	struct obj *o = pick_obj();
	size_t len;
	char *m;
	int fd, err;

	if (!o)
		return;
	fd = obj_open(o->id, O_RDWR);
	if (fd < 0) {
		inconsistent("open /dev/aobj%u: %s", o->id, strerror(errno));
		return;
	}
	len = o->length;
	switch (below(5)) {
	case 0:
		m = mmap(NULL, pagesz, PROT_READ, MAP_PRIVATE, fd, 0);
		err = m == MAP_FAILED ? errno : 0;
		result(err, E(EINVAL), "MAP_PRIVATE mmap");
		break;
	case 1:
		m = mmap(NULL, len + pagesz, PROT_READ, MAP_SHARED, fd, 0);
		err = m == MAP_FAILED ? errno : 0;
		result(err, E(ENXIO), "mmap past the end");
		break;
	case 2:
		m = mmap(NULL, pagesz, PROT_READ, MAP_SHARED, fd, len);
		err = m == MAP_FAILED ? errno : 0;
		result(err, E(ENXIO), "mmap at offset == size");
		break;
	default: {
		/* Map a random page, write it, FREE it: reads zero again. */
		uint64_t pg = below(len / pagesz);
		struct aobj_flush f = {
			.size = sizeof(f), .flags = AOBJ_FLUSH_FREE,
			.offset = pg * pagesz, .length = pagesz,
		};

		m = mmap(NULL, pagesz, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 pg * pagesz);
		err = m == MAP_FAILED ? errno : 0;
		if (!result(err, E(0, ENOMEM_OK), "mmap page %llu", (unsigned long long)pg) || err)
			break;
		if (m[0] || m[pagesz - 1])
			inconsistent("object %u page %llu is not zero", o->id,
				     (unsigned long long)pg);
		memset(m, 0x5a, pagesz);
		err = xioctl(fd, AOBJ_IOC_FLUSH, &f);
		if (result(err, E(0), "FLUSH FREE of a written page") &&
		    (m[0] || m[pagesz - 1]))
			inconsistent("object %u page %llu not zero after FLUSH FREE",
				     o->id, (unsigned long long)pg);
		break;
	}
	}
	if (m != MAP_FAILED)
		munmap(m, pagesz);
	close(fd);
}

/* Random ioctl numbers around type 0xAB, on the control and an object node. */
static void case_random_ioctl(void)
{
	static const unsigned long valid[] = {
		AOBJ_IOC_CREATE, AOBJ_IOC_LIST, AOBJ_IOC_STAT, AOBJ_IOC_FLUSH,
		AOBJ_IOC_DETACH, AOBJ_IOC_SWAPON, AOBJ_IOC_SWAPOFF, AOBJ_IOC_SWAPS,
		AOBJ_IOC_PAGEMAP,
	};
	struct obj *o = pick_obj();
	unsigned long cmd;
	unsigned int type = 0xAA + below(3), i;
	int fd = ctl_fd, err;
	bool on_obj = o && below(2), is_valid = false;
	char *arg = arg_buf(64);

	switch (below(3)) {
	case 0: cmd = _IOC(below(4), type, below(256), below(1 << 14)); break;
	case 1: cmd = _IO(type, AOBJ_CMD_BASE + below(16) - 4); break;
	default: cmd = _IOWR(type, AOBJ_CMD_BASE + below(8), struct aobj_create); break;
	}
	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		if (cmd == valid[i])
			is_valid = true;
	if (is_valid) {
		/* A real one on the wrong node is ENOTTY; on the right one, skip. */
		bool ctl_cmd = cmd != AOBJ_IOC_STAT && cmd != AOBJ_IOC_FLUSH &&
			       cmd != AOBJ_IOC_DETACH && cmd != AOBJ_IOC_PAGEMAP;

		if (ctl_cmd != on_obj)
			return;	/* the right node: not this case */
	}
	memset(arg, 0, 64);
	*(uint32_t *)arg = below(2) ? 64 : (uint32_t)rnd();
	if (on_obj) {
		fd = obj_open(o->id, O_RDWR);
		if (fd < 0) {
			inconsistent("open /dev/aobj%u: %s", o->id, strerror(errno));
			return;
		}
	}
	err = xioctl(fd, cmd, arg);
	result(err, E(ENOTTY), "ioctl %#lx on %s", cmd, on_obj ? "an object" : CTL);
	if (on_obj)
		close(fd);
}

/* Bad argument pointers for every ioctl. */
static void case_bad_pointer(void)
{
	static const unsigned long ctl_cmds[] = {
		AOBJ_IOC_CREATE, AOBJ_IOC_LIST, AOBJ_IOC_SWAPON, AOBJ_IOC_SWAPOFF,
		AOBJ_IOC_SWAPS,
	};
	static const unsigned long obj_cmds[] = {
		AOBJ_IOC_STAT, AOBJ_IOC_FLUSH, AOBJ_IOC_DETACH,
	};
	struct obj *o = pick_obj();
	bool on_obj = o && below(2);
	unsigned long cmd = on_obj ? obj_cmds[below(3)] : ctl_cmds[below(5)];
	void *p;
	int fd = ctl_fd, err;

	if (below(3) == 0) {
		/* The size field straddles the guard page. */
		p = guard + pagesz - 2;
	} else {
		p = bad_ptr();
	}
	if (on_obj) {
		fd = obj_open(o->id, O_RDWR);
		if (fd < 0)
			return;
	}
	err = xioctl(fd, cmd, p);
	result(err, E(EFAULT), "ioctl %#lx with argument %p", cmd, p);
	if (on_obj)
		close(fd);
}

/* DETACH of one object from several threads at once: one wins. */
struct racer {
	int fd;
	pthread_barrier_t *b;
	int err;
};

static void *racer(void *p)
{
	struct racer *r = p;
	struct aobj_detach d = { .size = sizeof(d) };

	pthread_barrier_wait(r->b);
	r->err = xioctl(r->fd, AOBJ_IOC_DETACH, &d);
	return NULL;
}

static void case_detach_race(void)
{
	struct aobj_create c = { .size = sizeof(c), .length = pagesz * (1 + below(64)) };
	struct racer rs[RACERS];
	pthread_t t[RACERS];
	pthread_barrier_t b;
	int i, wins = 0, err, n = 2 + (int)below(RACERS - 1);

	err = xioctl(ctl_fd, AOBJ_IOC_CREATE, &c);
	if (!result(err, E(0), "CREATE for the DETACH race") )
		return;
	pthread_barrier_init(&b, NULL, (unsigned int)n);
	for (i = 0; i < n; i++) {
		rs[i].fd = obj_open(c.id, O_RDWR);
		rs[i].b = &b;
		rs[i].err = -1;
		if (rs[i].fd < 0) {
			inconsistent("open new object %u: %s", c.id, strerror(errno));
			while (i--)
				close(rs[i].fd);
			do_detach(c.id);
			pthread_barrier_destroy(&b);
			return;
		}
	}
	for (i = 0; i < n; i++)
		pthread_create(&t[i], NULL, racer, &rs[i]);
	for (i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		wins += !rs[i].err;
		result(rs[i].err, E(0, EIDRM), "racing DETACH %d of %d", i + 1, n);
	}
	if (wins != 1)
		inconsistent("%d of %d racing DETACHes succeeded, want 1", wins, n);
	for (i = 0; i < n; i++)
		close(rs[i].fd);
	pthread_barrier_destroy(&b);
	if (listed(c.id, NULL)) {
		/* Released from a workqueue, maybe: give it a moment. */
		usleep(200000);
		if (listed(c.id, NULL))
			inconsistent("object %u still listed after DETACH and close",
				     c.id);
	}
}

/* ---- swap ---- */

static const char *devs[MAX_DEVS];
static int ndevs;
static bool dev_on[MAX_DEVS];

static int swapon_raw(const void *arg)
{
	return xioctl(ctl_fd, AOBJ_IOC_SWAPON, (void *)arg);
}

static bool dev_listed(const char *path)
{
	struct aobj_swapdev_info ents[16];
	struct aobj_swaps s = {
		.size = sizeof(s), .count = 16, .entry_size = sizeof(ents[0]),
		.entries = (uintptr_t)ents,
	};
	struct stat st;
	uint32_t i;

	if (stat(path, &st) || ioctl(ctl_fd, AOBJ_IOC_SWAPS, &s))
		return false;
	for (i = 0; i < s.count && i < 16; i++)
		if (ents[i].major == major(st.st_rdev) &&
		    ents[i].minor == minor(st.st_rdev))
			return true;
	return false;
}

static void case_swap(void)
{
	static char longpath[PATH_MAX + 64];
	static const char *const odd[] = {
		"/dev/null", "/", "/nonexistent/dev", "", "vda", "/dev/aobj",
		"/proc/self/fd/0", "/dev/../dev/null", "/tmp",
	};
	/* An empty path is ENOENT, as for open() (the ioctls check for it). */
	const int *const odd_err[] = {
		E(ENOTBLK), E(ENOTBLK), E(ENOENT), E(ENOENT), E(ENOENT),
		E(ENOTBLK), E(ENOTBLK, ENOENT, ENXIO), E(ENOTBLK), E(ENOTBLK),
	};
	struct aobj_swapon on = { .size = sizeof(on) };
	struct aobj_swapoff off = { .size = sizeof(off) };
	int which = (int)below(10), err, expect, i;
	const char *path;
	void *p;

	if (!longpath[0]) {
		memset(longpath, 'a', sizeof(longpath) - 1);
		longpath[0] = '/';
	}
	if (which < 3 || !ndevs) {
		/* An odd path, or a bad pointer, or a long path. */
		static const int e_fault[] = { EFAULT, -1 };
		static const int e_long[] = { EINVAL, ENAMETOOLONG, -1 };
		const int *want;

		i = (int)below(sizeof(odd) / sizeof(odd[0]) + 2);
		if (i == (int)(sizeof(odd) / sizeof(odd[0]))) {
			path = bad_ptr();
			want = e_fault;
		} else if (i > (int)(sizeof(odd) / sizeof(odd[0]))) {
			path = longpath;
			want = e_long;
		} else {
			path = odd[i];
			want = odd_err[i];
		}
		if (below(2)) {
			on.path = (uintptr_t)path;
			on.priority = (int32_t)rnd();
			if (below(6) == 0)
				on.flags = 1 + below(100);
			if (below(6) == 0)
				on.__reserved = 1 + below(100);
			p = prep(&on, sizeof(on), &expect);
			err = swapon_raw(p);
			if (expect)
				result(err, root ? E(expect) : E(EPERM, expect),
				       "SWAPON, size field %u", *(uint32_t *)p);
			else if (!root)
				result(err, E(EPERM), "SWAPON as non-root");
			else if (on.flags || on.__reserved)
				result(err, E(EINVAL), "SWAPON with flags/reserved set");
			else
				result(err, want, "SWAPON of odd path %.40s",
				       path == longpath ? "(long)" :
				       (uintptr_t)path < 4096 || path == guard + pagesz ||
				       (uintptr_t)path > 0xffff000000000000UL ? "(bad pointer)" : path);
		} else {
			off.path = (uintptr_t)path;
			if (below(6) == 0)
				off.flags = 1 + below(100);
			p = prep(&off, sizeof(off), &expect);
			err = xioctl(ctl_fd, AOBJ_IOC_SWAPOFF, p);
			if (expect)
				result(err, root ? E(expect) : E(EPERM, expect),
				       "SWAPOFF, size field %u", *(uint32_t *)p);
			else if (!root)
				result(err, E(EPERM), "SWAPOFF as non-root");
			else if (off.flags)
				result(err, E(EINVAL), "SWAPOFF with flags set");
			else
				result(err, want, "SWAPOFF of odd path %.40s",
				       path == longpath ? "(long)" :
				       (uintptr_t)path < 4096 || path == guard + pagesz ||
				       (uintptr_t)path > 0xffff000000000000UL ? "(bad pointer)" : path);
		}
		return;
	}
	/* A real device: toggle it; check SWAPS; EBUSY; SWAPOFF of one never on. */
	i = (int)below(ndevs);
	if (!root)
		return;
	if (!dev_on[i]) {
		off.path = (uintptr_t)devs[i];
		err = xioctl(ctl_fd, AOBJ_IOC_SWAPOFF, &off);
		result(err, E(EINVAL), "SWAPOFF of %s, never swapped on", devs[i]);
		on.path = (uintptr_t)devs[i];
		on.priority = (int32_t)below(5) - 2;
		err = swapon_raw(&on);
		if (result(err, E(0), "SWAPON %s", devs[i])) {
			dev_on[i] = true;
			if (!dev_listed(devs[i]))
				inconsistent("%s not in SWAPS after SWAPON", devs[i]);
			err = swapon_raw(&on);
			result(err, E(EBUSY), "second SWAPON of %s", devs[i]);
		}
	} else {
		char link[96];

		/* Off through another path of the same device. */
		snprintf(link, sizeof(link), "%s/dev%d", tmpdir, i);
		unlink(link);
		path = devs[i];
		if (below(2) && !symlink(devs[i], link))
			path = link;
		off.path = (uintptr_t)path;
		err = xioctl(ctl_fd, AOBJ_IOC_SWAPOFF, &off);
		if (result(err, E(0), "SWAPOFF %s (%s)", devs[i], path)) {
			dev_on[i] = false;
			if (off.lost)
				inconsistent("SWAPOFF %s: %llu pages lost", devs[i],
					     (unsigned long long)off.lost);
			if (dev_listed(devs[i]))
				inconsistent("%s still in SWAPS after SWAPOFF", devs[i]);
		}
		unlink(link);
	}
}

static void case_swaps(void)
{
	struct aobj_swaps s = { .size = sizeof(s) };
	uint32_t room = below(3) ? 1 + below(8) : 0;
	uint32_t esize = sizeof(struct aobj_swapdev_info);
	char *buf = NULL;
	int expect, err, non = 0, i;
	void *p;

	for (i = 0; i < ndevs; i++)
		non += dev_on[i];
	if (below(6) == 0)
		esize = below(esize);
	else if (below(4) == 0)
		esize += 8 * below(4);
	s.flags = below(8) == 0 ? 1 + below(1000) : 0;
	s.count = room;
	s.entry_size = esize;
	if (room && esize) {
		buf = calloc(room, esize);
		s.entries = (uintptr_t)buf;
	}
	if (below(5) == 0)
		s.entries = (uintptr_t)bad_ptr();
	p = prep(&s, sizeof(s), &expect);
	err = xioctl(ctl_fd, AOBJ_IOC_SWAPS, p);
	if (expect)
		result(err, E(expect), "SWAPS, size field %u", *(uint32_t *)p);
	else if (s.flags)
		result(err, E(EINVAL), "SWAPS flags %#x", s.flags);
	else if (room && esize < sizeof(struct aobj_swapdev_info))
		result(err, E(EINVAL), "SWAPS entry_size %u", esize);
	else if (room && s.entries != (uintptr_t)buf)
		result(err, non ? E(EFAULT) : E(0, EFAULT), "SWAPS into a bad pointer");
	else if (result(err, E(0), "SWAPS") &&
		 ((struct aobj_swaps *)p)->count < (uint32_t)non)
		inconsistent("SWAPS: %u devices, but %d of ours are on",
			     ((struct aobj_swaps *)p)->count, non);
	free(buf);
}

/* ---- main ---- */

static void usage(FILE *f, int status)
{
	fprintf(f,
		"Usage: aobj-fuzz [--iterations N] [--seed N] [--allow-enomem] [--no-floors]\n"
		"                 [--verbose] [DEVICE...]\n"
		"Fuzz the aobj ioctls with random and edge-value arguments; every\n"
		"result is checked against the expected errno set.  DEVICEs (unused\n"
		"block devices, e.g. $AOBJ_DISKS) are swapped on and off too.\n"
		"ENOMEM is unexpected unless fault injection is on or --allow-enomem\n"
		"is given; --no-floors accepts a run whose calls nearly all failed.\n");
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "allow-enomem", no_argument, NULL, 'E' },
		{ "no-floors", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	long long objects_start, objects_end;
	unsigned int floors_missed = 0;
	bool seeded = false, no_floors = false;
	unsigned long it;
	int c, i;

	while ((c = getopt_long(argc, argv, "n:s:vEFh", opts, NULL)) != -1) {
		switch (c) {
		case 'E': enomem_ok = true; break;
		case 'F': no_floors = true; break;
		case 'n': iterations = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); seeded = true; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout, 0); break;
		default: usage(stderr, 2);
		}
	}
	for (; optind < argc && ndevs < MAX_DEVS; optind++) {
		struct stat st;

		if (stat(argv[optind], &st) || !S_ISBLK(st.st_mode)) {
			fprintf(stderr, "aobj-fuzz: %s is not a block device\n",
				argv[optind]);
			return 2;
		}
		devs[ndevs++] = argv[optind];
	}
	if (!seeded)
		seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 20;
	seed0 = seed;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pagesz = sysconf(_SC_PAGESIZE);
	root = geteuid() == 0;
	if (read_num("/sys/kernel/debug/failslab/probability") > 0 ||
	    read_num("/sys/kernel/debug/fail_page_alloc/probability") > 0)
		enomem_ok = true;
	printf("fuzz: seed=%" PRIu64 " iterations=%lu devices=%d%s\n", seed,
	       iterations, ndevs, enomem_ok ? " enomem_ok" : "");

	ctl_fd = open(CTL, O_RDWR | O_CLOEXEC);
	if (ctl_fd < 0) {
		fprintf(stderr, "aobj-fuzz: %s: %s (module not loaded?)\n", CTL,
			strerror(errno));
		return 1;
	}
	guard = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard == MAP_FAILED || mprotect(guard + pagesz, pagesz, PROT_NONE)) {
		perror("aobj-fuzz: guard page");
		return 1;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/aobj-fuzz.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("aobj-fuzz: mkdtemp");
		return 1;
	}
	for (i = 0; i < ndevs; i++)
		if (dev_listed(devs[i])) {
			fprintf(stderr, "aobj-fuzz: %s is already swapped on\n", devs[i]);
			return 2;
		}
	objects_start = read_num(STAT_OBJECTS);

	for (it = 0; it < iterations; it++) {
		switch (below(20)) {
		case 0: case 1: case 2: case 3: case 4:
			case_create();
			break;
		case 5: case 6:
			case_list();
			break;
		case 7: case 8: case 9: case 10:
			case_object();
			break;
		case 11: case 12:
			case_mmap();
			break;
		case 13: case 14:
			case_random_ioctl();
			break;
		case 15:
			case_bad_pointer();
			break;
		case 16:
			case_detach_race();
			break;
		case 17: case 18:
			case_swap();
			break;
		default:
			case_swaps();
			break;
		}
	}

	/* Detach everything we made; turn our devices off. */
	for (i = 0; i < MAX_OBJS; i++)
		if (objs[i].live) {
			result(do_detach(objs[i].id), E(0), "final DETACH of object %u",
			       objs[i].id);
			objs[i].live = false;
		}
	for (i = 0; i < ndevs; i++)
		if (dev_on[i]) {
			struct aobj_swapoff off = {
				.size = sizeof(off), .path = (uintptr_t)devs[i],
			};

			result(xioctl(ctl_fd, AOBJ_IOC_SWAPOFF, &off), E(0),
			       "final SWAPOFF %s", devs[i]);
		}
	rmdir(tmpdir);
	objects_end = read_num(STAT_OBJECTS);
	for (i = 0; i < 50 && objects_end != objects_start; i++) {
		usleep(100000);
		objects_end = read_num(STAT_OBJECTS);
	}
	if (objects_end != objects_start)
		inconsistent("objects counter: %lld at start, %lld at end",
			     objects_start, objects_end);
	/*
	 * Floors: about a third of the calls succeed in a healthy run; a
	 * module that fails everything with an expected errno must not pass.
	 */
	if (!no_floors) {
		printf("fuzz: floors: ok>=%lu creates>=%d\n", iterations / 10,
		       iterations >= 100);
		if (n_ok < iterations / 10 || !n_ok) {
			floors_missed++;
			printf("fuzz: FLOOR MISSED: ok=%lu < %lu (calls that succeeded)\n",
			       n_ok, iterations / 10 ? iterations / 10 : 1);
		}
		if (iterations >= 100 && !n_created) {
			floors_missed++;
			printf("fuzz: FLOOR MISSED: creates=0 < 1 (objects created)\n");
		}
	}
	printf("fuzz: creates=%lu\n", n_created);
	printf("fuzz: calls=%lu ok=%lu failed_as_expected=%lu unexpected=%lu floors_missed=%u\n",
	       calls, n_ok, n_expected, n_unexpected, floors_missed);
	if (n_unexpected || floors_missed)
		printf("fuzz: FAIL (replay with --seed %" PRIu64 ")\n",
		       seed0);
	return n_unexpected || floors_missed ? 1 : 0;
}
