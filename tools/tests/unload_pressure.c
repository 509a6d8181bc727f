// SPDX-License-Identifier: GPL-2.0
/*
 * unload_pressure: rmmod while pageout is busy.  Writers fill objects
 * twice the resident limit (24 MiB) and are killed; the limit drops to
 * 1 MiB, so the pageout worker has some 20 MiB of dirty pages to write,
 * holding a reference on the object it works on, while a process keeps
 * writing max_resident_mb; and the module is unloaded at once.  The last
 * reference of an object may then be dropped by pageout, whose release
 * runs from a workqueue, and module exit must wait for it before it frees
 * what it uses.  One object in two is detached beforehand, so that
 * the walk over the remaining nodes at exit meets nodes whose last
 * reference pageout may hold.  After each round the module is loaded
 * again.  Any kernel report
 * (the "left at unload" warning, KASAN, a crash) fails the test.
 *
 * Needs one free disk in $AOBJ_DISKS and aobj.ko where the test VM keeps
 * it.  Exit 0/1/77.
 */
#include "swaptest.h"

#include <sys/utsname.h>
#include <sys/wait.h>

#define ROUNDS		3
#define WRITERS		3
#define OBJ_MB		16

static char modpath[256];

/* In a child: one ioctl needs /dev/aobj open, which pins the module. */
static int child_swapon(const char *disk)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		t_bail("fork: %s", strerror(errno));
	if (!pid)
		_exit(sw_swapon_raw(disk, 0) ? 1 : 0);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -1;
}

static void writer(void)
{
	struct aobj_create c = { .size = sizeof(c), .length = OBJ_MB << 20,
				 .mode = 0600 };
	size_t i, npages = (OBJ_MB << 20) / 4096;
	uint64_t gen = 0;
	char path[32];
	char *map;
	int ctl, fd;

	ctl = open(T_CTL, O_RDWR | O_CLOEXEC);
	if (ctl < 0 || ioctl(ctl, AOBJ_IOC_CREATE, &c))
		_exit(1);
	close(ctl);
	snprintf(path, sizeof(path), "/dev/aobj%u", c.id);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		_exit(1);
	map = mmap(NULL, OBJ_MB << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		_exit(1);
	/* One object in two is detached: only its mapping keeps it. */
	if (c.id % 2 && t_detach_fd(fd))
		_exit(1);
	for (;;) {	/* until killed */
		gen++;
		for (i = 0; i < npages; i++)
			*(volatile uint64_t *)(map + i * 4096) = gen;
	}
}

static void param_writer(void)
{
	static const char *const vals[] = { "1", "2", "3" };
	unsigned int i;
	int fd;

	for (i = 0;; i++) {	/* until killed */
		fd = open(T_PARAMS "max_resident_mb", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, vals[i % 3], 1) < 0) {
				/* the module may be going away */
			}
			close(fd);
		}
		usleep(1000);
	}
}

/*
 * The first disk of $AOBJ_DISKS (the VM's scratch disks); not through
 * sw_disks(), whose SWAPS keeps /dev/aobj open.
 */
static void first_disk(char *buf, size_t len)
{
	const char *env = getenv("AOBJ_DISKS");
	struct stat st;

	if (!env || sscanf(env, "%63s", buf) != 1 || len < 64)
		t_skip("AOBJ_DISKS is not set (run in the test VM)");
	if (stat(buf, &st) || !S_ISBLK(st.st_mode))
		t_skip("%s is not a block device", buf);
}

static pid_t spawn(void (*fn)(void))
{
	pid_t pid = fork();

	if (pid < 0)
		t_bail("fork: %s", strerror(errno));
	if (!pid) {
		alarm(60);
		fn();
		_exit(0);
	}
	return pid;
}

static int unload(void)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (!syscall(SYS_delete_module, "aobj", O_NONBLOCK))
			return 0;
		if (errno != EAGAIN && errno != EBUSY && errno != EWOULDBLOCK)
			return -errno;
		usleep(20000);
	}
	return -EBUSY;
}

static int load(void)
{
	int fd = open(modpath, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, "", 0))
		err = -errno;
	close(fd);
	return err;
}

int main(void)
{
	pid_t writers[WRITERS], pw;
	char disk[64];
	struct utsname u;
	long long po0;
	int r, w, err;

	sw_init("unload_pressure", 240);
	first_disk(disk, sizeof(disk));
	uname(&u);
	snprintf(modpath, sizeof(modpath), "/lib/modules/%s/extra/aobj.ko",
		 u.release);
	if (access(modpath, R_OK))
		t_skip("no %s", modpath);
	if (access("/sys/module/aobj/refcnt", F_OK))
		t_skip("aobj is not a loadable module here");
	/* Our own /dev/aobj fd would pin the module: no t_ctl_fd() here. */

	for (r = 0; r < ROUNDS; r++) {
		if (child_swapon(disk))
			t_bail("round %d: SWAPON %s failed", r, disk);
		if (t_param_set("max_resident_mb", "24"))
			t_bail("round %d: cannot set max_resident_mb", r);
		po0 = t_gstat("pageouts");
		for (w = 0; w < WRITERS; w++)
			writers[w] = spawn(writer);
		for (w = 0; w < 300 && t_gstat("pageouts") < po0 + 1024; w++)
			usleep(100000);
		if (!t_check(t_gstat("pageouts") >= po0 + 1024,
			     "round %d: pages went to swap while written", r))
			t_diag("pageouts %lld -> %lld", po0, t_gstat("pageouts"));
		for (w = 0; w < WRITERS; w++)
			kill(writers[w], SIGKILL);
		for (w = 0; w < WRITERS; w++)
			waitpid(writers[w], NULL, 0);
		/* The worker now has some 20 MiB of dirty pages to write. */
		if (t_param_set("max_resident_mb", "1"))
			t_bail("round %d: cannot set max_resident_mb", r);
		pw = spawn(param_writer);
		err = unload();
		kill(pw, SIGKILL);
		waitpid(pw, NULL, 0);
		if (!t_check(!err, "round %d: rmmod aobj with pageout busy", r))
			t_bail("rmmod: %s", strerror(-err));
		err = load();
		if (!t_check(!err, "round %d: insmod aobj again", r))
			t_bail("insmod %s: %s", modpath, strerror(-err));
	}
	/* The module was reloaded: nothing of ours is left to undo. */
	memset(sw_on, 0, sizeof(sw_on));
	sw_kmsg_check();
	return t_done();
}
