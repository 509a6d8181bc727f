// SPDX-License-Identifier: GPL-2.0
/*
 * aobj-bench: measure aobj against memfd + Linux swap, one workload per run.
 * Run by scripts/guest/bench.sh inside the benchmark VM; every result is
 * printed as one line "AOBJ-BENCH {json}" that scripts/bench.sh collects.
 *
 *   aobj-bench raw DEV MB                     O_DIRECT 1 MiB seq write + read
 *   aobj-bench swapon aobj|linux DEV          swapon, kernel memory it cost
 *   aobj-bench zerofill aobj|memfd MB ITERS   first-touch faults
 *   aobj-bench refault aobj|memfd MB ITERS    map, touch, munmap, repeat
 *   aobj-bench swap aobj|memfd MB             seq pageout, evict all, seq and
 *                                             random swap-in, metadata, swapoff
 *   aobj-bench pageout-rand aobj|memfd MB     random-order pageout
 *   aobj-bench pageout-mt aobj|memfd MB N     sequential writes, N threads
 *   aobj-bench refgrow aobj|memfd MB          refault 7/8 limit, then grow past it
 *   aobj-bench hotset aobj|memfd MB HOT LIM N  N accesses, 90% to a HOT MiB hot
 *                                             set, under memory.max=LIM MiB
 *
 * Environment: BENCH_REP (run number, for the record), BENCH_TAG (label),
 * BENCH_LIMIT_MB (aobj's max_resident_mb = the memcg's memory.max),
 * BENCH_CG (the memory cgroup directory; memfd runs join it),
 * BENCH_LSWAP (Linux swap device), BENCH_ASWAP (aobj swap device).
 *
 * Every page written holds a pattern of its index in its first and last
 * word; what is read is verified, and a run with a mismatch reports
 * "ok":false (and exits 1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/swap.h>
#include <time.h>
#include <unistd.h>

#include <linux/aobj.h>

#include "aobj-util.h"

#define PG		4096UL
#define LASTW		(PG / 8 - 1)
#define PARAM		"/sys/module/aobj/parameters/max_resident_mb"
#define STATS		"/sys/class/misc/aobj/stats/"

static void usage(void);

static int is_aobj;		/* system under test: aobj (1) or memfd (0) */
static const char *sysname;
static const char *test;
static int rep;
static const char *tag = "";
static long limit_mb;
static const char *cg;
static int ctl = -1;
static uint64_t seed;
static long bad;		/* verification failures in this run */

static void die(const char *what)
{
	fprintf(stderr, "aobj-bench: %s: %s\n", what, strerror(errno));
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t pat(uint64_t page)
{
	return mix(page + seed * 0x9e3779b97f4a7c15ULL) | 1;
}

static void put_page(char *p, uint64_t page)
{
	uint64_t *w = (uint64_t *)(p + page * PG);

	w[0] = pat(page);
	w[LASTW] = ~pat(page);
}

static void check_page(char *p, uint64_t page)
{
	uint64_t *w = (uint64_t *)(p + page * PG);

	if (w[0] != pat(page) || w[LASTW] != ~pat(page)) {
		if (bad++ < 5)
			fprintf(stderr, "aobj-bench: %s/%s: page %" PRIu64
				" holds %#" PRIx64 ", want %#" PRIx64 "\n",
				test, sysname, page, w[0], pat(page));
	}
}

/* Random state for permutations (xorshift). */
static uint64_t rs = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return rs;
}

static uint64_t *perm(uint64_t n)
{
	uint64_t *a = malloc(n * sizeof(*a)), i;

	if (!a)
		die("malloc");
	for (i = 0; i < n; i++)
		a[i] = i;
	for (i = n - 1; i > 0; i--) {
		uint64_t j = rnd() % (i + 1), t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
	return a;
}

/* ---- small file helpers ---- */

static long long stat_num(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), STATS "%s", name);
	return read_num(path);
}

/* /proc/meminfo or /proc/vmstat field (kB for meminfo). */
static long long proc_field(const char *file, const char *key)
{
	FILE *f = fopen(file, "r");
	char line[256];
	size_t kl = strlen(key);
	long long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, kl) && (line[kl] == ':' || line[kl] == ' ')) {
			v = strtoll(line + kl + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

static long long kmem_kb(void)
{
	return proc_field("/proc/meminfo", "Slab") +
	       proc_field("/proc/meminfo", "VmallocUsed");
}

static void cg_file(const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", cg, name);
}

static void cg_write(const char *name, const char *val)
{
	char path[256];

	cg_file(name, path, sizeof(path));
	if (write_str(path, val))
		die(path);
}

static void set_limit_mb(long mb)
{
	char v[32];

	snprintf(v, sizeof(v), "%ld", mb);
	if (write_str(PARAM, v))
		die(PARAM);
}

/* /sys/block/<dev>/stat of the device under test: ios and sectors. */
struct blk { long long rd_ios, rd_sect, wr_ios, wr_sect; };

static void blk_stat(struct blk *b)
{
	const char *dev = getenv(is_aobj ? "BENCH_ASWAP" : "BENCH_LSWAP");
	char path[128];
	FILE *f;

	memset(b, 0, sizeof(*b));
	if (!dev || !strrchr(dev, '/'))
		return;
	snprintf(path, sizeof(path), "/sys/block/%s/stat", strrchr(dev, '/') + 1);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fscanf(f, "%lld %*d %lld %*d %lld %*d %lld", &b->rd_ios, &b->rd_sect,
		   &b->wr_ios, &b->wr_sect) != 4)
		memset(b, 0, sizeof(*b));
	fclose(f);
}

/* Average I/O size in KiB between two snapshots, reads or writes. */
static double kb_per_io(const struct blk *a, const struct blk *b, int wr)
{
	long long ios = wr ? b->wr_ios - a->wr_ios : b->rd_ios - a->rd_ios;
	long long sect = wr ? b->wr_sect - a->wr_sect : b->rd_sect - a->rd_sect;

	return ios ? sect / 2.0 / ios : 0;
}

static long long nios(const struct blk *a, const struct blk *b, int wr)
{
	return wr ? b->wr_ios - a->wr_ios : b->rd_ios - a->rd_ios;
}

/* TLB shootdown IPIs so far, all CPUs (/proc/interrupts "TLB:"). */
static long long tlb_ipis(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[1024], *p, *end;
	long long sum = -1, v;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " ");
		if (strncmp(p, "TLB:", 4))
			continue;
		sum = 0;
		for (p += 4;; p = end) {
			v = strtoll(p, &end, 10);
			if (end == p)
				break;
			sum += v;
		}
		break;
	}
	fclose(f);
	return sum;
}

/* Swap traffic so far, in pages: out, in. */
static void io_counts(long long *out, long long *in)
{
	if (is_aobj) {
		*out = stat_num("pageouts");
		*in = stat_num("pageins");
	} else {
		*out = proc_field("/proc/vmstat", "pswpout");
		*in = proc_field("/proc/vmstat", "pswpin");
	}
}

/* Pages whose only copy is in swap. */
static long long swapped_pages(void)
{
	if (is_aobj)
		return stat_num("swpgonly");
	return (proc_field("/proc/meminfo", "SwapTotal") -
		proc_field("/proc/meminfo", "SwapFree")) / 4;
}

/*
 * BENCH_TRACE_PHASE=NAME: tracing is switched on in /sys/kernel/tracing
 * for the phase NAME only (the function-graph profiles of bench.sh).
 */
static void phase(const char *name, int on)
{
	const char *want = getenv("BENCH_TRACE_PHASE");

	if (want && !strcmp(want, name))
		write_str("/sys/kernel/tracing/tracing_on", on ? "1" : "0");
}

/* ---- results ---- */

static void result(const char *metric, double value, const char *unit,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void result(const char *metric, double value, const char *unit,
		   const char *fmt, ...)
{
	char extra[512] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(extra, sizeof(extra), fmt, ap);
		va_end(ap);
	}
	printf("AOBJ-BENCH {\"test\":\"%s\",\"sys\":\"%s\",\"tag\":\"%s\",\"rep\":%d,"
	       "\"metric\":\"%s\",\"value\":%.6g,\"unit\":\"%s\",\"ok\":%s%s%s}\n",
	       test, sysname, tag, rep, metric, value, unit,
	       bad ? "false" : "true", *extra ? "," : "", extra);
	fflush(stdout);
}

/* ---- objects ---- */

struct obj {
	int fd;
	char *p;
	size_t size;
	uint64_t pages;
};

static void obj_create(struct obj *o, size_t size)
{
	o->size = size;
	o->pages = size / PG;
	if (is_aobj) {
		struct aobj_create c = { .size = sizeof(c), .length = size };
		char node[32];

		if (ioctl(ctl, AOBJ_IOC_CREATE, &c))
			die("AOBJ_IOC_CREATE");
		snprintf(node, sizeof(node), "/dev/aobj%u", c.id);
		o->fd = open(node, O_RDWR | O_CLOEXEC);
		if (o->fd < 0)
			die(node);
	} else {
		o->fd = memfd_create("aobj-bench", MFD_CLOEXEC);
		if (o->fd < 0)
			die("memfd_create");
		if (ftruncate(o->fd, size))
			die("ftruncate");
	}
	o->p = NULL;
}

static void obj_map(struct obj *o)
{
	o->p = mmap(NULL, o->size, PROT_READ | PROT_WRITE, MAP_SHARED, o->fd, 0);
	if (o->p == MAP_FAILED)
		die("mmap");
}

static void obj_unmap(struct obj *o)
{
	if (o->p && munmap(o->p, o->size))
		die("munmap");
	o->p = NULL;
}

static void obj_destroy(struct obj *o)
{
	struct aobj_detach d = { .size = sizeof(d) };

	/* Mapped objects cannot be detached before mmap: do it last. */
	if (is_aobj && ioctl(o->fd, AOBJ_IOC_DETACH, &d))
		die("AOBJ_IOC_DETACH");
	obj_unmap(o);
	close(o->fd);
}

/*
 * evict_all: push every page of the system under test out to swap
 * (aobj: a 1 MiB resident limit for a moment; memfd: memory.reclaim).
 * Return: resident pages left (aobj) or bytes charged (memfd).
 */
static long long evict_all(void)
{
	long long left = -1;
	int i;

	if (is_aobj) {
		set_limit_mb(1);
		for (i = 0; i < 12000; i++) {
			left = stat_num("resident_pages");
			if (left <= 256)
				break;
			usleep(10000);
		}
		set_limit_mb(limit_mb);
		return left;
	}
	for (i = 0; i < 40; i++) {
		char path[256], v[32];

		cg_file("memory.current", path, sizeof(path));
		left = read_num(path);
		if (left < (2LL << 20))
			break;
		snprintf(v, sizeof(v), "%lld", left);
		cg_file("memory.reclaim", path, sizeof(path));
		write_str(path, v);	/* EAGAIN if short: look again */
	}
	return left;
}

/* ---- workloads ---- */

static void t_raw(const char *dev, long mb)
{
	size_t bs = 1 << 20;
	char *buf;
	double t0, t1, t2;
	long i;
	int fd = open(dev, O_RDWR | O_DIRECT | O_CLOEXEC);

	if (fd < 0)
		die(dev);
	if (posix_memalign((void **)&buf, 4096, bs))
		die("posix_memalign");
	for (i = 0; i < (long)(bs / 8); i++)
		((uint64_t *)buf)[i] = mix(i);
	t0 = now();
	for (i = 0; i < mb; i++)
		if (pwrite(fd, buf, bs, i * bs) != (ssize_t)bs)
			die("pwrite");
	if (fdatasync(fd))
		die("fdatasync");
	t1 = now();
	for (i = 0; i < mb; i++) {
		if (pread(fd, buf, bs, i * bs) != (ssize_t)bs)
			die("pread");
		if (((uint64_t *)buf)[7] != mix(7))
			bad++;
	}
	t2 = now();
	close(fd);
	result("raw_seq_write", mb / (t1 - t0), "MB/s", "\"dev\":\"%s\"", dev);
	result("raw_seq_read", mb / (t2 - t1), "MB/s", "\"dev\":\"%s\"", dev);
}

static void t_swapon(const char *dev)
{
	long long f0 = proc_field("/proc/meminfo", "MemFree"), f1;
	long long k0 = kmem_kb(), k1, slots;
	double t0 = now(), t1;

	if (is_aobj) {
		struct aobj_swapon s = { .size = sizeof(s), .path = (uintptr_t)dev };

		if (ioctl(ctl, AOBJ_IOC_SWAPON, &s))
			die("AOBJ_IOC_SWAPON");
	} else if (swapon(dev, 0)) {
		die("swapon");
	}
	t1 = now();
	k1 = kmem_kb();
	f1 = proc_field("/proc/meminfo", "MemFree");
	slots = is_aobj ? -1 : proc_field("/proc/meminfo", "SwapTotal") / 4;
	result("swapon_kmem", (k1 - k0) * 1024.0, "bytes",
	       "\"dev\":\"%s\",\"slots\":%lld,\"seconds\":%.4f,"
	       "\"memfree_drop_bytes\":%lld", dev, slots, t1 - t0, (f0 - f1) * 1024);
}

/* First-touch zero-fill: write each page of a fresh object once. */
static void t_zerofill(long mb, int iters)
{
	double t = 0, t0;
	struct obj o;
	uint64_t i;
	int it;

	for (it = 0; it < iters; it++) {
		obj_create(&o, (size_t)mb << 20);
		obj_map(&o);
		t0 = now();
		for (i = 0; i < o.pages; i++)
			put_page(o.p, i);
		t += now() - t0;
		for (i = 0; i < o.pages; i++) {
			check_page(o.p, i);
			if (((uint64_t *)(o.p + i * PG))[1] != 0)
				bad++;
		}
		obj_destroy(&o);
	}
	result("zerofill", iters * o.pages / t, "pages/s",
	       "\"mb\":%ld,\"iters\":%d,\"seconds\":%.4f", mb, iters, t);
}

/* Resident refaults: map, touch every page (read or write), unmap. */
static void t_refault(long mb, int iters)
{
	double t[2] = { 0, 0 }, t0;
	long flt[2] = { 0, 0 };
	struct rusage r0, r1;
	struct obj o;
	uint64_t i;
	int it, w;

	obj_create(&o, (size_t)mb << 20);
	obj_map(&o);
	for (i = 0; i < o.pages; i++)
		put_page(o.p, i);
	obj_unmap(&o);
	for (it = 0; it < iters; it++) {
		for (w = 0; w < 2; w++) {
			getrusage(RUSAGE_SELF, &r0);
			t0 = now();
			obj_map(&o);
			for (i = 0; i < o.pages; i++) {
				if (w)
					put_page(o.p, i);
				else
					check_page(o.p, i);
			}
			obj_unmap(&o);
			t[w] += now() - t0;
			getrusage(RUSAGE_SELF, &r1);
			flt[w] += r1.ru_minflt - r0.ru_minflt;
		}
	}
	obj_map(&o);
	for (i = 0; i < o.pages; i++)
		check_page(o.p, i);
	obj_destroy(&o);
	result("refault_read", iters * o.pages / t[0], "pages/s",
	       "\"mb\":%ld,\"iters\":%d,\"faults_per_page\":%.3f", mb, iters,
	       (double)flt[0] / (iters * o.pages));
	result("refault_write", iters * o.pages / t[1], "pages/s",
	       "\"mb\":%ld,\"iters\":%d,\"faults_per_page\":%.3f", mb, iters,
	       (double)flt[1] / (iters * o.pages));
}

static void do_swapoff(const char *dev)
{
	if (is_aobj) {
		struct aobj_swapoff s = { .size = sizeof(s), .path = (uintptr_t)dev };

		if (ioctl(ctl, AOBJ_IOC_SWAPOFF, &s))
			die("AOBJ_IOC_SWAPOFF");
		if (s.lost)
			bad += s.lost;
	} else if (swapoff(dev)) {
		die("swapoff");
	}
}

static void do_swapon(const char *dev)
{
	if (is_aobj) {
		struct aobj_swapon s = { .size = sizeof(s), .path = (uintptr_t)dev };

		if (ioctl(ctl, AOBJ_IOC_SWAPON, &s))
			die("AOBJ_IOC_SWAPON");
	} else if (swapon(dev, 0)) {
		die("swapon");
	}
}

/*
 * The swap cycle on one object of @mb MiB: sequential writes (pageout
 * once past the limit), evict everything, sequential then random reads
 * of swapped pages, kernel memory per swapped page, swapoff, full verify.
 */
static void t_swap(long mb, const char *swapdev)
{
	long long out0, in0, out1, in1, k0, k1, sw, left, tlb0;
	uint64_t i, n, seqn, rndn, *pm;
	struct blk b0, b1;
	double t0, t1;
	const char *e;
	struct obj o;
	char v[32];

	k0 = kmem_kb();
	io_counts(&out0, &in0);
	blk_stat(&b0);
	tlb0 = tlb_ipis();
	obj_create(&o, (size_t)mb << 20);
	obj_map(&o);
	phase("pageout_seq", 1);
	t0 = now();
	for (i = 0; i < o.pages; i++)
		put_page(o.p, i);
	t1 = now();
	phase("pageout_seq", 0);
	io_counts(&out1, &in1);
	blk_stat(&b1);
	result("pageout_seq", mb / (t1 - t0), "MB/s",
	       "\"mb\":%ld,\"seconds\":%.4f,\"pages_out\":%lld,\"pages_in\":%lld,"
	       "\"write_ios\":%lld,\"kb_per_write\":%.1f,\"tlb_ipis\":%lld",
	       mb, t1 - t0, out1 - out0, in1 - in0, nios(&b0, &b1, 1),
	       kb_per_io(&b0, &b1, 1), tlb_ipis() - tlb0);

	left = evict_all();
	sw = swapped_pages();
	k1 = kmem_kb();
	result("meta_bytes_per_page", sw > 0 ? (k1 - k0) * 1024.0 / sw : -1,
	       "bytes", "\"swapped_pages\":%lld,\"kmem_delta_kb\":%lld,\"left\":%lld",
	       sw, k1 - k0, left);

	/* Sequential swap-in: the first 3/4 limit (no eviction meanwhile). */
	seqn = (uint64_t)limit_mb * 256 * 3 / 4;
	if (seqn > o.pages)
		seqn = o.pages;
	io_counts(&out0, &in0);
	blk_stat(&b0);
	phase("swapin_seq", 1);
	t0 = now();
	for (i = 0; i < seqn; i++)
		check_page(o.p, i);
	t1 = now();
	phase("swapin_seq", 0);
	io_counts(&out1, &in1);
	blk_stat(&b1);
	result("swapin_seq", seqn * PG / 1048576.0 / (t1 - t0), "MB/s",
	       "\"mb\":%ld,\"pages\":%" PRIu64 ",\"us_per_page\":%.2f,"
	       "\"pages_in\":%lld,\"pages_out\":%lld,\"read_ios\":%lld,"
	       "\"kb_per_read\":%.1f",
	       mb, seqn, (t1 - t0) * 1e6 / seqn, in1 - in0, out1 - out0,
	       nios(&b0, &b1, 0), kb_per_io(&b0, &b1, 0));

	/* Random swap-in: distinct pages past that range, up to limit/8. */
	n = o.pages - seqn;
	rndn = (uint64_t)limit_mb * 256 / 8;
	if (rndn > n / 2)
		rndn = n / 2;
	if (rndn) {
		pm = perm(n);
		io_counts(&out0, &in0);
		blk_stat(&b0);
		phase("swapin_rand", 1);
		t0 = now();
		for (i = 0; i < rndn; i++)
			check_page(o.p, seqn + pm[i]);
		t1 = now();
		phase("swapin_rand", 0);
		io_counts(&out1, &in1);
		blk_stat(&b1);
		free(pm);
		result("swapin_rand", rndn * PG / 1048576.0 / (t1 - t0), "MB/s",
		       "\"mb\":%ld,\"pages\":%" PRIu64 ",\"us_per_page\":%.2f,"
		       "\"pages_in\":%lld,\"pages_out\":%lld,\"read_ios\":%lld,"
		       "\"kb_per_read\":%.1f",
		       mb, rndn, (t1 - t0) * 1e6 / rndn, in1 - in0, out1 - out0,
		       nios(&b0, &b1, 0), kb_per_io(&b0, &b1, 0));
	}

	/* Swapoff needs the whole object in memory: skipped when too large. */
	if ((e = getenv("BENCH_SWAPOFF_MAX_MB")) && mb > atol(e)) {
		for (i = 0; i < o.pages; i += 97)
			check_page(o.p, i);
		obj_destroy(&o);
		result("verify_sample", o.pages / 97, "pages",
		       "\"mb\":%ld,\"bad\":%ld,\"swapoff\":\"skipped\"", mb, bad);
		return;
	}

	/* Swapoff of the whole object, all on the device again, limit lifted. */
	evict_all();
	sw = swapped_pages();
	if (is_aobj)
		set_limit_mb(0);
	else
		cg_write("memory.max", "max");
	blk_stat(&b0);
	phase("swapoff", 1);
	t0 = now();
	do_swapoff(swapdev);
	t1 = now();
	phase("swapoff", 0);
	blk_stat(&b1);
	do_swapon(swapdev);
	result("swapoff", sw > 0 ? (t1 - t0) / (sw * PG / 1073741824.0) : -1,
	       "s/GiB", "\"mb\":%ld,\"swapped_pages\":%lld,\"seconds\":%.4f,"
	       "\"us_per_page\":%.2f,\"read_ios\":%lld,\"kb_per_read\":%.1f",
	       mb, sw, t1 - t0, sw > 0 ? (t1 - t0) * 1e6 / sw : -1,
	       nios(&b0, &b1, 0), kb_per_io(&b0, &b1, 0));

	for (i = 0; i < o.pages; i++)
		check_page(o.p, i);
	obj_destroy(&o);
	if (is_aobj) {
		set_limit_mb(limit_mb);
	} else {
		snprintf(v, sizeof(v), "%ld", limit_mb << 20);
		cg_write("memory.max", v);
	}
	result("verify_all", o.pages, "pages", "\"mb\":%ld,\"bad\":%ld", mb, bad);
}

/* Random-order pageout: each page written once, in a random order. */
static void t_pageout_rand(long mb)
{
	long long out0, in0, out1, in1, tlb0;
	uint64_t i, *pm, n;
	struct blk b0, b1;
	double t0, t1;
	struct obj o;

	obj_create(&o, (size_t)mb << 20);
	obj_map(&o);
	pm = perm(o.pages);
	io_counts(&out0, &in0);
	blk_stat(&b0);
	tlb0 = tlb_ipis();
	phase("pageout_rand", 1);
	t0 = now();
	for (i = 0; i < o.pages; i++)
		put_page(o.p, pm[i]);
	t1 = now();
	phase("pageout_rand", 0);
	io_counts(&out1, &in1);
	blk_stat(&b1);
	result("pageout_rand", mb / (t1 - t0), "MB/s",
	       "\"mb\":%ld,\"seconds\":%.4f,\"pages_out\":%lld,\"pages_in\":%lld,"
	       "\"write_ios\":%lld,\"kb_per_write\":%.1f,\"tlb_ipis\":%lld",
	       mb, t1 - t0, out1 - out0, in1 - in0, nios(&b0, &b1, 1),
	       kb_per_io(&b0, &b1, 1), tlb_ipis() - tlb0);
	/* Verify: the first written (long since paged out) and a sample. */
	n = o.pages < 4096 ? o.pages : 4096;
	for (i = 0; i < n; i++)
		check_page(o.p, pm[i]);
	for (i = 0; i < o.pages; i += 61)
		check_page(o.p, i);
	free(pm);
	obj_destroy(&o);
	result("verify_pageout_rand", n, "pages", "\"bad\":%ld", bad);
}

/*
 * Sequential writes from several threads, each over its own slice of one
 * object 3x the limit: pageout while faults on the same object run.  A
 * SIGBUS (a fault that aobj failed) is caught and reported.
 */
struct mt_arg {
	struct obj *o;
	uint64_t from, to;
};

static volatile sig_atomic_t sigbus_seen;
static __thread sigjmp_buf mt_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	sigbus_seen++;
	siglongjmp(mt_jmp, 1);
}

static void *mt_writer(void *p)
{
	struct mt_arg *a = p;
	volatile uint64_t i = a->from;

	if (sigsetjmp(mt_jmp, 1))
		return (void *)(uintptr_t)(i + 1);	/* stopped at page i */
	for (; i < a->to; i++)
		put_page(a->o->p, i);
	return NULL;
}

static void t_pageout_mt(long mb, int nthreads)
{
	struct mt_arg args[16];
	pthread_t th[16];
	struct sigaction sa;
	long long out0, in0, out1, in1;
	uint64_t i, stopped = 0;
	struct blk b0, b1;
	double t0, t1;
	struct obj o;
	void *ret;
	int t;

	if (nthreads < 1 || nthreads > 16)
		usage();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, NULL);
	obj_create(&o, (size_t)mb << 20);
	obj_map(&o);
	io_counts(&out0, &in0);
	blk_stat(&b0);
	t0 = now();
	for (t = 0; t < nthreads; t++) {
		args[t].o = &o;
		args[t].from = o.pages * t / nthreads;
		args[t].to = o.pages * (t + 1) / nthreads;
		if (pthread_create(&th[t], NULL, mt_writer, &args[t]))
			die("pthread_create");
	}
	for (t = 0; t < nthreads; t++) {
		pthread_join(th[t], &ret);
		if (ret) {
			if (!stopped++)
				fprintf(stderr, "aobj-bench: pageout-mt/%s: SIGBUS at page %" PRIu64
					" of %" PRIu64 " (thread %d)\n", sysname,
					(uint64_t)(uintptr_t)ret - 1, o.pages, t);
			bad++;
		}
	}
	t1 = now();
	io_counts(&out1, &in1);
	blk_stat(&b1);
	if (!sigbus_seen) {
		for (i = 0; i < o.pages; i += 7)
			check_page(o.p, i);
	}
	result("pageout_mt", mb / (t1 - t0), "MB/s",
	       "\"mb\":%ld,\"threads\":%d,\"seconds\":%.4f,\"pages_out\":%lld,"
	       "\"write_ios\":%lld,\"kb_per_write\":%.1f,\"sigbus\":%d",
	       mb, nthreads, t1 - t0, out1 - out0, nios(&b0, &b1, 1),
	       kb_per_io(&b0, &b1, 1), (int)sigbus_seen);
	obj_destroy(&o);
}

/*
 * Referenced pages, then growth past the limit: fill 7/8 of the limit,
 * refault all of it (map, touch, unmap: every page "referenced"), then
 * write on past the limit.  Pageout must still make room; a SIGBUS
 * (a fault that aobj failed) is caught and reported.
 */
static void t_refgrow(long mb)
{
	static volatile uint64_t i;
	static uint64_t first, at;
	struct sigaction sa;
	struct obj o;
	double t0;
	int r;

	first = (uint64_t)limit_mb * 256 * 7 / 8;
	at = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigaction(SIGBUS, &sa, NULL);
	obj_create(&o, (size_t)mb << 20);
	if (first > o.pages / 2)
		first = o.pages / 2;
	obj_map(&o);
	for (i = 0; i < first; i++)
		put_page(o.p, i);
	for (r = 0; r < 2; r++) {
		obj_unmap(&o);
		obj_map(&o);
		for (i = 0; i < first; i++)
			check_page(o.p, i);
	}
	t0 = now();
	i = first;
	if (sigsetjmp(mt_jmp, 1)) {
		at = i + 1;
		bad++;
		fprintf(stderr, "aobj-bench: refgrow/%s: SIGBUS at page %" PRIu64
			" of %" PRIu64 " (resident limit %ld MiB)\n", sysname, i,
			o.pages, limit_mb);
	} else {
		for (; i < o.pages; i++)
			put_page(o.p, i);
		for (i = 0; i < o.pages; i += 13)
			check_page(o.p, i);
	}
	result("refgrow", (now() - t0), "s",
	       "\"mb\":%ld,\"refaulted_pages\":%" PRIu64 ",\"sigbus_at_page\":%lld",
	       mb, first, at ? (long long)at - 1 : -1LL);
	obj_destroy(&o);
}

/*
 * t_hotset: aging.  An object of @mb MiB is written, then read at random
 * through one mapping, 90% of the accesses to its first @hot_mb MiB and
 * 10% uniform over the rest, with both systems in the memory cgroup at
 * memory.max = @lim_mb (aobj without a resident limit of its own).  After
 * @n accesses to warm up, the major faults (getrusage) of @n more are
 * counted: a pager that keeps the hot set resident takes few.
 */
static void t_hotset(long mb, long hot_mb, long lim_mb, long n)
{
	uint64_t hot, i, pg;
	struct rusage ru0, ru1, ru;
	char v[32];
	struct obj o;
	long long swapins = 0, hot_maj = 0, last;
	double t0, secs;
	long maj;

	if (!cg)
		die("hotset: no BENCH_CG");
	if (mb <= 0 || hot_mb <= 0 || hot_mb >= mb || lim_mb <= 0 || n <= 0) {
		fprintf(stderr, "aobj-bench: hotset: want MB > HOT_MB > 0, LIMIT_MB > 0, ACCESSES > 0\n");
		exit(2);
	}
	snprintf(v, sizeof(v), "%ld", lim_mb << 20);
	cg_write("memory.max", v);
	if (is_aobj) {
		set_limit_mb(0);
		cg_write("cgroup.procs", "0");	/* the object is charged there */
	}
	obj_create(&o, (size_t)mb << 20);
	hot = ((uint64_t)hot_mb << 20) / PG;
	if (hot >= o.pages)
		die("hotset: hot set not smaller than the object");
	obj_map(&o);
	for (i = 0; i < o.pages; i++)
		put_page(o.p, i);
	for (i = 0; i < (uint64_t)n; i++) {
		pg = rnd() % 10 ? rnd() % hot : hot + rnd() % (o.pages - hot);
		check_page(o.p, pg);
	}
	getrusage(RUSAGE_SELF, &ru0);
	last = ru0.ru_majflt;
	if (is_aobj)
		swapins = stat_num("faults_swapin");
	t0 = now();
	for (i = 0; i < (uint64_t)n; i++) {
		pg = rnd() % 10 ? rnd() % hot : hot + rnd() % (o.pages - hot);
		check_page(o.p, pg);
		/* The hot set's faults are the pager's misses. */
		getrusage(RUSAGE_SELF, &ru);
		if (pg < hot)
			hot_maj += ru.ru_majflt - last;
		last = ru.ru_majflt;
	}
	secs = now() - t0;
	getrusage(RUSAGE_SELF, &ru1);
	if (is_aobj)
		swapins = stat_num("faults_swapin") - swapins;
	maj = ru1.ru_majflt - ru0.ru_majflt;
	result("hotset_majflt", maj * 1000.0 / n, "faults/1000",
	       "\"mb\":%ld,\"hot_mb\":%ld,\"limit_mb\":%ld,\"accesses\":%ld,"
	       "\"majflt\":%ld,\"hot_majflt\":%lld,\"aobj_swapin_faults\":%lld,\"s\":%.3f",
	       mb, hot_mb, lim_mb, n, maj, hot_maj, swapins, secs);
	obj_destroy(&o);
	snprintf(v, sizeof(v), "%ld", limit_mb << 20);
	cg_write("memory.max", v);
	if (is_aobj)
		set_limit_mb(limit_mb);
}

static void usage(void)
{
	fprintf(stderr, "usage: aobj-bench raw DEV MB | swapon aobj|linux DEV |\n"
		"  zerofill|refault SYS MB ITERS | swap SYS MB | pageout-rand SYS MB |\n"
		"  pageout-mt SYS MB THREADS | refgrow SYS MB |\n"
		"  hotset SYS MB HOT_MB LIMIT_MB ACCESSES\n"
		"  (SYS: aobj or memfd)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *e;

	if (argc < 3)
		usage();
	test = argv[1];
	sysname = argv[2];
	rep = (e = getenv("BENCH_REP")) ? atoi(e) : 0;
	tag = (e = getenv("BENCH_TAG")) ? e : "";
	limit_mb = (e = getenv("BENCH_LIMIT_MB")) ? atol(e) : 64;
	cg = getenv("BENCH_CG");
	seed = rep * 1000003ULL + 17;
	rs ^= mix(seed);

	if (!strcmp(test, "raw")) {
		if (argc != 4)
			usage();
		sysname = "raw";
		t_raw(argv[2], atol(argv[3]));
		return bad ? 1 : 0;
	}
	is_aobj = !strcmp(sysname, "aobj");
	if (!is_aobj && strcmp(sysname, "memfd") && strcmp(sysname, "linux"))
		usage();
	if (is_aobj) {
		ctl = open("/dev/aobj", O_RDWR | O_CLOEXEC);
		if (ctl < 0)
			die("/dev/aobj");
	} else if (cg && strcmp(test, "swapon")) {
		/* memfd runs are charged to the memory cgroup. */
		cg_write("cgroup.procs", "0");
	}

	if (!strcmp(test, "swapon") && argc == 4)
		t_swapon(argv[3]);
	else if (!strcmp(test, "zerofill") && argc == 5)
		t_zerofill(atol(argv[3]), atoi(argv[4]));
	else if (!strcmp(test, "refault") && argc == 5)
		t_refault(atol(argv[3]), atoi(argv[4]));
	else if (!strcmp(test, "swap") && argc == 4)
		t_swap(atol(argv[3]),
		       getenv(is_aobj ? "BENCH_ASWAP" : "BENCH_LSWAP") ?: "");
	else if (!strcmp(test, "pageout-rand") && argc == 4)
		t_pageout_rand(atol(argv[3]));
	else if (!strcmp(test, "refgrow") && argc == 4)
		t_refgrow(atol(argv[3]));
	else if (!strcmp(test, "pageout-mt") && argc == 5)
		t_pageout_mt(atol(argv[3]), atoi(argv[4]));
	else if (!strcmp(test, "hotset") && argc == 7)
		t_hotset(atol(argv[3]), atol(argv[4]), atol(argv[5]), atol(argv[6]));
	else
		usage();
	return bad ? 1 : 0;
}
