// SPDX-License-Identifier: GPL-2.0
/*
 * share: processes that map the same object see each other's writes.
 *  1. fork, both open and mmap the node separately;
 *  2. fork+exec of this program, which opens and maps the node by id;
 *  3. a child that inherits the parent's mapping across fork;
 *  4. concurrent first-touch faults: several processes with several threads
 *     each write their own byte of every page of a fresh object at once;
 *     every byte must be visible everywhere, and each page resident once.
 */
#include "aobjtest.h"

#define OBJ_SIZE	(4UL << 20)
#define NPROC		2
#define NTHREAD		2
#define NWRITER		(NPROC * NTHREAD)
#define ROUNDS		4

static size_t obj_size = OBJ_SIZE;

/* Part 2: the exec'd child. */
static int exec_child(unsigned int id)
{
	unsigned char *p;
	ssize_t bad;
	size_t n;
	int fd;

	t_in_child = true;
	t_pagesize = sysconf(_SC_PAGESIZE);
	fd = t_open(id, O_RDWR);
	if (fd < 0) {
		printf("#   [exec child] open /dev/aobj%u: %s\n", id,
		       strerror(errno));
		return 1;
	}
	p = t_map(fd, obj_size, PROT_READ | PROT_WRITE);
	if (p == MAP_FAILED) {
		printf("#   [exec child] mmap: %s\n", strerror(errno));
		return 1;
	}
	n = t_verify(p, obj_size, 2, 0, &bad);
	t_check(n == 0, "exec'd child sees the parent's pattern");
	if (n)
		t_diag("%zu bad words, first at byte %zd", n, bad);
	t_fill(p, obj_size, 3);
	munmap(p, obj_size);
	close(fd);
	return t_failed ? 1 : 0;
}

static void part_fork_separate(unsigned int id)
{
	pthread_barrier_t *b = t_barrier_new(2);
	size_t half = obj_size / 2, n;
	unsigned char *p;
	ssize_t bad;
	pid_t pid;
	int fd;

	pid = t_fork();
	if (!pid) {
		fd = t_open(id, O_RDWR);
		if (!t_check(fd >= 0, "child opens the node"))
			_exit(1);
		p = t_map(fd, obj_size, PROT_READ | PROT_WRITE);
		if (!t_check(p != MAP_FAILED, "child maps the node"))
			_exit(1);
		pthread_barrier_wait(b);	/* parent wrote the first half */
		pthread_barrier_wait(b);
		n = t_verify(p, half, 10, 0, &bad);
		t_check(n == 0, "child sees the parent's writes");
		if (n)
			t_diag("%zu bad words, first at byte %zd", n, bad);
		/* Write the second half with a different seed. */
		t_fill(p + half, half, 11);
		pthread_barrier_wait(b);
		t_child_exit();
	}
	fd = t_open_or_bail(id, O_RDWR);
	p = t_map(fd, obj_size, PROT_READ | PROT_WRITE);
	if (p == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	pthread_barrier_wait(b);
	t_fill(p, half, 10);
	pthread_barrier_wait(b);
	pthread_barrier_wait(b);	/* child wrote the second half */
	{
		/* The child filled with offsets relative to its half. */
		const uint64_t *w = (const uint64_t *)(p + half);
		size_t wpp = t_pagesize / 8, i, badn = 0;

		for (i = 0; i < half / 8; i++)
			if (w[i] != t_pattern(i / wpp, i % wpp, 11))
				badn++;
		T_EQ(badn, 0, "fork: parent sees the child's writes "
			      "(separate mmaps)");
	}
	t_wait(pid, "fork: child's checks passed");
	munmap(p, obj_size);
	close(fd);
	munmap(b, sizeof(*b));
}

static void part_exec(unsigned int id, const char *self)
{
	unsigned char *p;
	char idbuf[16];
	ssize_t bad;
	size_t n;
	pid_t pid;
	int fd;

	fd = t_open_or_bail(id, O_RDWR);
	p = t_map(fd, obj_size, PROT_READ | PROT_WRITE);
	if (p == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	t_fill(p, obj_size, 2);
	snprintf(idbuf, sizeof(idbuf), "%u", id);
	pid = t_fork();
	if (!pid) {
		execl(self, self, "--exec-child", idbuf, (char *)NULL);
		printf("#   exec %s: %s\n", self, strerror(errno));
		_exit(1);
	}
	t_wait(pid, "fork+exec: exec'd child ran its checks");
	n = t_verify(p, obj_size, 3, 0, &bad);
	t_check(n == 0, "fork+exec: parent sees the exec'd child's writes");
	if (n)
		t_diag("%zu bad words, first at byte %zd", n, bad);
	munmap(p, obj_size);
	close(fd);
}

static void part_inherit(unsigned int id)
{
	struct aobj_info info;
	unsigned char *p;
	unsigned int refs = 0;
	ssize_t bad;
	size_t n;
	pid_t pid;
	int fd;

	fd = t_open_or_bail(id, O_RDWR);
	p = t_map(fd, obj_size, PROT_READ | PROT_WRITE);
	if (p == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	t_fill(p, obj_size, 4);
	if (T_STAT(fd, &info))
		refs = info.refs;
	T_EQ(refs, 3, "refs before fork: creation + fd + mapping");
	pid = t_fork();
	if (!pid) {
		n = t_verify(p, obj_size, 4, 0, &bad);
		t_check(n == 0, "inherited mapping shows the parent's data");
		if (T_STAT(fd, &info))
			t_check(info.refs == refs + 1,
				"child's copy of the mapping holds a reference "
				"(refs %u, expected %u)", info.refs, refs + 1);
		t_fill(p, obj_size, 5);
		t_child_exit();
	}
	t_wait(pid, "inherit: child's checks passed");
	n = t_verify(p, obj_size, 5, 0, &bad);
	t_check(n == 0, "inherit: parent sees writes through the child's "
			"inherited mapping");
	if (n)
		t_diag("%zu bad words, first at byte %zd", n, bad);
	if (T_STAT(fd, &info))
		T_EQ(info.refs, refs, "refs back after the child exits");
	munmap(p, obj_size);
	close(fd);
}

/* Part 4: concurrent first touch. */
struct writer {
	unsigned char *p;
	unsigned int idx;		/* 0 .. NWRITER-1: byte it owns */
	unsigned int round;
	pthread_barrier_t *b;
};

static unsigned char byte_of(size_t page, unsigned int writer,
			     unsigned int round)
{
	return (unsigned char)(1 + (page * 7 + writer * 31 + round * 13) % 255);
}

static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	size_t pages = obj_size / t_pagesize, pg;

	pthread_barrier_wait(w->b);
	/* Alternate directions so that writers collide on both ends. */
	for (pg = 0; pg < pages; pg++) {
		size_t i = (w->idx & 1) ? pages - 1 - pg : pg;

		/* Touch the neighbour's byte first by reading: a read fault. */
		if (w->idx & 2)
			(void)*(volatile unsigned char *)
				(w->p + i * t_pagesize + ((w->idx + 1) % NWRITER));
		w->p[i * t_pagesize + w->idx] = byte_of(i, w->idx, w->round);
	}
	return NULL;
}

/* Run NTHREAD writers in this process for @round; returns bad bytes seen. */
static size_t run_writers(unsigned char *p, unsigned int proc,
			  unsigned int round, pthread_barrier_t *start,
			  pthread_barrier_t *done)
{
	struct writer w[NTHREAD];
	pthread_t th[NTHREAD];
	size_t pages = obj_size / t_pagesize, pg, bad = 0;
	unsigned int t, k;

	for (t = 0; t < NTHREAD; t++) {
		w[t] = (struct writer){ p, proc * NTHREAD + t, round, start };
		if (pthread_create(&th[t], NULL, writer_thread, &w[t]))
			t_bail("pthread_create failed");
	}
	for (t = 0; t < NTHREAD; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_wait(done);
	for (pg = 0; pg < pages; pg++)
		for (k = 0; k < NWRITER; k++)
			if (p[pg * t_pagesize + k] != byte_of(pg, k, round)) {
				if (!bad)
					t_diag("proc %u round %u: page %zu byte %u is %#x, expected %#x",
					       proc, round, pg, k,
					       p[pg * t_pagesize + k],
					       byte_of(pg, k, round));
				bad++;
			}
	return bad;
}

static void part_first_touch(unsigned int id)
{
	pthread_barrier_t *start = t_barrier_new(NWRITER);
	pthread_barrier_t *done = t_barrier_new(NPROC);
	pthread_barrier_t *freed = t_barrier_new(NPROC);
	size_t pages = obj_size / t_pagesize, bad;
	struct aobj_info info;
	pid_t pids[NPROC];
	unsigned char *p;
	unsigned int proc, round;
	int fd;

	for (proc = 1; proc < NPROC; proc++) {
		pids[proc] = t_fork();
		if (pids[proc])
			continue;
		fd = t_open(id, O_RDWR);
		p = fd < 0 ? MAP_FAILED :
			t_map(fd, obj_size, PROT_READ | PROT_WRITE);
		if (!t_check(p != MAP_FAILED, "child opens and maps"))
			_exit(1);
		for (round = 0; round < ROUNDS; round++) {
			bad = run_writers(p, proc, round, start, done);
			t_check(bad == 0, "round %u: child sees every writer's byte (%zu bad)",
				round, bad);
			pthread_barrier_wait(freed);	/* all verified */
			pthread_barrier_wait(freed);	/* parent freed */
		}
		t_child_exit();
	}
	fd = t_open_or_bail(id, O_RDWR);
	p = t_map(fd, obj_size, PROT_READ | PROT_WRITE);
	if (p == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	for (round = 0; round < ROUNDS; round++) {
		bad = run_writers(p, 0, round, start, done);
		T_EQ(bad, 0, "first touch round %u: parent sees every writer's "
			     "byte on every page", round);
		if (T_STAT(fd, &info))
			T_EQ(info.resident, pages,
			     "first touch round %u: each page resident once",
			     round);
		/* Start the next round on a fresh (freed) object. */
		pthread_barrier_wait(freed);
		if (t_flush(fd, AOBJ_FLUSH_FREE, 0, 0))
			t_bail("FLUSH FREE: %s", strerror(errno));
		pthread_barrier_wait(freed);
	}
	for (proc = 1; proc < NPROC; proc++)
		t_wait(pids[proc], "first touch: child's checks passed");
	munmap(p, obj_size);
	close(fd);
}

int main(int argc, char **argv)
{
	unsigned int id;

	if (argc == 3 && !strcmp(argv[1], "--exec-child"))
		return exec_child((unsigned int)strtoul(argv[2], NULL, 10));

	t_init("share", false, 120);

	id = t_create(obj_size, 0, 0);
	part_fork_separate(id);
	part_exec(id, "/proc/self/exe");
	part_inherit(id);
	T_EQ(t_detach(id), 0, "DETACH");

	id = t_create(obj_size, 0, 0);
	part_first_touch(id);
	T_EQ(t_detach(id), 0, "DETACH");
	return t_done();
}
