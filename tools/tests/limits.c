// SPDX-License-Identifier: GPL-2.0
/*
 * limits: the module parameters max_object_size (EFBIG), max_objects and
 * max_total_size (ENOSPC), changed at run time and restored at exit.
 * A detached object that is still mapped counts against the limits until
 * it is unmapped.
 */
#include "aobjtest.h"

#define MIB	(1UL << 20)

/* Objects that exist (nodes, detached ones still alive included). */
static unsigned int list_total(unsigned long long *bytes)
{
	static struct aobj_info ents[1024];
	struct aobj_list l = {
		.size = sizeof(l), .count = 1024,
		.entry_size = sizeof(ents[0]), .entries = (uintptr_t)ents,
	};
	unsigned int i;

	if (ioctl(t_ctl_fd(), AOBJ_IOC_LIST, &l))
		t_bail("LIST: %s", strerror(errno));
	if (bytes) {
		if (l.count > 1024)
			t_bail("too many objects to sum up (%u)", l.count);
		*bytes = 0;
		for (i = 0; i < l.count; i++)
			*bytes += ents[i].length;
	}
	return l.count;
}

static void set_param(const char *name, unsigned long long v)
{
	char buf[32];
	int err;

	snprintf(buf, sizeof(buf), "%llu", v);
	err = t_param_set(name, buf);
	if (err)
		t_bail("set %s to %s: %s", name, buf, strerror(-err));
}

static void object_size_limit(void)
{
	unsigned int id;
	int r;

	set_param("max_object_size", MIB);
	r = t_create_raw(MIB, 0, 0, &id);
	if (t_check_errno(r ? -1 : 0, -r, 0, "max_object_size 1M: create 1M"))
		t_detach(id);
	r = t_create_raw(MIB + 1, 0, 0, &id);
	t_check_errno(r ? -1 : 0, -r, EFBIG,
		      "max_object_size 1M: create 1M + 1 -> EFBIG");
	if (!r)
		t_detach(id);
	r = t_create_raw(2 * MIB, 0, 0, &id);
	t_check_errno(r ? -1 : 0, -r, EFBIG,
		      "max_object_size 1M: create 2M -> EFBIG");
	if (!r)
		t_detach(id);
	t_restore_params();
	r = t_create_raw(2 * MIB, 0, 0, &id);
	if (t_check_errno(r ? -1 : 0, -r, 0, "restored: create 2M"))
		t_detach(id);
}

static void objects_limit(void)
{
	unsigned int n0 = list_total(NULL), ids[8], made = 0, id, i;
	unsigned char *p;
	int r, fd;

	set_param("max_objects", n0 + 3);
	for (i = 0; i < 8; i++) {
		r = t_create_raw(4096, 0, 0, &ids[made]);
		if (r)
			break;
		t_track(ids[made++]);
	}
	T_EQ(made, 3, "max_objects = existing + 3: three creates succeed");
	t_check_errno(r ? -1 : 0, -r, ENOSPC, "the fourth -> ENOSPC");

	/* Detach one while it is mapped: still counts. */
	fd = t_open_or_bail(ids[0], O_RDWR);
	p = t_map(fd, 4096, PROT_READ | PROT_WRITE);
	if (p == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	p[0] = 1;
	T_EQ(t_detach_fd(fd), 0, "DETACH one that is mapped");
	t_untrack(ids[0]);
	close(fd);
	r = t_create_raw(4096, 0, 0, &id);
	t_check_errno(r ? -1 : 0, -r, ENOSPC,
		      "a detached but mapped object still counts -> ENOSPC");
	if (!r)
		t_track(id);
	munmap(p, 4096);
	r = t_create_raw(4096, 0, 0, &id);
	if (t_check_errno(r ? -1 : 0, -r, 0,
			  "after the last munmap, create works again"))
		t_track(id);
	for (i = 1; i < made; i++)
		t_detach(ids[i]);
	if (!r)
		t_detach(id);

	set_param("max_objects", n0);
	r = t_create_raw(4096, 0, 0, &id);
	t_check_errno(r ? -1 : 0, -r, ENOSPC,
		      "max_objects = existing: create -> ENOSPC");
	if (!r)
		t_detach(id);
	set_param("max_objects", 0);
	r = t_create_raw(4096, 0, 0, &id);
	t_check_errno(r ? -1 : 0, -r, ENOSPC, "max_objects = 0 -> ENOSPC");
	if (!r)
		t_detach(id);
	t_restore_params();
	r = t_create_raw(4096, 0, 0, &id);
	if (t_check_errno(r ? -1 : 0, -r, 0, "restored: create works"))
		t_detach(id);
}

static void total_limit(void)
{
	unsigned long long total;
	unsigned int a, b, c;
	int r;

	list_total(&total);
	set_param("max_total_size", total + 2 * MIB);
	r = t_create_raw(MIB, 0, 0, &a);
	if (!t_check_errno(r ? -1 : 0, -r, 0, "max_total_size +2M: create 1M"))
		return;
	t_track(a);
	r = t_create_raw(2 * MIB, 0, 0, &b);
	t_check_errno(r ? -1 : 0, -r, ENOSPC, "then create 2M -> ENOSPC");
	if (!r)
		t_track(b);
	r = t_create_raw(MIB - 4096 + 1, 0, 0, &b);
	if (t_check_errno(r ? -1 : 0, -r, 0,
			  "then 1M - 4095 bytes (rounds to exactly the rest)"))
		t_track(b);
	r = t_create_raw(1, 0, 0, &c);
	t_check_errno(r ? -1 : 0, -r, ENOSPC, "then 1 byte -> ENOSPC");
	if (!r)
		t_track(c);
	T_EQ(t_detach(a), 0, "DETACH the 1M object");
	r = t_create_raw(MIB, 0, 0, &c);
	if (t_check_errno(r ? -1 : 0, -r, 0, "its room can be used again"))
		t_track(c);
	t_detach(b);
	t_detach(c);
	t_restore_params();
}

int main(void)
{
	t_init("limits", true, 60);
	if (access(T_PARAMS "max_objects", W_OK))
		t_skip("module parameters not writable");
	object_size_limit();
	objects_limit();
	total_limit();
	return t_done();
}
