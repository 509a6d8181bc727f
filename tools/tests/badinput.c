// SPDX-License-Identifier: GPL-2.0
/*
 * badinput: every documented error of the ioctls and of mmap.
 *  - struct size: below the last required field -> EINVAL; larger with a
 *    zero tail accepted; larger with a non-zero tail -> EINVAL; a tail
 *    that runs into unmapped memory -> EFAULT;
 *  - unknown flags, non-zero reserved fields, bad modes -> EINVAL;
 *  - CREATE lengths 0 (EINVAL), 1 (a page), beyond max_object_size
 *    (EFBIG), near 2^64 (EINVAL);
 *  - bad pointers -> EFAULT (and a CREATE whose answer cannot be written
 *    back leaves no object behind);
 *  - unknown ioctls, and object ioctls on /dev/aobj or control ioctls on
 *    an object node -> ENOTTY;
 *  - FLUSH modes and ranges; DETACH twice -> EIDRM;
 *  - LIST: bad entry_size, small count reports the total, long entries
 *    get zeroed tails;
 *  - mmap: MAP_PRIVATE -> EINVAL, beyond the object -> ENXIO, on
 *    /dev/aobj -> ENODEV; open of a node whose object is gone -> ENXIO.
 */
#include "aobjtest.h"

#define OBJ_SIZE	(64UL * 1024)

/* A page of memory followed by an inaccessible one. */
static unsigned char *guard_page(void)
{
	unsigned char *p = mmap(NULL, 2 * t_pagesize, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p + t_pagesize, t_pagesize, PROT_NONE))
		t_bail("guard page: %s", strerror(errno));
	return p;
}

/* ioctl returning -1/errno for t_check_errno. */
static long xioctl(int fd, unsigned long cmd, void *arg, int *err)
{
	long r;

	errno = 0;
	r = ioctl(fd, cmd, arg);
	*err = errno;
	return r;
}

/* Detach an id created by a call expected to fail, if it succeeded. */
static void forget(long r, unsigned int id)
{
	if (r == 0)
		t_detach(id);
}

static void create_cases(unsigned char *guard)
{
	int ctl = t_ctl_fd(), e;
	unsigned char buf[64];
	struct aobj_create *c = (void *)buf;
	char maxs[32];
	unsigned long long max = 0;
	long long objects0;
	unsigned int id;
	long r;
	size_t i;
	static const uint32_t bad_sizes[] = {
		0, 4, 8, offsetof(struct aobj_create, id) + 3,
	};
	static const uint32_t bad_modes[] = {
		01000, 02000, 04000, 010000, 0x80000000u,
	};

	for (i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		memset(buf, 0, sizeof(buf));
		*c = (struct aobj_create){ .size = bad_sizes[i],
					   .length = OBJ_SIZE };
		r = xioctl(ctl, AOBJ_IOC_CREATE, c, &e);
		t_check_errno(r, e, EINVAL, "CREATE with size %u -> EINVAL",
			      bad_sizes[i]);
		forget(r, c->id);
	}

	/* A longer struct with a zero tail is fine, the id comes back. */
	memset(buf, 0, sizeof(buf));
	*c = (struct aobj_create){ .size = sizeof(*c) + 16,
				   .length = OBJ_SIZE, .id = 0xdeadbeef };
	r = xioctl(ctl, AOBJ_IOC_CREATE, c, &e);
	if (t_check_errno(r, e, 0, "CREATE with size %zu and a zero tail",
			  sizeof(*c) + 16)) {
		t_check(c->id != 0xdeadbeef, "... returns the id");
		t_check(!buf[sizeof(*c)] && !buf[sizeof(*c) + 15],
			"... and leaves the tail alone");
		T_EQ(t_detach(c->id), 0, "... and it can be detached");
	}
	/* Non-zero tail. */
	memset(buf, 0, sizeof(buf));
	*c = (struct aobj_create){ .size = sizeof(*c) + 8, .length = OBJ_SIZE };
	buf[sizeof(*c) + 7] = 1;
	r = xioctl(ctl, AOBJ_IOC_CREATE, c, &e);
	t_check_errno(r, e, EINVAL, "CREATE with a non-zero tail -> EINVAL");
	forget(r, c->id);
	/* A tail that runs into the guard page. */
	c = (void *)(guard + t_pagesize - sizeof(*c));
	*c = (struct aobj_create){ .size = sizeof(*c) + 8, .length = OBJ_SIZE };
	r = xioctl(ctl, AOBJ_IOC_CREATE, c, &e);
	t_check_errno(r, e, EFAULT, "CREATE whose tail is unmapped -> EFAULT");
	forget(r, c->id);
	c = (void *)buf;

	/* Flags and modes. */
	for (i = 1; i < 32; i++) {
		*c = (struct aobj_create){ .size = sizeof(*c),
					   .flags = 1U << i,
					   .length = OBJ_SIZE };
		r = xioctl(ctl, AOBJ_IOC_CREATE, c, &e);
		if (r == 0 || e != EINVAL) {
			t_check_errno(r, e, EINVAL,
				      "CREATE with flag %#x -> EINVAL", 1U << i);
			forget(r, c->id);
			break;
		}
	}
	if (i == 32)
		t_check(true, "CREATE with each unknown flag bit -> EINVAL");
	for (i = 0; i < sizeof(bad_modes) / sizeof(bad_modes[0]); i++) {
		*c = (struct aobj_create){ .size = sizeof(*c),
					   .mode = bad_modes[i],
					   .length = OBJ_SIZE };
		r = xioctl(ctl, AOBJ_IOC_CREATE, c, &e);
		t_check_errno(r, e, EINVAL, "CREATE with mode %#o -> EINVAL",
			      bad_modes[i]);
		forget(r, c->id);
	}
	*c = (struct aobj_create){ .size = sizeof(*c), .mode = 0777,
				   .length = OBJ_SIZE };
	r = xioctl(ctl, AOBJ_IOC_CREATE, c, &e);
	if (t_check_errno(r, e, 0, "CREATE with mode 0777"))
		t_detach(c->id);

	/* Lengths. */
	r = t_create_raw(0, 0, 0, &id);
	t_check_errno(r ? -1 : 0, -r, EINVAL, "CREATE of length 0 -> EINVAL");
	forget(r, id);
	r = t_create_raw(1, 0, 0, &id);
	if (t_check_errno(r ? -1 : 0, -r, 0, "CREATE of length 1")) {
		long long size = 0;

		t_ostat(id, "size", &size);
		T_EQ(size, t_pagesize, "length 1 rounds up to one page");
		t_detach(id);
	}
	r = t_create_raw(t_pagesize + 1, 0, 0, &id);
	if (!r) {
		long long size = 0;

		t_ostat(id, "size", &size);
		T_EQ(size, 2 * t_pagesize, "length page+1 rounds up to two pages");
		t_detach(id);
	}
	if (!t_param_get("max_object_size", maxs, sizeof(maxs)))
		max = strtoull(maxs, NULL, 0);
	if (t_check(max > 0, "max_object_size readable (%s)", maxs)) {
		r = t_create_raw(max + 1, 0, 0, &id);
		t_check_errno(r ? -1 : 0, -r, EFBIG,
			      "CREATE of max_object_size + 1 -> EFBIG");
		forget(r, id);
		r = t_create_raw(max + t_pagesize, 0, 0, &id);
		t_check_errno(r ? -1 : 0, -r, EFBIG,
			      "CREATE of max_object_size + a page -> EFBIG");
		forget(r, id);
	}
	r = t_create_raw(1ULL << 62, 0, 0, &id);
	t_check_errno(r ? -1 : 0, -r, EFBIG, "CREATE of 2^62 bytes -> EFBIG");
	forget(r, id);
	r = t_create_raw(UINT64_MAX - t_pagesize, 0, 0, &id);
	t_check_errno(r ? -1 : 0, -r, EFBIG,
		      "CREATE of 2^64 - 1 - page bytes -> EFBIG");
	forget(r, id);
	r = t_create_raw(UINT64_MAX, 0, 0, &id);
	t_check_errno(r ? -1 : 0, -r, EINVAL,
		      "CREATE of 2^64 - 1 bytes (no room to round) -> EINVAL");
	forget(r, id);

	/* Bad pointers. */
	r = xioctl(ctl, AOBJ_IOC_CREATE, NULL, &e);
	t_check_errno(r, e, EFAULT, "CREATE with a NULL pointer -> EFAULT");
	r = xioctl(ctl, AOBJ_IOC_CREATE, (void *)1, &e);
	t_check_errno(r, e, EFAULT, "CREATE with pointer 1 -> EFAULT");
	r = xioctl(ctl, AOBJ_IOC_CREATE, guard + t_pagesize, &e);
	t_check_errno(r, e, EFAULT,
		      "CREATE with an inaccessible pointer -> EFAULT");
	/* Readable but not writable: the id cannot be returned. */
	objects0 = t_gstat("objects");
	{
		struct aobj_create *ro = mmap(NULL, t_pagesize,
					      PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS,
					      -1, 0);

		if (ro == MAP_FAILED)
			t_bail("mmap: %s", strerror(errno));
		*ro = (struct aobj_create){ .size = sizeof(*ro),
					    .length = OBJ_SIZE };
		mprotect(ro, t_pagesize, PROT_READ);
		r = xioctl(ctl, AOBJ_IOC_CREATE, ro, &e);
		t_check_errno(r, e, EFAULT,
			      "CREATE on read-only memory -> EFAULT");
		T_EQ(t_gstat("objects"), objects0,
		     "... and no object is left behind");
		munmap(ro, t_pagesize);
	}
}

static void list_cases(unsigned int id)
{
	struct aobj_info ents[8];
	unsigned char big[8][sizeof(struct aobj_info) + 16];
	unsigned char buf[64];
	struct aobj_list *l = (void *)buf;
	int ctl = t_ctl_fd(), e;
	unsigned int total, i;
	bool found = false;
	long r;

	*l = (struct aobj_list){ .size = sizeof(*l) };
	r = xioctl(ctl, AOBJ_IOC_LIST, l, &e);
	if (!t_check_errno(r, e, 0, "LIST with count 0"))
		return;
	total = l->count;
	t_check(total >= 3, "LIST count 0 reports the total (%u, we made 3)",
		total);

	*l = (struct aobj_list){ .size = sizeof(*l), .count = 1,
				 .entry_size = sizeof(ents[0]),
				 .entries = (uintptr_t)ents };
	memset(ents, 0xff, sizeof(ents));
	r = xioctl(ctl, AOBJ_IOC_LIST, l, &e);
	if (t_check_errno(r, e, 0, "LIST with room for 1")) {
		T_EQ(l->count, total, "LIST with room for 1 reports the total");
		t_check(ents[0].length != ~0ULL && ents[0].__reserved == 0,
			"... fills the one entry");
		t_check(ents[1].id == ~0U, "... and writes no further");
	}

	/* Longer entries: the tails are zeroed. */
	memset(big, 0xff, sizeof(big));
	*l = (struct aobj_list){ .size = sizeof(*l), .count = 8,
				 .entry_size = sizeof(big[0]),
				 .entries = (uintptr_t)big };
	r = xioctl(ctl, AOBJ_IOC_LIST, l, &e);
	if (t_check_errno(r, e, 0, "LIST with longer entries")) {
		bool tails_zero = true;

		for (i = 0; i < l->count && i < 8; i++) {
			struct aobj_info inf;

			memcpy(&inf, big[i], sizeof(inf));
			if (inf.id == id)
				found = true;
			if (big[i][sizeof(inf)] || big[i][sizeof(big[0]) - 1])
				tails_zero = false;
		}
		t_check(tails_zero, "... tails of the entries zeroed");
		t_check(found || l->count > 8, "... our object is listed");
	}

	*l = (struct aobj_list){ .size = sizeof(*l), .count = 1,
				 .entry_size = sizeof(ents[0]) - 8,
				 .entries = (uintptr_t)ents };
	r = xioctl(ctl, AOBJ_IOC_LIST, l, &e);
	t_check_errno(r, e, EINVAL, "LIST with a short entry_size -> EINVAL");
	*l = (struct aobj_list){ .size = sizeof(*l), .count = 1 };
	r = xioctl(ctl, AOBJ_IOC_LIST, l, &e);
	t_check_errno(r, e, EINVAL, "LIST with entry_size 0 -> EINVAL");
	*l = (struct aobj_list){ .size = sizeof(*l), .flags = 1 };
	r = xioctl(ctl, AOBJ_IOC_LIST, l, &e);
	t_check_errno(r, e, EINVAL, "LIST with flags 1 -> EINVAL");
	*l = (struct aobj_list){ .size = sizeof(*l), .flags = 0x80000000u };
	r = xioctl(ctl, AOBJ_IOC_LIST, l, &e);
	t_check_errno(r, e, EINVAL, "LIST with flag bit 31 -> EINVAL");
	*l = (struct aobj_list){ .size = offsetof(struct aobj_list, entries) };
	r = xioctl(ctl, AOBJ_IOC_LIST, l, &e);
	t_check_errno(r, e, EINVAL, "LIST with size %zu -> EINVAL",
		      offsetof(struct aobj_list, entries));
	memset(buf, 0, sizeof(buf));
	*l = (struct aobj_list){ .size = sizeof(*l) + 8 };
	buf[sizeof(*l)] = 1;
	r = xioctl(ctl, AOBJ_IOC_LIST, l, &e);
	t_check_errno(r, e, EINVAL, "LIST with a non-zero tail -> EINVAL");
	*l = (struct aobj_list){ .size = sizeof(*l), .count = 4,
				 .entry_size = sizeof(ents[0]), .entries = 0 };
	r = xioctl(ctl, AOBJ_IOC_LIST, l, &e);
	t_check_errno(r, e, EFAULT, "LIST into a NULL array -> EFAULT");
	*l = (struct aobj_list){ .size = sizeof(*l), .count = 4,
				 .entry_size = sizeof(ents[0]), .entries = 8 };
	r = xioctl(ctl, AOBJ_IOC_LIST, l, &e);
	t_check_errno(r, e, EFAULT, "LIST into a bad array -> EFAULT");
	r = xioctl(ctl, AOBJ_IOC_LIST, NULL, &e);
	t_check_errno(r, e, EFAULT, "LIST with a NULL pointer -> EFAULT");
}

static void stat_cases(int fd)
{
	unsigned char buf[sizeof(struct aobj_stat) + 16];
	struct aobj_stat *s = (void *)buf;
	int e;
	long r;

	memset(buf, 0, sizeof(buf));
	s->size = sizeof(*s) + 16;
	r = xioctl(fd, AOBJ_IOC_STAT, s, &e);
	t_check_errno(r, e, 0, "STAT with a longer, zero-tailed struct");
	memset(buf, 0, sizeof(buf));
	s->size = sizeof(*s) + 16;
	buf[sizeof(*s) + 3] = 7;
	r = xioctl(fd, AOBJ_IOC_STAT, s, &e);
	t_check_errno(r, e, EINVAL, "STAT with a non-zero tail -> EINVAL");
	memset(buf, 0, sizeof(buf));
	s->size = sizeof(*s) - 8;
	r = xioctl(fd, AOBJ_IOC_STAT, s, &e);
	t_check_errno(r, e, EINVAL, "STAT with a short size -> EINVAL");
	memset(buf, 0, sizeof(buf));
	s->size = 0;
	r = xioctl(fd, AOBJ_IOC_STAT, s, &e);
	t_check_errno(r, e, EINVAL, "STAT with size 0 -> EINVAL");
	memset(buf, 0, sizeof(buf));
	s->size = sizeof(*s);
	s->flags = 1;
	r = xioctl(fd, AOBJ_IOC_STAT, s, &e);
	t_check_errno(r, e, EINVAL, "STAT with flags 1 -> EINVAL");
	r = xioctl(fd, AOBJ_IOC_STAT, NULL, &e);
	t_check_errno(r, e, EFAULT, "STAT with a NULL pointer -> EFAULT");
}

static void flush_cases(int fd, size_t size)
{
	size_t ps = t_pagesize;
	static const struct {
		uint32_t flags;
		uint64_t off, len;
		const char *what;
	} bad[] = {
		{ 0, 0, 0, "flags 0" },
		{ AOBJ_FLUSH_FREE | AOBJ_FLUSH_DEACTIVATE, 0, 0, "FREE|DEACTIVATE" },
		{ AOBJ_FLUSH_FREE | AOBJ_FLUSH_CLEAN, 0, 0, "FREE|CLEAN" },
		{ AOBJ_FLUSH_DEACTIVATE | AOBJ_FLUSH_CLEAN, 0, 0, "DEACTIVATE|CLEAN" },
		{ 1U << 3, 0, 0, "unknown flag 1<<3" },
		{ 1U << 31, 0, 0, "unknown flag 1<<31" },
		{ AOBJ_FLUSH_FREE | (1U << 8), 0, 0, "FREE plus an unknown flag" },
		{ AOBJ_FLUSH_FREE, 1, 0, "offset 1" },
		{ AOBJ_FLUSH_FREE, 0, 1, "length 1" },
		{ AOBJ_FLUSH_FREE, 0, 4097, "length 4097" },
		{ AOBJ_FLUSH_DEACTIVATE, 0, 4095, "DEACTIVATE length 4095" },
	};
	unsigned char buf[sizeof(struct aobj_flush) + 8];
	struct aobj_flush *f = (void *)buf;
	size_t i;
	int e;
	long r;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		r = t_flush(fd, bad[i].flags, bad[i].off, bad[i].len);
		t_check_errno(r, errno, EINVAL, "FLUSH with %s -> EINVAL",
			      bad[i].what);
	}
	errno = 0;
	r = t_flush(fd, AOBJ_FLUSH_FREE, size + ps, 0);
	t_check_errno(r, errno, EINVAL, "FLUSH at offset size + page -> EINVAL");
	errno = 0;
	r = t_flush(fd, AOBJ_FLUSH_FREE, 0, size + ps);
	t_check_errno(r, errno, EINVAL, "FLUSH of size + page bytes -> EINVAL");
	errno = 0;
	r = t_flush(fd, AOBJ_FLUSH_FREE, ps, size);
	t_check_errno(r, errno, EINVAL,
		      "FLUSH of size bytes at offset page -> EINVAL");
	errno = 0;
	r = t_flush(fd, AOBJ_FLUSH_FREE, size - ps, 2 * ps);
	t_check_errno(r, errno, EINVAL, "FLUSH running past the end -> EINVAL");
	errno = 0;
	r = t_flush(fd, AOBJ_FLUSH_FREE, (uint64_t)-ps, 2 * ps);
	t_check_errno(r, errno, EINVAL,
		      "FLUSH whose end overflows 64 bits -> EINVAL");
	errno = 0;
	r = t_flush(fd, AOBJ_FLUSH_FREE, ps, (uint64_t)-ps);
	t_check_errno(r, errno, EINVAL,
		      "FLUSH with length 2^64 - page -> EINVAL");
	errno = 0;
	r = t_flush(fd, AOBJ_FLUSH_FREE, 0, size);
	t_check_errno(r, errno, 0, "FLUSH of exactly the object");

	memset(buf, 0, sizeof(buf));
	*f = (struct aobj_flush){ .size = offsetof(struct aobj_flush, length),
				  .flags = AOBJ_FLUSH_FREE };
	r = xioctl(fd, AOBJ_IOC_FLUSH, f, &e);
	t_check_errno(r, e, EINVAL, "FLUSH with a short size -> EINVAL");
	memset(buf, 0, sizeof(buf));
	*f = (struct aobj_flush){ .size = sizeof(*f) + 8,
				  .flags = AOBJ_FLUSH_FREE };
	r = xioctl(fd, AOBJ_IOC_FLUSH, f, &e);
	t_check_errno(r, e, 0, "FLUSH with a zero tail");
	buf[sizeof(*f)] = 1;
	r = xioctl(fd, AOBJ_IOC_FLUSH, f, &e);
	t_check_errno(r, e, EINVAL, "FLUSH with a non-zero tail -> EINVAL");
	r = xioctl(fd, AOBJ_IOC_FLUSH, NULL, &e);
	t_check_errno(r, e, EFAULT, "FLUSH with a NULL pointer -> EFAULT");
}

static void detach_cases(unsigned int id)
{
	unsigned char buf[sizeof(struct aobj_detach) + 8];
	struct aobj_detach *d = (void *)buf;
	char path[32];
	int fd, e;
	long r;

	t_node_path(path, sizeof(path), id);
	fd = t_open_or_bail(id, O_RDWR);
	memset(buf, 0, sizeof(buf));
	*d = (struct aobj_detach){ .size = 4 };
	r = xioctl(fd, AOBJ_IOC_DETACH, d, &e);
	t_check_errno(r, e, EINVAL, "DETACH with size 4 -> EINVAL");
	*d = (struct aobj_detach){ .size = sizeof(*d), .flags = 1 };
	r = xioctl(fd, AOBJ_IOC_DETACH, d, &e);
	t_check_errno(r, e, EINVAL, "DETACH with flags 1 -> EINVAL");
	memset(buf, 0, sizeof(buf));
	*d = (struct aobj_detach){ .size = sizeof(*d) + 8 };
	buf[sizeof(buf) - 1] = 1;
	r = xioctl(fd, AOBJ_IOC_DETACH, d, &e);
	t_check_errno(r, e, EINVAL, "DETACH with a non-zero tail -> EINVAL");
	r = xioctl(fd, AOBJ_IOC_DETACH, NULL, &e);
	t_check_errno(r, e, EFAULT, "DETACH with a NULL pointer -> EFAULT");
	t_check(t_exists(path), "node still there after the failed DETACHes");
	memset(buf, 0, sizeof(buf));
	*d = (struct aobj_detach){ .size = sizeof(*d) + 8 };
	r = xioctl(fd, AOBJ_IOC_DETACH, d, &e);
	t_check_errno(r, e, 0, "DETACH with a zero tail");
	t_untrack(id);
	t_check(!t_exists(path), "node gone after DETACH");
	*d = (struct aobj_detach){ .size = sizeof(*d) };
	r = xioctl(fd, AOBJ_IOC_DETACH, d, &e);
	t_check_errno(r, e, EIDRM, "second DETACH -> EIDRM");
	close(fd);
}

static void enotty_cases(int node_fd)
{
	int ctl = t_ctl_fd(), e;
	unsigned char buf[256];
	long r;
	static const struct {
		unsigned long cmd;
		const char *what;
	} on_node[] = {
		{ AOBJ_IOC_CREATE, "CREATE" }, { AOBJ_IOC_LIST, "LIST" },
		{ AOBJ_IOC_SWAPON, "SWAPON" }, { AOBJ_IOC_SWAPOFF, "SWAPOFF" },
		{ AOBJ_IOC_SWAPS, "SWAPS" },
	}, on_ctl[] = {
		{ AOBJ_IOC_STAT, "STAT" }, { AOBJ_IOC_FLUSH, "FLUSH" },
		{ AOBJ_IOC_DETACH, "DETACH" },
	}, unknown[] = {
		{ _IO(AOBJ_IOCTL_TYPE, AOBJ_CMD_PAGEMAP + 1), "nr after the last" },
		{ _IO(AOBJ_IOCTL_TYPE, AOBJ_CMD_BASE + 0x7f), "nr BASE+0x7f" },
		{ _IO(AOBJ_IOCTL_TYPE, AOBJ_CMD_BASE - 1), "nr BASE-1" },
		{ _IO(AOBJ_IOCTL_TYPE, 0), "nr 0" },
		{ _IO(AOBJ_IOCTL_TYPE + 1, AOBJ_CMD_CREATE), "another type" },
		{ _IOWR(AOBJ_IOCTL_TYPE, AOBJ_CMD_CREATE, struct aobj_create),
		  "CREATE number with _IOWR bits" },
		{ _IOWR(AOBJ_IOCTL_TYPE, AOBJ_CMD_STAT, struct aobj_stat),
		  "STAT number with _IOWR bits" },
		{ 0x5401 /* TCGETS */, "TCGETS" },
	};
	size_t i;

	/* A valid-looking struct, so that only the number is wrong. */
	memset(buf, 0, sizeof(buf));
	*(uint32_t *)buf = 64;
	for (i = 0; i < sizeof(on_node) / sizeof(on_node[0]); i++) {
		r = xioctl(node_fd, on_node[i].cmd, buf, &e);
		t_check_errno(r, e, ENOTTY, "%s on an object node -> ENOTTY",
			      on_node[i].what);
	}
	for (i = 0; i < sizeof(on_ctl) / sizeof(on_ctl[0]); i++) {
		r = xioctl(ctl, on_ctl[i].cmd, buf, &e);
		t_check_errno(r, e, ENOTTY, "%s on /dev/aobj -> ENOTTY",
			      on_ctl[i].what);
	}
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		r = xioctl(ctl, unknown[i].cmd, buf, &e);
		t_check_errno(r, e, ENOTTY, "%s on /dev/aobj -> ENOTTY",
			      unknown[i].what);
		r = xioctl(node_fd, unknown[i].cmd, buf, &e);
		t_check_errno(r, e, ENOTTY, "%s on an object node -> ENOTTY",
			      unknown[i].what);
	}
}

static void mmap_cases(int fd, int rofd, size_t size)
{
	size_t ps = t_pagesize;
	int ctl = t_ctl_fd();
	void *p;

#define MMAP_ERR(len, prot, flags, f, off, want, ...)			\
	do {								\
		errno = 0;						\
		p = mmap(NULL, len, prot, flags, f, off);		\
		t_check_errno(p == MAP_FAILED ? -1 : 0, errno, want,	\
			      __VA_ARGS__);				\
		if (p != MAP_FAILED)					\
			munmap(p, len);					\
	} while (0)

	MMAP_ERR(size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0, EINVAL,
		 "mmap MAP_PRIVATE -> EINVAL");
	MMAP_ERR(ps, PROT_READ, MAP_PRIVATE, fd, 0, EINVAL,
		 "mmap MAP_PRIVATE PROT_READ -> EINVAL");
	MMAP_ERR(ps, PROT_READ, MAP_SHARED, fd, size, ENXIO,
		 "mmap at offset == size -> ENXIO");
	MMAP_ERR(ps, PROT_READ, MAP_SHARED, fd, size + ps, ENXIO,
		 "mmap at offset size + page -> ENXIO");
	MMAP_ERR(size + ps, PROT_READ, MAP_SHARED, fd, 0, ENXIO,
		 "mmap of size + page bytes -> ENXIO");
	MMAP_ERR(2 * ps, PROT_READ, MAP_SHARED, fd, size - ps, ENXIO,
		 "mmap running past the end -> ENXIO");
	MMAP_ERR(ps, PROT_READ, MAP_SHARED, fd, (off_t)1 << 40, ENXIO,
		 "mmap at offset 2^40 -> ENXIO");
	MMAP_ERR(ps, PROT_READ | PROT_WRITE, MAP_SHARED, rofd, 0, EACCES,
		 "mmap PROT_WRITE MAP_SHARED of a read-only fd -> EACCES");
	MMAP_ERR(ps, PROT_READ, MAP_SHARED, ctl, 0, ENODEV,
		 "mmap of /dev/aobj -> ENODEV");
	MMAP_ERR(size, PROT_READ, MAP_SHARED, fd, 0, 0,
		 "mmap of exactly the object");
	MMAP_ERR(ps, PROT_READ, MAP_SHARED, fd, size - ps, 0,
		 "mmap of the last page");
#undef MMAP_ERR
}

/* A node for an id that has no object: open -> ENXIO. */
static void stale_node_case(unsigned int live_id, unsigned int dead_id)
{
	char live[32], path[64];
	static const char *dirs[] = { "/tmp", "/dev" };
	struct stat st;
	size_t i;
	int fd;

	t_node_path(live, sizeof(live), live_id);
	if (geteuid() || stat(live, &st)) {
		printf("# skipped: stale node (needs root)\n");
		return;
	}
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/aobjtest-stale-%d", dirs[i],
			 (int)getpid());
		unlink(path);
		if (mknod(path, S_IFCHR | 0600,
			  makedev(major(st.st_rdev), dead_id)))
			continue;
		errno = 0;
		fd = open(path, O_RDWR);
		if (fd < 0 && errno == EACCES) {	/* nodev mount */
			unlink(path);
			continue;
		}
		t_check_errno(fd, errno, ENXIO,
			      "open of a node whose object is gone -> ENXIO");
		if (fd >= 0)
			close(fd);
		unlink(path);
		return;
	}
	printf("# skipped: stale node (no place to mknod)\n");
}

int main(void)
{
	unsigned char *guard;
	unsigned int id, id2, id3, dead;
	int fd, rofd;

	t_init("badinput", false, 60);
	guard = guard_page();

	create_cases(guard);

	id = t_create(OBJ_SIZE, 0, 0);
	id2 = t_create(OBJ_SIZE, 0, 0);
	id3 = t_create(OBJ_SIZE, AOBJ_CREATE_NOSWAP, 0);
	list_cases(id);

	fd = t_open_or_bail(id, O_RDWR);
	rofd = t_open_or_bail(id, O_RDONLY);
	stat_cases(fd);
	flush_cases(fd, OBJ_SIZE);
	enotty_cases(fd);
	mmap_cases(fd, rofd, OBJ_SIZE);
	close(rofd);
	close(fd);

	detach_cases(id2);
	dead = id2;
	stale_node_case(id, dead);

	T_EQ(t_detach(id), 0, "DETACH");
	T_EQ(t_detach(id3), 0, "DETACH");
	return t_done();
}
