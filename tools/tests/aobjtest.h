/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aobjtest.h: helpers shared by the aobj test programs in tools/tests/.
 *
 * Header-only (everything static), so that each test still builds from its
 * one .c file:  gcc -O2 -Wall -Wextra -Werror -static -pthread \
 *                   -I module/uapi tools/tests/x.c -o out/tools/x
 *
 * Output is TAP-like: "ok N - what" or "not ok N - what" with "# " lines of
 * diagnostics (expected vs got).  Exit status: 0 pass, 77 skip, 1 fail.
 *
 * Objects created with t_create() are detached at exit, on a fatal signal
 * and on timeout (in the process that created them only), and module
 * parameters changed with t_param_set() are restored the same way.
 */
#ifndef AOBJTEST_H
#define AOBJTEST_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
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
#include <sys/wait.h>
#include <unistd.h>

#include <linux/aobj.h>

#include "../aobj-util.h"

/* Everything here is static; a test need not use all of it. */
#define T_API		static __attribute__((unused))

#define T_EXIT_PASS	0
#define T_EXIT_FAIL	1
#define T_EXIT_SKIP	77

#define T_CTL		"/dev/aobj"
#define T_STATS		"/sys/class/misc/aobj/stats/"
#define T_PARAMS	"/sys/module/aobj/parameters/"
#define T_CLASS		"/sys/class/aobj/"
#define T_MODULE	"/sys/module/aobj"

T_API const char *t_name = "test";
T_API int t_count, t_failed;
T_API bool t_in_child;
T_API long t_pagesize;
T_API pid_t t_main_pid;

/* ---- reporting ---- */

T_API void t_vreport(bool ok, const char *fmt, va_list ap)
{
	if (t_in_child) {
		printf("#   [child %d] %s - ", (int)getpid(), ok ? "ok" : "FAIL");
	} else {
		t_count++;
		printf("%sok %d - ", ok ? "" : "not ", t_count);
	}
	vprintf(fmt, ap);
	putchar('\n');
	if (!ok)
		t_failed++;
}

/* t_check: report one check; returns @ok. */
__attribute__((format(printf, 2, 3)))
T_API bool t_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	t_vreport(ok, fmt, ap);
	va_end(ap);
	return ok;
}

__attribute__((format(printf, 1, 2)))
T_API void t_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("#   ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/*
 * t_check_errno: a call returned @ret with errno @err; it should have failed
 * with @want (or succeeded, for want == 0).
 */
__attribute__((format(printf, 4, 5)))
T_API bool t_check_errno(long ret, int err, int want, const char *fmt, ...)
{
	bool ok = want ? (ret == -1 && err == want) : ret >= 0;
	va_list ap;

	va_start(ap, fmt);
	t_vreport(ok, fmt, ap);
	va_end(ap);
	if (!ok)
		t_diag("expected %s, got %s (ret %ld)", errno_name(want),
		       ret == -1 ? errno_name(err) : "success", ret);
	return ok;
}

/*
 * T_ERRNO: evaluate @expr (a call returning -1 with errno on failure) and
 * check it failed with @want (0: that it succeeded).  errno is read after
 * the call, which passing it as an argument of the same call would not do.
 */
#define T_ERRNO(expr, want, ...)					\
	({								\
		long _r;						\
		int _e;							\
		errno = 0;						\
		_r = (long)(expr);					\
		_e = errno;						\
		t_check_errno(_r, _e, want, __VA_ARGS__);		\
	})

/* Compare two integers, printing both on mismatch. */
#define T_EQ(got, want, ...)						\
	({								\
		long long _g = (long long)(got), _w = (long long)(want); \
		bool _ok = t_check(_g == _w, __VA_ARGS__);		\
		if (!_ok)						\
			t_diag("expected %lld (%#llx), got %lld (%#llx)", \
			       _w, (unsigned long long)_w, _g,		\
			       (unsigned long long)_g);			\
		_ok;							\
	})

/* Give up: a check failed that later ones depend on. */
__attribute__((format(printf, 1, 2), noreturn))
T_API void t_bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (t_in_child)
		_exit(T_EXIT_FAIL);
	exit(T_EXIT_FAIL);
}

__attribute__((format(printf, 1, 2), noreturn))
T_API void t_skip(const char *fmt, ...)
{
	va_list ap;

	printf("1..0 # SKIP %s: ", t_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	exit(T_EXIT_SKIP);
}

T_API int t_done(void)
{
	printf("1..%d\n", t_count);
	if (t_failed)
		printf("# FAIL %s: %d of %d checks failed\n", t_name, t_failed,
		       t_count);
	else
		printf("# PASS %s: %d checks\n", t_name, t_count);
	fflush(stdout);
	return t_failed ? T_EXIT_FAIL : T_EXIT_PASS;
}

/* ---- cleanup of objects and parameters ---- */

#define T_MAX_IDS	256
T_API volatile int t_ids[T_MAX_IDS];
T_API volatile int t_nids;

#define T_MAX_PARAMS	4
T_API struct {
	char name[32];
	char value[32];
	volatile int saved;
} t_params[T_MAX_PARAMS];

T_API void t_node_path(char *buf, size_t len, unsigned int id)
{
	snprintf(buf, len, "/dev/aobj%u", id);
}

T_API void t_restore_params(void)
{
	int i;

	for (i = 0; i < T_MAX_PARAMS; i++) {
		char path[80] = T_PARAMS;
		int fd;

		if (!t_params[i].saved)
			continue;
		strcat(path, t_params[i].name);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, t_params[i].value,
				  strlen(t_params[i].value)) < 0) {
				/* nothing more to do */
			}
			close(fd);
		}
		t_params[i].saved = 0;
	}
}

/* Detach what is left and restore parameters: only open/ioctl/write/close. */
T_API void t_cleanup(void)
{
	int i;

	if (getpid() != t_main_pid)
		return;
	for (i = 0; i < t_nids; i++) {
		char path[32] = "/dev/aobj";
		char num[16];
		int n = t_ids[i], k = 0, j, fd;
		struct aobj_detach d = { .size = sizeof(d) };

		if (n < 0)
			continue;
		do {
			num[k++] = '0' + n % 10;
			n /= 10;
		} while (n);
		for (j = 0; j < k; j++)
			path[9 + j] = num[k - 1 - j];
		path[9 + k] = 0;
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			ioctl(fd, AOBJ_IOC_DETACH, &d);
			close(fd);
		}
		t_ids[i] = -1;
	}
	t_restore_params();
}

T_API void t_fatal_signal(int sig)
{
	static const char msg[] = "Bail out! fatal signal or timeout; cleaning up\n";

	if (write(1, msg, sizeof(msg) - 1) < 0) {
		/* ignore */
	}
	t_cleanup();
	signal(sig, SIG_DFL);
	if (sig == SIGALRM)
		_exit(T_EXIT_FAIL);
	raise(sig);
	_exit(T_EXIT_FAIL);
}

/*
 * t_init: call first.  Skips (77) if aobj is not loaded (no /dev/aobj and
 * no /sys/module/aobj), fails if it is loaded but /dev/aobj is missing;
 * with @need_root, skips unless running as root.  @timeout: seconds before giving up.
 */
T_API void t_init(const char *name, bool need_root, unsigned int timeout)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL,
				    SIGALRM, SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa;
	size_t i;

	t_name = name;
	setvbuf(stdout, NULL, _IOLBF, 0);
	t_pagesize = sysconf(_SC_PAGESIZE);
	t_main_pid = getpid();
	/* Without the module, skip; with it, a missing node is a failure. */
	if (access(T_CTL, F_OK)) {
		if (!access(T_MODULE, F_OK))
			t_bail("%s is missing although aobj is loaded (%s)",
			       T_CTL, T_MODULE);
		t_skip("%s is missing (module not loaded)", T_CTL);
	}
	if (need_root && geteuid())
		t_skip("needs root");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = t_fatal_signal;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	atexit(t_cleanup);
	alarm(timeout);
	printf("# %s\n", name);
}

T_API void t_track(unsigned int id)
{
	if (t_nids < T_MAX_IDS)
		t_ids[t_nids++] = (int)id;
}

T_API void t_untrack(unsigned int id)
{
	int i;

	for (i = 0; i < t_nids; i++)
		if (t_ids[i] == (int)id)
			t_ids[i] = -1;
}

/* ---- the ioctls ---- */

T_API int t_ctl_fd(void)
{
	static int fd = -1;

	if (fd < 0) {
		fd = open(T_CTL, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			t_bail("open %s: %s", T_CTL, strerror(errno));
	}
	return fd;
}

/* Raw create: returns 0 with *id set, or -errno.  Not tracked. */
T_API int t_create_raw(uint64_t length, uint32_t flags, uint32_t mode,
			unsigned int *id)
{
	struct aobj_create c = {
		.size = sizeof(c), .flags = flags, .length = length,
		.mode = mode,
	};

	*id = 0;
	if (ioctl(t_ctl_fd(), AOBJ_IOC_CREATE, &c))
		return -errno;
	*id = c.id;
	return 0;
}

/* Create (tracked for cleanup) or bail. */
T_API unsigned int t_create(uint64_t length, uint32_t flags, uint32_t mode)
{
	unsigned int id = 0;
	int err = t_create_raw(length, flags, mode, &id);

	if (err)
		t_bail("create of %" PRIu64 " bytes: %s", length,
		       strerror(-err));
	t_track(id);
	return id;
}

/* Open /dev/aobj<id>: fd or -1 with errno. */
T_API int t_open(unsigned int id, int flags)
{
	char path[32];

	t_node_path(path, sizeof(path), id);
	return open(path, flags | O_CLOEXEC);
}

T_API int t_open_or_bail(unsigned int id, int flags)
{
	int fd = t_open(id, flags);

	if (fd < 0)
		t_bail("open /dev/aobj%u: %s", id, strerror(errno));
	return fd;
}

/* 0 or -1 with errno. */
T_API int t_stat(int fd, struct aobj_info *info)
{
	struct aobj_stat s = { .size = sizeof(s) };

	if (ioctl(fd, AOBJ_IOC_STAT, &s))
		return -1;
	*info = s.info;
	return 0;
}

/*
 * T_STAT(fd, info): STAT that counts as a failed check when it fails, so
 * that "if (T_STAT(fd, &info)) T_EQ(info.x, ...)" never drops the checks
 * silently.  True if STAT worked.
 */
#define T_STAT(fd, info)	t_stat_check(fd, info, __LINE__)

T_API bool t_stat_check(int fd, struct aobj_info *info, int line)
{
	int err;

	if (!t_stat(fd, info))
		return true;
	err = errno;
	t_check(false, "STAT at %s line %d", t_name, line);
	t_diag("expected success, got %s", errno_name(err));
	return false;
}

T_API int t_flush(int fd, uint32_t flags, uint64_t offset, uint64_t length)
{
	struct aobj_flush f = {
		.size = sizeof(f), .flags = flags, .offset = offset,
		.length = length,
	};

	return ioctl(fd, AOBJ_IOC_FLUSH, &f);
}

T_API int t_detach_fd(int fd)
{
	struct aobj_detach d = { .size = sizeof(d) };

	return ioctl(fd, AOBJ_IOC_DETACH, &d);
}

/* Detach by id (opens the node); 0 or -errno. */
T_API int t_detach(unsigned int id)
{
	int fd = t_open(id, O_RDWR), err = 0;

	if (fd < 0)
		return -errno;
	if (t_detach_fd(fd))
		err = -errno;
	close(fd);
	if (!err)
		t_untrack(id);
	return err;
}

/* mmap the whole object (or @len bytes) shared; MAP_FAILED on error. */
T_API void *t_map(int fd, size_t len, int prot)
{
	return mmap(NULL, len, prot, MAP_SHARED, fd, 0);
}

/* ---- sysfs ---- */

/* Read a number from a sysfs file: 0, or -errno. */
T_API int t_read_num(const char *path, long long *val)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = 0;
	*val = strtoll(buf, NULL, 0);
	return 0;
}

/* A global counter from /sys/class/misc/aobj/stats/, or bail. */
T_API long long t_gstat(const char *name)
{
	char path[128];
	long long v = 0;
	int err;

	snprintf(path, sizeof(path), T_STATS "%s", name);
	err = t_read_num(path, &v);
	if (err)
		t_bail("read %s: %s", path, strerror(-err));
	return v;
}

/* A per-object attribute from /sys/class/aobj/aobj<id>/: 0 or -errno. */
T_API int t_ostat(unsigned int id, const char *name, long long *v)
{
	char path[128];

	snprintf(path, sizeof(path), T_CLASS "aobj%u/%s", id, name);
	return t_read_num(path, v);
}

T_API int t_param_get(const char *name, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), T_PARAMS "%s", name);
	return read_str(path, buf, len);
}

/* Set a module parameter; its old value is restored at exit.  0 or -errno. */
T_API int t_param_set(const char *name, const char *value)
{
	char path[128];
	int fd, i, slot = -1;
	ssize_t n;

	for (i = 0; i < T_MAX_PARAMS; i++)
		if (t_params[i].saved && !strcmp(t_params[i].name, name))
			slot = i;
	if (slot < 0) {
		for (i = 0; i < T_MAX_PARAMS && slot < 0; i++)
			if (!t_params[i].saved)
				slot = i;
		if (slot < 0)
			return -ENOSPC;
		snprintf(t_params[slot].name, sizeof(t_params[slot].name),
			 "%s", name);
		if (t_param_get(name, t_params[slot].value,
				sizeof(t_params[slot].value)))
			return -errno;
		t_params[slot].saved = 1;
	}
	snprintf(path, sizeof(path), T_PARAMS "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	i = n < 0 ? -errno : 0;
	close(fd);
	return i;
}

/* ---- processes ---- */

/* fork; in the child, checks are reported as "[child]" lines. */
T_API pid_t t_fork(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		t_bail("fork: %s", strerror(errno));
	if (!pid) {
		t_in_child = true;
		t_failed = 0;
		alarm(60);	/* not inherited: don't hang if the parent dies */
	}
	return pid;
}

/* End a child started with t_fork(): status 0 if all its checks passed. */
__attribute__((noreturn))
T_API void t_child_exit(void)
{
	fflush(stdout);
	_exit(t_failed ? T_EXIT_FAIL : T_EXIT_PASS);
}

/* Wait for a child and check that it exited 0. */
T_API bool t_wait(pid_t pid, const char *what)
{
	int status;
	pid_t r;

	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return t_check(false, "%s: waitpid: %s", what, strerror(errno));
	if (WIFSIGNALED(status)) {
		t_check(false, "%s", what);
		t_diag("child killed by signal %d (%s)", WTERMSIG(status),
		       strsignal(WTERMSIG(status)));
		return false;
	}
	if (!t_check(WEXITSTATUS(status) == 0, "%s", what)) {
		t_diag("child exited with status %d", WEXITSTATUS(status));
		return false;
	}
	return true;
}

/* A process-shared barrier for @n parties, in shared anonymous memory. */
T_API pthread_barrier_t *t_barrier_new(unsigned int n)
{
	pthread_barrierattr_t attr;
	pthread_barrier_t *b;

	b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	pthread_barrierattr_init(&attr);
	pthread_barrierattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	if (pthread_barrier_init(b, &attr, n))
		t_bail("pthread_barrier_init failed");
	pthread_barrierattr_destroy(&attr);
	return b;
}

/* ---- data ---- */

/* A 64-bit hash of (page, word): the pattern the tests write. */
static inline uint64_t t_pattern(uint64_t page, uint64_t word, uint64_t seed)
{
	uint64_t z = (page << 32 ^ word) + seed * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

T_API void t_fill(void *p, size_t len, uint64_t seed)
{
	uint64_t *w = p;
	size_t words_per_page = t_pagesize / 8, i;

	for (i = 0; i < len / 8; i++)
		w[i] = t_pattern(i / words_per_page, i % words_per_page, seed);
}

/* Number of words in [p, p+len) that differ from the pattern; first in *bad. */
T_API size_t t_verify(const void *p, size_t len, uint64_t seed, size_t base,
		       ssize_t *first_bad)
{
	const uint64_t *w = p;
	size_t words_per_page = t_pagesize / 8, i, bad = 0;

	*first_bad = -1;
	for (i = 0; i < len / 8; i++) {
		size_t j = base / 8 + i;

		if (w[i] != t_pattern(j / words_per_page, j % words_per_page,
				      seed)) {
			if (!bad)
				*first_bad = (ssize_t)(i * 8);
			bad++;
		}
	}
	return bad;
}

/* Offset of the first non-zero byte, or -1. */
T_API ssize_t t_first_nonzero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i])
			return (ssize_t)i;
	return -1;
}

T_API bool t_exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

#endif /* AOBJTEST_H */
