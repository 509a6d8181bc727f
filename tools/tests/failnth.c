// SPDX-License-Identifier: GPL-2.0
/*
 * failnth: systematic allocation-failure injection (fail-nth, as syzkaller
 * does it; see failnth.h) into every ioctl (CREATE, LIST, STAT, FLUSH
 * FREE/DEACTIVATE/CLEAN, DETACH, SWAPON, SWAPOFF, SWAPS), a first-touch
 * fault (a store, and MADV_POPULATE_WRITE, which returns the fault's
 * ENOMEM), a swap-in fault with readahead, and a fault that pages out a
 * cluster itself at the resident limit.  Module init is failnth_init.
 *
 * Each injected failure must give ENOMEM (SIGBUS for a fault) or be
 * absorbed; the data must stay intact; the module's counters
 * (stats/objects, resident_pages, swpgonly) must agree with LIST and
 * SWAPS and be what the outcome says (as before, for a failure); an object
 * no call touches must survive; and after the failed CREATEs the limits
 * (max_objects, max_total_size) must allow exactly what they allowed.
 *
 * Needs the debug kernel (CONFIG_FAULT_INJECTION, FAILSLAB,
 * FAIL_PAGE_ALLOC, FAULT_INJECTION_DEBUG_FS), root and one free disk in
 * $AOBJ_DISKS; skips (77) without fail-nth (the stock kernel).
 * FAILNTH_ONLY="create list stat touch swapon swaps flush clean detach
 * swapin pageout swapoff" runs only some cases.
 */
#include "failnth.h"

#define FN_PG		4096UL
#define FN_LIMIT_MB	1	/* resident limit for the swap cases */

/* The resident count at which a fault pages out itself (aobj_reserve_page). */
#define FN_LIMIT_PAGES	((long long)(FN_LIMIT_MB * SW_MIB / FN_PG))
#define FN_HIGH		(FN_LIMIT_PAGES - FN_LIMIT_PAGES / 32)

/* ---- module state ---- */

/**
 * struct fn_state - what must come back after a failure
 * @objects, @resident, @swpgonly: /sys/class/misc/aobj/stats/
 * @nlist: objects LIST reports
 * @bytes, @lres, @lswp: sums of their length, resident, swapped
 * @used: sum over SWAPS of used - bad slots
 * @nswaps: swap devices
 */
struct fn_state {
	long long objects, resident, swpgonly;
	unsigned long long nlist, bytes, lres, lswp;
	long long used;
	int nswaps;
};

#define FN_LIST_MAX	1024
static struct aobj_info fn_ents[FN_LIST_MAX];

static void fn_state_read(struct fn_state *s)
{
	struct aobj_list l = {
		.size = sizeof(l), .count = FN_LIST_MAX,
		.entry_size = sizeof(fn_ents[0]), .entries = (uintptr_t)fn_ents,
	};
	struct aobj_swapdev_info sw[SW_MAX_DEVS];
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->objects = t_gstat("objects");
	s->resident = t_gstat("resident_pages");
	s->swpgonly = t_gstat("swpgonly");
	if (ioctl(t_ctl_fd(), AOBJ_IOC_LIST, &l))
		t_bail("LIST: %s", strerror(errno));
	if (l.count > FN_LIST_MAX)
		t_bail("LIST: %u objects", l.count);
	s->nlist = l.count;
	for (i = 0; i < l.count; i++) {
		s->bytes += fn_ents[i].length;
		s->lres += fn_ents[i].resident;
		s->lswp += fn_ents[i].swapped;
	}
	s->nswaps = sw_swaps(sw, SW_MAX_DEVS);
	for (i = 0; i < (unsigned int)s->nswaps && i < SW_MAX_DEVS; i++)
		s->used += sw[i].used - sw[i].bad;
}

static bool fn_state_sane(const struct fn_state *s)
{
	return s->objects == (long long)s->nlist &&
	       s->resident == (long long)s->lres &&
	       s->used == (long long)s->lswp &&
	       s->swpgonly >= 0 && s->swpgonly <= (long long)s->lswp;
}

static void fn_state_print(const char *what, const struct fn_state *s)
{
	printf("#     %s: objects %lld (LIST %llu, %llu bytes), resident %lld (LIST %llu), swpgonly %lld, swapped (LIST) %llu, slots used %lld on %d device(s)\n",
	       what, s->objects, s->nlist, s->bytes, s->resident, s->lres,
	       s->swpgonly, s->lswp, s->used, s->nswaps);
}

/*
 * fn_state_get: the state once it is consistent (a release handed to a
 * worker may be in flight); reports it to @c if it never gets there.
 */
static void fn_state_get(struct fn_case *c, int n, struct fn_state *s)
{
	int i;

	for (i = 0; i < 200; i++) {
		fn_state_read(s);
		if (fn_state_sane(s))
			return;
		usleep(10000);
	}
	if (c) {
		fn_bad(c, n, "counters disagree with LIST/SWAPS");
		fn_state_print("now", s);
	} else {
		t_check(false, "counters agree with LIST and SWAPS");
		fn_state_print("now", s);
	}
}

static bool fn_state_equal(const struct fn_state *s,
			   const struct fn_state *want)
{
	return s->objects == want->objects && s->nlist == want->nlist &&
	       s->bytes == want->bytes && s->resident == want->resident &&
	       s->swpgonly == want->swpgonly && s->lswp == want->lswp &&
	       s->used == want->used && s->nswaps == want->nswaps;
}

/*
 * fn_state_expect: the state must become @want (at once, but for a
 * release handed to a worker); reported to @c if it does not.
 */
static bool fn_state_expect(struct fn_case *c, int n,
			    const struct fn_state *want)
{
	struct fn_state s;
	int i;

	for (i = 0; i < 100; i++) {
		fn_state_read(&s);
		if (fn_state_sane(&s) && fn_state_equal(&s, want))
			return true;
		usleep(10000);
	}
	fn_bad(c, n, "module state not as expected");
	fn_state_print("expected", want);
	fn_state_print("got", &s);
	return false;
}

/* ---- objects ---- */

struct fn_obj {
	unsigned int id;
	int fd;
	char *map;
	size_t pages;
};

static void fn_obj_new(struct fn_obj *o, size_t pages, uint32_t flags)
{
	o->pages = pages;
	o->id = t_create(pages * FN_PG, flags, 0600);
	o->fd = t_open_or_bail(o->id, O_RDWR);
	o->map = t_map(o->fd, pages * FN_PG, PROT_READ | PROT_WRITE);
	if (o->map == MAP_FAILED)
		t_bail("mmap of %zu pages: %s", pages, strerror(errno));
}

static void fn_obj_del(struct fn_obj *o)
{
	int err;

	/* Through our own file: it works even if the id was lost. */
	munmap(o->map, o->pages * FN_PG);
	err = t_detach_fd(o->fd) ? errno : 0;
	close(o->fd);
	if (err)
		t_bail("detach of object %u: %s", o->id, strerror(err));
	t_untrack(o->id);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

static struct aobj_info fn_info(struct fn_obj *o)
{
	struct aobj_info info;

	if (t_stat(o->fd, &info))
		t_bail("STAT of object %u: %s", o->id, strerror(errno));
	return info;
}

static void fn_fill(struct fn_obj *o, size_t from, size_t to, uint64_t seed)
{
	size_t pg;

	for (pg = from; pg < to; pg++)
		sw_fill_page(o->map + pg * FN_PG, pg, seed);
}

/* Pages of [from, to) that do not hold their pattern for @seed. */
static size_t fn_verify(struct fn_case *c, int n, struct fn_obj *o,
			size_t from, size_t to, uint64_t seed)
{
	size_t pg, bad = 0, first = 0;

	for (pg = from; pg < to; pg++)
		if (!sw_page_ok(o->map + pg * FN_PG, pg, seed) && !bad++)
			first = pg;
	if (bad)
		fn_bad(c, n, "%zu of pages %zu-%zu lost their data (first: %zu)",
		       bad, from, to - 1, first);
	return bad;
}

static int fn_flush(struct fn_obj *o, uint32_t mode)
{
	return t_flush(o->fd, mode, 0, 0) ? errno : 0;
}

static void fn_flush_or_bail(struct fn_obj *o, uint32_t mode)
{
	int err = fn_flush(o, mode);

	if (err)
		t_bail("FLUSH %#x of object %u: %s", mode, o->id, errno_name(err));
}

/*
 * fn_touch: store @val at @p (or load it into *@val); 0, or FN_SIGBUS.
 * The SIGBUS handler is installed once: nothing but the access runs
 * between fn_arm() and fn_disarm().
 */
static int fn_touch(void *p, uint64_t *val, bool write)
{
	if (sigsetjmp(sw_jmp, 1))
		return FN_SIGBUS;
	sw_jmp_armed = 1;
	if (write)
		*(volatile uint64_t *)p = *val;
	else
		*val = *(volatile uint64_t *)p;
	sw_jmp_armed = 0;
	return 0;
}

/* The object whose pages push others out at the resident limit. */
static struct fn_obj fn_pusher;

/*
 * fn_push_out: page every page of @o out: make them first in line, then
 * fault in pages of the pusher until @o has none resident.
 */
static bool fn_push_out(struct fn_obj *o)
{
	size_t i;
	bool out = false;

	fn_flush_or_bail(o, AOBJ_FLUSH_DEACTIVATE);
	for (i = 0; i < fn_pusher.pages; i++) {
		fn_pusher.map[i * FN_PG] = 1;
		if ((i & 7) == 7 && !fn_info(o).resident) {
			out = true;
			break;
		}
	}
	fn_flush_or_bail(&fn_pusher, AOBJ_FLUSH_FREE);
	return out;
}

/* ---- the witness: an object that must survive every failure ---- */

static struct fn_obj fn_witness;

static void fn_witness_check(struct fn_case *c, int n)
{
	int fd = t_open(fn_witness.id, O_RDONLY);
	struct aobj_info info;

	if (fd < 0) {
		fn_bad(c, n, "object %u (untouched by the call) cannot be opened: %s",
		       fn_witness.id, errno_name(errno));
		return;
	}
	if (t_stat(fd, &info) || info.id != fn_witness.id)
		fn_bad(c, n, "object %u: STAT fails or has another id",
		       fn_witness.id);
	close(fd);
}

/* ---- the ioctls ---- */

#define FN_CREATE_BYTES	(64 * FN_PG)

static void case_create(void)
{
	struct fn_case *c = fn_case_new("CREATE");
	struct fn_state s0;
	unsigned int id;
	int n, err;
	bool inj;

	fn_state_get(NULL, 0, &s0);
	for (n = 1; n <= FN_MAX_NTH; n++) {
		fn_arm(n);
		err = -t_create_raw(FN_CREATE_BYTES, 0, 0640, &id);
		inj = fn_disarm();
		if (!err) {
			char node[32];
			struct aobj_info info;
			int fd;

			t_node_path(node, sizeof(node), id);
			fd = open(node, O_RDWR | O_CLOEXEC);
			if (fd < 0) {
				fn_bad(c, n, "created object %u: open %s: %s",
				       id, node, errno_name(errno));
			} else {
				if (t_stat(fd, &info) || info.id != id ||
				    info.length != FN_CREATE_BYTES ||
				    info.mode != 0640)
					fn_bad(c, n, "created object %u: STAT wrong",
					       id);
				close(fd);
			}
			err = -t_detach(id);
			if (err)
				fn_bad(c, n, "detach of created object %u: %s",
				       id, errno_name(err));
			err = 0;
		}
		fn_state_expect(c, n, &s0);
		fn_witness_check(c, n);
		if (!fn_step(c, n, inj, err, fn_enomem))
			break;
	}
	fn_report(c, FN_MAX_NTH);
}

/*
 * After the failed CREATEs: max_objects and max_total_size must still
 * allow exactly what they allowed before (a leaked count or byte total
 * would refuse too early).
 */
static void case_limits(void)
{
	struct fn_state s;
	unsigned int ids[8], made = 0, id, i;
	char buf[32];
	int err;

	fn_state_get(NULL, 0, &s);
	snprintf(buf, sizeof(buf), "%llu", s.nlist + 4);
	if (t_param_set("max_objects", buf))
		t_bail("set max_objects: %s", strerror(errno));
	while (made < 8 && !t_create_raw(FN_PG, 0, 0600, &ids[made]))
		t_track(ids[made++]);
	T_EQ(made, 4, "after the injected failures: max_objects = %llu + 4 still allows 4 more objects",
	     s.nlist);
	for (i = 0; i < made; i++)
		t_detach(ids[i]);
	t_restore_params();

	snprintf(buf, sizeof(buf), "%llu", s.bytes + 4 * FN_PG);
	if (t_param_set("max_total_size", buf))
		t_bail("set max_total_size: %s", strerror(errno));
	err = t_create_raw(4 * FN_PG, 0, 0600, &id);
	if (t_check_errno(err ? -1 : 0, -err, 0,
			  "after the injected failures: max_total_size = total + 4 pages allows 4 pages"))
		t_detach(id);
	err = t_create_raw(5 * FN_PG, 0, 0600, &id);
	t_check_errno(err ? -1 : 0, -err, ENOSPC,
		      "... and refuses 5 pages with ENOSPC");
	if (!err)
		t_detach(id);
	t_restore_params();
}

static void case_list(unsigned int room)
{
	char *name = malloc(32);
	struct fn_case *c;
	struct fn_state s0;
	struct aobj_list l;
	int n, err;
	bool inj;

	if (!name)
		t_bail("malloc");
	snprintf(name, 32, "LIST (room for %u)", room);
	c = fn_case_new(name);
	fn_state_get(NULL, 0, &s0);
	for (n = 1; n <= FN_MAX_NTH; n++) {
		memset(&l, 0, sizeof(l));
		l.size = sizeof(l);
		l.count = room;
		l.entry_size = sizeof(fn_ents[0]);
		l.entries = (uintptr_t)fn_ents;
		fn_arm(n);
		err = ioctl(t_ctl_fd(), AOBJ_IOC_LIST, &l) ? errno : 0;
		inj = fn_disarm();
		if (!err && l.count != s0.nlist)
			fn_bad(c, n, "LIST counts %u objects, not %llu", l.count,
			       s0.nlist);
		fn_state_expect(c, n, &s0);
		if (!fn_step(c, n, inj, err, fn_enomem))
			break;
	}
	fn_report(c, FN_MAX_NTH);
}

static void case_stat(void)
{
	struct fn_case *c = fn_case_new("STAT");
	struct aobj_info info;
	int n, err;
	bool inj;

	for (n = 1; n <= FN_MAX_NTH; n++) {
		fn_arm(n);
		err = t_stat(fn_witness.fd, &info) ? errno : 0;
		inj = fn_disarm();
		if (!err && info.id != fn_witness.id)
			fn_bad(c, n, "STAT says id %u, not %u", info.id,
			       fn_witness.id);
		if (!fn_step(c, n, inj, err, fn_enomem))
			break;
	}
	fn_report(c, FN_MAX_NTH);
}

static void case_swaps(void)
{
	struct fn_case *c = fn_case_new("SWAPS");
	struct aobj_swapdev_info ents[SW_MAX_DEVS];
	struct aobj_swaps s;
	struct fn_state s0;
	int n, err;
	bool inj;

	fn_state_get(NULL, 0, &s0);
	for (n = 1; n <= FN_MAX_NTH; n++) {
		memset(&s, 0, sizeof(s));
		s.size = sizeof(s);
		s.count = SW_MAX_DEVS;
		s.entry_size = sizeof(ents[0]);
		s.entries = (uintptr_t)ents;
		fn_arm(n);
		err = ioctl(t_ctl_fd(), AOBJ_IOC_SWAPS, &s) ? errno : 0;
		inj = fn_disarm();
		if (!err && (int)s.count != s0.nswaps)
			fn_bad(c, n, "SWAPS lists %u devices, not %d", s.count,
			       s0.nswaps);
		fn_state_expect(c, n, &s0);
		if (!fn_step(c, n, inj, err, fn_enomem))
			break;
	}
	fn_report(c, FN_MAX_NTH);
}

/* ---- faults ---- */

/*
 * First touch of a page: a store (an ENOMEM of the fault handler is
 * VM_FAULT_OOM, which the kernel retries: the store must complete), and
 * MADV_POPULATE_WRITE (the same fault through GUP, which returns ENOMEM).
 */
static void case_first_touch(bool populate)
{
	struct fn_case *c = fn_case_new(populate ? "first touch (MADV_POPULATE_WRITE)" :
					"first-touch fault (store)");
	struct fn_state s0, want;
	struct aobj_info info;
	struct fn_obj o;
	uint64_t val, got;
	int n, err;
	bool inj;

	fn_obj_new(&o, 64, 0);
	for (n = 1; n <= FN_MAX_NTH; n++) {
		fn_flush_or_bail(&o, AOBJ_FLUSH_FREE);
		fn_state_get(c, n, &s0);
		val = t_pattern(n, 0, 7);
		fn_arm(n);
		if (populate)
			err = madvise(o.map, FN_PG, MADV_POPULATE_WRITE) ? errno : 0;
		else
			err = fn_touch(o.map, &val, true);
		inj = fn_disarm();

		info = fn_info(&o);
		want = s0;
		if (!err) {
			if (fn_touch(o.map, &got, false) || got != (populate ? 0 : val))
				fn_bad(c, n, "page 0 does not hold what was stored");
			if (info.resident != 1)
				fn_bad(c, n, "%llu pages resident after the touch, not 1",
				       (unsigned long long)info.resident);
			want.resident++;
			want.lres++;
		} else if (info.resident == 1) {
			/* Failed after the page was in: it holds zeros. */
			if (fn_touch(o.map, &got, false) || got)
				fn_bad(c, n, "page 0 is not zero after a failed fault");
			want.resident++;
			want.lres++;
		}
		fn_state_expect(c, n, &want);
		if (!fn_step(c, n, inj, err, fn_fault_errs))
			break;
	}
	fn_obj_del(&o);
	fn_report(c, FN_MAX_NTH);
}

/* ---- FLUSH, DETACH ---- */

#define FN_FLUSH_PAGES	96	/* more than 64: a slot map of clusters */

/*
 * FLUSH FREE and DEACTIVATE of an object whose pages are resident and
 * have swap copies (after a CLEAN).
 */
static void case_flush(uint32_t mode, const char *name)
{
	struct fn_case *c = fn_case_new(name);
	struct fn_state s0, want;
	struct aobj_info info;
	struct fn_obj o;
	int n, err;
	bool inj;

	fn_obj_new(&o, FN_FLUSH_PAGES, 0);
	for (n = 1; n <= FN_MAX_NTH; n++) {
		fn_flush_or_bail(&o, AOBJ_FLUSH_FREE);
		fn_fill(&o, 0, o.pages, n);
		fn_flush_or_bail(&o, AOBJ_FLUSH_CLEAN);
		fn_state_get(c, n, &s0);
		fn_arm(n);
		err = fn_flush(&o, mode);
		inj = fn_disarm();

		info = fn_info(&o);
		want = s0;
		if (!err && mode == AOBJ_FLUSH_FREE) {
			if (info.resident || info.swapped)
				fn_bad(c, n, "FREE left %llu resident, %llu swapped pages",
				       (unsigned long long)info.resident,
				       (unsigned long long)info.swapped);
			want.resident -= o.pages;
			want.lres -= o.pages;
			want.lswp -= o.pages;
			want.used -= o.pages;
			if (fn_state_expect(c, n, &want) &&
			    t_first_nonzero(o.map + 5 * FN_PG, FN_PG) >= 0)
				fn_bad(c, n, "page 5 is not zero after FREE");
		} else {
			fn_state_expect(c, n, &want);
			fn_verify(c, n, &o, 0, o.pages, n);
		}
		if (!fn_step(c, n, inj, err, fn_enomem))
			break;
	}
	fn_obj_del(&o);
	fn_report(c, FN_MAX_NTH);
}

/*
 * FLUSH CLEAN: writes the dirty pages to new slots (slot-map clusters are
 * allocated with GFP_NOWAIT there).  A failure leaves some pages without a
 * copy, dirty: paged out afterwards, every page must read back right.
 */
static void case_clean(void)
{
	struct fn_case *c = fn_case_new("FLUSH CLEAN");
	struct fn_state s0, s;
	struct aobj_info info;
	struct fn_obj o;
	int n, err;
	bool inj;

	fn_obj_new(&o, FN_FLUSH_PAGES, 0);
	for (n = 1; n <= FN_MAX_NTH; n++) {
		fn_flush_or_bail(&o, AOBJ_FLUSH_FREE);
		fn_fill(&o, 0, o.pages, n);
		fn_state_get(c, n, &s0);
		fn_arm(n);
		err = fn_flush(&o, AOBJ_FLUSH_CLEAN);
		inj = fn_disarm();

		info = fn_info(&o);
		fn_state_get(c, n, &s);
		if (!err && info.swapped != o.pages)
			fn_bad(c, n, "CLEAN succeeded with %llu of %zu pages on swap",
			       (unsigned long long)info.swapped, o.pages);
		if (info.resident != o.pages)
			fn_bad(c, n, "%llu pages resident after CLEAN, not %zu",
			       (unsigned long long)info.resident, o.pages);
		if (s.objects != s0.objects || s.resident != s0.resident ||
		    s.swpgonly != s0.swpgonly ||
		    s.used != s0.used + (long long)info.swapped)
			fn_bad(c, n, "counters moved: resident %lld -> %lld, swpgonly %lld -> %lld, slots used %lld -> %lld (%llu pages swapped)",
			       s0.resident, s.resident, s0.swpgonly, s.swpgonly,
			       s0.used, s.used, (unsigned long long)info.swapped);
		fn_verify(c, n, &o, 0, o.pages, n);
		/* Out and back in: the copies CLEAN made, or new ones. */
		if (!fn_push_out(&o))
			fn_bad(c, n, "could not page the object out");
		fn_verify(c, n, &o, 0, o.pages, n);
		if (!fn_step(c, n, inj, err, fn_enomem))
			break;
	}
	fn_obj_del(&o);
	fn_report(c, FN_MAX_NTH);
}

/*
 * DETACH of an unmapped object with resident pages and swap copies, and
 * the close that releases it.
 */
static void case_detach(void)
{
	struct fn_case *c = fn_case_new("DETACH (and the release at close)");
	struct fn_state s0, want;
	struct fn_obj o;
	char node[32];
	int n, err;
	bool inj;

	for (n = 1; n <= FN_MAX_NTH; n++) {
		fn_obj_new(&o, FN_FLUSH_PAGES, 0);
		fn_fill(&o, 0, o.pages, n);
		fn_flush_or_bail(&o, AOBJ_FLUSH_CLEAN);
		munmap(o.map, o.pages * FN_PG);
		fn_state_get(c, n, &s0);
		fn_arm(n);
		err = t_detach_fd(o.fd) ? errno : 0;
		close(o.fd);
		inj = fn_disarm();

		t_node_path(node, sizeof(node), o.id);
		want = s0;
		if (!err) {
			t_untrack(o.id);
			if (t_exists(node))
				fn_bad(c, n, "%s still there after DETACH", node);
			want.objects--;
			want.nlist--;
			want.bytes -= o.pages * FN_PG;
			want.resident -= o.pages;
			want.lres -= o.pages;
			want.lswp -= o.pages;
			want.used -= o.pages;
			fn_state_expect(c, n, &want);
		} else {
			fn_state_expect(c, n, &want);
			if (t_detach(o.id))
				fn_bad(c, n, "DETACH after a failed DETACH fails");
		}
		if (!fn_step(c, n, inj, err, fn_enomem))
			break;
	}
	fn_report(c, FN_MAX_NTH);
}

/* ---- swap devices ---- */

static char fn_disk[64];

static void case_swapon(void)
{
	struct fn_case *c = fn_case_new("SWAPON");
	struct fn_state s0;
	int n, err;
	bool inj;

	fn_state_get(NULL, 0, &s0);
	for (n = 1; n <= FN_MAX_NTH; n++) {
		fn_arm(n);
		err = -sw_swapon_raw(fn_disk, 0);
		inj = fn_disarm();
		if (err) {
			if (sw_swapdev(fn_disk, NULL))
				fn_bad(c, n, "failed SWAPON left %s listed", fn_disk);
			fn_state_expect(c, n, &s0);
		} else if (!sw_swapdev(fn_disk, NULL)) {
			fn_bad(c, n, "SWAPON succeeded, SWAPS does not list it");
		}
		if (!fn_step(c, n, inj, err, fn_enomem))
			break;
		if (!err) {
			/* Absorbed: off again for the next round. */
			err = -sw_swapoff_raw(fn_disk, NULL);
			if (err) {
				fn_bad(c, n, "SWAPOFF after SWAPON: %s",
				       errno_name(err));
				break;
			}
			fn_state_expect(c, n, &s0);
		}
	}
	fn_report(c, FN_MAX_NTH);
	if (!sw_swapdev(fn_disk, NULL))
		t_bail("%s is not in service", fn_disk);
	/* Tracked for SWAPOFF at exit. */
	snprintf(sw_on[0], sizeof(sw_on[0]), "%s", fn_disk);
}

#define FN_SWAPIN_PAGES	32

/*
 * A fault on the first page of an object paged out in one cluster: the
 * swap-in reads the following pages too (readahead window 4 on a new
 * object), allocating them with GFP_NOWAIT.
 */
static void case_swapin(void)
{
	struct fn_case *c = fn_case_new("swap-in fault with readahead");
	struct fn_state s0, s;
	struct aobj_info info;
	struct fn_obj o;
	uint64_t got;
	int n, err;
	bool inj;

	for (n = 1; n <= FN_MAX_NTH; n++) {
		fn_obj_new(&o, FN_SWAPIN_PAGES, 0);
		fn_fill(&o, 0, o.pages, n);
		if (!fn_push_out(&o)) {
			fn_bad(c, n, "could not page the object out");
			fn_obj_del(&o);
			break;
		}
		fn_state_get(c, n, &s0);
		fn_arm(n);
		err = fn_touch(o.map, &got, false);
		inj = fn_disarm();

		info = fn_info(&o);
		if (!err && got != t_pattern(0, 0, n))
			fn_bad(c, n, "page 0 read back wrong");
		if (!inj && info.resident < 4)
			fn_bad(c, n, "no readahead: %llu page(s) resident after the fault",
			       (unsigned long long)info.resident);
		fn_state_get(c, n, &s);
		if (s.swpgonly != s0.swpgonly - (long long)info.resident ||
		    s.resident != s0.resident + (long long)info.resident ||
		    s.used != s0.used || info.swapped != o.pages)
			fn_bad(c, n, "counters after the swap-in of %llu pages: resident %lld -> %lld, swpgonly %lld -> %lld, slots %lld -> %lld",
			       (unsigned long long)info.resident, s0.resident,
			       s.resident, s0.swpgonly, s.swpgonly, s0.used, s.used);
		fn_verify(c, n, &o, 0, o.pages, n);
		fn_obj_del(&o);
		if (!fn_step(c, n, inj, err, fn_fault_errs))
			break;
	}
	fn_report(c, FN_MAX_NTH);
}

#define FN_PAGEOUT_PAGES	320

/*
 * A first-touch fault at the resident limit's high watermark pages out a
 * cluster of 32 pages itself (aobj_reserve_page()), setting slots in a
 * clustered slot map (GFP_NOWAIT allocations) before it gets its page.
 */
static void case_pageout(void)
{
	struct fn_case *c = fn_case_new("pageout (direct, from a fault)");
	struct fn_state s0, s;
	struct aobj_info info;
	struct fn_obj o;
	long long po0, po;
	uint64_t val;
	size_t k;
	int n, err;
	bool inj;

	fn_obj_new(&o, FN_PAGEOUT_PAGES, 0);
	for (n = 1; n <= FN_MAX_NTH; n++) {
		fn_flush_or_bail(&o, AOBJ_FLUSH_FREE);
		fn_state_get(c, n, &s0);
		if (s0.resident >= FN_HIGH - 33)
			t_bail("%lld pages resident before the pageout case",
			       s0.resident);
		/* Up to one page below the high watermark, without pageout. */
		k = FN_HIGH - 1 - s0.resident;
		fn_fill(&o, 0, k, n);
		po0 = t_gstat("pageouts");
		val = t_pattern(k, 0, n);
		fn_arm(n);
		err = fn_touch(o.map + k * FN_PG, &val, true);
		inj = fn_disarm();

		po = t_gstat("pageouts") - po0;
		info = fn_info(&o);
		if (!inj && !po)
			fn_bad(c, n, "the fault paged nothing out");
		/* Paged-out pages left memory: none is both. */
		if (info.resident + info.swapped != k + !err)
			fn_bad(c, n, "%llu resident + %llu swapped pages, %zu touched",
			       (unsigned long long)info.resident,
			       (unsigned long long)info.swapped, k + !err);
		fn_state_get(c, n, &s);
		if (s.used != s0.used + (long long)info.swapped ||
		    s.swpgonly != s0.swpgonly + (long long)info.swapped ||
		    s.resident != s0.resident + (long long)info.resident)
			fn_bad(c, n, "%llu pages swapped, %llu resident: slots used %lld -> %lld, swpgonly %lld -> %lld, resident %lld -> %lld",
			       (unsigned long long)info.swapped,
			       (unsigned long long)info.resident, s0.used, s.used,
			       s0.swpgonly, s.swpgonly, s0.resident, s.resident);
		fn_verify(c, n, &o, 0, k, n);
		if (!err && *(uint64_t *)(o.map + k * FN_PG) != val)
			fn_bad(c, n, "the store of the fault was lost");
		if (!fn_step(c, n, inj, err, fn_fault_errs))
			break;
	}
	fn_flush_or_bail(&o, AOBJ_FLUSH_FREE);
	fn_obj_del(&o);
	fn_report(c, FN_MAX_NTH);
}

#define FN_SWAPOFF_PAGES	24

/* SWAPOFF of the device holding a paged-out object. */
static void case_swapoff(void)
{
	struct fn_case *c = fn_case_new("SWAPOFF");
	struct aobj_swapdev_info sd;
	struct fn_state s0, s;
	struct aobj_info info;
	struct fn_obj o;
	uint64_t lost;
	int n, err;
	bool inj;

	for (n = 1; n <= FN_MAX_NTH; n++) {
		fn_obj_new(&o, FN_SWAPOFF_PAGES, 0);
		fn_fill(&o, 0, o.pages, n);
		if (!fn_push_out(&o)) {
			fn_bad(c, n, "could not page the object out");
			fn_obj_del(&o);
			break;
		}
		fn_state_get(c, n, &s0);
		fn_arm(n);
		err = -sw_swapoff_raw(fn_disk, &lost);
		inj = fn_disarm();

		info = fn_info(&o);
		fn_state_get(c, n, &s);
		if (!err) {
			sw_untrack(fn_disk);
			if (sw_swapdev(fn_disk, NULL))
				fn_bad(c, n, "SWAPOFF succeeded, %s still listed",
				       fn_disk);
			if (lost || info.swapped || info.resident != o.pages)
				fn_bad(c, n, "SWAPOFF: %llu lost, %llu swapped, %llu resident",
				       (unsigned long long)lost,
				       (unsigned long long)info.swapped,
				       (unsigned long long)info.resident);
			if (s.swpgonly != s0.swpgonly - (long long)o.pages ||
			    s.used || s.nswaps != s0.nswaps - 1)
				fn_bad(c, n, "after SWAPOFF: swpgonly %lld -> %lld, %lld slots used on %d devices",
				       s0.swpgonly, s.swpgonly, s.used, s.nswaps);
		} else {
			if (!sw_swapdev(fn_disk, &sd) ||
			    (sd.flags & AOBJ_SWAPDEV_DRAINING))
				fn_bad(c, n, "failed SWAPOFF: %s not listed, or draining",
				       fn_disk);
			if (s.nswaps != s0.nswaps ||
			    s.swpgonly != s0.swpgonly - (long long)info.resident ||
			    s.used != (long long)info.swapped)
				fn_bad(c, n, "after a failed SWAPOFF: swpgonly %lld -> %lld, %lld slots used, %llu swapped, %llu resident",
				       s0.swpgonly, s.swpgonly, s.used,
				       (unsigned long long)info.swapped,
				       (unsigned long long)info.resident);
		}
		fn_verify(c, n, &o, 0, o.pages, n);
		fn_obj_del(&o);
		if (!err && inj) {
			/* Absorbed: in service again for the next round. */
			err = -sw_swapon(fn_disk, 0);
			if (err) {
				fn_bad(c, n, "SWAPON after SWAPOFF: %s",
				       errno_name(err));
				break;
			}
			err = 0;
		}
		if (!fn_step(c, n, inj, err, fn_enomem))
			break;
	}
	fn_report(c, FN_MAX_NTH);
}

int main(void)
{
	struct fn_state start, end;
	char disks[4][64];

	fn_setup("failnth", 280);
	if (t_pagesize != (long)FN_PG)
		t_skip("page size %ld", t_pagesize);
	sw_disks(disks, 4, 1);
	snprintf(fn_disk, sizeof(fn_disk), "%s", disks[0]);
	fn_state_get(NULL, 0, &start);
	if (start.objects || start.resident || start.nswaps)
		t_skip("objects, resident pages or swap devices left by others");

	fn_obj_new(&fn_witness, 1, 0);
	t_diag("object %u must survive every injected failure", fn_witness.id);
	if (fn_want("create")) {
		case_create();
		case_limits();
	}
	if (fn_want("list")) {
		case_list(4);
		case_list(FN_LIST_MAX);
	}
	if (fn_want("stat"))
		case_stat();
	if (fn_want("touch")) {
		case_first_touch(false);
		case_first_touch(true);
	}

	if (fn_want("swapon"))
		case_swapon();
	else
		sw_swapon_or_bail(fn_disk, 0);
	if (fn_want("swaps"))
		case_swaps();
	sw_set_limit_mb(FN_LIMIT_MB);
	fn_obj_new(&fn_pusher, 2 * FN_LIMIT_PAGES, 0);
	if (fn_want("flush")) {
		case_flush(AOBJ_FLUSH_FREE, "FLUSH FREE");
		case_flush(AOBJ_FLUSH_DEACTIVATE, "FLUSH DEACTIVATE");
	}
	if (fn_want("clean"))
		case_clean();
	if (fn_want("detach"))
		case_detach();
	if (fn_want("swapin"))
		case_swapin();
	if (fn_want("pageout"))
		case_pageout();
	if (fn_want("swapoff"))
		case_swapoff();
	fn_obj_del(&fn_pusher);
	if (sw_on[0][0]) {
		uint64_t lost = 0;

		T_EQ(sw_swapoff(fn_disk, &lost), 0, "final SWAPOFF of %s", fn_disk);
	}
	t_restore_params();
	fn_obj_del(&fn_witness);

	fn_state_get(NULL, 0, &end);
	if (!t_check(!end.objects && !end.resident && !end.swpgonly &&
		     !end.nswaps && !end.nlist,
		     "at the end: no object, resident or swapped page, or swap device left")) {
		fn_state_print("start", &start);
		fn_state_print("end", &end);
	}
	fn_summary();
	sw_cleanup();
	fn_cleanup();
	fn_kmsg_check();
	sw_mark("done");
	return t_done();
}
