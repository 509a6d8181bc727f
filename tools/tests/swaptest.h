/* SPDX-License-Identifier: GPL-2.0 */
/*
 * swaptest.h: helpers of the swap_*.c tests, on top of aobjtest.h.
 *
 * Swap devices turned on with sw_swapon() are turned off again at exit and
 * on a fatal signal or timeout (after the objects are detached and the
 * module parameters restored, so that swapoff can page everything in);
 * null_blk devices made with sw_nullb_create() are removed after that.
 * Pages that may raise SIGBUS are touched with sw_read()/sw_write().
 * New kernel log lines that look like a BUG, WARNING, KASAN or lockdep
 * report, an oops or a hung task fail the test (sw_kmsg_check()).
 */
#ifndef SWAPTEST_H
#define SWAPTEST_H

#include "aobjtest.h"

#include <dirent.h>
#include <setjmp.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#define SW_MIB		(1ULL << 20)
#define SW_MAX_DEVS	8
#define SW_NULLB_DIR	"/sys/kernel/config/nullb/"

T_API char sw_on[SW_MAX_DEVS][64];	/* swapped on by us, to undo */
T_API char sw_nullb[SW_MAX_DEVS][32];	/* null_blk devices we made */
T_API int sw_kmsg_fd = -1;

#define SW_CG_ROOT	"/sys/fs/cgroup"

/* Write @val to @file of the cgroup at @cg.  Return: 0 or -errno. */
T_API int sw_cg_write(const char *cg, const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return write_str(path, val);
}

/*
 * sw_cg_setup: cgroup2 at SW_CG_ROOT, mounted if need be, with the memory
 * controller on for the cgroups below it.  Bails out if the controller is
 * there but cannot be turned on.
 * Return: NULL, or why it cannot be had (no cgroup2, no memory controller).
 */
T_API const char *sw_cg_setup(void)
{
	static char why[320];
	char buf[256] = "";
	int fd, err;

	if (access(SW_CG_ROOT "/cgroup.controllers", F_OK)) {
		mkdir(SW_CG_ROOT, 0755);
		if (mount("none", SW_CG_ROOT, "cgroup2", 0, NULL)) {
			snprintf(why, sizeof(why), "cannot mount cgroup2: %s",
				 strerror(errno));
			return why;
		}
	}
	fd = open(SW_CG_ROOT "/cgroup.controllers", O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0) {
		if (fd >= 0)
			close(fd);
		return "no cgroup.controllers";
	}
	close(fd);
	if (!strstr(buf, "memory")) {
		snprintf(why, sizeof(why), "no memory controller (%s)", buf);
		return why;
	}
	/* Available, but it will not turn on: that is a failure, not a skip. */
	err = sw_cg_write(SW_CG_ROOT, "cgroup.subtree_control", "+memory");
	if (err)
		t_bail("cannot enable the memory controller: %s", strerror(-err));
	return NULL;
}

/* ---- swap ioctls ---- */

/* SWAPON: 0 or -errno.  Not tracked. */
T_API int sw_swapon_raw(const char *path, int prio)
{
	struct aobj_swapon s = {
		.size = sizeof(s), .path = (uintptr_t)path, .priority = prio,
	};

	return ioctl(t_ctl_fd(), AOBJ_IOC_SWAPON, &s) ? -errno : 0;
}

/* SWAPOFF: 0 or -errno; *lost set on success. */
T_API int sw_swapoff_raw(const char *path, uint64_t *lost)
{
	struct aobj_swapoff s = { .size = sizeof(s), .path = (uintptr_t)path };
	int err = ioctl(t_ctl_fd(), AOBJ_IOC_SWAPOFF, &s) ? -errno : 0;

	if (lost)
		*lost = err ? 0 : s.lost;
	return err;
}

T_API void sw_untrack(const char *path)
{
	int i;

	for (i = 0; i < SW_MAX_DEVS; i++)
		if (!strcmp(sw_on[i], path))
			sw_on[i][0] = 0;
}

/* SWAPON, tracked for swapoff at exit: 0 or -errno. */
T_API int sw_swapon(const char *path, int prio)
{
	int err = sw_swapon_raw(path, prio), i;

	if (err)
		return err;
	for (i = 0; i < SW_MAX_DEVS; i++) {
		if (!sw_on[i][0]) {
			snprintf(sw_on[i], sizeof(sw_on[i]), "%s", path);
			break;
		}
	}
	return 0;
}

T_API void sw_swapon_or_bail(const char *path, int prio)
{
	int err = sw_swapon(path, prio);

	if (err)
		t_bail("SWAPON %s: %s", path, errno_name(-err));
}

/* SWAPOFF of a tracked device: 0 or -errno. */
T_API int sw_swapoff(const char *path, uint64_t *lost)
{
	int err = sw_swapoff_raw(path, lost);

	if (!err)
		sw_untrack(path);
	return err;
}

/* SWAPS: number of devices; up to @room entries in @ents. */
T_API int sw_swaps(struct aobj_swapdev_info *ents, unsigned int room)
{
	struct aobj_swaps s = {
		.size = sizeof(s), .count = room, .entry_size = sizeof(*ents),
		.entries = (uintptr_t)ents,
	};

	if (ioctl(t_ctl_fd(), AOBJ_IOC_SWAPS, &s))
		t_bail("SWAPS: %s", strerror(errno));
	return (int)s.count;
}

/* The SWAPS entry of block device @path: true if listed. */
T_API bool sw_swapdev(const char *path, struct aobj_swapdev_info *out)
{
	struct aobj_swapdev_info ents[SW_MAX_DEVS * 4];
	struct stat st;
	int n, i;

	if (stat(path, &st) || !S_ISBLK(st.st_mode))
		return false;
	n = sw_swaps(ents, SW_MAX_DEVS * 4);
	for (i = 0; i < n && i < SW_MAX_DEVS * 4; i++) {
		if (ents[i].major == major(st.st_rdev) &&
		    ents[i].minor == minor(st.st_rdev)) {
			if (out)
				*out = ents[i];
			return true;
		}
	}
	return false;
}

/* Used slots of @path's SWAPS entry, -1 if not listed. */
T_API long long sw_used(const char *path)
{
	struct aobj_swapdev_info e;

	return sw_swapdev(path, &e) ? (long long)e.used : -1;
}

/* ---- disks ---- */

/*
 * sw_disks: the raw disks of $AOBJ_DISKS that are block devices and not
 * in aobj's use; skips the test if fewer than @need.  Returns the count.
 */
T_API int sw_disks(char disks[][64], int max, int need)
{
	const char *env = getenv("AOBJ_DISKS");
	char buf[512], *tok, *save = NULL;
	struct stat st;
	int n = 0;

	if (!env || !*env)
		t_skip("AOBJ_DISKS is not set (run in the test VM)");
	snprintf(buf, sizeof(buf), "%s", env);
	for (tok = strtok_r(buf, " ", &save); tok && n < max;
	     tok = strtok_r(NULL, " ", &save)) {
		if (stat(tok, &st) || !S_ISBLK(st.st_mode))
			continue;
		if (sw_swapdev(tok, NULL))
			continue;
		snprintf(disks[n++], 64, "%s", tok);
	}
	if (n < need)
		t_skip("needs %d free disk(s) in AOBJ_DISKS, found %d (--disks %d)",
		       need, n, need);
	return n;
}

/* ---- null_blk through configfs ---- */

T_API int sw_nullb_attr(const char *name, const char *attr, const char *val)
{
	char path[sizeof(SW_NULLB_DIR) + 256 + 32];

	snprintf(path, sizeof(path), SW_NULLB_DIR "%s/%s", name, attr);
	return write_str(path, val);
}

T_API void sw_nullb_remove(const char *name)
{
	char path[sizeof(SW_NULLB_DIR) + 256 + 32];
	int i;

	sw_nullb_attr(name, "power", "0");
	snprintf(path, sizeof(path), SW_NULLB_DIR "%s", name);
	rmdir(path);
	for (i = 0; i < SW_MAX_DEVS; i++)
		if (!strcmp(sw_nullb[i], name))
			sw_nullb[i][0] = 0;
}

/*
 * sw_nullb_create: a memory-backed null_blk disk /dev/@name of @mb MiB,
 * with 4096-byte blocks.  0, or -errno (ENOENT: no null_blk configfs).
 */
T_API int sw_nullb_create(const char *name, unsigned int mb)
{
	char path[160], val[32];
	int err, i;

	if (access(SW_NULLB_DIR, F_OK)) {
		/* The stock kernel has null_blk as a module. */
		if (system("modprobe null_blk nr_devices=0 >/dev/null 2>&1")) {
			/* fall through: checked again below */
		}
		if (access(SW_NULLB_DIR, F_OK))
			return -ENOENT;
	}
	snprintf(path, sizeof(path), SW_NULLB_DIR "%s", name);
	if (mkdir(path, 0755))
		return -errno;
	for (i = 0; i < SW_MAX_DEVS; i++) {
		if (!sw_nullb[i][0]) {
			snprintf(sw_nullb[i], sizeof(sw_nullb[i]), "%s", name);
			break;
		}
	}
	snprintf(val, sizeof(val), "%u", mb);
	if ((err = sw_nullb_attr(name, "size", val)) ||
	    (err = sw_nullb_attr(name, "memory_backed", "1")) ||
	    (err = sw_nullb_attr(name, "blocksize", "4096")) ||
	    (err = sw_nullb_attr(name, "power", "1"))) {
		sw_nullb_remove(name);
		return err;
	}
	/* Wait for the node (devtmpfs). */
	snprintf(path, sizeof(path), "/dev/%s", name);
	for (i = 0; i < 100 && access(path, F_OK); i++)
		usleep(20000);
	return access(path, F_OK) ? -ENODEV : 0;
}

/* ---- cleanup ---- */

T_API void sw_cleanup(void)
{
	int i;

	if (getpid() != t_main_pid)
		return;
	t_cleanup();	/* objects detached, limit restored first */
	for (i = 0; i < SW_MAX_DEVS; i++) {
		if (sw_on[i][0]) {
			sw_swapoff_raw(sw_on[i], NULL);
			sw_on[i][0] = 0;
		}
	}
	for (i = 0; i < SW_MAX_DEVS; i++)
		if (sw_nullb[i][0])
			sw_nullb_remove(sw_nullb[i]);
}

T_API void sw_fatal_signal(int sig)
{
	static const char msg[] = "Bail out! fatal signal or timeout; cleaning up\n";

	if (write(1, msg, sizeof(msg) - 1) < 0) {
		/* ignore */
	}
	sw_cleanup();
	signal(sig, SIG_DFL);
	if (sig == SIGALRM)
		_exit(T_EXIT_FAIL);
	raise(sig);
	_exit(T_EXIT_FAIL);
}

/* ---- kernel log ---- */

/* Remember where the kernel log ends now. */
T_API void sw_kmsg_start(void)
{
	sw_kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (sw_kmsg_fd >= 0)
		lseek(sw_kmsg_fd, 0, SEEK_END);
}

/*
 * Is @msg warn_alloc()'s line for a failed allocation that may not sleep
 * (GFP_ATOMIC, GFP_NOWAIT)?  Its caller must cope with NULL; under the
 * memory pressure the tests create on purpose, a driver's may fail.  The
 * stack dump after it is not a report (scripts/lib.sh does the same).
 */
static bool sw_atomic_alloc_failure(const char *msg)
{
	const char *mode = strstr(msg, "page allocation failure: order:");

	mode = mode ? strstr(mode, ", mode:0x") : NULL;
	mode = mode ? strchr(mode, '(') : NULL;
	return mode && (!strncmp(mode, "(GFP_ATOMIC", 11) ||
			!strncmp(mode, "(GFP_NOWAIT", 11)) &&
	       (mode[11] == '|' || mode[11] == ')');
}

/* One check: no kernel report in the log since sw_kmsg_start(). */
T_API void sw_kmsg_check(void)
{
	static const char *const bad[] = {
		"BUG:", "WARNING:", "KASAN", "possible circular locking",
		"inconsistent lock state", "Oops", "Call Trace",
		"blocked for more than", "UBSAN", "possible recursive locking",
		"suspicious RCU usage",
	};
	char rec[2048];
	int reports = 0, atomic = 0, since_atomic = 100;
	ssize_t n;
	size_t i;

	if (sw_kmsg_fd < 0)
		return;
	for (;;) {
		char *msg;

		n = read(sw_kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records */
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		since_atomic++;
		if (sw_atomic_alloc_failure(msg)) {
			if (atomic++ < 3)
				t_diag("kernel (memory pressure, not a report): %.200s",
				       msg);
			since_atomic = 0;
			continue;
		}
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (!strstr(msg, bad[i]))
				continue;
			if (!strcmp(bad[i], "Call Trace") && since_atomic <= 8) {
				since_atomic = 100;	/* warn_alloc()'s dump */
				break;
			}
			if (reports++ < 5)
				t_diag("kernel: %s", msg);
			break;
		}
	}
	close(sw_kmsg_fd);
	sw_kmsg_fd = -1;
	if (!t_check(!reports, "no BUG/WARNING/KASAN/lockdep report in the kernel log"))
		t_diag("%d report line(s)", reports);
}

/*
 * sw_init: t_init() plus root, cleanup of swap devices, kernel log watch.
 */
T_API void sw_init(const char *name, unsigned int timeout)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL,
				    SIGALRM, SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa;
	size_t i;

	t_init(name, true, timeout);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sw_fatal_signal;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	atexit(sw_cleanup);	/* runs before t_cleanup, and calls it */
	sw_kmsg_start();
}

T_API int sw_done(void)
{
	sw_cleanup();
	sw_kmsg_check();
	return t_done();
}

/* ---- the resident limit ---- */

T_API long long sw_limit_mb(void)
{
	long long v = 0;

	if (t_read_num(T_PARAMS "max_resident_mb", &v))
		t_bail("read max_resident_mb: %s", strerror(errno));
	return v;
}

T_API void sw_set_limit_mb(unsigned int mb)
{
	char buf[16];
	int err;

	snprintf(buf, sizeof(buf), "%u", mb);
	err = t_param_set("max_resident_mb", buf);
	if (err)
		t_bail("set max_resident_mb=%u: %s", mb, strerror(-err));
}

/* Wait up to @ms for the global resident count to be <= @pages. */
T_API long long sw_wait_resident(long long pages, int ms)
{
	long long r = t_gstat("resident_pages");

	while (r > pages && ms > 0) {
		usleep(10000);
		ms -= 10;
		r = t_gstat("resident_pages");
	}
	return r;
}

/* A counter of /proc/vmstat, such as "oom_kill"; bails if it has none. */
T_API long long sw_vmstat(const char *key)
{
	char name[64];
	long long v, found = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		t_bail("open /proc/vmstat: %s", strerror(errno));
	while (fscanf(f, "%63s %lld", name, &v) == 2)
		if (!strcmp(name, key))
			found = v;
	fclose(f);
	if (found < 0)
		t_bail("no %s in /proc/vmstat", key);
	return found;
}

/*
 * sw_init_disk: sw_init() for a test of 4 KiB pages that swaps to one free
 * disk of $AOBJ_DISKS (its path in @disk) under a resident limit of
 * @limit_mb MiB.
 */
T_API void sw_init_disk(const char *name, unsigned int timeout,
			unsigned int limit_mb, char disk[64])
{
	char disks[4][64];

	sw_init(name, timeout);
	if (t_pagesize != 4096)
		t_skip("page size %ld", t_pagesize);
	sw_disks(disks, 4, 1);
	snprintf(disk, 64, "%s", disks[0]);
	sw_swapon_or_bail(disk, 0);
	sw_set_limit_mb(limit_mb);
}

/*
 * sw_map_new: a new object of @size bytes (mode 0600), opened read-write
 * (*@fdp) and mapped shared; *@idp (if not NULL) its id.
 */
T_API char *sw_map_new(size_t size, int *fdp, unsigned int *idp)
{
	unsigned int id = t_create(size, 0, 0600);
	char *map;

	*fdp = t_open_or_bail(id, O_RDWR);
	map = t_map(*fdp, size, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	if (idp)
		*idp = id;
	return map;
}

/* This process's major faults so far (getrusage()). */
T_API long sw_majflt(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		t_bail("getrusage: %s", strerror(errno));
	return ru.ru_majflt;
}

/* ---- touching pages that may SIGBUS ---- */

T_API sigjmp_buf sw_jmp;
T_API volatile sig_atomic_t sw_jmp_armed;

T_API void sw_sigbus(int sig)
{
	if (sw_jmp_armed) {
		sw_jmp_armed = 0;
		siglongjmp(sw_jmp, 1);
	}
	sw_fatal_signal(sig);
}

/*
 * sw_read: read the 8-byte word at @p into *@val; 0, or -1 on SIGBUS.
 * sw_write: store @val at @p; 0, or -1 on SIGBUS.  Main thread only.
 */
T_API int sw_access(volatile uint64_t *p, uint64_t *val, bool write)
{
	struct sigaction sa, old;
	int ret = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sw_sigbus;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(sw_jmp, 1)) {
		ret = -1;
	} else {
		sw_jmp_armed = 1;
		if (write)
			*p = *val;
		else
			*val = *p;
		sw_jmp_armed = 0;
	}
	sigaction(SIGBUS, &old, NULL);
	return ret;
}

T_API int sw_read(const void *p, uint64_t *val)
{
	return sw_access((volatile uint64_t *)p, val, false);
}

T_API int sw_write(void *p, uint64_t val)
{
	return sw_access((volatile uint64_t *)p, &val, true);
}

/* ---- data ---- */

/* Write the pattern of page @pg (seed @seed) into @p. */
T_API void sw_fill_page(void *p, size_t pg, uint64_t seed)
{
	uint64_t *w = p;
	size_t i, n = t_pagesize / 8;

	for (i = 0; i < n; i++)
		w[i] = t_pattern(pg, i, seed);
}

/* Does @p hold page @pg's pattern for @seed? */
T_API bool sw_page_ok(const void *p, size_t pg, uint64_t seed)
{
	const uint64_t *w = p;
	size_t i, n = t_pagesize / 8;

	for (i = 0; i < n; i++)
		if (w[i] != t_pattern(pg, i, seed))
			return false;
	return true;
}

/*
 * sw_verify_pages: check pages [0, npages) of @base against the pattern
 * of seeds[pg] (or @seed if @seeds is NULL); the seed SW_ZERO_SEED means
 * the page must read as zeros.  One check line; returns the bad pages.
 */
#define SW_ZERO_SEED	(~0ULL)
T_API size_t sw_verify_pages(const void *base, size_t npages,
			     const uint64_t *seeds, uint64_t seed,
			     const char *what)
{
	size_t pg, bad = 0, first = 0;

	for (pg = 0; pg < npages; pg++) {
		const char *p = (const char *)base + pg * t_pagesize;
		uint64_t s = seeds ? seeds[pg] : seed;
		bool ok = s == SW_ZERO_SEED ?
			t_first_nonzero(p, t_pagesize) < 0 :
			sw_page_ok(p, pg, s);

		if (!ok && !bad++)
			first = pg;
	}
	if (!t_check(!bad, "%s: all %zu pages verify", what, npages))
		t_diag("expected 0 bad pages, got %zu (first: page %zu)", bad,
		       first);
	return bad;
}

/* A diagnostic line with the seconds since the first call. */
T_API void sw_mark(const char *what)
{
	static struct timespec t0;
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	if (!t0.tv_sec)
		t0 = t;
	t_diag("[%.2f s] %s", (t.tv_sec - t0.tv_sec) +
	       (t.tv_nsec - t0.tv_nsec) / 1e9, what);
}

/* ---- threads ---- */

T_API pid_t sw_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

#endif /* SWAPTEST_H */
