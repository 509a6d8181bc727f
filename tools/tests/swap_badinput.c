// SPDX-License-Identifier: GPL-2.0
/*
 * swap_badinput: the error cases of SWAPON, SWAPOFF and SWAPS.
 *
 *   EPERM    SWAPON/SWAPOFF without CAP_SYS_ADMIN (uid 65534 after fork)
 *   EINVAL   unknown flags, reserved fields, short or non-zero-tailed
 *            structures, SWAPS entry_size too small, SWAPOFF of a device
 *            not swapped on
 *   EFAULT   bad path or entries pointers
 *   EBUSY    SWAPON of a device twice (also through another path)
 *   ENOTBLK  SWAPON of /dev/null, a regular file, a directory
 *   ENOENT   a missing path
 *   ENOTTY   the swap ioctls on an object node
 * and the good cases next to them: negative priorities, SWAPOFF through
 * another path of the same device, SWAPS with room for fewer devices than
 * there are, a larger entry_size (tail zeroed), a long path (truncated).
 *
 * Without a free disk in $AOBJ_DISKS the cases that need one are skipped.
 * Exit 0/1/77.
 */
#include "swaptest.h"

#define ALIAS		"/tmp/swap_badinput.alias"
#define REGFILE		"/tmp/swap_badinput.file"
#define LONGDIR		"/tmp/swap_badinput.0123456789abcdef0123456789abcdef"
#define LONGLINK	LONGDIR "/0123456789abcdef0123456789abcdef.link"

struct swapon_big {
	struct aobj_swapon s;
	uint64_t tail;
};

static int swapon_cmd(struct aobj_swapon *s)
{
	return ioctl(t_ctl_fd(), AOBJ_IOC_SWAPON, s);
}

static void unprivileged(const char *disk)
{
	pid_t pid = t_fork();

	if (!pid) {
		struct aobj_swapon on = { .size = sizeof(on) };
		struct aobj_swapoff off = { .size = sizeof(off) };
		struct aobj_swaps sw = { .size = sizeof(sw) };
		int fd = open(T_CTL, O_RDWR | O_CLOEXEC);
		int inherited = t_ctl_fd();
		long r;

		if (setgid(65534) || setuid(65534))
			t_bail("setuid 65534: %s", strerror(errno));
		if (fd < 0)
			fd = inherited;
		on.path = (uintptr_t)disk;
		off.path = (uintptr_t)disk;
		r = ioctl(fd, AOBJ_IOC_SWAPON, &on);
		t_check_errno(r, errno, EPERM, "uid 65534: SWAPON -> EPERM");
		r = ioctl(inherited, AOBJ_IOC_SWAPON, &on);
		t_check_errno(r, errno, EPERM,
			      "uid 65534, fd opened by root: SWAPON -> EPERM");
		on.flags = 1;
		r = ioctl(fd, AOBJ_IOC_SWAPON, &on);
		t_check_errno(r, errno, EPERM, "uid 65534: SWAPON with bad flags -> EPERM");
		r = ioctl(fd, AOBJ_IOC_SWAPOFF, &off);
		t_check_errno(r, errno, EPERM, "uid 65534: SWAPOFF -> EPERM");
		r = ioctl(inherited, AOBJ_IOC_SWAPOFF, &off);
		t_check_errno(r, errno, EPERM,
			      "uid 65534, fd opened by root: SWAPOFF -> EPERM");
		/* SWAPS is not documented as privileged. */
		r = ioctl(fd, AOBJ_IOC_SWAPS, &sw);
		t_check_errno(r, errno, 0, "uid 65534: SWAPS (count only) allowed");
		t_child_exit();
	}
	t_wait(pid, "unprivileged SWAPON/SWAPOFF");
}

int main(void)
{
	char disks[4][64], *disk = NULL, *other = NULL;
	struct aobj_swapdev_info ents[4], e;
	struct aobj_swapon on;
	struct aobj_swapoff off;
	struct aobj_swaps sw;
	struct swapon_big big;
	char *longpath, *unmapped;
	uint64_t lost;
	struct stat st;
	unsigned int id;
	int n, r, fd, nswaps0;
	long ps;

	sw_init("swap_badinput", 120);
	ps = t_pagesize;
	if (getenv("AOBJ_DISKS") && *getenv("AOBJ_DISKS")) {
		n = sw_disks(disks, 4, 0);
		if (n > 0)
			disk = disks[0];
		if (n > 1)
			other = disks[1];
	}
	if (!disk)
		t_diag("no free disk in AOBJ_DISKS: the cases that need one are skipped");
	nswaps0 = sw_swaps(NULL, 0);

	/* A page that is not mapped. */
	unmapped = mmap(NULL, ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(unmapped, ps);

	/* ---- SWAPON ---- */
	memset(&on, 0, sizeof(on));
	on.size = sizeof(on);
	on.path = (uintptr_t)"/dev/null";
	on.flags = 1;
	r = swapon_cmd(&on);
	t_check_errno(r, errno, EINVAL, "SWAPON flags 1 -> EINVAL");
	on.flags = 0x80000000u;
	r = swapon_cmd(&on);
	t_check_errno(r, errno, EINVAL, "SWAPON flags 0x80000000 -> EINVAL");
	on.flags = 0;
	on.__reserved = 1;
	r = swapon_cmd(&on);
	t_check_errno(r, errno, EINVAL, "SWAPON __reserved 1 -> EINVAL");
	on.__reserved = 0;
	on.size = offsetof(struct aobj_swapon, priority);
	r = swapon_cmd(&on);
	t_check_errno(r, errno, EINVAL, "SWAPON size %u (short) -> EINVAL", on.size);
	on.size = 0;
	r = swapon_cmd(&on);
	t_check_errno(r, errno, EINVAL, "SWAPON size 0 -> EINVAL");
	memset(&big, 0, sizeof(big));
	big.s.size = sizeof(big);
	big.s.path = (uintptr_t)"/dev/null";
	big.tail = 1;
	r = swapon_cmd(&big.s);
	t_check_errno(r, errno, EINVAL, "SWAPON larger struct, non-zero tail -> EINVAL");
	big.tail = 0;
	r = swapon_cmd(&big.s);
	t_check_errno(r, errno, ENOTBLK,
		      "SWAPON larger struct, zero tail, /dev/null -> ENOTBLK (struct accepted)");
	r = ioctl(t_ctl_fd(), AOBJ_IOC_SWAPON, NULL);
	t_check_errno(r, errno, EFAULT, "SWAPON with a NULL argument -> EFAULT");
	r = ioctl(t_ctl_fd(), AOBJ_IOC_SWAPON, unmapped);
	t_check_errno(r, errno, EFAULT, "SWAPON with an unmapped argument -> EFAULT");

	on.size = sizeof(on);
	on.path = 0;
	r = swapon_cmd(&on);
	t_check_errno(r, errno, EFAULT, "SWAPON path NULL -> EFAULT");
	on.path = 1;
	r = swapon_cmd(&on);
	t_check_errno(r, errno, EFAULT, "SWAPON path 0x1 -> EFAULT");
	on.path = (uintptr_t)unmapped;
	r = swapon_cmd(&on);
	t_check_errno(r, errno, EFAULT, "SWAPON path unmapped -> EFAULT");
	on.path = ~0ULL - 4095;
	r = swapon_cmd(&on);
	t_check_errno(r, errno, EFAULT, "SWAPON path in kernel space -> EFAULT");
	on.path = (uintptr_t)"/dev/does-not-exist";
	r = swapon_cmd(&on);
	t_check_errno(r, errno, ENOENT, "SWAPON missing path -> ENOENT");
	on.path = (uintptr_t)"";
	r = swapon_cmd(&on);
	/* swapon(2) says ENOENT; lookup_bdev() says EINVAL for "". */
	if (!t_check(r == -1 && (errno == ENOENT || errno == EINVAL),
		     "SWAPON empty path -> ENOENT or EINVAL"))
		t_diag("got %s", r ? errno_name(errno) : "success");
	on.path = (uintptr_t)"/dev/null";
	r = swapon_cmd(&on);
	t_check_errno(r, errno, ENOTBLK, "SWAPON /dev/null -> ENOTBLK");
	fd = open(REGFILE, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (ftruncate(fd, 16 * SW_MIB))
			t_diag("ftruncate: %s", strerror(errno));
		close(fd);
	}
	on.path = (uintptr_t)REGFILE;
	r = swapon_cmd(&on);
	t_check_errno(r, errno, ENOTBLK, "SWAPON regular file -> ENOTBLK");
	on.path = (uintptr_t)"/tmp";
	r = swapon_cmd(&on);
	t_check_errno(r, errno, ENOTBLK, "SWAPON directory -> ENOTBLK");
	longpath = malloc(8192);
	if (longpath) {
		memset(longpath, 'a', 8191);
		longpath[0] = '/';
		longpath[8191] = 0;
		on.path = (uintptr_t)longpath;
		r = swapon_cmd(&on);
		if (!t_check(r == -1 && (errno == EINVAL || errno == ENAMETOOLONG),
			     "SWAPON path longer than PATH_MAX -> EINVAL or ENAMETOOLONG"))
			t_diag("got %s", r ? errno_name(errno) : "success");
		free(longpath);
	}
	T_EQ(sw_swaps(NULL, 0), nswaps0, "nothing swapped on by the failed calls");

	/* ---- SWAPOFF without a device ---- */
	memset(&off, 0, sizeof(off));
	off.size = sizeof(off);
	off.path = (uintptr_t)"/dev/null";
	off.flags = 1;
	r = ioctl(t_ctl_fd(), AOBJ_IOC_SWAPOFF, &off);
	t_check_errno(r, errno, EINVAL, "SWAPOFF flags 1 -> EINVAL");
	off.flags = 0;
	off.size = offsetof(struct aobj_swapoff, lost);
	r = ioctl(t_ctl_fd(), AOBJ_IOC_SWAPOFF, &off);
	t_check_errno(r, errno, EINVAL, "SWAPOFF size without lost -> EINVAL");
	off.size = sizeof(off);
	off.path = 0;
	r = ioctl(t_ctl_fd(), AOBJ_IOC_SWAPOFF, &off);
	t_check_errno(r, errno, EFAULT, "SWAPOFF path NULL -> EFAULT");
	off.path = (uintptr_t)unmapped;
	r = ioctl(t_ctl_fd(), AOBJ_IOC_SWAPOFF, &off);
	t_check_errno(r, errno, EFAULT, "SWAPOFF path unmapped -> EFAULT");
	r = sw_swapoff_raw("/dev/does-not-exist", NULL);
	t_check_errno(r ? -1 : 0, -r, ENOENT, "SWAPOFF missing path -> ENOENT");
	r = sw_swapoff_raw("/dev/null", NULL);
	t_check_errno(r ? -1 : 0, -r, ENOTBLK, "SWAPOFF /dev/null -> ENOTBLK");
	r = sw_swapoff_raw(REGFILE, NULL);
	t_check_errno(r ? -1 : 0, -r, ENOTBLK, "SWAPOFF regular file -> ENOTBLK");
	unlink(REGFILE);
	if (disk) {
		r = sw_swapoff_raw(disk, NULL);
		t_check_errno(r ? -1 : 0, -r, EINVAL,
			      "SWAPOFF %s, never swapped on -> EINVAL", disk);
	}

	/* ---- SWAPS ---- */
	memset(&sw, 0, sizeof(sw));
	sw.size = sizeof(sw);
	sw.flags = 1;
	r = ioctl(t_ctl_fd(), AOBJ_IOC_SWAPS, &sw);
	t_check_errno(r, errno, EINVAL, "SWAPS flags 1 -> EINVAL");
	sw.flags = 0;
	sw.count = 1;
	sw.entry_size = sizeof(struct aobj_swapdev_info) - 8;
	sw.entries = (uintptr_t)ents;
	r = ioctl(t_ctl_fd(), AOBJ_IOC_SWAPS, &sw);
	t_check_errno(r, errno, EINVAL, "SWAPS entry_size too small -> EINVAL");
	sw.size = offsetof(struct aobj_swaps, entries);
	sw.entry_size = sizeof(struct aobj_swapdev_info);
	r = ioctl(t_ctl_fd(), AOBJ_IOC_SWAPS, &sw);
	t_check_errno(r, errno, EINVAL, "SWAPS size without entries -> EINVAL");
	r = ioctl(t_ctl_fd(), AOBJ_IOC_SWAPS, unmapped);
	t_check_errno(r, errno, EFAULT, "SWAPS with an unmapped argument -> EFAULT");

	/* ---- with a device ---- */
	if (disk) {
		char *buf, sysblk[128];
		long long sectors = 0;

		r = sw_swapon(disk, -7);
		t_check_errno(r ? -1 : 0, -r, 0, "SWAPON %s priority -7", disk);
		if (sw_swapdev(disk, &e)) {
			T_EQ(e.priority, -7, "SWAPS: priority -7");
			T_EQ(strcmp(e.path, disk), 0, "SWAPS: path %s", disk);
			T_EQ(e.used, 0, "SWAPS: nothing used");
			T_EQ(e.bad, 0, "SWAPS: nothing bad");
			snprintf(sysblk, sizeof(sysblk), "/sys/class/block/%s/size",
				 strrchr(disk, '/') + 1);
			if (!t_read_num(sysblk, &sectors))
				T_EQ(e.slots, sectors / 8, "SWAPS: slots = device size in pages");
		} else {
			t_check(false, "SWAPS lists %s", disk);
		}
		r = sw_swapon_raw(disk, 0);
		t_check_errno(r ? -1 : 0, -r, EBUSY, "SWAPON %s twice -> EBUSY", disk);
		if (!stat(disk, &st)) {
			unlink(ALIAS);
			if (mknod(ALIAS, S_IFBLK | 0600, st.st_rdev) == 0) {
				r = sw_swapon_raw(ALIAS, 0);
				t_check_errno(r ? -1 : 0, -r, EBUSY,
					      "SWAPON of %s through another node -> EBUSY",
					      disk);
			}
		}
		unprivileged(disk);

		/* SWAPS: room for none; entries NULL; a larger entry_size. */
		memset(&sw, 0, sizeof(sw));
		sw.size = sizeof(sw);
		r = ioctl(t_ctl_fd(), AOBJ_IOC_SWAPS, &sw);
		t_check_errno(r, errno, 0, "SWAPS count 0");
		T_EQ(sw.count, nswaps0 + 1, "SWAPS count 0: tells the number of devices");
		sw.count = 1;
		sw.entry_size = sizeof(struct aobj_swapdev_info);
		sw.entries = 0;
		r = ioctl(t_ctl_fd(), AOBJ_IOC_SWAPS, &sw);
		t_check_errno(r, errno, EFAULT, "SWAPS entries NULL -> EFAULT");
		sw.entries = (uintptr_t)unmapped;
		r = ioctl(t_ctl_fd(), AOBJ_IOC_SWAPS, &sw);
		t_check_errno(r, errno, EFAULT, "SWAPS entries unmapped -> EFAULT");
		buf = malloc(4 * (sizeof(struct aobj_swapdev_info) + 16));
		if (buf) {
			size_t es = sizeof(struct aobj_swapdev_info) + 16, k;
			bool tail_zero = true;

			memset(buf, 0xff, 4 * es);
			sw.count = 4;
			sw.entry_size = es;
			sw.entries = (uintptr_t)buf;
			r = ioctl(t_ctl_fd(), AOBJ_IOC_SWAPS, &sw);
			t_check_errno(r, errno, 0, "SWAPS entry_size +16");
			for (k = 0; !r && k < sw.count && k < 4; k++) {
				char *tail = buf + k * es + sizeof(struct aobj_swapdev_info);
				int j;

				for (j = 0; j < 16; j++)
					tail_zero &= !tail[j];
			}
			t_check(tail_zero, "SWAPS entry_size +16: the tails are zeroed");
			free(buf);
		}

		r = sw_swapoff(ALIAS, &lost);
		t_check_errno(r ? -1 : 0, -r, 0, "SWAPOFF %s through another node", disk);
		if (!r)
			sw_untrack(disk);
		T_EQ(lost, 0, "SWAPOFF: lost 0");
		t_check(!sw_swapdev(disk, NULL), "%s no longer listed", disk);
		r = sw_swapoff_raw(disk, NULL);
		t_check_errno(r ? -1 : 0, -r, EINVAL, "SWAPOFF %s again -> EINVAL", disk);
		unlink(ALIAS);

		/* A path longer than the listing's 64 bytes. */
		mkdir(LONGDIR, 0700);
		unlink(LONGLINK);
		if (!symlink(disk, LONGLINK)) {
			r = sw_swapon(LONGLINK, 0);
			t_check_errno(r ? -1 : 0, -r, 0, "SWAPON through a %zu-byte symlink path",
				      strlen(LONGLINK));
			if (!r && sw_swapdev(disk, &e)) {
				t_check(e.path[63] == 0 && !strncmp(e.path, LONGLINK, 63),
					"SWAPS: the long path truncated to 63 bytes + NUL");
			}
			if (!r) {
				r = sw_swapoff(LONGLINK, &lost);
				t_check_errno(r ? -1 : 0, -r, 0, "SWAPOFF through the symlink");
			}
			unlink(LONGLINK);
		}
		rmdir(LONGDIR);

		if (other) {
			/* Two devices, room for one: count says two. */
			sw_swapon_or_bail(disk, 1);
			sw_swapon_or_bail(other, 2);
			memset(&sw, 0, sizeof(sw));
			sw.size = sizeof(sw);
			sw.count = 1;
			sw.entry_size = sizeof(ents[0]);
			sw.entries = (uintptr_t)ents;
			memset(ents, 0xee, sizeof(ents));
			r = ioctl(t_ctl_fd(), AOBJ_IOC_SWAPS, &sw);
			t_check_errno(r, errno, 0, "SWAPS with room for 1 of 2");
			T_EQ(sw.count, nswaps0 + 2, "SWAPS room 1: count says 2");
			T_EQ(ents[0].priority, 2, "SWAPS room 1: the first is the priority 2 one");
			T_EQ(ents[1].priority, (int)0xeeeeeeee,
			     "SWAPS room 1: the second entry untouched");
			r = sw_swapoff(disk, &lost);
			t_check_errno(r ? -1 : 0, -r, 0, "SWAPOFF %s", disk);
			r = sw_swapoff(other, &lost);
			t_check_errno(r ? -1 : 0, -r, 0, "SWAPOFF %s", other);
		}
	}

	/* ---- the swap ioctls on an object node ---- */
	id = t_create(ps, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	memset(&on, 0, sizeof(on));
	on.size = sizeof(on);
	on.path = (uintptr_t)(disk ? disk : "/dev/null");
	r = ioctl(fd, AOBJ_IOC_SWAPON, &on);
	t_check_errno(r, errno, ENOTTY, "SWAPON on /dev/aobj%u -> ENOTTY", id);
	memset(&off, 0, sizeof(off));
	off.size = sizeof(off);
	off.path = on.path;
	r = ioctl(fd, AOBJ_IOC_SWAPOFF, &off);
	t_check_errno(r, errno, ENOTTY, "SWAPOFF on /dev/aobj%u -> ENOTTY", id);
	memset(&sw, 0, sizeof(sw));
	sw.size = sizeof(sw);
	r = ioctl(fd, AOBJ_IOC_SWAPS, &sw);
	t_check_errno(r, errno, ENOTTY, "SWAPS on /dev/aobj%u -> ENOTTY", id);
	close(fd);
	T_EQ(t_detach(id), 0, "detach");
	T_EQ(sw_swaps(NULL, 0), nswaps0, "no device left swapped on");
	return sw_done();
}
