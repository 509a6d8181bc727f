// SPDX-License-Identifier: GPL-2.0
/*
 * swapoff_ram: SWAPOFF of a device that holds more than memory can take,
 * with no resident limit: only RAM bounds it.
 *
 * Another process (the balloon) holds most of the VM's memory in anonymous
 * pages, which cannot go anywhere (no Linux swap), and an object larger
 * than what is left is written to one device.
 *
 *  - SWAPOFF of that device alone fails with ENOMEM: the device stays in
 *    service, not draining, nobody is OOM-killed ("Out of memory" never in
 *    the kernel log), the balloon lives, the data reads back intact.
 *  - With a second device in service, SWAPOFF of the first completes:
 *    0 pages lost, 0 OOM kills, the pages on the second device, the data
 *    intact.
 *
 * Needs two free disks in $AOBJ_DISKS (the test VM).  Exit 0/1/77.
 */
#include "swaptest.h"

/* Memory left beside the balloon, and the object's size beyond it. */
#define LEFT_MB		96
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

static pid_t balloon;

static void balloon_pop(void)
{
	if (balloon > 0 && getpid() == t_main_pid) {
		kill(balloon, SIGKILL);
		waitpid(balloon, NULL, 0);
		balloon = 0;
	}
}

/* A child that takes @mb MiB of anonymous memory and sleeps. */
static void balloon_inflate(long long mb)
{
	int p[2];
	char c;

	if (pipe(p))
		t_bail("pipe: %s", strerror(errno));
	fflush(stdout);
	balloon = fork();
	if (balloon < 0)
		t_bail("fork: %s", strerror(errno));
	if (!balloon) {
		size_t len = (size_t)mb << 20;
		char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			_exit(1);
		memset(m, 0x5a, len);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	atexit(balloon_pop);
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		t_bail("the balloon of %lld MiB did not inflate", mb);
	close(p[0]);
}

static bool balloon_alive(void)
{
	return balloon > 0 && waitpid(balloon, NULL, WNOHANG) == 0;
}

int main(void)
{
	long long avail, disk_mb, oom0, used;
	struct aobj_swapdev_info e;
	char disks[2][64];
	size_t size, npages, i;
	uint64_t lost = 0;
	unsigned int id;
	char *map;
	int fd, err;

	sw_init("swapoff_ram", 290);
	if (t_pagesize != 4096)
		t_skip("page size %ld", t_pagesize);
	sw_disks(disks, 2, 2);
	if (sw_limit_mb())
		sw_set_limit_mb(0);
	disk_mb = getenv("AOBJ_DISK_MB") ? atoll(getenv("AOBJ_DISK_MB")) : 256;
	avail = meminfo_mb("MemAvailable");
	if (avail < LEFT_MB + 32)
		t_skip("MemAvailable %lld MiB", avail);
	balloon_inflate(avail - LEFT_MB);
	avail = meminfo_mb("MemAvailable");
	size = (size_t)(avail + OVER_MB) << 20;
	if ((long long)(size >> 20) > disk_mb - 16)
		t_skip("a %lld MiB disk cannot hold %zu MiB", disk_mb, size >> 20);
	npages = size / 4096;
	t_diag("MemTotal %lld MiB, %lld MiB available beside the balloon: object of %zu MiB",
	       meminfo_mb("MemTotal"), avail, size >> 20);
	oom0 = sw_vmstat("oom_kill");

	sw_swapon_or_bail(disks[0], 0);
	id = t_create(size, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	map = t_map(fd, size, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	for (i = 0; i < npages; i++)
		sw_fill_page(map + i * 4096, i, 31);
	sw_mark("written");
	used = sw_used(disks[0]);
	if (!t_check(used >= (long long)(OVER_MB / 2) << 8,
		     "at least %d MiB of it went to %s", OVER_MB / 2, disks[0]))
		t_diag("%lld slots used", used);

	/* One device: ENOMEM, nothing killed. */
	err = sw_swapoff(disks[0], &lost);
	sw_mark("SWAPOFF of the only device");
	t_check_errno(err ? -1 : 0, -err, ENOMEM,
		      "SWAPOFF of the only device, %zu MiB object, %lld MiB available",
		      size >> 20, avail);
	if (!t_check(sw_swapdev(disks[0], &e), "%s still in service", disks[0]))
		t_bail("device gone");
	T_EQ(e.flags, 0, "%s not left draining", disks[0]);
	T_EQ(sw_vmstat("oom_kill") - oom0, 0, "no OOM kill on the failed SWAPOFF");
	t_check(balloon_alive(), "the balloon process lives");
	sw_verify_pages(map, npages, NULL, 31, "data after the failed SWAPOFF");

	/* A second device: the pages move there while the first drains. */
	sw_swapon_or_bail(disks[1], 0);
	err = sw_swapoff(disks[0], &lost);
	sw_mark("SWAPOFF with a second device in service");
	t_check_errno(err ? -1 : 0, -err, 0, "SWAPOFF of %s with %s in service",
		      disks[0], disks[1]);
	if (!err)
		T_EQ(lost, 0, "SWAPOFF: 0 pages lost");
	t_check(!sw_swapdev(disks[0], NULL), "%s is out of service", disks[0]);
	used = sw_used(disks[1]);
	if (!t_check(used > 0, "the pages went to %s", disks[1]))
		t_diag("%lld slots used", used);
	T_EQ(sw_vmstat("oom_kill") - oom0, 0, "no OOM kill during the SWAPOFF");
	t_check(balloon_alive(), "the balloon process lives");
	sw_verify_pages(map, npages, NULL, 31, "data after SWAPOFF to the second device");
	munmap(map, size);
	close(fd);
	balloon_pop();
	return sw_done();
}
