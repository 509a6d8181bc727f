// SPDX-License-Identifier: GPL-2.0
/*
 * memcg: aobj pages are charged to the memory cgroup of the task that
 * created the object, and that cgroup's limits page them out to aobj's own
 * swap devices.  No Linux swap is on, and there is no resident limit
 * (max_resident_mb=0): only the cgroup can make the pages go.
 *
 *  1. memory.max=48M, with 32 MiB of another cgroup's (older) pages resident
 *     beside it: uid 1000 in the cgroup writes a 128 MiB object and
 *     reads it back.  memory.peak lies between 32 and 50 MiB (the pages
 *     are charged, and the limit holds them), the object has swapped
 *     pages, nobody is OOM-killed, the data is intact.
 *  2. The same with memory.high=48M and no memory.max.
 *  3. memory.reclaim of 32M on a cgroup that holds only aobj pages (its
 *     task has exited) pages out at least 28 MiB.
 *  4. A NOSWAP object of 64 MiB in a 32M cgroup that holds 24 MiB of page
 *     cache gets at least 28 MiB (the cache is reclaimed for it), and
 *     never takes more than the cgroup's limit: the fault past it gets
 *     SIGBUS, and leaves the task
 *     room for 512 KiB of anon memory and a core dump; nobody is
 *     OOM-killed, and an object outside the cgroup (another user's) keeps
 *     faulting pages in the while.
 *  5. The same at memory.high=32M: the writer stops below it, and its
 *     failed faults page out nothing of another object.
 *  6. A hot set under memory.max=32M: uid 1000 writes a 96 MiB object,
 *     then reads it at random, 90% of the reads to its first 16 MiB.
 *     The 32 MiB of the other cgroup's object lie at the tails of
 *     pageout's lists, so the cgroup's pages go by its objects' clock
 *     (aobj_memcg_victim()).  The hot set stays resident: fewer than 1 in
 *     500 reads of it is a major fault (0 of 36021 in a stock run; 34904
 *     when that pageout started from the object's first page each time),
 *     and everything reads back intact.
 *
 * Needs cgroup2 with the memory controller and one free disk in
 * $AOBJ_DISKS (the test VM).  Exit 0/1/77.
 */
#include "swaptest.h"

#include <grp.h>
#include <sys/resource.h>

#define USER		1000
#define CG_ROOT		SW_CG_ROOT
#define MB		(1024ULL * 1024)

static char cg_made[8][128];
static int cg_nmade;

static long long cg_read(const char *cg, const char *file)
{
	char path[256];
	long long v;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	if (t_read_num(path, &v))
		t_bail("read %s: %s", path, strerror(errno));
	return v;
}

/* A "key value" line of a cgroup file such as memory.events. */
static long long cg_key(const char *cg, const char *file, const char *key)
{
	char path[256], name[64];
	long long v, found = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	f = fopen(path, "r");
	if (!f)
		t_bail("open %s: %s", path, strerror(errno));
	while (fscanf(f, "%63s %lld", name, &v) == 2)
		if (!strcmp(name, key))
			found = v;
	fclose(f);
	if (found < 0)
		t_bail("no %s in %s", key, path);
	return found;
}

static void cg_cleanup(void)
{
	while (cg_nmade > 0)
		rmdir(cg_made[--cg_nmade]);
}

/* A fresh cgroup under the root; the memory controller is on there. */
static const char *cg_new(const char *name)
{
	static char paths[8][128];
	char *path = paths[cg_nmade];

	snprintf(path, sizeof(paths[0]), "%s/%s", CG_ROOT, name);
	rmdir(path);
	if (mkdir(path, 0755))
		t_bail("mkdir %s: %s", path, strerror(errno));
	snprintf(cg_made[cg_nmade++], sizeof(cg_made[0]), "%s", path);
	return path;
}

static void cg_setup(void)
{
	const char *why = sw_cg_setup();

	if (why)
		t_skip("%s", why);
}

/* What a child reports to the parent, in shared memory. */
struct report {
	unsigned int id;
	unsigned long long swapped;	/* the object's, after the write */
	unsigned long long bad_pages;	/* pages that did not read back */
	int done;			/* pages written, in MiB */
	int anon_after_bus;		/* KiB of anon memory used after SIGBUS */
	long hot_reads, hot_majflt;	/* test 6: reads of the hot set, faults */
	long cold_majflt;		/* test 6: major faults of the other reads */
};

static struct report *rep;

static void child_join(const char *cg, int uid)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (sw_cg_write(cg, "cgroup.procs", pid))
		t_bail("join %s: %s", cg, strerror(errno));
	if (uid >= 0 && (setgroups(0, NULL) || setgid(uid) || setuid(uid)))
		t_bail("cannot become uid %d: %s", uid, strerror(errno));
}

/* Anon memory the NOSWAP writer uses after its SIGBUS (KiB). */
#define AFTER_BUS_KB	512

/*
 * The NOSWAP writer's fault failed: the cgroup is as full as NOSWAP pages
 * may make it.  Its tasks must still have room for ordinary memory (page
 * tables, anon pages, a core dump), or the cgroup's OOM killer would be
 * what ends them.  Touch AFTER_BUS_KB of anon memory, then take the
 * SIGBUS for real (its default action dumps core: more allocations).
 */
static void after_bus(char *page)
{
	size_t len = AFTER_BUS_KB * 1024;
	char *anon = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (anon != MAP_FAILED) {
		memset(anon, 0x5a, len);
		rep->anon_after_bus = AFTER_BUS_KB;
	}
	signal(SIGBUS, SIG_DFL);
	*(volatile char *)page = 1;
	t_child_exit();
}

/*
 * In a child: create an object of @mb MiB (@flags), write it page by page
 * through a mapping, then read it back if @verify.  Reports in *rep.  A
 * NOSWAP writer's SIGBUS goes to after_bus().
 */
static void child_write(const char *cg, int uid, unsigned int mb,
			uint32_t flags, bool verify, uint64_t seed)
{
	size_t npages = (size_t)mb * MB / 4096, i;
	struct aobj_info info;
	unsigned int id;
	char *map;
	int fd;

	alarm(250);
	child_join(cg, uid);
	if (t_create_raw((uint64_t)mb * MB, flags, 0666, &id))
		t_bail("create %u MiB as uid %d: %s", mb, uid, strerror(errno));
	rep->id = id;
	fd = t_open_or_bail(id, O_RDWR);
	map = t_map(fd, (size_t)mb * MB, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	for (i = 0; i < npages; i++) {
		/* A NOSWAP writer's SIGBUS is the expected end: noswap_test(). */
		if ((flags & AOBJ_CREATE_NOSWAP) && sw_write(map + i * 4096, 0))
			after_bus(map + i * 4096);
		sw_fill_page(map + i * 4096, i, seed);
		if (!(i % 256))
			rep->done = i / 256;
	}
	rep->done = mb;
	if (!t_stat(fd, &info))
		rep->swapped = info.swapped;
	if (verify)
		rep->bad_pages = sw_verify_pages(map, npages, NULL, seed,
						 "the object reads back in the cgroup");
	t_child_exit();
}

/* Tests 1 and 2: write and verify 128 MiB under @file=48M. */
static void limit_test(const char *name, const char *file)
{
	long long peak, oom, oom0 = sw_vmstat("oom_kill");
	const char *cg = cg_new(name);
	pid_t pid;

	if (sw_cg_write(cg, file, "48M"))
		t_bail("%s=48M: %s", file, strerror(errno));
	memset(rep, 0, sizeof(*rep));
	pid = t_fork();
	if (!pid)
		child_write(cg, USER, 128, 0, true, 11);
	t_wait(pid, "uid 1000 wrote and verified 128 MiB");
	t_track(rep->id);
	peak = cg_read(cg, "memory.peak");
	oom = cg_key(cg, "memory.events", "oom_kill");
	if (!t_check(peak >= 32 * (long long)MB && peak <= 50 * (long long)MB,
		     "%s=48M: memory.peak between 32 and 50 MiB", file))
		t_diag("memory.peak %lld KiB", peak >> 10);
	else
		t_diag("memory.peak %lld KiB", peak >> 10);
	if (!t_check(rep->swapped >= 64 * MB / 4096,
		     "%s=48M: at least 64 MiB of the object went to swap", file))
		t_diag("swapped %llu pages", rep->swapped);
	T_EQ(oom, 0, "%s=48M: no OOM kill in the cgroup", file);
	T_EQ(sw_vmstat("oom_kill") - oom0, 0, "%s=48M: no OOM kill anywhere", file);
	t_detach(rep->id);
	t_untrack(rep->id);
}

/* Test 3: memory.reclaim of 32M on a cgroup holding only aobj pages. */
static void reclaim_test(void)
{
	const char *cg = cg_new("aobj-reclaim");
	long long cur0, cur1, po0, po1;
	pid_t pid;
	int err;

	memset(rep, 0, sizeof(*rep));
	pid = t_fork();
	if (!pid)
		child_write(cg, USER, 64, 0, false, 12);
	t_wait(pid, "uid 1000 wrote 64 MiB and exited");
	t_track(rep->id);
	cur0 = cg_read(cg, "memory.current");
	if (!t_check(cur0 >= 60 * (long long)MB,
		     "the exited task's cgroup still holds the object's 64 MiB"))
		t_diag("memory.current %lld KiB", cur0 >> 10);
	po0 = t_gstat("pageouts");
	err = sw_cg_write(cg, "memory.reclaim", "32M");
	po1 = t_gstat("pageouts");
	cur1 = cg_read(cg, "memory.current");
	t_diag("memory.reclaim 32M: %s; pageouts +%lld pages, memory.current %lld -> %lld KiB",
	       err ? strerror(-err) : "ok", po1 - po0, cur0 >> 10, cur1 >> 10);
	if (!t_check(po1 - po0 >= 28 * (long long)MB / 4096,
		     "memory.reclaim 32M paged out at least 28 MiB"))
		t_diag("%lld pages", po1 - po0);
	t_check(cur0 - cur1 >= 28 * (long long)MB,
		"memory.current fell by at least 28 MiB");
	t_detach(rep->id);
	t_untrack(rep->id);
}

#define HOT_OBJ_MB	96
#define HOT_MB		16
#define HOT_READS	40000	/* reads to warm up, then as many measured */

/* A page of test 6: 9 in 10 from the hot set, the others from the rest. */
static size_t hot_pick(size_t hot, size_t npages)
{
	return random() % 10 ? random() % hot : hot + random() % (npages - hot);
}

/* In a child (test 6): write, read at random, count the faults, verify. */
static void child_hotset(const char *cg)
{
	size_t npages = HOT_OBJ_MB * MB / 4096, hot = HOT_MB * MB / 4096, pg;
	volatile uint64_t sum = 0;
	unsigned int id;
	long i, maj, now;
	char *map;
	int fd;

	alarm(200);	/* within the parent's time: case 6 starts at 80 s on debug */
	child_join(cg, USER);
	if (t_create_raw(HOT_OBJ_MB * MB, 0, 0600, &id))
		t_bail("create %u MiB: %s", HOT_OBJ_MB, strerror(errno));
	rep->id = id;
	fd = t_open_or_bail(id, O_RDWR);
	map = t_map(fd, HOT_OBJ_MB * MB, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	for (pg = 0; pg < npages; pg++)
		sw_fill_page(map + pg * 4096, pg, 16);
	srandom(16);
	for (i = 0; i < HOT_READS; i++)
		sum += *(volatile uint64_t *)(map + hot_pick(hot, npages) * 4096);
	maj = sw_majflt();
	for (i = 0; i < HOT_READS; i++) {
		pg = hot_pick(hot, npages);
		sum += *(volatile uint64_t *)(map + pg * 4096);
		now = sw_majflt();
		if (pg < hot) {
			rep->hot_reads++;
			rep->hot_majflt += now - maj;
		} else {
			rep->cold_majflt += now - maj;
		}
		maj = now;
	}
	rep->bad_pages = sw_verify_pages(map, npages, NULL, 16,
					 "the hot-set object reads back");
	t_child_exit();
}

/*
 * Test 6: the cgroup's reclaim keeps a hot set resident.  @old_fd: the
 * other cgroup's object, whose pages must stay at the tails of the lists
 * throughout, or the clock would not be what this tests.
 */
static void hotset_test(int old_fd)
{
	const char *cg = cg_new("aobj-hotset");
	struct aobj_info info;
	pid_t pid;

	if (sw_cg_write(cg, "memory.max", "32M"))
		t_bail("memory.max=32M: %s", strerror(errno));
	memset(rep, 0, sizeof(*rep));
	pid = t_fork();
	if (!pid)
		child_hotset(cg);
	t_wait(pid, "uid 1000 read a 96 MiB object with a 16 MiB hot set");
	t_track(rep->id);
	t_diag("%ld reads of the hot set, %ld of them major faults",
	       rep->hot_reads, rep->hot_majflt);
	t_diag("%ld major faults in the %ld other reads", rep->cold_majflt,
	       HOT_READS - rep->hot_reads);
	memset(&info, 0, sizeof(info));
	if (t_stat(old_fd, &info))
		t_diag("stat of the other cgroup's object: %s", strerror(errno));
	if (!t_check(info.resident >= 28 * MB / 4096,
		     "the other cgroup's object stayed resident, 28 of its 32 MiB at least (its pages held the tails)"))
		t_diag("%llu pages resident", (unsigned long long)info.resident);
	t_check(rep->cold_majflt >= (HOT_READS - rep->hot_reads) / 2,
		"the pages outside the hot set went to swap (most of their reads fault)");
	if (!t_check(rep->hot_majflt * 500 < rep->hot_reads,
		     "the hot set stayed resident: under 1 in 500 of its reads a major fault"))
		t_diag("%ld of %ld", rep->hot_majflt, rep->hot_reads);
	t_detach(rep->id);
	t_untrack(rep->id);
}

/* Page cache the cgroup holds before its NOSWAP writer starts (MiB). */
#define CACHE_MB	24

/*
 * In a child: fill the page cache with CACHE_MB MiB of the extras disk
 * (read-only, the test VM's), charged to @cg, and exit.
 */
static void child_cache(const char *cg)
{
	const char *dev = getenv("AOBJ_EXTRAS_DEV");
	static char buf[1 << 16];
	size_t left = CACHE_MB * MB;
	ssize_t n;
	int fd;

	child_join(cg, -1);
	fd = dev ? open(dev, O_RDONLY) : -1;
	if (fd < 0)
		t_bail("open $AOBJ_EXTRAS_DEV (%s): %s", dev ? dev : "unset",
		       strerror(errno));
	/* Cached by an earlier run, it would stay charged to that cgroup. */
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	while (left && (n = read(fd, buf, sizeof(buf))) > 0)
		left -= (size_t)n < left ? (size_t)n : left;
	close(fd);
	t_child_exit();
}

/* Test 4: NOSWAP in a 32M cgroup, another user's faults go on. */
static void noswap_test(void)
{
	const char *cg = cg_new("aobj-noswap");
	size_t npages = 16 * MB / 4096, i;
	long long oom0 = sw_vmstat("oom_kill");
	unsigned int other;
	long long peak, cache;
	char *map;
	int fd, status;
	pid_t pid;

	if (sw_cg_write(cg, "memory.max", "32M"))
		t_bail("memory.max=32M: %s", strerror(errno));
	/* Page cache first: the kernel must reclaim it for NOSWAP pages. */
	pid = t_fork();
	if (!pid)
		child_cache(cg);
	waitpid(pid, &status, 0);
	cache = cg_read(cg, "memory.current");
	t_diag("page cache read in the cgroup: memory.current %lld KiB", cache >> 10);
	t_check(cache >= (CACHE_MB - 4) * (long long)MB,
		"the cgroup holds the page cache it read");
	/* Another user's object, outside the cgroup. */
	other = t_create(16 * MB, 0, 0600);
	fd = t_open_or_bail(other, O_RDWR);
	map = t_map(fd, 16 * MB, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));

	memset(rep, 0, sizeof(*rep));
	pid = t_fork();
	if (!pid)
		child_write(cg, -1, 64, AOBJ_CREATE_NOSWAP, false, 13);
	/* Fault the other object in while the NOSWAP writer runs. */
	for (i = 0; i < npages; i++)
		sw_fill_page(map + i * 4096, i, 14);
	waitpid(pid, &status, 0);
	if (rep->id)
		t_track(rep->id);
	peak = cg_read(cg, "memory.peak");
	t_diag("NOSWAP writer: %d of 64 MiB written, %s %d; memory.peak %lld KiB",
	       rep->done, WIFSIGNALED(status) ? "killed by signal" : "exit",
	       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
	       peak >> 10);
	t_check(rep->done < 64, "the NOSWAP writer could not write 64 MiB in a 32M cgroup");
	t_check(rep->done >= 28,
		"the page cache made way: the NOSWAP writer wrote at least 28 MiB");
	t_check(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS,
		"its fault past the limit got SIGBUS");
	T_EQ(rep->anon_after_bus, AFTER_BUS_KB,
	     "after the SIGBUS, the cgroup's task still had room for 512 KiB of anon memory");
	T_EQ(cg_key(cg, "memory.events", "oom_kill"), 0,
	     "NOSWAP at memory.max: no OOM kill in the cgroup");
	T_EQ(sw_vmstat("oom_kill") - oom0, 0, "NOSWAP at memory.max: no OOM kill anywhere");
	/* The kernel forces a charge or two for a dying task: 1 MiB slack. */
	t_check(peak <= 33 * (long long)MB,
		"the NOSWAP object never took more than memory.max (32M, +1 MiB)");
	sw_verify_pages(map, npages, NULL, 14, "another user's object faults in and reads back");
	munmap(map, 16 * MB);
	close(fd);
	if (rep->id) {
		t_detach(rep->id);
		t_untrack(rep->id);
	}
}

/*
 * Test 5: at memory.high=32M, a NOSWAP writer's faults past the limit fail
 * without paging out anything: paging out would not lower its cgroup's
 * NOSWAP pages, and others' pages are not its to take.
 */
static void noswap_high_test(void)
{
	const char *cg = cg_new("aobj-noswap-high");
	size_t npages = 16 * MB / 4096, i;
	struct aobj_info info;
	unsigned int other;
	long long po0, po;
	char *map;
	int fd, status;
	pid_t pid;

	if (sw_cg_write(cg, "memory.high", "32M"))
		t_bail("memory.high=32M: %s", strerror(errno));
	other = t_create(16 * MB, 0, 0600);
	fd = t_open_or_bail(other, O_RDWR);
	map = t_map(fd, 16 * MB, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	for (i = 0; i < npages; i++)
		sw_fill_page(map + i * 4096, i, 16);

	memset(rep, 0, sizeof(*rep));
	po0 = T_STAT(fd, &info) ? (long long)info.swapped : -1;
	pid = t_fork();
	if (!pid)
		child_write(cg, -1, 64, AOBJ_CREATE_NOSWAP, false, 17);
	waitpid(pid, &status, 0);
	if (rep->id)
		t_track(rep->id);
	po = T_STAT(fd, &info) ? (long long)info.swapped - po0 : -1;
	t_diag("NOSWAP writer at memory.high: %d of 64 MiB written, %s %d; %lld pages of the other object paged out meanwhile",
	       rep->done, WIFSIGNALED(status) ? "killed by signal" : "exit",
	       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), po);
	t_check(rep->done >= 28 && rep->done < 32,
		"memory.high=32M held the NOSWAP writer to 28-32 MiB");
	t_check(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS,
		"its fault past memory.high got SIGBUS");
	T_EQ(po, 0, "its failed faults paged out nothing of another object");
	sw_verify_pages(map, npages, NULL, 16, "the other object reads back");
	munmap(map, 16 * MB);
	close(fd);
	t_detach(other);
	t_untrack(other);
	if (rep->id) {
		t_detach(rep->id);
		t_untrack(rep->id);
	}
}

int main(void)
{
	char disks[1][64];
	unsigned int old;
	char *map;
	int fd;

	sw_init("memcg", 290);
	if (t_pagesize != 4096)
		t_skip("page size %ld", t_pagesize);
	cg_setup();
	atexit(cg_cleanup);
	sw_disks(disks, 1, 1);
	if (sw_limit_mb())
		sw_set_limit_mb(0);
	sw_swapon_or_bail(disks[0], 0);
	rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rep == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));

	/*
	 * Older pages of another cgroup's object at the tails of pageout's
	 * lists: the limited cgroup must not wait for them to age first.
	 */
	old = t_create(32 * MB, 0, 0600);
	fd = t_open_or_bail(old, O_RDWR);
	map = t_map(fd, 32 * MB, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	memset(map, 0x6b, 32 * MB);
	sw_mark("memory.max, 32 MiB of another cgroup's object resident");
	limit_test("aobj-max", "memory.max");
	sw_mark("memory.high");
	limit_test("aobj-high", "memory.high");
	sw_mark("memory.reclaim");
	reclaim_test();
	sw_mark("NOSWAP");
	noswap_test();
	sw_mark("NOSWAP at memory.high");
	noswap_high_test();
	sw_mark("hot set under memory.max");
	hotset_test(fd);
	sw_mark("done");
	munmap(map, 32 * MB);
	close(fd);
	return sw_done();
}
