// SPDX-License-Identifier: GPL-2.0
/*
 * failnth_init: allocation-failure injection (fail-nth, see failnth.h)
 * into module init.  aobj is unloaded, then loaded with finit_module() with
 * one allocation of the loading thread failing, and again for the next
 * one, until the whole of aobj_module_init() and what follows it has been
 * covered; then aobj is loaded for good.  Each failed load must fail with
 * ENOMEM and leave nothing behind (/sys/module/aobj, /dev/aobj,
 * /sys/class/aobj, /sys/class/misc/aobj), and the next load must work; at
 * the end of the run (make check) kmemleak must find nothing.
 *
 * Loading aobj reaches about 700 injection points, most of them in the
 * module loader, and a load takes about a second under TCG.  So the points
 * are failed from the last one backwards, and the run stops once it is
 * back in the loader, before aobj_module_init() was called: the
 * initcall_finish trace event says whether it was, and what it returned
 * (tracefs, mounted if need be).  Without tracing, the last FI_WINDOW
 * points are failed.  About 180 points are in or after aobj_module_init(),
 * and each is failed (about a minute; about half the points only fail a
 * kmemleak object, which kmemleak's pool absorbs).  The count of points
 * varies by a few from load to load, so a run that failed every other one
 * could miss a point in one run and hit it in the next.
 * FAILNTH_INIT_ALL=1 also fails the loader's points (a run of
 * 10 minutes or more, which also hits a WARN of the kernel's trace-event
 * code for the module's tracepoints, event_define_fields()).
 *
 * Needs the debug kernel, root and aobj as a module with no object and no
 * swap device; skips (77) without fail-nth (the stock kernel).
 */
#include "failnth.h"

#include <sys/mount.h>
#include <sys/utsname.h>

#define FI_TRACE	"/sys/kernel/tracing/"
#define FI_EVENT	FI_TRACE "events/initcall/initcall_finish/enable"
#define FI_WINDOW	120	/* points tried without tracing */
#define FI_PRE_INIT	3	/* points before the init call, to be sure */
#define FI_STRIDE	1	/* fail every point */

static int fi_ko_fd = -1;
static volatile int fi_unloaded;
static bool fi_tracing, fi_mounted;

static int fi_rmmod(void)
{
	return syscall(SYS_delete_module, "aobj", O_NONBLOCK) ? errno : 0;
}

static int fi_insmod(void)
{
	return syscall(SYS_finit_module, fi_ko_fd, "", 0) ? errno : 0;
}

static bool fi_live(void)
{
	char buf[32];

	return !read_str("/sys/module/aobj/initstate", buf, sizeof(buf)) &&
	       !strcmp(buf, "live");
}

/* At exit: aobj loaded again, tracing as it was. */
static void fi_cleanup(void)
{
	if (fi_unloaded && !fi_live() && fi_ko_fd >= 0 && !fi_insmod())
		fi_unloaded = 0;
	if (fi_tracing) {
		write_str(FI_EVENT, "0");
		fi_tracing = false;
	}
	if (fi_mounted) {
		umount("/sys/kernel/tracing");
		fi_mounted = false;
	}
}

/* The initcall_finish event on, tracefs mounted if need be. */
static bool fi_trace_setup(void)
{
	if (access(FI_EVENT, F_OK) &&
	    !mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL))
		fi_mounted = true;
	fi_tracing = !access(FI_EVENT, W_OK) && !write_str(FI_EVENT, "1");
	return fi_tracing;
}

static void fi_trace_clear(void)
{
	int fd = open(FI_TRACE "trace", O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
}

/*
 * fi_init_ret: was an init function called since fi_trace_clear() (while
 * aobj loads, only aobj_module_init() is), and what did it return?  The
 * event's function name cannot be resolved once a failed module is gone,
 * so any initcall_finish counts.
 */
static bool fi_init_ret(int *ret)
{
	static char buf[65536];
	int fd = open(FI_TRACE "trace", O_RDONLY | O_CLOEXEC);
	ssize_t n, len = 0;
	char *p;

	if (fd < 0)
		return false;
	while (len < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;
	p = strstr(buf, "initcall_finish:");
	if (!p)
		return false;
	p = strstr(p, "ret=");
	*ret = p ? atoi(p + 4) : 0;
	return true;
}

/* Nothing of a module that failed to load may be left. */
static void fi_gone(struct fn_case *c, int n)
{
	static const char *const left[] = {
		"/sys/module/aobj", "/dev/aobj", "/sys/class/aobj",
		"/sys/class/misc/aobj",
	};
	size_t i;

	for (i = 0; i < sizeof(left) / sizeof(left[0]); i++)
		if (t_exists(left[i]))
			fn_bad(c, n, "%s is left after a failed load", left[i]);
}

/* Swap devices in service, asked on a control node opened for this only. */
static int fi_nswaps(void)
{
	struct aobj_swaps sw = { .size = sizeof(sw) };
	int fd = open(T_CTL, O_RDWR | O_CLOEXEC), ret = -1;

	if (fd >= 0 && !ioctl(fd, AOBJ_IOC_SWAPS, &sw))
		ret = (int)sw.count;
	if (fd >= 0)
		close(fd);
	return ret;
}

int main(void)
{
	const char *all = getenv("FAILNTH_INIT_ALL");
	int n, err, ret = 0, total, last, pre = 0, in_init = 0, init_failed = 0;
	int rounds = 0;
	struct fn_case *c;
	char path[256];
	struct utsname u;
	bool inj, called;

	fn_setup("failnth_init", 280);
	fn_cleanup_hook = fi_cleanup;
	uname(&u);
	snprintf(path, sizeof(path), "/lib/modules/%s/extra/aobj.ko", u.release);
	if (access("/sys/module/aobj/refcnt", F_OK) || access(path, R_OK))
		t_skip("aobj is not a module loaded from %s", path);
	if (t_gstat("objects") || fi_nswaps())
		t_skip("objects or swap devices exist");
	fi_ko_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fi_ko_fd < 0)
		t_bail("open %s: %s", path, strerror(errno));
	err = fi_rmmod();
	if (err)
		t_skip("rmmod aobj: %s", errno_name(err));
	fi_unloaded = 1;
	if (!fi_trace_setup())
		t_diag("no initcall_finish trace event: failing the last %d points",
		       FI_WINDOW);

	/* Count the points of a whole load: armed with one it never reaches. */
	fn_arm(1000000);
	err = fi_insmod();
	total = 1000000 - (int)fn_disarm_left();
	if (err || fi_rmmod())
		t_bail("insmod and rmmod of %s: %s", path, errno_name(err));
	t_diag("finit_module() of aobj.ko: %d injection points", total);

	c = fn_case_new("module init (finit_module)");
	/* A load may reach a few points more or less than the one counted. */
	last = total + 5;
	for (n = last; n >= 1; n -= FI_STRIDE) {
		if (!all && !fi_tracing && last - n >= FI_WINDOW) {
			c->done = true;
			break;
		}
		if (++rounds % 20 == 0) {
			char what[64];

			snprintf(what, sizeof(what), "%d rounds, %d in aobj_module_init()",
				 rounds, in_init);
			sw_mark(what);
		}
		fi_trace_clear();
		fn_arm(n);
		err = fi_insmod();
		inj = fn_disarm();
		called = fi_init_ret(&ret);
		if (!err && fi_rmmod())
			t_bail("rmmod aobj after a load: %s", strerror(errno));
		if (!inj) {
			/* Past the last point of this load. */
			if (err)
				fn_bad(c, n, "load failed with %s, nothing injected",
				       errno_name(err));
			continue;
		}
		fn_step(c, n, true, err, fn_enomem);
		if (err)
			fi_gone(c, n);
		if (!called) {
			if (!all && fi_tracing && in_init && ++pre >= FI_PRE_INIT) {
				c->done = true;
				break;
			}
			continue;
		}
		pre = 0;
		in_init++;
		if (ret) {
			init_failed++;
			if (ret != -ENOMEM || err != ENOMEM)
				fn_bad(c, n, "aobj_module_init() returned %d, the load %s",
				       ret, errno_name(err));
		} else if (err) {
			fn_bad(c, n, "aobj_module_init() succeeded, the load failed with %s",
			       errno_name(err));
		}
		if (c->bad > 8)
			break;
	}
	if (n < 1)
		c->done = true;
	if (!fi_live()) {
		err = fi_insmod();
		if (err)
			t_bail("insmod %s: %s", path, errno_name(err));
	}
	fi_unloaded = 0;
	fn_report(c, last);
	if (fi_tracing) {
		t_diag("%d rounds (every point from the last one), %d of them failed a point during or after aobj_module_init(); it failed cleanly (ENOMEM) at %d",
		       rounds, in_init, init_failed);
		t_check(init_failed > 0, "aobj_module_init() itself failed at some injected failures");
	}
	t_check(t_exists(T_CTL) && !t_gstat("objects"),
		"aobj loaded again, %s there, no object", T_CTL);
	fn_summary();
	fn_cleanup();
	fn_kmsg_check();
	sw_mark("done");
	return t_done();
}
