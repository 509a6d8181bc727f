// SPDX-License-Identifier: GPL-2.0
/*
 * aobj-pattern: fill an object with a seeded pattern, or check it, telling
 * pages whose swap copy was lost from pages that came back wrong.  The
 * far-memory tests (tests/nbd_*.sh) use it around the loss of a swap
 * device.
 *
 *   aobj-pattern fill ID SEED
 *   aobj-pattern verify ID SEED [--dev PATH] [--must-fail]
 *
 * fill writes every page of /dev/aobj<ID> once with pwrite(): each 8-byte
 * word is a hash of (SEED, page, word).  verify first takes a snapshot with
 * AOBJ_IOC_PAGEMAP: the pages already bad, and with --dev the pages then
 * swapped to the swap device PATH, may fail.  It then reads every page
 * with pread(): a page that reads must match; one that fails with EIO
 * must be one that may fail (else it is "unexpected"), and must also raise
 * SIGBUS when touched through a mapping.  With --must-fail every page that
 * may fail must fail (PATH is dead: a page read from it is "served").
 * Prints one line of counts; exit status 0 if nothing unexpected, wrong
 * or served happened, 1 otherwise, 2 for a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/aobj.h>

#include "aobj-util.h"

#define MAX_DEVS	16
#define RUNS		4096

static long pagesize;
static sigjmp_buf bus_jmp;

static uint64_t pattern(uint64_t seed, uint64_t page, uint64_t word)
{
	uint64_t z = seed * 0x9e3779b97f4a7c15ULL ^ (page << 32 ^ word);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_bus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* Does reading @p raise SIGBUS?  (A function of its own: siglongjmp.) */
static __attribute__((noinline)) bool raises_sigbus(volatile const char *p)
{
	if (sigsetjmp(bus_jmp, 1))
		return true;
	(void)*p;
	return false;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: aobj-pattern fill ID SEED\n"
		"       aobj-pattern verify ID SEED [--dev PATH] [--must-fail]\n");
}

/* The index of PATH in the SWAPS listing, -1 if absent, -2 on error. */
static int dev_index(int ctl, const char *path)
{
	struct aobj_swapdev_info ents[MAX_DEVS];
	struct aobj_swaps s = {
		.size = sizeof(s), .count = MAX_DEVS,
		.entry_size = sizeof(ents[0]), .entries = (uintptr_t)ents,
	};
	unsigned int i;

	memset(ents, 0, sizeof(ents));
	if (ioctl(ctl, AOBJ_IOC_SWAPS, &s))
		return -2;
	for (i = 0; i < s.count && i < MAX_DEVS; i++)
		if (!strncmp(ents[i].path, path, sizeof(ents[i].path)))
			return i;
	return -1;
}

/*
 * Mark in @may_fail the pages that are bad, or swapped to device @idx (-1:
 * none).  Returns the number marked, or -1 with errno set.
 */
static long snapshot(int fd, uint64_t pages, int idx, bool *may_fail)
{
	static struct aobj_pagemap_run runs[RUNS];
	uint64_t off = 0, size = pages * pagesize, pg;
	long n = 0;
	unsigned int i;

	memset(may_fail, 0, pages);
	while (off < size) {
		struct aobj_pagemap m = {
			.size = sizeof(m), .offset = off, .count = RUNS,
			.run_size = sizeof(runs[0]), .runs = (uintptr_t)runs,
		};

		if (ioctl(fd, AOBJ_IOC_PAGEMAP, &m))
			return -1;
		for (i = 0; i < m.count; i++) {
			const struct aobj_pagemap_run *r = &runs[i];

			if (r->state != AOBJ_PAGE_BAD &&
			    !(r->state == AOBJ_PAGE_SWAPPED && idx >= 0 &&
			      r->swapdev == (uint32_t)idx))
				continue;
			for (pg = r->start; pg < r->start + r->count && pg < pages; pg++)
				if (!may_fail[pg]) {
					may_fail[pg] = true;
					n++;
				}
		}
		if (m.next <= off)
			break;
		off = m.next;
	}
	return n;
}

static int do_fill(int fd, uint64_t pages, uint64_t seed)
{
	uint64_t *buf = malloc(pagesize), pg, w, errors = 0;
	unsigned int wpp = pagesize / 8;
	double t0 = now();
	int step = 0;

	if (!buf)
		return 1;
	for (pg = 0; pg < pages; pg++) {
		for (w = 0; w < wpp; w++)
			buf[w] = pattern(seed, pg, w);
		if (pwrite(fd, buf, pagesize, pg * pagesize) != pagesize) {
			if (!errors)
				fprintf(stderr, "fill: page %" PRIu64 ": %s\n", pg,
					strerror(errno));
			errors++;
		}
		if ((pg + 1) * 4 / pages > (uint64_t)step) {
			step = (int)((pg + 1) * 4 / pages);
			printf("fill: %3d%% (%.1f s)\n", step * 25, now() - t0);
		}
	}
	printf("fill: pages=%" PRIu64 " errors=%" PRIu64 " seconds=%.1f\n",
	       pages, errors, now() - t0);
	free(buf);
	return errors ? 1 : 0;
}

static int do_verify(int ctl, int fd, uint64_t pages, uint64_t seed,
		     const char *dev, bool must_fail)
{
	uint64_t *buf = malloc(pagesize), pg, w, ok = 0, lost = 0, sigbus = 0,
		 unexpected = 0, mismatches = 0, served = 0;
	unsigned int wpp = pagesize / 8;
	bool *may_fail = malloc(pages);
	volatile const char *map;
	long allowed = -1;
	double t0 = now();
	int idx = -1, try;

	if (!buf || !may_fail)
		return 1;
	/* The listing's order changes as devices take turns: take it twice. */
	for (try = 0; try < 10; try++) {
		int again;

		if (dev) {
			idx = dev_index(ctl, dev);
			if (idx == -2) {
				fprintf(stderr, "verify: SWAPS: %s\n", strerror(errno));
				return 1;
			}
		}
		allowed = snapshot(fd, pages, idx, may_fail);
		if (allowed < 0) {
			fprintf(stderr, "verify: PAGEMAP: %s\n", strerror(errno));
			return 1;
		}
		again = dev ? dev_index(ctl, dev) : -1;
		if (again == idx)
			break;
		allowed = -1;
	}
	if (allowed < 0) {
		fprintf(stderr, "verify: the swap device order kept changing\n");
		return 1;
	}
	map = mmap(NULL, pages * pagesize, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "verify: mmap: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGBUS, on_bus);
	for (pg = 0; pg < pages; pg++) {
		ssize_t n = pread(fd, buf, pagesize, pg * pagesize);

		if (n == pagesize) {
			for (w = 0; w < wpp; w++)
				if (buf[w] != pattern(seed, pg, w))
					break;
			if (w < wpp) {
				if (!mismatches)
					printf("verify: page %" PRIu64 " word %" PRIu64
					       " mismatch\n", pg, w);
				mismatches++;
			} else {
				ok++;
			}
			if (may_fail[pg] && must_fail) {
				if (!served)
					printf("verify: page %" PRIu64 " read although its device is dead\n",
					       pg);
				served++;
			}
			continue;
		}
		if (n >= 0 || errno != EIO || !may_fail[pg]) {
			if (!unexpected)
				printf("verify: page %" PRIu64 ": %s (%s)\n", pg,
				       n < 0 ? strerror(errno) : "short read",
				       may_fail[pg] ? "may fail" : "must not fail");
			unexpected++;
			continue;
		}
		lost++;
		/* A lost page must raise SIGBUS through a mapping too. */
		if (raises_sigbus(map + pg * pagesize))
			sigbus++;
	}
	munmap((void *)map, pages * pagesize);
	printf("verify: pages=%" PRIu64 " ok=%" PRIu64 " may_fail=%ld lost=%" PRIu64
	       " sigbus=%" PRIu64 " unexpected=%" PRIu64 " mismatches=%" PRIu64
	       " served=%" PRIu64 " seconds=%.1f\n", pages, ok, allowed, lost,
	       sigbus, unexpected, mismatches, served, now() - t0);
	free(buf);
	free(may_fail);
	return unexpected || mismatches || served || sigbus != lost;
}

int main(int argc, char **argv)
{
	const char *dev = NULL;
	bool must_fail = false;
	struct aobj_stat st = { .size = sizeof(st) };
	uint64_t seed;
	unsigned long id;
	char node[32], *end;
	int i, ctl, fd, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pagesize = sysconf(_SC_PAGESIZE);
	if (argc < 4 || (strcmp(argv[1], "fill") && strcmp(argv[1], "verify"))) {
		usage(stderr);
		return 2;
	}
	id = strtoul(argv[2], &end, 10);
	if (*end || end == argv[2]) {
		usage(stderr);
		return 2;
	}
	seed = strtoull(argv[3], &end, 0);
	if (*end || end == argv[3]) {
		usage(stderr);
		return 2;
	}
	for (i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--dev") && i + 1 < argc && argv[1][0] == 'v') {
			dev = argv[++i];
		} else if (!strcmp(argv[i], "--must-fail") && argv[1][0] == 'v') {
			must_fail = true;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (must_fail && !dev) {
		usage(stderr);
		return 2;
	}
	ctl = open("/dev/aobj", O_RDWR | O_CLOEXEC);
	snprintf(node, sizeof(node), "/dev/aobj%lu", id);
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (ctl < 0 || fd < 0) {
		fprintf(stderr, "aobj-pattern: %s: %s\n", ctl < 0 ? "/dev/aobj" : node,
			strerror(errno));
		return 1;
	}
	if (ioctl(fd, AOBJ_IOC_STAT, &st)) {
		fprintf(stderr, "aobj-pattern: STAT %s: %s\n", node, strerror(errno));
		return 1;
	}
	if (argv[1][0] == 'f')
		ret = do_fill(fd, st.info.length / pagesize, seed);
	else
		ret = do_verify(ctl, fd, st.info.length / pagesize, seed, dev,
				must_fail);
	close(fd);
	close(ctl);
	return ret;
}
