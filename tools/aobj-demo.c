// SPDX-License-Identifier: GPL-2.0
/*
 * aobj-demo: fill an object (possibly bigger than RAM, once aobj has swap)
 * with a known pattern, read it all back, free it and check the zeros.
 *
 *   aobj-demo [--swap DEVICE[:PRIO]]... [--swap2 DEVICE2 | --move DEVICE]
 *             [--priority N] [--limit MIB] [--noswap] [SIZE]
 *
 * SIZE defaults to 64M (suffixes K, M, G).  With --swap, DEVICE is given to
 * aobj with SWAPON first (at priority PRIO, else --priority, else 0) and
 * taken back with SWAPOFF at the end; --swap may be given up to four
 * times.  With --move, DEVICE (one of the --swap devices) is swapped off
 * while the object is mapped, its pages going to the other devices, and
 * the data is verified once more.  --limit
 * sets aobj's resident limit (max_resident_mb) for the run.  With --swap2,
 * the object is moved while mapped: DEVICE2 is swapped on, DEVICE is
 * swapped off (every page of it read back in, and paged out again to
 * DEVICE2 as the limit requires), and the data is verified once more.
 * Each 8-byte word holds a hash of (page index, word index), so a page
 * that comes back from swap in the wrong place is caught.  Exit status 0
 * only if every word matched and the freed object read as zeros.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <inttypes.h>
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

#define CHUNK	(16UL << 20)	/* bytes verified then freed at a time */
#define MAX_DEVS	4	/* --swap devices */

static long pagesize;

static uint64_t pattern(uint64_t page, uint64_t word)
{
	uint64_t z = (page << 32 ^ word) + 0x9e3779b97f4a7c15ULL;

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

static void print_stats(const char *when, unsigned int id)
{
	static const char *const global[] = {
		"objects", "resident_pages", "swpgonly", "faults_zero",
		"faults_resident", "faults_swapin", "pageouts", "pageins",
		"io_errors", "bad_slots",
	};
	char path[128];
	size_t i;

	printf("stats %s:\n  global:", when);
	for (i = 0; i < sizeof(global) / sizeof(global[0]); i++) {
		snprintf(path, sizeof(path), "/sys/class/misc/aobj/stats/%s",
			 global[i]);
		printf(" %s=%lld", global[i], read_num(path));
	}
	printf("\n");
	if (id != UINT32_MAX) {
		long long res, sw;

		snprintf(path, sizeof(path), "/sys/class/aobj/aobj%u/resident", id);
		res = read_num(path);
		snprintf(path, sizeof(path), "/sys/class/aobj/aobj%u/swapped", id);
		sw = read_num(path);
		printf("  aobj%u: resident=%lld pages (%lld MiB) swapped=%lld pages (%lld MiB)\n",
		       id, res, res * pagesize >> 20, sw, sw * pagesize >> 20);
	}
	{
		FILE *f = fopen("/proc/meminfo", "re");
		char line[128];

		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "MemTotal:", 9) ||
			    !strncmp(line, "MemFree:", 8) ||
			    !strncmp(line, "MemAvailable:", 13))
				printf("  %s", line);
		if (f)
			fclose(f);
	}
	fflush(stdout);
}

static void print_swaps(int ctl)
{
	struct aobj_swapdev_info ents[8];
	struct aobj_swaps s = {
		.size = sizeof(s), .count = 8, .entry_size = sizeof(ents[0]),
		.entries = (uintptr_t)ents,
	};
	unsigned int i;

	memset(ents, 0, sizeof(ents));
	if (ioctl(ctl, AOBJ_IOC_SWAPS, &s)) {
		printf("  swaps: %s\n", strerror(errno));
		return;
	}
	for (i = 0; i < s.count && i < 8; i++)
		printf("  swap %.64s (priority %d): %" PRIu64 " slots, %" PRIu64
		       " used, %" PRIu64 " bad%s\n", ents[i].path,
		       ents[i].priority, (uint64_t)ents[i].slots,
		       (uint64_t)ents[i].used, (uint64_t)ents[i].bad,
		       ents[i].flags & AOBJ_SWAPDEV_DRAINING ? " (draining)" : "");
}

/* Check every word of the object; returns the number of mismatches. */
static uint64_t verify(const uint64_t *p, uint64_t pages, const char *what)
{
	uint64_t pg, w, bad = 0, first_bad = UINT64_MAX;
	unsigned int wpp = pagesize / 8;
	double t0 = now();
	int step = 0;

	for (pg = 0; pg < pages; pg++) {
		const uint64_t *page = p + pg * wpp;

		for (w = 0; w < wpp; w++)
			if (page[w] != pattern(pg, w)) {
				if (first_bad == UINT64_MAX)
					first_bad = pg * wpp + w;
				bad++;
			}
		if ((pg + 1) * 10 / pages > (uint64_t)step) {
			step = (int)((pg + 1) * 10 / pages);
			printf("%s: %3d%% (%" PRIu64 " MiB, %.1f s)\n", what,
			       step * 10, (pg + 1) * pagesize >> 20, now() - t0);
		}
	}
	printf("%s: %" PRIu64 " words, %" PRIu64 " matched, %" PRIu64
	       " mismatched\n", what, pages * wpp, pages * wpp - bad, bad);
	if (bad)
		printf("first mismatch: page %" PRIu64 " word %" PRIu64
		       ": got %#" PRIx64 ", expected %#" PRIx64 "\n",
		       first_bad / wpp, first_bad % wpp, p[first_bad],
		       pattern(first_bad / wpp, first_bad % wpp));
	return bad;
}

struct progress {
	int ctl;
	volatile int done;
};

/* While SWAPOFF runs: print what is left on the draining device. */
static void *swapoff_progress(void *arg)
{
	struct progress *pr = arg;
	double t0 = now();

	while (!pr->done) {
		struct aobj_swapdev_info ents[8];
		struct aobj_swaps s = {
			.size = sizeof(s), .count = 8,
			.entry_size = sizeof(ents[0]),
			.entries = (uintptr_t)ents,
		};
		unsigned int i;

		sleep(2);
		if (pr->done || ioctl(pr->ctl, AOBJ_IOC_SWAPS, &s))
			break;
		for (i = 0; i < s.count && i < 8; i++)
			if (ents[i].flags & AOBJ_SWAPDEV_DRAINING)
				printf("swapoff %.64s: %" PRIu64 " slots left (%.0f s)\n",
				       ents[i].path,
				       (uint64_t)(ents[i].used - ents[i].bad),
				       now() - t0);
	}
	return NULL;
}

/* SWAPOFF @dev, with progress lines; returns 0 or an errno. */
static int do_swapoff(int ctl, const char *dev)
{
	struct aobj_swapoff s = { .size = sizeof(s), .path = (uintptr_t)dev };
	struct progress pr = { .ctl = ctl };
	double t0 = now();
	pthread_t t;
	int err = 0, started;

	started = !pthread_create(&t, NULL, swapoff_progress, &pr);
	if (ioctl(ctl, AOBJ_IOC_SWAPOFF, &s))
		err = errno;
	t0 = now() - t0;
	pr.done = 1;
	if (started)
		pthread_join(t, NULL);
	if (err) {
		fprintf(stderr, "aobj-demo: swapoff %s: %s\n", dev, strerror(err));
		return err;
	}
	printf("swapoff %s: done in %.1f s, %" PRIu64 " pages lost\n", dev,
	       t0, (uint64_t)s.lost);
	return s.lost ? EIO : 0;
}

static int do_swapon(int ctl, const char *dev, int prio)
{
	struct aobj_swapon s = {
		.size = sizeof(s), .path = (uintptr_t)dev, .priority = prio,
	};

	if (ioctl(ctl, AOBJ_IOC_SWAPON, &s)) {
		fprintf(stderr, "aobj-demo: swapon %s: %s\n", dev, strerror(errno));
		return errno;
	}
	printf("swapon %s (priority %d)\n", dev, prio);
	return 0;
}

#define LIMIT_PARAM "/sys/module/aobj/parameters/max_resident_mb"

static int write_limit(long long mb)
{
	char buf[32];
	int fd = open(LIMIT_PARAM, O_WRONLY | O_CLOEXEC), n, ok;

	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%lld", mb);
	ok = write(fd, buf, n) == n;
	close(fd);
	return ok ? 0 : -1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: aobj-demo [--swap DEVICE[:PRIO]]... [--swap2 DEVICE2 | --move DEVICE]\n"
		"                 [--priority N] [--limit MIB] [--noswap] [SIZE]\n"
		"  SIZE  object size (default 64M; suffixes K, M, G)\n");
}

int main(int argc, char **argv)
{
	const char *swapdev2 = NULL, *move = NULL;
	char *devs[MAX_DEVS];
	int32_t prios[MAX_DEVS];
	bool has_prio[MAX_DEVS] = { false };
	int ndevs = 0, j;
	uint64_t size = 64ULL << 20, w, pages, pg, nonzero = 0;
	long long limit = -1, old_limit = -1;
	struct aobj_create c = { .size = sizeof(c) };
	struct aobj_detach d = { .size = sizeof(d) };
	int32_t prio = 0;
	uint64_t *p;
	int ctl, fd, i, ret = 0, step;
	unsigned int wpp;
	char node[32];
	double t0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pagesize = sysconf(_SC_PAGESIZE);
	wpp = pagesize / 8;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--swap") && i + 1 < argc) {
			char *colon, *end;

			if (ndevs == MAX_DEVS) {
				usage(stderr);
				return 2;
			}
			devs[ndevs] = argv[++i];
			colon = strrchr(devs[ndevs], ':');
			if (colon) {
				*colon = 0;
				prios[ndevs] = (int32_t)strtol(colon + 1, &end, 10);
				if (end == colon + 1 || *end) {
					usage(stderr);
					return 2;
				}
				has_prio[ndevs] = true;
			}
			ndevs++;
		} else if (!strcmp(argv[i], "--move") && i + 1 < argc) {
			move = argv[++i];
		} else if (!strcmp(argv[i], "--swap2") && i + 1 < argc) {
			swapdev2 = argv[++i];
		} else if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
			limit = strtoll(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--priority") && i + 1 < argc) {
			prio = (int32_t)strtol(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--noswap")) {
			c.flags |= AOBJ_CREATE_NOSWAP;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] != '-' && parse_size(argv[i], &size) &&
			   size) {
			;
		} else {
			usage(stderr);
			return 2;
		}
	}
	size = (size + pagesize - 1) & ~(uint64_t)(pagesize - 1);
	pages = size / pagesize;
	for (j = 0; j < ndevs; j++)
		if (!has_prio[j])
			prios[j] = prio;
	if ((swapdev2 && !ndevs) || (swapdev2 && move)) {
		usage(stderr);
		return 2;
	}
	for (j = 0; move && j < ndevs && strcmp(devs[j], move); j++)
		;
	if (move && j == ndevs) {
		fprintf(stderr, "aobj-demo: --move %s: not one of the --swap devices\n",
			move);
		return 2;
	}

	ctl = open("/dev/aobj", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		fprintf(stderr, "aobj-demo: /dev/aobj: %s\n", strerror(errno));
		return 1;
	}
	for (j = 0; j < ndevs; j++) {
		if (do_swapon(ctl, devs[j], prios[j])) {
			ndevs = j;
			ret = 1;
			goto swapoff;
		}
	}
	if (ndevs)
		print_swaps(ctl);
	if (limit >= 0) {
		old_limit = read_num(LIMIT_PARAM);
		if (write_limit(limit)) {
			fprintf(stderr, "aobj-demo: %s: %s\n", LIMIT_PARAM,
				strerror(errno));
			ret = 1;
			goto swapoff;
		}
		printf("resident limit: %lld MiB\n", limit);
	}

	c.length = size;
	if (ioctl(ctl, AOBJ_IOC_CREATE, &c)) {
		fprintf(stderr, "aobj-demo: create %" PRIu64 " bytes: %s\n",
			size, strerror(errno));
		ret = 1;
		goto swapoff;
	}
	snprintf(node, sizeof(node), "/dev/aobj%u", c.id);
	printf("created %s: %" PRIu64 " MiB (%" PRIu64 " pages)%s\n", node,
	       size >> 20, pages, c.flags ? ", noswap" : "");
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "aobj-demo: %s: %s\n", node, strerror(errno));
		ret = 1;
		goto swapoff;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "aobj-demo: mmap: %s\n", strerror(errno));
		ioctl(fd, AOBJ_IOC_DETACH, &d);
		ret = 1;
		goto swapoff;
	}
	print_stats("before writing", c.id);

	/* Write. */
	t0 = now();
	step = 0;
	for (pg = 0; pg < pages; pg++) {
		uint64_t *page = p + pg * wpp;

		for (w = 0; w < wpp; w++)
			page[w] = pattern(pg, w);
		if ((pg + 1) * 10 / pages > (uint64_t)step) {
			step = (int)((pg + 1) * 10 / pages);
			printf("write: %3d%% (%" PRIu64 " MiB, %.1f s)\n",
			       step * 10, (pg + 1) * pagesize >> 20, now() - t0);
		}
	}
	print_stats("after writing", c.id);
	if (ndevs)
		print_swaps(ctl);

	/* Read back and verify. */
	if (verify(p, pages, "verify"))
		ret = 1;
	print_stats("after verifying", c.id);

	/* Move the object to the second device while it is mapped. */
	if (swapdev2) {
		if (do_swapon(ctl, swapdev2, prio)) {
			ret = 1;
		} else {
			print_swaps(ctl);
			printf("swapoff %s with the object mapped: its pages come back in, and go out to %s\n",
			       devs[0], swapdev2);
			if (do_swapoff(ctl, devs[0]))
				ret = 1;
			print_swaps(ctl);
			print_stats("after moving", c.id);
			if (verify(p, pages, "verify again"))
				ret = 1;
			devs[0] = (char *)swapdev2;
		}
	}
	/* Swap one device off under the mapped object: its pages go elsewhere. */
	if (move) {
		printf("swapoff %s with the object mapped: its pages come back in, and go out to the other devices\n",
		       move);
		if (do_swapoff(ctl, move))
			ret = 1;
		for (j = 0; j < ndevs && strcmp(devs[j], move); j++)
			;
		if (j < ndevs) {
			memmove(devs + j, devs + j + 1, (ndevs - j - 1) * sizeof(devs[0]));
			ndevs--;
		}
		print_swaps(ctl);
		print_stats("after moving", c.id);
		if (verify(p, pages, "verify again"))
			ret = 1;
	}

	/* FREE everything, then check zeros a chunk at a time (freeing each
	 * chunk again so that the check itself needs little memory). */
	{
		struct aobj_flush f = { .size = sizeof(f),
					.flags = AOBJ_FLUSH_FREE };
		uint64_t off;

		if (ioctl(fd, AOBJ_IOC_FLUSH, &f)) {
			fprintf(stderr, "aobj-demo: FLUSH FREE: %s\n",
				strerror(errno));
			ret = 1;
		}
		print_stats("after FLUSH FREE", c.id);
		for (off = 0; off < size; off += CHUNK) {
			uint64_t len = size - off < CHUNK ? size - off : CHUNK;
			const uint64_t *q = p + off / 8;

			for (w = 0; w < len / 8; w++)
				if (q[w])
					nonzero++;
			f.offset = off;
			f.length = len;
			ioctl(fd, AOBJ_IOC_FLUSH, &f);
		}
		printf("after FREE: %" PRIu64 " non-zero words\n", nonzero);
		if (nonzero)
			ret = 1;
	}

	if (ioctl(fd, AOBJ_IOC_DETACH, &d)) {
		fprintf(stderr, "aobj-demo: DETACH: %s\n", strerror(errno));
		ret = 1;
	}
	munmap(p, size);
	close(fd);
	print_stats("after detach", UINT32_MAX);

swapoff:
	if (ndevs)
		print_swaps(ctl);
	for (j = ndevs - 1; j >= 0; j--)
		if (do_swapoff(ctl, devs[j]))
			ret = 1;
	if (ndevs)
		print_stats("after swapoff", UINT32_MAX);
	if (old_limit >= 0)
		write_limit(old_limit);
	close(ctl);
	printf("%s\n", ret ? "aobj-demo: FAILED" : "aobj-demo: all data verified");
	return ret;
}
