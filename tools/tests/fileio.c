// SPDX-License-Identifier: GPL-2.0
/*
 * fileio: the object node as a file.  read/pread/readv and write/pwrite
 * against mmap (both ways, and with the user buffer being a mapping of the
 * same page), the object's end (reads return 0, writes ENOSPC or short),
 * lseek within the size, SEEK_DATA/SEEK_HOLE from resident, swapped and
 * freed pages, holes read without becoming resident, fallocate, sendfile
 * and splice both ways, O_DIRECT, and threads racing pwrite() against
 * stores through a mapping on the same pages.  With a free disk in
 * $AOBJ_DISKS, also pwrite/pread of an object four times the resident
 * limit (through swap), and SEEK_DATA over swapped pages.
 *
 * Exit 0/1/77.
 */
#include "swaptest.h"

#include <sys/sendfile.h>
#include <sys/uio.h>

#define NPAGES		64
#define RACE_PAGES	16
#define RACE_SECONDS	2

static size_t pg;

static bool all_bytes(const unsigned char *p, size_t len, unsigned char c)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != c)
			return false;
	return true;
}

static void test_basic_rw(int fd, unsigned int id, unsigned char *map,
			  size_t size)
{
	unsigned char *buf = malloc(size), *buf2 = malloc(size);
	struct iovec iov[2];
	long long res = -1;
	ssize_t n;

	if (!buf || !buf2)
		t_bail("malloc");
	/* A fresh object reads as zeros and stays empty. */
	memset(buf, 0xee, size);
	T_EQ(pread(fd, buf, size, 0), size, "pread of the whole fresh object");
	t_check(all_bytes(buf, size, 0), "a fresh object reads as zeros");
	t_ostat(id, "resident", &res);
	T_EQ(res, 0, "reading holes makes no page resident");

	/* pwrite unaligned across pages, read back with pread and mmap. */
	t_fill(buf, size, 7);
	T_EQ(pwrite(fd, buf + pg + 100, 3 * pg, pg + 100), 3 * pg,
	     "pwrite of 3 pages at an unaligned offset");
	memset(buf2, 0, size);
	T_EQ(pread(fd, buf2, 3 * pg, pg + 100), 3 * pg, "pread them back");
	t_check(!memcmp(buf2, buf + pg + 100, 3 * pg), "pread sees what pwrite wrote");
	t_check(!memcmp(map + pg + 100, buf + pg + 100, 3 * pg),
		"the mapping sees what pwrite wrote");
	t_check(all_bytes(map + pg, 100, 0) && all_bytes(map + 4 * pg + 100, pg - 100, 0),
		"bytes around the write are still zero");

	/* Stores through the mapping, seen by read(). */
	memset(map + 10 * pg, 0x5a, pg);
	T_EQ(lseek(fd, 10 * pg, SEEK_SET), 10 * pg, "lseek SEEK_SET");
	T_EQ(read(fd, buf2, pg), pg, "read(2) at the file position");
	t_check(all_bytes(buf2, pg, 0x5a), "read sees stores through the mapping");
	T_EQ(lseek(fd, 0, SEEK_CUR), 11 * pg, "read advanced the file position");

	/* write(2) and readv/writev. */
	memset(buf, 0x11, pg);
	memset(buf + pg, 0x22, pg);
	iov[0].iov_base = buf;
	iov[0].iov_len = pg;
	iov[1].iov_base = buf + pg;
	iov[1].iov_len = pg;
	T_EQ(pwritev(fd, iov, 2, 20 * pg), 2 * pg, "pwritev of two pages");
	t_check(all_bytes(map + 20 * pg, pg, 0x11) && all_bytes(map + 21 * pg, pg, 0x22),
		"pwritev landed in order");
	iov[0].iov_base = buf2;
	iov[1].iov_base = buf2 + pg;
	T_EQ(preadv(fd, iov, 2, 20 * pg), 2 * pg, "preadv of two pages");
	t_check(all_bytes(buf2, pg, 0x11) && all_bytes(buf2 + pg, pg, 0x22),
		"preadv read them in order");

	/* The user buffer is a mapping of the very page being copied. */
	memset(map + 30 * pg, 0x77, pg);
	T_EQ(pwrite(fd, map + 30 * pg, pg, 31 * pg), pg,
	     "pwrite from a mapping of the object (another page)");
	t_check(all_bytes(map + 31 * pg, pg, 0x77), "copied from the mapping");
	T_EQ(pwrite(fd, map + 30 * pg + 8, pg / 2, 30 * pg), pg / 2,
	     "pwrite from a mapping of the same page (no deadlock)");
	T_EQ(pread(fd, map + 32 * pg, pg, 31 * pg), pg,
	     "pread into a mapping of the object, not yet faulted in");
	t_check(all_bytes(map + 32 * pg, pg, 0x77), "pread into the mapping landed");
	T_EQ(pread(fd, map + 31 * pg + 16, pg / 2, 31 * pg), pg / 2,
	     "pread into a mapping of the same page");
	/* Freed pages come back from the source when pwrite faults them. */
	T_EQ(t_flush(fd, AOBJ_FLUSH_FREE, 33 * pg, pg), 0, "FLUSH FREE page 33");
	T_EQ(pwrite(fd, map + 33 * pg, pg, 34 * pg), pg,
	     "pwrite from a freed page of the object");
	t_check(all_bytes(map + 34 * pg, pg, 0), "it copied zeros");

	/* Bad buffers. */
	T_ERRNO(pwrite(fd, (void *)8, pg, 0), EFAULT, "pwrite from a bad pointer: EFAULT");
	T_ERRNO(pread(fd, (void *)8, pg, 0), EFAULT, "pread into a bad pointer: EFAULT");

	/* The end of the object. */
	T_EQ(pread(fd, buf2, pg, size), 0, "pread at the end returns 0");
	T_EQ(pread(fd, buf2, pg, size + 5 * pg), 0, "pread past the end returns 0");
	T_EQ(pread(fd, buf2, 2 * pg, size - pg), pg, "pread across the end is short");
	T_ERRNO(pwrite(fd, buf, pg, size), ENOSPC, "pwrite at the end: ENOSPC");
	T_ERRNO(pwrite(fd, buf, 1, size + pg), ENOSPC, "pwrite past the end: ENOSPC");
	T_EQ(pwrite(fd, buf, 2 * pg, size - pg - 10), pg + 10,
	     "pwrite across the end is short");
	T_EQ(pwrite(fd, buf, 0, size + pg), 0, "empty pwrite past the end returns 0");
	T_ERRNO(pread(fd, buf2, 1, -1), EINVAL, "pread at a negative offset: EINVAL");
	n = pread(fd, buf2, size, 0);
	T_EQ(n, size, "pread of the whole object");
	free(buf);
	free(buf2);
}

static void test_seek(int fd, unsigned int id, unsigned char *map, size_t size)
{
	unsigned int sid;
	int sfd;

	(void)id;
	/* Object from test_basic_rw: a fresh one for exact answers. */
	(void)fd;
	(void)map;
	sid = t_create(size, 0, 0600);
	sfd = t_open_or_bail(sid, O_RDWR);

	T_EQ(lseek(sfd, 0, SEEK_END), size, "SEEK_END is the object's size");
	T_EQ(lseek(sfd, -(off_t)pg, SEEK_END), size - pg, "SEEK_END - 1 page");
	T_ERRNO(lseek(sfd, size + 1, SEEK_SET), EINVAL, "SEEK_SET past the end: EINVAL");
	T_ERRNO(lseek(sfd, -1, SEEK_SET), EINVAL, "SEEK_SET negative: EINVAL");
	T_EQ(lseek(sfd, size, SEEK_SET), size, "SEEK_SET to the end");
	T_ERRNO(lseek(sfd, 0, SEEK_DATA), ENXIO, "SEEK_DATA in an empty object: ENXIO");
	T_EQ(lseek(sfd, 0, SEEK_HOLE), 0, "SEEK_HOLE in an empty object: 0");
	T_EQ(lseek(sfd, 5, SEEK_HOLE), 5, "SEEK_HOLE at 5: 5");

	T_EQ(pwrite(sfd, "x", 1, 3 * pg + 7), 1, "write one byte in page 3");
	T_EQ(pwrite(sfd, "yy", 2, 4 * pg), 2, "write two bytes in page 4");
	T_EQ(pwrite(sfd, "z", 1, 10 * pg), 1, "write one byte in page 10");
	T_EQ(lseek(sfd, 0, SEEK_DATA), 3 * pg, "SEEK_DATA 0 -> page 3");
	T_EQ(lseek(sfd, 3 * pg + 9, SEEK_DATA), 3 * pg + 9, "SEEK_DATA inside data: same offset");
	T_EQ(lseek(sfd, 3 * pg, SEEK_HOLE), 5 * pg, "SEEK_HOLE page 3 -> page 5");
	T_EQ(lseek(sfd, 5 * pg, SEEK_DATA), 10 * pg, "SEEK_DATA page 5 -> page 10");
	T_EQ(lseek(sfd, 10 * pg, SEEK_HOLE), 11 * pg, "SEEK_HOLE page 10 -> page 11");
	T_ERRNO(lseek(sfd, 11 * pg, SEEK_DATA), ENXIO, "SEEK_DATA after the last data: ENXIO");
	T_ERRNO(lseek(sfd, size, SEEK_DATA), ENXIO, "SEEK_DATA at the end: ENXIO");
	T_ERRNO(lseek(sfd, size, SEEK_HOLE), ENXIO, "SEEK_HOLE at the end: ENXIO");
	T_EQ(lseek(sfd, 0, SEEK_CUR), 11 * pg, "a failed SEEK_DATA leaves the position");

	/* A page read through a mapping is resident: data, as in tmpfs. */
	{
		unsigned char *m = t_map(sfd, size, PROT_READ);

		if (m == MAP_FAILED)
			t_bail("mmap: %s", strerror(errno));
		T_EQ(m[20 * pg], 0, "read page 20 through a mapping");
		T_EQ(lseek(sfd, 11 * pg, SEEK_DATA), 20 * pg,
		     "a page faulted in by a read is data");
		munmap(m, size);
	}
	T_EQ(t_flush(sfd, AOBJ_FLUSH_FREE, 3 * pg, 2 * pg), 0, "FLUSH FREE pages 3-4");
	T_EQ(lseek(sfd, 0, SEEK_DATA), 10 * pg, "freed pages are a hole again");
	T_EQ(lseek(sfd, 0, SEEK_HOLE), 0, "SEEK_HOLE 0 -> 0");

	/* Every page data: the hole is the end. */
	{
		char *full = calloc(1, size);

		memset(full, 1, size);
		T_EQ(pwrite(sfd, full, size, 0), size, "write every page");
		T_EQ(lseek(sfd, 0, SEEK_HOLE), size, "SEEK_HOLE in a full object: its size");
		free(full);
	}
	close(sfd);
	t_detach(sid);
}

static void test_fallocate_splice(int fd, size_t size)
{
	char path[] = "/tmp/aobj-fileio.XXXXXX";
	unsigned char *buf = malloc(4 * pg), *buf2 = malloc(4 * pg);
	int tfd, p[2];
	off_t off;

	if (!buf || !buf2)
		t_bail("malloc");
	/*
	 * vfs_fallocate() accepts only regular files and block devices
	 * (fs/open.c:319), so a character device gets ENODEV whatever its
	 * fallocate does, and the data stays.  FLUSH FREE punches the hole.
	 */
	t_fill(buf, 2 * pg, 98);
	T_EQ(pwrite(fd, buf, 2 * pg, 0), 2 * pg, "pwrite pages 0-1");
	T_ERRNO(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, pg),
		ENODEV, "fallocate(PUNCH_HOLE) on a character device: ENODEV (VFS)");
	T_ERRNO(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, pg), EOPNOTSUPP,
		"fallocate(PUNCH_HOLE) without KEEP_SIZE: EOPNOTSUPP");
	T_EQ(pread(fd, buf2, 2 * pg, 0), 2 * pg, "pread pages 0-1");
	t_check(!memcmp(buf, buf2, 2 * pg), "the failed punch left the data");
	T_EQ(t_flush(fd, AOBJ_FLUSH_FREE, 0, pg), 0, "FLUSH FREE page 0 instead");
	T_EQ(lseek(fd, 0, SEEK_HOLE), 0, "SEEK_HOLE sees page 0 as a hole");
	T_EQ(lseek(fd, 0, SEEK_DATA), pg, "SEEK_DATA 0 -> page 1");
	memset(buf2, 0xee, pg);
	T_EQ(pread(fd, buf2, pg, 0), pg, "pread page 0");
	t_check(all_bytes(buf2, pg, 0), "page 0 reads as zeros");

	/* sendfile: object -> file, file -> object. */
	tfd = mkstemp(path);
	if (tfd < 0)
		t_bail("mkstemp: %s", strerror(errno));
	unlink(path);
	t_fill(buf, 4 * pg, 99);
	T_EQ(pwrite(fd, buf, 4 * pg, 40 * pg), 4 * pg, "pwrite 4 pages at page 40");
	off = 40 * pg;
	T_EQ(sendfile(tfd, fd, &off, 4 * pg), 4 * pg, "sendfile object -> file");
	T_EQ(off, 44 * pg, "sendfile advanced the offset");
	T_EQ(pread(tfd, buf2, 4 * pg, 0), 4 * pg, "read the file");
	t_check(!memcmp(buf, buf2, 4 * pg), "the file holds the object's bytes");
	T_EQ(lseek(fd, 50 * pg, SEEK_SET), 50 * pg, "seek to page 50");
	off = 0;
	T_EQ(sendfile(fd, tfd, &off, 4 * pg), 4 * pg, "sendfile file -> object");
	T_EQ(pread(fd, buf2, 4 * pg, 50 * pg), 4 * pg, "pread them back");
	t_check(!memcmp(buf, buf2, 4 * pg), "the object holds the file's bytes");
	close(tfd);

	/* splice through a pipe. */
	if (pipe(p))
		t_bail("pipe: %s", strerror(errno));
	off = 40 * pg;
	T_EQ(splice(fd, &off, p[1], NULL, pg, 0), pg, "splice object -> pipe");
	off = 60 * pg;
	T_EQ(splice(p[0], NULL, fd, &off, pg, 0), pg, "splice pipe -> object");
	T_EQ(pread(fd, buf2, pg, 60 * pg), pg, "pread the spliced page");
	t_check(!memcmp(buf, buf2, pg), "splice copied the page");
	off = size;
	T_EQ(splice(fd, &off, p[1], NULL, pg, 0), 0, "splice from the end: 0");
	close(p[0]);
	close(p[1]);
	free(buf);
	free(buf2);
}

static void test_odirect(unsigned int id)
{
	unsigned char *buf = NULL;
	int dfd;

	dfd = t_open(id, O_RDWR | O_DIRECT);
	if (!t_check(dfd >= 0, "open with O_DIRECT")) {
		t_diag("open: %s", strerror(errno));
		return;
	}
	if (posix_memalign((void **)&buf, pg, 2 * pg))
		t_bail("posix_memalign");
	memset(buf, 0x3c, 2 * pg);
	T_EQ(pwrite(dfd, buf, 2 * pg, 12 * pg), 2 * pg, "O_DIRECT pwrite");
	memset(buf, 0, 2 * pg);
	T_EQ(pread(dfd, buf, 2 * pg, 12 * pg), 2 * pg, "O_DIRECT pread");
	t_check(all_bytes(buf, 2 * pg, 0x3c), "O_DIRECT read back");
	free(buf);
	close(dfd);
}

/* ---- pwrite() against stores through a mapping, on the same pages ---- */

struct race {
	int fd;
	volatile uint64_t *map;
	volatile int stop;
	uint64_t last_w;	/* last generation pwrite() finished */
	uint64_t last_m;	/* last generation stored through the mapping */
	long errors;
};

/* First half of each page: pwrite() of generation g in every word. */
static void *race_pwriter(void *arg)
{
	struct race *r = arg;
	uint64_t *buf = malloc(pg / 2), g;
	size_t i, p;

	for (g = 1; !r->stop; g++) {
		for (i = 0; i < pg / 16; i++)
			buf[i] = g << 8 | 1;
		for (p = 0; p < RACE_PAGES; p++)
			if (pwrite(r->fd, buf, pg / 2, p * pg) != (ssize_t)pg / 2)
				__sync_fetch_and_add(&r->errors, 1);
		__atomic_store_n(&r->last_w, g, __ATOMIC_RELEASE);
	}
	free(buf);
	return NULL;
}

/* Second half: stores through the mapping; reads check the first half. */
static void *race_mapper(void *arg)
{
	struct race *r = arg;
	size_t words = pg / 8, i, p;
	uint64_t g, seen;

	for (g = 1; !r->stop; g++) {
		for (p = 0; p < RACE_PAGES; p++) {
			volatile uint64_t *w = r->map + p * words;

			for (i = words / 2; i < words; i++)
				w[i] = g << 8 | 2;
			/* The pwrite half only ever moves forward. */
			seen = w[0];
			if (seen && (seen & 0xff) != 1)
				__sync_fetch_and_add(&r->errors, 1);
		}
		__atomic_store_n(&r->last_m, g, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* pread() of whole pages: each half holds one writer's words only. */
static void *race_reader(void *arg)
{
	struct race *r = arg;
	uint64_t *buf = malloc(pg);
	size_t words = pg / 8, i, p;

	while (!r->stop) {
		for (p = 0; p < RACE_PAGES; p++) {
			if (pread(r->fd, buf, pg, p * pg) != (ssize_t)pg) {
				__sync_fetch_and_add(&r->errors, 1);
				continue;
			}
			for (i = 0; i < words; i++) {
				uint64_t tag = i < words / 2 ? 1 : 2;

				if (buf[i] && (buf[i] & 0xff) != tag)
					__sync_fetch_and_add(&r->errors, 1);
			}
		}
	}
	free(buf);
	return NULL;
}

static void test_race(int fd, unsigned char *map)
{
	struct race r = { .fd = fd, .map = (volatile uint64_t *)map };
	pthread_t t[4];
	uint64_t *buf = malloc(RACE_PAGES * pg);
	size_t words = pg / 8, i, p, bad = 0;
	int flushes = 0;
	time_t end;

	if (!buf)
		t_bail("malloc");
	/*
	 * Generation 0, tagged: read() and write() copy bytes, not words,
	 * so a word read while it changes may mix old and new bytes.  Every
	 * value of a half has that half's tag in its low byte, so a mix
	 * still has it; from zeros, a mix could look like the other tag.
	 */
	for (p = 0; p < RACE_PAGES; p++)
		for (i = 0; i < words; i++)
			r.map[p * words + i] = i < words / 2 ? 1 : 2;
	pthread_create(&t[0], NULL, race_pwriter, &r);
	pthread_create(&t[1], NULL, race_mapper, &r);
	pthread_create(&t[2], NULL, race_reader, &r);
	pthread_create(&t[3], NULL, race_reader, &r);
	/* Meanwhile, DEACTIVATE puts the pages in line for pageout. */
	end = time(NULL) + RACE_SECONDS;
	while (time(NULL) < end) {
		if (t_flush(fd, AOBJ_FLUSH_DEACTIVATE, 0, RACE_PAGES * pg))
			__sync_fetch_and_add(&r.errors, 1);
		flushes++;
		usleep(1000);
	}
	r.stop = 1;
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	T_EQ(r.errors, 0, "racing pwrite/mmap stores/pread: no error, no torn half (%d deactivates)",
	     flushes);
	t_diag("pwrite generations %llu, mapping generations %llu",
	       (unsigned long long)r.last_w, (unsigned long long)r.last_m);

	/* After the race: both views agree, and hold the last generations. */
	T_EQ(pread(fd, buf, RACE_PAGES * pg, 0), RACE_PAGES * pg, "pread after the race");
	t_check(!memcmp(buf, map, RACE_PAGES * pg), "pread and the mapping agree");
	for (p = 0; p < RACE_PAGES; p++)
		for (i = 0; i < words; i++)
			if (buf[p * words + i] != (i < words / 2 ?
						   r.last_w << 8 | 1 :
						   r.last_m << 8 | 2))
				bad++;
	T_EQ(bad, 0, "every word holds its writer's last generation");
	free(buf);
}

/* ---- through swap ---- */

static bool free_disk(char *out, size_t len)
{
	const char *env = getenv("AOBJ_DISKS");
	char buf[512], *tok, *save = NULL;
	struct stat st;

	if (!env)
		return false;
	snprintf(buf, sizeof(buf), "%s", env);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (stat(tok, &st) || !S_ISBLK(st.st_mode) || sw_swapdev(tok, NULL))
			continue;
		snprintf(out, len, "%s", tok);
		return true;
	}
	return false;
}

static void test_swap(void)
{
	const size_t limit_mb = 4, size = 4 * limit_mb * SW_MIB;
	char disk[64];
	uint64_t *buf;
	long long pi0, po0;
	unsigned int id;
	ssize_t first;
	size_t off;
	off_t data;
	int fd, errs = 0;

	if (!free_disk(disk, sizeof(disk))) {
		t_diag("no free disk in AOBJ_DISKS: swap part not run");
		return;
	}
	sw_swapon_or_bail(disk, 0);
	sw_set_limit_mb(limit_mb);
	id = t_create(size, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	buf = malloc(SW_MIB);
	if (!buf)
		t_bail("malloc");
	po0 = t_gstat("pageouts");
	for (off = 0; off < size; off += SW_MIB) {
		t_fill(buf, SW_MIB, 5 + off / SW_MIB);
		if (pwrite(fd, buf, SW_MIB, off) != (ssize_t)SW_MIB)
			errs++;
	}
	T_EQ(errs, 0, "pwrite of %zu MiB with a %zu MiB resident limit", size >> 20, limit_mb);
	t_check(t_gstat("pageouts") > po0, "pages went out to swap (%lld)",
		t_gstat("pageouts") - po0);
	data = lseek(fd, 0, SEEK_DATA);
	T_EQ(data, 0, "SEEK_DATA 0 -> 0 with page 0 swapped out");
	T_EQ(lseek(fd, 0, SEEK_HOLE), size, "no hole in a swapped-out object");
	pi0 = t_gstat("pageins");
	for (off = 0; off < size; off += SW_MIB) {
		if (pread(fd, buf, SW_MIB, off) != (ssize_t)SW_MIB ||
		    t_verify(buf, SW_MIB, 5 + off / SW_MIB, 0, &first))
			errs++;
	}
	T_EQ(errs, 0, "pread gives back every byte through swap");
	t_check(t_gstat("pageins") > pi0, "pages came back from swap (%lld)",
		t_gstat("pageins") - pi0);
	free(buf);
	close(fd);
	t_detach(id);
}

int main(void)
{
	size_t size;
	unsigned char *map;
	unsigned int id;
	int fd;

	sw_init("fileio", 240);
	pg = t_pagesize;
	size = NPAGES * pg;
	id = t_create(size, 0, 0600);
	fd = t_open_or_bail(id, O_RDWR);
	map = t_map(fd, size, PROT_READ | PROT_WRITE);
	if (map == MAP_FAILED)
		t_bail("mmap: %s", strerror(errno));

	test_basic_rw(fd, id, map, size);
	test_seek(fd, id, map, size);
	test_fallocate_splice(fd, size);
	test_odirect(id);
	test_race(fd, map);

	{
		int rfd = t_open_or_bail(id, O_RDONLY);

		T_ERRNO(pwrite(rfd, "x", 1, 0), EBADF, "pwrite on a read-only fd: EBADF");
		close(rfd);
	}
	munmap(map, size);
	close(fd);
	test_swap();
	return sw_done();
}
