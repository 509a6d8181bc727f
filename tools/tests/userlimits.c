// SPDX-License-Identifier: GPL-2.0
/*
 * userlimits: what an unprivileged user may take.
 *
 *  - A NOSWAP object pins its pages, so without CAP_IPC_LOCK it must fit
 *    under RLIMIT_MEMLOCK, charged until the object is gone (as SHM_LOCK):
 *    EPERM with the limit at 0, ENOMEM past it (mlock(2)'s errors).
 *  - Each owner has max_user_objects objects and max_user_size bytes at
 *    most: EDQUOT past them.  CAP_SYS_RESOURCE lifts them.
 *
 * The user is uid 65534 in a child; the module parameters are restored
 * at exit.  Exit 0/1/77.
 */
#include "aobjtest.h"

#include <grp.h>
#include <sys/resource.h>

#define NOBODY	65534
#define KB	1024ULL
#define MB	(1024 * KB)

static int create(uint64_t len, uint32_t flags, unsigned int *id)
{
	return t_create_raw(len, flags, 0600, id);
}

static void set_memlock(rlim_t bytes, rlim_t max)
{
	struct rlimit r = { bytes, max };

	if (setrlimit(RLIMIT_MEMLOCK, &r))
		t_bail("setrlimit(RLIMIT_MEMLOCK, %llu): %s",
		       (unsigned long long)bytes, strerror(errno));
}

static void detach_id(unsigned int id)
{
	if (t_detach(id))
		t_check(false, "DETACH of %u: %s", id, strerror(errno));
}

static void as_nobody(void)
{
	unsigned int a, b, c, d;

	/* Its hard limit is set while still root: a user cannot raise it. */
	set_memlock(0, MB);
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		t_bail("cannot become uid %d: %s", NOBODY, strerror(errno));

	T_EQ(create(64 * KB, AOBJ_CREATE_NOSWAP, &a), -EPERM,
	     "NOSWAP with RLIMIT_MEMLOCK 0: EPERM");
	T_EQ(create(64 * KB, 0, &a), 0, "a swappable object needs no RLIMIT_MEMLOCK");
	detach_id(a);

	set_memlock(MB, MB);
	T_EQ(create(2 * MB, AOBJ_CREATE_NOSWAP, &a), -ENOMEM,
	     "NOSWAP of 2 MiB over RLIMIT_MEMLOCK 1 MiB: ENOMEM");
	T_EQ(create(512 * KB, AOBJ_CREATE_NOSWAP, &a), 0, "NOSWAP of 512 KiB fits");
	T_EQ(create(512 * KB, AOBJ_CREATE_NOSWAP, &b), 0, "another 512 KiB fits");
	T_EQ(create(4 * KB, AOBJ_CREATE_NOSWAP, &c), -ENOMEM,
	     "one page more does not");
	detach_id(a);
	T_EQ(create(4 * KB, AOBJ_CREATE_NOSWAP, &c), 0,
	     "DETACH gives the charge back");
	detach_id(b);
	detach_id(c);

	/* max_user_objects=3, max_user_size=4M (set by the parent). */
	T_EQ(create(MB, 0, &a), 0, "object 1 of 3");
	T_EQ(create(MB, 0, &b), 0, "object 2 of 3");
	T_EQ(create(MB, 0, &c), 0, "object 3 of 3");
	T_EQ(create(4 * KB, 0, &d), -EDQUOT, "a 4th object: EDQUOT");
	detach_id(c);
	T_EQ(create(3 * MB, 0, &c), -EDQUOT, "past max_user_size: EDQUOT");
	T_EQ(create(2 * MB, 0, &c), 0, "up to max_user_size");
	detach_id(a);
	detach_id(b);
	detach_id(c);
	T_EQ(create(4 * MB + 4 * KB, 0, &d), -EDQUOT,
	     "a first object over max_user_size: EDQUOT");
	T_EQ(create(4 * MB, 0, &a), 0, "all given back: 4 MiB again");
	detach_id(a);
	t_child_exit();
}

int main(void)
{
	long long objects0;
	unsigned int ids[5];
	pid_t pid;
	int i, n = 0;

	t_init("userlimits", true, 120);
	objects0 = t_gstat("objects");
	if (t_param_set("max_user_objects", "3") || t_param_set("max_user_size", "4194304"))
		t_bail("cannot set the per-user limits");

	pid = t_fork();
	if (!pid)
		as_nobody();
	t_wait(pid, "uid 65534: RLIMIT_MEMLOCK and per-user limits");

	/* Root has CAP_SYS_RESOURCE and CAP_IPC_LOCK: no per-user limit. */
	set_memlock(0, 0);
	for (i = 0; i < 5; i++)
		if (!create(2 * MB, i ? 0 : AOBJ_CREATE_NOSWAP, &ids[i]))
			n++;
	T_EQ(n, 5, "root: 5 objects of 2 MiB, one NOSWAP, past every per-user limit");
	for (i = 0; i < n; i++)
		detach_id(ids[i]);
	T_EQ(t_gstat("objects"), objects0, "every object gone");
	return t_done();
}
