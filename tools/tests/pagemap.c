// SPDX-License-Identifier: GPL-2.0
/*
 * pagemap: AOBJ_IOC_PAGEMAP.  Runs of never-written, dirty, clean and
 * mapped pages; mlocked pages (mlock() marks them); a buffer too small (return what fits and
 * the offset to continue from, until the whole range is told); a range
 * past the end; bad arguments; a 4 GiB object in one call with a small
 * buffer; pages changing state during the calls (the runs stay well
 * formed).  With a free disk in $AOBJ_DISKS: clean pages with a swap copy
 * and swapped runs, with their device and slots.
 *
 * Exit 0/1/77.
 */
#include "swaptest.h"

#define NPAGES		64
#define MAXRUNS		256

static size_t pg;

struct pm {
	struct aobj_pagemap_run runs[MAXRUNS];
	unsigned int n;
	uint64_t next;
};

/* PAGEMAP with room for @room runs: 0 or -1 with errno. */
static int pagemap(int fd, uint64_t off, uint64_t len, unsigned int room,
		   struct pm *pm)
{
	struct aobj_pagemap a = {
		.size = sizeof(a), .offset = off, .length = len,
		.count = room, .run_size = sizeof(pm->runs[0]),
		.runs = (uintptr_t)pm->runs,
	};

	memset(pm->runs, 0xff, sizeof(pm->runs));
	if (ioctl(fd, AOBJ_IOC_PAGEMAP, &a))
		return -1;
	pm->n = a.count;
	pm->next = a.next;
	return 0;
}

/* Runs well formed: back to back from @start, up to @pm->next. */
static bool runs_ok(const struct pm *pm, uint64_t start, bool quiet)
{
	uint64_t at = start / pg;
	unsigned int i;

	for (i = 0; i < pm->n; i++) {
		const struct aobj_pagemap_run *r = &pm->runs[i];

		if (r->start != at || !r->count || r->state > AOBJ_PAGE_BAD ||
		    r->__reserved || (r->flags & ~0x1f) ||
		    (r->state != AOBJ_PAGE_SWAPPED && (r->swapdev || r->slot)) ||
		    (i && r[-1].state == r->state && r[-1].flags == r->flags &&
		     r->state != AOBJ_PAGE_SWAPPED)) {
			if (!quiet)
				t_diag("run %u: start %llu count %llu state %u flags %#x (expected start %llu)",
				       i, (unsigned long long)r->start,
				       (unsigned long long)r->count, r->state,
				       r->flags, (unsigned long long)at);
			return false;
		}
		at += r->count;
	}
	if (at * pg != pm->next) {
		if (!quiet)
			t_diag("runs end at page %llu, next is %llu",
			       (unsigned long long)at, (unsigned long long)pm->next);
		return false;
	}
	return true;
}

static void expect_run(const struct pm *pm, unsigned int i, uint64_t start,
		       uint64_t count, unsigned int state, unsigned int flags)
{
	const struct aobj_pagemap_run *r = &pm->runs[i];

	if (i >= pm->n) {
		t_check(false, "run %u exists (%u runs)", i, pm->n);
		return;
	}
	if (!t_check(r->start == start && r->count == count &&
		     r->state == state && r->flags == flags,
		     "run %u: pages %llu+%llu state %u flags %#x", i,
		     (unsigned long long)start, (unsigned long long)count,
		     state, flags))
		t_diag("got pages %llu+%llu state %u flags %#x",
		       (unsigned long long)r->start,
		       (unsigned long long)r->count, r->state, r->flags);
}

static void test_states(unsigned int id, int fd)
{
	size_t size = NPAGES * pg;
	unsigned char *buf = malloc(4 * pg), *map, *map2;
	struct pm *pm = malloc(sizeof(*pm)), *part = malloc(sizeof(*part));
	struct aobj_pagemap_run all[MAXRUNS];
	unsigned int n = 0, calls = 0;
	uint64_t off;

	(void)id;
	if (!buf || !pm || !part)
		t_bail("malloc");
	T_EQ(pagemap(fd, 0, 0, MAXRUNS, pm), 0, "PAGEMAP of a fresh object");
	T_EQ(pm->n, 1, "one run");
	expect_run(pm, 0, 0, NPAGES, AOBJ_PAGE_NONE, 0);
	T_EQ(pm->next, size, "next is the end");

	memset(buf, 1, 4 * pg);
	T_EQ(pwrite(fd, buf, 4 * pg, 0), 4 * pg, "pwrite pages 0-3");
	/*
	 * Mappings of page 5 alone and of pages 8-13: fault-around maps the
	 * resident pages next to a read fault, within the VMA.
	 */
	map = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 5 * pg);
	map2 = mmap(NULL, 6 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 8 * pg);
	if (map == MAP_FAILED || map2 == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	T_EQ(map[0], 0, "read page 5 through a mapping");
	map2[0] = 1;
	map2[pg] = 1;
	T_EQ(pagemap(fd, 0, 0, MAXRUNS, pm), 0, "PAGEMAP while mapped");
	t_check(runs_ok(pm, 0, false), "runs are well formed");
	T_EQ(pm->n, 6, "six runs");
	expect_run(pm, 0, 0, 4, AOBJ_PAGE_DIRTY, 0);
	expect_run(pm, 1, 4, 1, AOBJ_PAGE_NONE, 0);
	expect_run(pm, 2, 5, 1, AOBJ_PAGE_CLEAN, AOBJ_PAGE_MAPPED);
	expect_run(pm, 3, 6, 2, AOBJ_PAGE_NONE, 0);
	/* A write fault on a shared mapping dirties the page. */
	expect_run(pm, 4, 8, 2, AOBJ_PAGE_DIRTY, AOBJ_PAGE_MAPPED);
	expect_run(pm, 5, 10, NPAGES - 10, AOBJ_PAGE_NONE, 0);

	/* mlock() populates the page and marks it PG_mlocked; munlock() clears it. */
	if (T_ERRNO(mlock(map2 + 4 * pg, pg), 0, "mlock() of one page")) {
		T_EQ(pagemap(fd, 12 * pg, pg, MAXRUNS, pm), 0, "PAGEMAP of a page after mlock()");
		T_EQ(pm->n, 1, "one run");
		t_check(pm->runs[0].state == AOBJ_PAGE_CLEAN &&
			(pm->runs[0].flags & AOBJ_PAGE_MAPPED) &&
			(pm->runs[0].flags & AOBJ_PAGE_MLOCKED),
			"mlock() populated the page: resident, mapped, mlocked");
		t_diag("flags after mlock(): %#x", pm->runs[0].flags);
		munlock(map2 + 4 * pg, pg);
		T_EQ(pagemap(fd, 12 * pg, pg, MAXRUNS, pm), 0, "PAGEMAP after munlock()");
		t_check(!(pm->runs[0].flags & AOBJ_PAGE_MLOCKED), "munlock() cleared mlocked");
	}
	munmap(map, pg);
	munmap(map2, 6 * pg);
	T_EQ(pagemap(fd, 0, 0, MAXRUNS, pm), 0, "PAGEMAP after munmap");
	expect_run(pm, 2, 5, 1, AOBJ_PAGE_CLEAN, 0);
	expect_run(pm, 4, 8, 2, AOBJ_PAGE_DIRTY, 0);
	expect_run(pm, 5, 10, 2, AOBJ_PAGE_NONE, 0);
	expect_run(pm, 6, 12, 1, AOBJ_PAGE_CLEAN, 0);

	/* The first six runs again, for the split calls below. */
	T_EQ(pagemap(fd, 0, 10 * pg, MAXRUNS, pm), 0, "PAGEMAP of pages 0-9");
	T_EQ(pm->n, 5, "five runs");
	pm->n = 5;
	size = 10 * pg;

	/* A buffer too small: what fits, and where to go on. */
	T_EQ(pagemap(fd, 0, 0, 2, part), 0, "PAGEMAP with room for 2 runs");
	T_EQ(part->n, 2, "two runs returned");
	T_EQ(part->next, 5 * pg, "next is the start of the third run");
	off = 0;
	do {
		if (pagemap(fd, off, size - off, 1, part)) {
			t_check(false, "PAGEMAP with room for 1 run at %llu: %s",
				(unsigned long long)off, strerror(errno));
			break;
		}
		if (part->n && n < MAXRUNS)
			all[n++] = part->runs[0];
		if (part->next <= off && part->next != size)
			break;	/* no progress */
		off = part->next;
	} while (off < size && ++calls < 100);
	T_EQ(n, pm->n, "one run per call until the end");
	t_check(n == pm->n && !memcmp(all, pm->runs, n * sizeof(all[0])),
		"the runs are those of the single call");
	T_EQ(pagemap(fd, 3 * pg, 0, 0, part), 0, "PAGEMAP with room for none");
	T_EQ(part->n, 0, "no run");
	T_EQ(part->next, 3 * pg, "next is the offset");

	/* Ranges. */
	T_EQ(pagemap(fd, 2 * pg, 3 * pg, MAXRUNS, part), 0, "PAGEMAP of pages 2-4");
	T_EQ(part->n, 2, "two runs");
	expect_run(part, 0, 2, 2, AOBJ_PAGE_DIRTY, 0);
	expect_run(part, 1, 4, 1, AOBJ_PAGE_NONE, 0);
	T_EQ(part->next, 5 * pg, "next is the end of the range");
	size = NPAGES * pg;
	T_EQ(pagemap(fd, 60 * pg, 100 * pg, MAXRUNS, part), 0,
	     "PAGEMAP of a range past the end");
	expect_run(part, 0, 60, 4, AOBJ_PAGE_NONE, 0);
	T_EQ(part->next, size, "cut at the end");
	T_EQ(pagemap(fd, size, 0, MAXRUNS, part), 0, "PAGEMAP at the end");
	T_EQ(part->n, 0, "no run at the end");
	T_ERRNO(pagemap(fd, size + pg, 0, MAXRUNS, part), EINVAL,
		"PAGEMAP starting past the end: EINVAL");
	T_ERRNO(pagemap(fd, 1, 0, MAXRUNS, part), EINVAL, "unaligned offset: EINVAL");
	T_ERRNO(pagemap(fd, 0, 1, MAXRUNS, part), EINVAL, "unaligned length: EINVAL");
	T_ERRNO(pagemap(fd, UINT64_MAX & ~(pg - 1), 0, MAXRUNS, part), EINVAL,
		"huge offset: EINVAL");
	T_EQ(pagemap(fd, pg, UINT64_MAX & ~(pg - 1), MAXRUNS, part), 0,
	     "huge length: to the end");
	T_EQ(part->next, size, "huge length: next is the end");
	free(buf);
	free(pm);
	free(part);
}

static void test_badinput(int fd)
{
	struct aobj_pagemap_run runs[4];
	struct {
		struct aobj_pagemap a;
		uint64_t tail;
	} big;
	struct aobj_pagemap a;
	struct {
		struct aobj_pagemap_run r;
		uint64_t extra[2];
	} wide[2];

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.count = 4;
	a.run_size = sizeof(runs[0]);
	a.runs = (uintptr_t)runs;
	a.flags = 1;
	T_ERRNO(ioctl(fd, AOBJ_IOC_PAGEMAP, &a), EINVAL, "flags 1: EINVAL");
	a.flags = 0;
	a.run_size = sizeof(runs[0]) - 8;
	T_ERRNO(ioctl(fd, AOBJ_IOC_PAGEMAP, &a), EINVAL, "run_size too small: EINVAL");
	a.run_size = sizeof(runs[0]);
	a.runs = 8;
	T_ERRNO(ioctl(fd, AOBJ_IOC_PAGEMAP, &a), EFAULT, "bad runs pointer: EFAULT");
	a.runs = (uintptr_t)runs;
	a.size = offsetof(struct aobj_pagemap, next);
	T_ERRNO(ioctl(fd, AOBJ_IOC_PAGEMAP, &a), EINVAL, "size below the last field: EINVAL");
	memset(&big, 0, sizeof(big));
	big.a = a;
	big.a.size = sizeof(big);
	big.tail = 1;
	T_ERRNO(ioctl(fd, AOBJ_IOC_PAGEMAP, &big), EINVAL, "non-zero unknown tail: EINVAL");
	big.tail = 0;
	T_ERRNO(ioctl(fd, AOBJ_IOC_PAGEMAP, &big), 0, "zero tail: accepted");
	T_ERRNO(ioctl(fd, AOBJ_IOC_PAGEMAP, NULL), EFAULT, "NULL argument: EFAULT");
	T_ERRNO(ioctl(t_ctl_fd(), AOBJ_IOC_PAGEMAP, &a), ENOTTY, "on /dev/aobj: ENOTTY");

	/* A longer run entry: tails zeroed. */
	memset(wide, 0xff, sizeof(wide));
	a.size = sizeof(a);
	a.count = 2;
	a.run_size = sizeof(wide[0]);
	a.runs = (uintptr_t)wide;
	T_ERRNO(ioctl(fd, AOBJ_IOC_PAGEMAP, &a), 0, "run_size larger than known");
	t_check(a.count >= 1 && !wide[0].extra[0] && !wide[0].extra[1],
		"the tail of each longer entry is zeroed");
	T_EQ(wide[0].r.start, 0, "the first entry is in place");
	if (a.count == 2)
		T_EQ(wide[1].r.start, wide[0].r.count, "the second entry follows");
}

static void test_huge(void)
{
	const uint64_t size = 4ULL << 30;
	struct pm *pm = malloc(sizeof(*pm));
	unsigned int id = 0;
	int fd, err;
	char c = 1;

	if (!pm)
		t_bail("malloc");
	err = t_create_raw(size, 0, 0600, &id);
	if (err) {
		t_diag("create 4 GiB: %s: huge object not checked", strerror(-err));
		free(pm);
		return;
	}
	t_track(id);
	fd = t_open_or_bail(id, O_RDWR);
	T_EQ(pagemap(fd, 0, 0, 4, pm), 0, "PAGEMAP of an empty 4 GiB object, 4 runs of room");
	T_EQ(pm->n, 1, "one run");
	expect_run(pm, 0, 0, size / pg, AOBJ_PAGE_NONE, 0);
	T_EQ(pm->next, size, "in one call");
	T_EQ(pwrite(fd, &c, 1, size / 2), 1, "write a byte in the middle");
	T_EQ(pwrite(fd, &c, 1, size - 1), 1, "write the last byte");
	T_EQ(pagemap(fd, 0, 0, 4, pm), 0, "PAGEMAP of the sparse 4 GiB object");
	T_EQ(pm->n, 4, "four runs");
	expect_run(pm, 1, size / pg / 2, 1, AOBJ_PAGE_DIRTY, 0);
	expect_run(pm, 3, size / pg - 1, 1, AOBJ_PAGE_DIRTY, 0);
	T_EQ(pm->next, size, "in one call");
	close(fd);
	t_detach(id);
	free(pm);
}

/* ---- states changing during the calls ---- */

struct churn {
	int fd;
	volatile int stop;
	long ops;
};

static void *churner(void *arg)
{
	struct churn *c = arg;
	unsigned int seed = 1;
	char b = 1;

	while (!c->stop) {
		unsigned int p = rand_r(&seed) % NPAGES;

		unsigned int n = 1 + rand_r(&seed) % 4;

		if (n > NPAGES - p)
			n = NPAGES - p;
		if (rand_r(&seed) % 3)
			(void)!pwrite(c->fd, &b, 1, (off_t)p * pg);
		else
			t_flush(c->fd, AOBJ_FLUSH_FREE, (uint64_t)p * pg,
				(uint64_t)n * pg);
		c->ops++;
	}
	return NULL;
}

static void test_changing(void)
{
	struct churn c = { 0 };
	struct pm *pm = malloc(sizeof(*pm));
	pthread_t t[2];
	unsigned int id, calls = 0, bad = 0, i;
	time_t end;

	if (!pm)
		t_bail("malloc");
	id = t_create(NPAGES * pg, 0, 0600);
	c.fd = t_open_or_bail(id, O_RDWR);
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, churner, &c);
	end = time(NULL) + 2;
	while (time(NULL) < end) {
		unsigned int room = 1 + calls % 8;
		uint64_t off = (calls % 5) * pg;

		if (pagemap(c.fd, off, 0, room, pm) || !runs_ok(pm, off, bad > 0) ||
		    pm->n > room || (pm->n < room && pm->next != NPAGES * pg))
			bad++;
		calls++;
	}
	c.stop = 1;
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	T_EQ(bad, 0, "%u PAGEMAP calls while %ld writes and frees ran: runs well formed",
	     calls, c.ops);
	close(c.fd);
	t_detach(id);
	free(pm);
}

/* ---- swap ---- */

static void test_swap(void)
{
	const size_t limit_mb = 4, size = 4 * limit_mb * SW_MIB;
	struct aobj_swapdev_info dev;
	struct aobj_info info;
	char disks[4][64];
	struct pm *pm = malloc(sizeof(*pm));
	uint64_t swapped = 0, off, resident = 0, bad = 0;
	unsigned int id, i, calls = 0, devidx = 0;
	unsigned char *buf = malloc(SW_MIB);
	int fd;

	if (!pm || !buf)
		t_bail("malloc");
	if (!getenv("AOBJ_DISKS") || !*getenv("AOBJ_DISKS")) {
		t_diag("AOBJ_DISKS is not set: swap states not checked");
		return;
	}
	sw_disks(disks, 4, 1);
	sw_swapon_or_bail(disks[0], 0);
	if (!sw_swapdev(disks[0], &dev))
		t_bail("%s not listed", disks[0]);
	{
		struct aobj_swapdev_info ents[SW_MAX_DEVS];
		int n = sw_swaps(ents, SW_MAX_DEVS), j;

		for (j = 0; j < n && j < SW_MAX_DEVS; j++)
			if (ents[j].major == dev.major && ents[j].minor == dev.minor)
				devidx = j;
	}

	/* CLEAN: resident pages with a swap copy. */
	id = t_create(NPAGES * pg, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	memset(buf, 3, 4 * pg);
	T_EQ(pwrite(fd, buf, 4 * pg, 0), 4 * pg, "pwrite pages 0-3");
	T_EQ(t_flush(fd, AOBJ_FLUSH_CLEAN, 0, 0), 0, "FLUSH CLEAN");
	T_EQ(pagemap(fd, 0, 0, MAXRUNS, pm), 0, "PAGEMAP after CLEAN");
	expect_run(pm, 0, 0, 4, AOBJ_PAGE_CLEAN, AOBJ_PAGE_SWAPCOPY);
	T_EQ(pwrite(fd, buf, 1, pg), 1, "pwrite one byte into page 1");
	T_EQ(pagemap(fd, 0, 0, MAXRUNS, pm), 0, "PAGEMAP after the write");
	expect_run(pm, 1, 1, 1, AOBJ_PAGE_DIRTY, AOBJ_PAGE_SWAPCOPY);
	close(fd);
	t_detach(id);

	/* Pressure: most pages swapped. */
	sw_set_limit_mb(limit_mb);
	id = t_create(size, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	memset(buf, 4, SW_MIB);
	for (off = 0; off < size; off += SW_MIB)
		if (pwrite(fd, buf, SW_MIB, off) != (ssize_t)SW_MIB)
			t_bail("pwrite: %s", strerror(errno));
	off = 0;
	do {
		if (pagemap(fd, off, 0, MAXRUNS, pm) || !runs_ok(pm, off, false)) {
			t_check(false, "PAGEMAP at %llu", (unsigned long long)off);
			break;
		}
		for (i = 0; i < pm->n; i++) {
			const struct aobj_pagemap_run *r = &pm->runs[i];

			if (r->state == AOBJ_PAGE_SWAPPED) {
				swapped += r->count;
				if (r->swapdev != devidx || r->slot + r->count > dev.slots)
					bad++;
			} else if (r->state == AOBJ_PAGE_CLEAN ||
				   r->state == AOBJ_PAGE_DIRTY) {
				resident += r->count;
			}
		}
		off = pm->next;
	} while (off < size && ++calls < 1000);
	T_EQ(bad, 0, "swapped runs are on %s (index %u), within its slots", disks[0], devidx);
	if (!t_stat(fd, &info)) {
		t_check(swapped > 0, "swapped pages reported (%llu)", (unsigned long long)swapped);
		/* The pager may move pages between the two reads. */
		t_check(swapped + resident == size / pg,
			"every page resident or swapped (%llu + %llu of %zu)",
			(unsigned long long)resident, (unsigned long long)swapped,
			size / pg);
		t_diag("STAT: %llu resident, %llu swapped",
		       (unsigned long long)info.resident,
		       (unsigned long long)info.swapped);
	}
	close(fd);
	t_detach(id);
	free(pm);
	free(buf);
}

int main(void)
{
	unsigned int id;
	int fd;

	sw_init("pagemap", 240);
	pg = t_pagesize;
	id = t_create(NPAGES * pg, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	test_states(id, fd);
	test_badinput(fd);
	close(fd);
	t_detach(id);
	test_huge();
	test_changing();
	test_swap();
	return sw_done();
}
