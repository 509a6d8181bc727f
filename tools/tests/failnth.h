/* SPDX-License-Identifier: GPL-2.0 */
/*
 * failnth.h: systematic allocation-failure injection for the failnth and
 * failnth_init tests, on top of swaptest.h.
 *
 * /proc/thread-self/fail-nth makes the n-th fault-injection point of the
 * thread fail: every slab and page allocation, with failslab and
 * fail_page_alloc set up as syzkaller sets them (ignore-gfp-wait=N,
 * ignore-gfp-highmem=N, min-order=0; fn_setup() sets them, exit restores
 * them).  verbose=0 keeps "FAULT_INJECTION: forcing a failure" and its
 * stack dump off the console; FAILNTH_VERBOSE=1 or 2 sets verbose and
 * writes "failnth: N" to the kernel log before each round, for debugging.
 *
 * A case fails the 1st, the 2nd, ... point of one operation (fn_arm(),
 * the operation, fn_disarm(), nothing else in between) until the
 * operation runs without reaching the armed failure (fn_step() says when).
 * An injected failure must give one of the expected errnos (ENOMEM), or
 * SIGBUS for a fault, or be absorbed (the call succeeds).  About half the
 * points are absorbed by design: each slab allocation is followed by one
 * for its kmemleak object, which falls back to kmemleak's pool.
 *
 * Allocation-failure warnings (warn_alloc(): "page allocation failure",
 * "vmalloc error", each with a stack dump) of injected allocations made
 * without __GFP_NOWARN are expected; fn_kmsg_check() counts them and fails
 * the test on any other kernel report.
 */
#ifndef FAILNTH_H
#define FAILNTH_H

#include "swaptest.h"

#define FN_MAX_NTH	200	/* injections tried per operation */
#define FN_DBGFS	"/sys/kernel/debug/"
#define FN_NTH		"/proc/thread-self/fail-nth"
#define FN_SIGBUS	1000	/* "errno" of a fault that raised SIGBUS */

/* ---- fault-injection knobs ---- */

static const char *const fn_knob_names[] = {
	"failslab/ignore-gfp-wait",
	"failslab/verbose",
	"fail_page_alloc/ignore-gfp-wait",
	"fail_page_alloc/ignore-gfp-highmem",
	"fail_page_alloc/min-order",
	"fail_page_alloc/verbose",
};
static const char *const fn_knob_values[] = { "N", "0", "N", "N", "0", "0" };
#define FN_NKNOBS	(sizeof(fn_knob_names) / sizeof(fn_knob_names[0]))
T_API char fn_knob_saved[FN_NKNOBS][32];

T_API int fn_nth_fd = -1;
T_API int fn_verbose, fn_kmsg_w = -1;

/* FAILNTH_ONLY="key ...": run only those cases (for debugging). */
T_API bool fn_want(const char *key)
{
	const char *only = getenv("FAILNTH_ONLY");
	char list[512], word[64];

	if (!only || !*only)
		return true;
	snprintf(list, sizeof(list), " %s ", only);
	snprintf(word, sizeof(word), " %s ", key);
	return strstr(list, word);
}

T_API void fn_knobs_set(void)
{
	char path[128];
	size_t i;
	int err;

	for (i = 0; i < FN_NKNOBS; i++) {
		snprintf(path, sizeof(path), FN_DBGFS "%s", fn_knob_names[i]);
		if (read_str(path, fn_knob_saved[i], sizeof(fn_knob_saved[i])))
			t_skip("%s: %s", path, strerror(errno));
		err = write_str(path, strstr(fn_knob_names[i], "verbose") &&
				    fn_verbose ? getenv("FAILNTH_VERBOSE") :
				    fn_knob_values[i]);
		if (err)
			t_bail("write %s to %s: %s", fn_knob_values[i], path,
			       strerror(-err));
	}
}

T_API void fn_knobs_restore(void)
{
	char path[128];
	size_t i;

	for (i = 0; i < FN_NKNOBS; i++) {
		if (!fn_knob_saved[i][0])
			continue;
		snprintf(path, sizeof(path), FN_DBGFS "%s", fn_knob_names[i]);
		write_str(path, fn_knob_saved[i]);
		fn_knob_saved[i][0] = 0;
	}
}

/* ---- fail-nth ---- */

/* Make the @n-th fault-injection point of this thread fail. */
T_API void fn_arm(unsigned int n)
{
	char buf[16];
	int len;

	/* FAILNTH_VERBOSE: mark each round in the kernel log. */
	if (fn_verbose) {
		len = snprintf(buf, sizeof(buf), "failnth: %u\n", n);
		if (fn_kmsg_w >= 0 && write(fn_kmsg_w, buf, len) < 0) {
			/* only a marker */
		}
	}
	len = snprintf(buf, sizeof(buf), "%u", n);
	if (pwrite(fn_nth_fd, buf, len, 0) != len)
		t_bail("write %s: %s", FN_NTH, strerror(errno));
}

/* Stop injecting; the injection points still to go (0: it was injected). */
T_API unsigned int fn_disarm_left(void)
{
	char buf[16] = "";
	ssize_t n = pread(fn_nth_fd, buf, sizeof(buf) - 1, 0);
	unsigned int left;

	if (n <= 0)
		t_bail("read %s: %s", FN_NTH, strerror(errno));
	buf[n] = 0;
	left = strtoul(buf, NULL, 10);
	if (left && pwrite(fn_nth_fd, "0", 1, 0) != 1)
		t_bail("write %s: %s", FN_NTH, strerror(errno));
	return left;
}

/* Stop injecting; true if the armed failure was injected. */
T_API bool fn_disarm(void)
{
	return !fn_disarm_left();
}

/* ---- cleanup ---- */

/* Called first at exit and on a fatal signal (failnth_init reloads aobj). */
T_API void (*fn_cleanup_hook)(void);

T_API void fn_cleanup(void)
{
	if (getpid() != t_main_pid)
		return;
	if (fn_nth_fd >= 0 && pwrite(fn_nth_fd, "0", 1, 0) != 1) {
		/* nothing more to do */
	}
	if (fn_cleanup_hook)
		fn_cleanup_hook();
	fn_knobs_restore();
}

T_API void fn_fatal_signal(int sig)
{
	fn_cleanup();
	sw_fatal_signal(sig);
}

T_API void fn_sigbus(int sig)
{
	if (sw_jmp_armed) {
		sw_jmp_armed = 0;
		siglongjmp(sw_jmp, 1);
	}
	fn_fatal_signal(sig);
}

/* ---- results ---- */

/**
 * struct fn_case - the tally of one operation
 * @points: injection points reached (the armed failure was injected)
 * @failed: ... of which made the call fail with an expected errno
 * @absorbed: ... of which the call survived
 * @sigbus: failures that were a SIGBUS
 * @bad: unexpected results or broken state
 * @done: the call ran without reaching the armed failure
 */
struct fn_case {
	const char *name;
	int points, failed, absorbed, sigbus, bad;
	bool done;
};

#define FN_MAX_CASES	24
T_API struct fn_case fn_cases[FN_MAX_CASES];
T_API int fn_ncases;

T_API struct fn_case *fn_case_new(const char *name)
{
	struct fn_case *c = &fn_cases[fn_ncases < FN_MAX_CASES - 1 ? fn_ncases++ :
				      FN_MAX_CASES - 1];

	memset(c, 0, sizeof(*c));
	c->name = name;
	sw_mark(name);
	return c;
}

__attribute__((format(printf, 3, 4)))
T_API void fn_bad(struct fn_case *c, int n, const char *fmt, ...)
{
	va_list ap;

	if (c->bad++ >= 8)
		return;
	printf("#   %s, failing injection %d: ", c->name, n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

T_API const char *fn_errname(int err)
{
	return err == FN_SIGBUS ? "SIGBUS" : errno_name(err);
}

/*
 * fn_step: account for one armed call that returned @err (0, a positive
 * errno or FN_SIGBUS); @ok lists the errnos expected from an injected
 * failure (0-terminated).  Returns false once the call ran without the
 * injection: the loop is over.
 */
T_API bool fn_step(struct fn_case *c, int n, bool injected, int err,
		    const int *ok)
{
	if (!injected) {
		c->done = true;
		if (err)
			fn_bad(c, n, "failed with %s with nothing injected",
			       fn_errname(err));
		return false;
	}
	c->points++;
	if (!err) {
		c->absorbed++;
		return true;
	}
	for (; *ok; ok++)
		if (*ok == err)
			break;
	if (*ok) {
		c->failed++;
		c->sigbus += err == FN_SIGBUS;
	} else {
		fn_bad(c, n, "failed with %s", fn_errname(err));
	}
	return true;
}

T_API void fn_report(struct fn_case *c, int max)
{
	if (!t_check(c->done && !c->bad,
		     "%s: %d injection points, %d failed cleanly, %d absorbed",
		     c->name, c->points, c->failed, c->absorbed)) {
		if (!c->done)
			t_diag("still reaching injected failures after %d", max);
		if (c->bad)
			t_diag("%d unexpected result(s) or broken state", c->bad);
	}
	if (c->sigbus)
		t_diag("%d of the failures were SIGBUS", c->sigbus);
}

T_API const int fn_enomem[] = { ENOMEM, 0 };
T_API const int fn_fault_errs[] = { ENOMEM, FN_SIGBUS, 0 };

/* ---- the kernel log ---- */

/*
 * No kernel report since sw_kmsg_start(), but for the stack dumps of
 * warn_alloc() ("page allocation failure", "vmalloc error"): an injected
 * failure of an allocation made without __GFP_NOWARN prints one, which is
 * expected here; they are counted and shown.
 */
T_API void fn_kmsg_check(void)
{
	static const char *const bad[] = {
		"BUG:", "WARNING:", "KASAN", "possible circular locking",
		"inconsistent lock state", "Oops", "Call Trace",
		"blocked for more than", "UBSAN", "possible recursive locking",
		"suspicious RCU usage", "unreferenced object", "kmemleak",
		"Bad page state", "list_add corruption", "list_del corruption",
	};
	char rec[2048];
	int reports = 0, warn_allocs = 0, since_warn = 100;
	ssize_t n;
	size_t i;

	if (sw_kmsg_fd < 0)
		return;
	for (;;) {
		char *msg;

		n = read(sw_kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		since_warn++;
		if (strstr(msg, "page allocation failure: order:") ||
		    strstr(msg, "vmalloc error: size")) {
			if (warn_allocs++ < 5)
				t_diag("kernel (expected, injected): %.200s", msg);
			since_warn = 0;
			continue;
		}
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			if (!strstr(msg, bad[i]))
				continue;
			if (!strcmp(bad[i], "Call Trace") && since_warn <= 6)
				break;	/* warn_alloc()'s stack dump */
			if (reports++ < 10)
				t_diag("kernel: %.300s", msg);
			break;
		}
	}
	close(sw_kmsg_fd);
	sw_kmsg_fd = -1;
	if (!t_check(!reports, "no kernel report (BUG, WARNING, KASAN, lockdep, stack dump) in the log"))
		t_diag("%d report line(s)", reports);
	t_diag("%d allocation-failure warning(s) of injected allocations",
	       warn_allocs);
}

/*
 * fn_setup: sw_init(), skip (77) without fail-nth (kernels without
 * CONFIG_FAULT_INJECTION, such as the stock one), signal handlers,
 * failslab and fail_page_alloc set up.
 */
T_API void fn_setup(const char *name, unsigned int timeout)
{
	static const int sigs[] = { SIGSEGV, SIGABRT, SIGFPE, SIGILL,
				    SIGALRM, SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa;
	size_t i;

	sw_init(name, timeout);
	if (access(FN_NTH, F_OK))
		t_skip("no %s (kernel without CONFIG_FAULT_INJECTION)", FN_NTH);
	if (access(FN_DBGFS "failslab", F_OK) ||
	    access(FN_DBGFS "fail_page_alloc", F_OK))
		t_skip("no failslab/fail_page_alloc in %s", FN_DBGFS);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn_fatal_signal;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	sa.sa_handler = fn_sigbus;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	atexit(fn_cleanup);	/* runs before sw_cleanup */

	fn_verbose = getenv("FAILNTH_VERBOSE") && *getenv("FAILNTH_VERBOSE");
	if (fn_verbose)
		fn_kmsg_w = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	fn_nth_fd = open(FN_NTH, O_RDWR | O_CLOEXEC);
	if (fn_nth_fd < 0)
		t_bail("open %s: %s", FN_NTH, strerror(errno));
	fn_knobs_set();
}

/* The per-case table that ends a test's output. */
T_API void fn_summary(void)
{
	int i;

	printf("# %-36s %6s %6s %8s %4s\n", "injection summary", "points",
	       "failed", "absorbed", "bad");
	for (i = 0; i < fn_ncases; i++)
		printf("# %-36s %6d %6d %8d %4d\n", fn_cases[i].name,
		       fn_cases[i].points, fn_cases[i].failed,
		       fn_cases[i].absorbed, fn_cases[i].bad);
}

#endif /* FAILNTH_H */
