// SPDX-License-Identifier: GPL-2.0
/*
 * ids: object ids and the publication of a new object.
 *
 * 1. Ids go round, as PIDs do: the id of a detached object is not given
 *    to the next one, so a stale id (in a script, `aobjctl detach N`)
 *    does not name a new object at once.
 * 2. A CREATE whose reply cannot be copied (read-only buffer) fails with
 *    EFAULT and leaves nothing behind: no object, no node, counters as
 *    they were.
 * 3. Until CREATE has finished, nobody can open the new object, neither
 *    through its new node nor through a stale inode of an earlier node
 *    with the same minor: one thread loops CREATEs with a read-only reply
 *    buffer while another keeps opening the node of the id the CREATE
 *    under way gets, and reopening such a stale inode (through
 *    /proc/self/fd of an O_PATH fd), and detaches and closes whatever it
 *    gets.  Before the fix, the second thread could free the node under
 *    CREATE (a use-after-free that KASAN reports).
 */
#include "swaptest.h"

#define ROUNDS		400
#define OBJ_SIZE	(64UL << 10)

static volatile int stop;
static int stale_fd = -1;
static unsigned int first_id;	/* id the first racing CREATE gets */
static volatile long opened, creates_ok, attempts;

/* Open @path; count, detach and close what opens. */
static void grab(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	opened++;
	t_detach_fd(fd);
	close(fd);
}

/*
 * Reopens the stale inode, and the node of the id the CREATE under way
 * gets: with ids handed out in turn, first_id + attempts (and first_id,
 * in case ids are reused lowest-first).
 */
static void *reopener(void *arg)
{
	char stale[64], path[32];

	(void)arg;
	snprintf(stale, sizeof(stale), "/proc/self/fd/%d", stale_fd);
	while (!stop) {
		grab(stale);
		t_node_path(path, sizeof(path), (first_id + attempts) % 65536);
		grab(path);
		t_node_path(path, sizeof(path), first_id);
		grab(path);
	}
	return NULL;
}

static void *creator(void *arg)
{
	struct aobj_create *c = arg;
	int i;

	for (i = 0; i < ROUNDS; i++, attempts++)
		if (!ioctl(t_ctl_fd(), AOBJ_IOC_CREATE, c))
			creates_ok++;
	stop = 1;
	return NULL;
}

/* Create and detach one object: its id. */
static unsigned int create_detach(void)
{
	unsigned int id = t_create(OBJ_SIZE, 0, 0600);

	if (t_detach(id))
		t_bail("DETACH of %u: %s", id, strerror(errno));
	return id;
}

int main(void)
{
	long long objects0;
	struct aobj_create *ro;
	unsigned int a, b, c;
	char path[32];
	pthread_t t1, t2;
	void *page;

	sw_init("ids", 120);

	/* 1: no reuse of a freed id by the next CREATE. */
	a = create_detach();
	b = create_detach();
	c = create_detach();
	t_check(b != a && c != b && c != a,
		"ids of successive objects differ although each was detached (%u %u %u)",
		a, b, c);
	t_check(b == (a + 1) % 65536 && c == (b + 1) % 65536,
		"ids go round in order (%u %u %u)", a, b, c);

	/* 2: a reply that cannot be written takes the object back. */
	objects0 = t_gstat("objects");
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));
	ro = page;
	*ro = (struct aobj_create){ .size = sizeof(*ro), .length = OBJ_SIZE,
				    .mode = 0600 };
	if (mprotect(page, 4096, PROT_READ))
		t_bail("mprotect: %s", strerror(errno));
	T_ERRNO(ioctl(t_ctl_fd(), AOBJ_IOC_CREATE, ro), EFAULT,
		"CREATE with a read-only reply buffer: EFAULT");
	T_EQ(t_gstat("objects"), objects0, "no object left by the failed CREATE");
	t_node_path(path, sizeof(path), c + 1);
	t_check(!t_exists(path), "no node %s left by the failed CREATE", path);

	/* 3: CREATE racing opens of a stale inode. */
	a = t_create(OBJ_SIZE, 0, 0666);
	t_node_path(path, sizeof(path), a);
	stale_fd = open(path, O_PATH | O_CLOEXEC);
	if (stale_fd < 0)
		t_bail("open O_PATH %s: %s", path, strerror(errno));
	if (t_detach(a))
		t_bail("DETACH of %u: %s", a, strerror(errno));
	first_id = (a + 1) % 65536;
	objects0 = t_gstat("objects");
	if (pthread_create(&t1, NULL, reopener, NULL) ||
	    pthread_create(&t2, NULL, creator, ro))
		t_bail("pthread_create");
	pthread_join(t2, NULL);
	pthread_join(t1, NULL);
	T_EQ(creates_ok, 0, "%d CREATEs with a read-only reply all failed", ROUNDS);
	T_EQ(opened, 0, "nothing opened an object being created (stale inode, new node)");
	T_EQ(t_gstat("objects"), objects0, "no object left behind by the race");
	close(stale_fd);
	return sw_done();
}
