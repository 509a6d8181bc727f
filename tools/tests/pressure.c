// SPDX-License-Identifier: GPL-2.0
/*
 * pressure: pageout driven by memory pressure alone.  No resident limit
 * (max_resident_mb=0): an object larger than the memory available is
 * written through its mapping, so only the kernel's reclaim (aobj's
 * shrinker, from kswapd and from the writer's own allocations) can page it
 * out.  The data must read back intact, nothing may be OOM-killed, and the
 * kernel log must stay clean: on the debug kernel, lockdep checks the
 * object lock against reclaim (fs_reclaim) on both sides, reclaim paging
 * out and faults allocating under the object lock.
 *
 * The test runs in a cgroup of its own without limits, as a task of a
 * systemd machine would, so that its object is charged there: the
 * kernel's global reclaim then calls aobj's shrinker for that cgroup, as
 * for every cgroup, and that must not be taken for the cgroup's own
 * reclaim at its limit (whose pageout ages pages longer: this test hung
 * with it).
 *
 * Needs one free disk in $AOBJ_DISKS (the test VM).  Exit 0/1/77.
 */
#include "swaptest.h"

#define CG	SW_CG_ROOT "/aobj-pressure"

/*
 * At exit: the object detached and the devices off first (sw_cleanup()
 * does it once), then out of the cgroup and the cgroup removed.  Charges
 * still held by an object's release go to the parent with it.
 */
static void cg_leave(void)
{
	char pid[32];

	if (getpid() != t_main_pid)
		return;
	sw_cleanup();
	snprintf(pid, sizeof(pid), "%d", getpid());
	sw_cg_write(SW_CG_ROOT, "cgroup.procs", pid);
	rmdir(CG);
}

/* Into a new cgroup without limits, if cgroup2 has the memory controller. */
static void cg_join(void)
{
	const char *why = sw_cg_setup();
	char pid[32];
	int err;

	if (why) {
		t_diag("in the root cgroup: %s", why);
		return;
	}
	rmdir(CG);	/* left by a run that was killed */
	if (mkdir(CG, 0755) && errno != EEXIST)
		t_bail("mkdir %s: %s", CG, strerror(errno));
	snprintf(pid, sizeof(pid), "%d", getpid());
	err = sw_cg_write(CG, "cgroup.procs", pid);
	if (err)
		t_bail("join %s: %s", CG, strerror(-err));
	atexit(cg_leave);
	t_diag("in cgroup %s, no limits", CG);
}

/* Bytes beyond MemAvailable that must go to swap. */
#define OVER_MB		64

static long long meminfo_mb(const char *key)
{
	char line[128];
	long long kb = -1;
	size_t len = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		t_bail("open /proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			kb = strtoll(line + len + 1, NULL, 10);
	fclose(f);
	if (kb < 0)
		t_bail("no %s in /proc/meminfo", key);
	return kb >> 10;
}

int main(void)
{
	long long avail, disk_mb, po0, oom0, v;
	char disks[4][64];
	size_t size, npages, i;
	unsigned int id;
	char *map;
	int fd, n;

	sw_init("pressure", 290);
	if (t_pagesize != 4096)
		t_skip("page size %ld", t_pagesize);
	n = sw_disks(disks, 4, 1);
	if (sw_limit_mb())
		sw_set_limit_mb(0);
	disk_mb = getenv("AOBJ_DISK_MB") ? atoll(getenv("AOBJ_DISK_MB")) : 256;
	n = n > 2 ? 2 : n;
	sw_swapon_or_bail(disks[0], 0);
	if (n == 2)
		sw_swapon_or_bail(disks[1], 0);

	avail = meminfo_mb("MemAvailable");
	size = (size_t)(avail + OVER_MB) << 20;
	if ((long long)(size >> 20) > n * disk_mb - 16)
		t_skip("%lld MiB of swap on %d disk(s) cannot hold %zu MiB",
		       n * disk_mb, n, size >> 20);
	npages = size / 4096;
	t_diag("MemTotal %lld MiB, MemAvailable %lld MiB: object of %zu MiB, no resident limit",
	       meminfo_mb("MemTotal"), avail, size >> 20);

	cg_join();
	id = t_create(size, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	map = t_map(fd, size, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	po0 = t_gstat("pageouts");
	oom0 = sw_vmstat("oom_kill");

	sw_mark("writing");
	for (i = 0; i < npages; i++)
		sw_fill_page(map + i * 4096, i, 5);
	sw_mark("written");
	v = t_gstat("pageouts") - po0;
	if (!t_check(v >= (OVER_MB / 2) << 8,
		     "memory pressure alone paged out at least %d MiB", OVER_MB / 2))
		t_diag("got %lld pages", v);
	if (!t_check(t_gstat("swpgonly") > 0, "pages live only in swap"))
		t_diag("swpgonly %lld", t_gstat("swpgonly"));

	sw_verify_pages(map, npages, NULL, 5, "read back under pressure");
	sw_mark("verified");
	T_EQ(sw_vmstat("oom_kill") - oom0, 0, "no OOM kill");
	munmap(map, size);
	close(fd);
	return sw_done();
}
