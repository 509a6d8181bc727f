// SPDX-License-Identifier: GPL-2.0
/*
 * race: objects are created, mapped, detached and freed in a loop by some
 * threads while others LIST and STAT.  Nothing may fail unexpectedly, and
 * LIST must never show an object that is being freed (refs 0) or garbage.
 * On a debug kernel, check dmesg afterwards as well.
 */
#include "aobjtest.h"

#define CHURNERS	2
#define LISTERS		2
#define SECONDS		2

static volatile int stop;
static volatile long churned, listed, bad_entries, churn_errors;

static void *churn(void *arg)
{
	(void)arg;
	while (!stop) {
		unsigned int id;
		unsigned char *p;
		int fd, err;

		err = t_create_raw(4 * t_pagesize, 0, 0, &id);
		if (err) {
			if (err != -ENOSPC)
				__sync_fetch_and_add(&churn_errors, 1);
			continue;
		}
		fd = t_open(id, O_RDWR);
		if (fd < 0) {
			__sync_fetch_and_add(&churn_errors, 1);
			continue;	/* leaks one object; the test fails */
		}
		p = t_map(fd, 4 * t_pagesize, PROT_READ | PROT_WRITE);
		if (p != MAP_FAILED) {
			p[0] = 1;
		} else {
			if (!churn_errors)
				t_diag("mmap: %s", errno_name(errno));
			__sync_fetch_and_add(&churn_errors, 1);
		}
		if (t_detach_fd(fd))
			__sync_fetch_and_add(&churn_errors, 1);
		close(fd);
		if (p != MAP_FAILED)
			munmap(p, 4 * t_pagesize);	/* the last reference */
		__sync_fetch_and_add(&churned, 1);
	}
	return NULL;
}

static void *lister(void *arg)
{
	struct aobj_info ents[64];
	unsigned int i;

	(void)arg;
	while (!stop) {
		struct aobj_list l = {
			.size = sizeof(l), .count = 64,
			.entry_size = sizeof(ents[0]),
			.entries = (uintptr_t)ents,
		};

		if (ioctl(t_ctl_fd(), AOBJ_IOC_LIST, &l)) {
			__sync_fetch_and_add(&churn_errors, 1);
			continue;
		}
		for (i = 0; i < l.count && i < 64; i++) {
			if (ents[i].refs == 0 ||
			    ents[i].length == 0 ||
			    ents[i].resident > ents[i].length / t_pagesize ||
			    ents[i].__reserved) {
				if (!bad_entries)
					t_diag("bad LIST entry: id %u refs %u length %llu resident %llu flags %#x",
					       ents[i].id, ents[i].refs,
					       (unsigned long long)ents[i].length,
					       (unsigned long long)ents[i].resident,
					       ents[i].flags);
				__sync_fetch_and_add(&bad_entries, 1);
			}
		}
		__sync_fetch_and_add(&listed, 1);
	}
	return NULL;
}

int main(void)
{
	pthread_t th[CHURNERS + LISTERS];
	long long objects0, res0;
	unsigned int i;

	t_init("race", false, 60);
	objects0 = t_gstat("objects");
	res0 = t_gstat("resident_pages");
	t_ctl_fd();
	for (i = 0; i < CHURNERS + LISTERS; i++)
		if (pthread_create(&th[i], NULL, i < CHURNERS ? churn : lister,
				   NULL))
			t_bail("pthread_create failed");
	sleep(SECONDS);
	stop = 1;
	for (i = 0; i < CHURNERS + LISTERS; i++)
		pthread_join(th[i], NULL);
	printf("# %ld objects churned, %ld LISTs\n", churned, listed);
	t_check(churned > 0 && listed > 0, "both sides made progress");
	T_EQ(churn_errors, 0, "no unexpected errors");
	T_EQ(bad_entries, 0, "LIST never showed a dying or garbled object");
	T_EQ(t_gstat("objects"), objects0, "objects counter back");
	T_EQ(t_gstat("resident_pages"), res0, "resident_pages back");
	return t_done();
}
