// SPDX-License-Identifier: GPL-2.0
/*
 * pressure_vm: aobj under global memory pressure from another program.
 * In the 512 MiB test VM, with no Linux swap and no resident limit, a
 * 320 MiB object is written and read back while `stress-ng --vm 1
 * --vm-bytes 200M` runs for 60 s beside it.  stress-ng's memory cannot
 * go anywhere: only aobj's pages can, through the kernel's reclaim (aobj's
 * shrinker) and the writer's own pageout.  Nobody may be OOM-killed,
 * stress-ng must end cleanly, and every page must read back intact.
 *
 * The kernel does not count aobj pages as reclaimable when it decides that
 * reclaim has failed, so stress-ng was OOM-killed in 2 of 6 stock runs of
 * the code before aobj's OOM notifier.  With it, such OOMs end in aobj
 * pageouts instead ("instead of an OOM kill" in the kernel log, counted
 * below).  About 70 s on the stock kernel; on the debug kernel it takes
 * some 330 s, too long for make check there, so it skips there (the
 * notifier is KUnit's swap_oom_notifier_test on that kernel).
 *
 * Needs stress-ng in PATH and two free disks in $AOBJ_DISKS (the test
 * VM).  Exit 0/1/77.
 */
#include "swaptest.h"

#define OBJ_MB		320
#define STRESS_S	"60"

static pid_t stress_pid;

static void stop_stress(void)
{
	if (stress_pid > 0 && getpid() == t_main_pid)
		kill(stress_pid, SIGKILL);
}

int main(void)
{
	size_t size = (size_t)OBJ_MB << 20, npages = size / 4096, i;
	long long oom0, po0, rounds = 0;
	char disks[2][64];
	unsigned int id;
	int fd, status;
	char *map;
	pid_t r;

	/* Within check.sh's 300 s per test: about 70 s on the stock kernel. */
	sw_init("pressure_vm", 280);
	if (t_pagesize != 4096)
		t_skip("page size %ld", t_pagesize);
	if (getenv("AOBJ_KERNEL") && !strcmp(getenv("AOBJ_KERNEL"), "debug"))
		t_skip("about 330 s on the debug kernel: stock kernel only");
	if (system("command -v stress-ng >/dev/null 2>&1"))
		t_skip("stress-ng is not in PATH");
	sw_disks(disks, 2, 2);
	if (sw_limit_mb())
		sw_set_limit_mb(0);
	sw_swapon_or_bail(disks[0], 0);
	sw_swapon_or_bail(disks[1], 0);

	id = t_create(size, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	map = t_map(fd, size, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	oom0 = sw_vmstat("oom_kill");
	po0 = t_gstat("pageouts");

	fflush(stdout);
	stress_pid = fork();
	if (stress_pid < 0)
		t_bail("fork: %s", strerror(errno));
	if (!stress_pid) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execlp("stress-ng", "stress-ng", "--vm", "1", "--vm-bytes", "200M",
		       "--timeout", STRESS_S "s", (char *)NULL);
		_exit(127);
	}
	atexit(stop_stress);
	sw_mark("stress-ng --vm 1 --vm-bytes 200M started; writing the object");
	sleep(2);	/* let stress-ng take its memory first */

	for (i = 0; i < npages; i++)
		sw_fill_page(map + i * 4096, i, 21);
	sw_mark("written");
	/* Read it back while stress-ng runs, then once more after it. */
	do {
		sw_verify_pages(map, npages, NULL, 21, "read back beside stress-ng");
		rounds++;
		r = waitpid(stress_pid, &status, WNOHANG);
	} while (!r && rounds < 3);
	if (!r)
		r = waitpid(stress_pid, &status, 0);
	stress_pid = 0;
	sw_mark("stress-ng ended");
	if (!t_check(r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		     "stress-ng ran its 60 s and exited 0"))
		t_diag("status %#x", status);
	sw_verify_pages(map, npages, NULL, 21, "read back after stress-ng");
	t_diag("%lld pages paged out, %lld read-back rounds", t_gstat("pageouts") - po0,
	       rounds);
	t_check(t_gstat("pageouts") - po0 > 0, "aobj pages went to swap");
	T_EQ(sw_vmstat("oom_kill") - oom0, 0, "no OOM kill");
	fflush(stdout);
	if (system("printf '#   OOM notifier pageouts in the kernel log: '; "
		   "dmesg | grep -c 'instead of an OOM kill'") < 0)
		t_diag("dmesg: %s", strerror(errno));
	munmap(map, size);
	close(fd);
	return sw_done();
}
