// SPDX-License-Identifier: GPL-2.0
/*
 * aobjctl: create, list, inspect, flush and detach aobj objects, and manage
 * aobj's swap devices.
 *
 *   aobjctl create SIZE [--mode MODE] [--noswap]
 *   aobjctl list [--json] [--bytes] [--noheadings]
 *   aobjctl stat ID [--json]
 *   aobjctl detach ID
 *   aobjctl flush ID [--offset N] [--length N] --free|--clean|--deactivate
 *   aobjctl swapon DEVICE [--priority N]
 *   aobjctl swapoff DEVICE
 *   aobjctl swaps [--json] [--bytes] [--noheadings]
 *   aobjctl map ID [--range OFF:LEN] [--width N] [--runs] [--json]
 *   aobjctl top [--once] [--interval SECONDS] [--count N]
 *
 * Exit status: 0 success, 1 failure of the operation, 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/aobj.h>

#include "aobj-util.h"

#define CTL_PATH	"/dev/aobj"
#define EXIT_USAGE	2

static const char *prog = "aobjctl";
static const char *subcmd;
static long pagesize;

/* ---- messages ---- */

__attribute__((format(printf, 1, 2), noreturn))
static void die_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(e));
	exit(EXIT_FAILURE);
}

__attribute__((format(printf, 1, 2), noreturn))
static void die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (subcmd)
		fprintf(stderr, "\nTry '%s %s --help' for more information.\n",
			prog, subcmd);
	else
		fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
	exit(EXIT_USAGE);
}

/* ---- parsing ---- */

static uint64_t size_arg(const char *s, const char *what)
{
	uint64_t v;

	if (!parse_size(s, &v))
		die_usage("invalid %s: '%s'", what, s);
	return v;
}

/* parse_id: "5", "aobj5" or "/dev/aobj5". */
static unsigned int id_arg(const char *s)
{
	const char *p = s;
	unsigned long v;
	char *end;

	if (!strncmp(p, "/dev/", 5))
		p += 5;
	if (!strncmp(p, "aobj", 4))
		p += 4;
	if (*p < '0' || *p > '9')
		die_usage("invalid object id: '%s'", s);
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		die_usage("invalid object id: '%s'", s);
	return (unsigned int)v;
}

/* ---- output helpers ---- */

static void human(char *buf, size_t len, uint64_t v, bool bytes)
{
	static const char units[] = "KMGTPE";
	double d = (double)v;
	int i = -1;

	if (bytes || v < 1024) {
		snprintf(buf, len, "%" PRIu64, v);
		return;
	}
	while (d >= 1024 && i < 5) {
		d /= 1024;
		i++;
	}
	if (d == (uint64_t)d)
		snprintf(buf, len, "%.0f%c", d, units[i]);
	else
		snprintf(buf, len, "%.1f%c", d, units[i]);
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Name for a uid/gid from /etc/passwd or /etc/group (static: no NSS). */
static const char *id_name(const char *file, unsigned int id, char *buf,
			   size_t len)
{
	char line[512];
	FILE *f = fopen(file, "re");

	snprintf(buf, len, "%u", id);
	if (!f)
		return buf;
	while (fgets(line, sizeof(line), f)) {
		char *name = strtok(line, ":"), *pw, *num;

		pw = name ? strtok(NULL, ":") : NULL;
		num = pw ? strtok(NULL, ":") : NULL;
		if (num && strtoul(num, NULL, 10) == id && *name) {
			snprintf(buf, len, "%s", name);
			break;
		}
	}
	fclose(f);
	return buf;
}

static void flags_str(char *buf, size_t len, uint32_t flags)
{
	buf[0] = 0;
	if (flags & AOBJ_INFO_NOSWAP)
		snprintf(buf + strlen(buf), len - strlen(buf), "noswap");
	if (flags & AOBJ_INFO_DETACHED)
		snprintf(buf + strlen(buf), len - strlen(buf), "%sdetached",
			 buf[0] ? "," : "");
	if (flags & ~(AOBJ_INFO_NOSWAP | AOBJ_INFO_DETACHED))
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%#x",
			 buf[0] ? "," : "",
			 flags & ~(AOBJ_INFO_NOSWAP | AOBJ_INFO_DETACHED));
	if (!buf[0])
		snprintf(buf, len, "-");
}

/* ---- device access ---- */

static int open_ctl(void)
{
	int fd = open(CTL_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fd = open(CTL_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die_errno("cannot open %s", CTL_PATH);
	return fd;
}

static int open_obj(unsigned int id, int flags)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/dev/aobj%u", id);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		die_errno("cannot open %s", path);
	return fd;
}

/* LIST every object; returns a malloc'd array and sets *n. */
static struct aobj_info *list_all(unsigned int *n)
{
	struct aobj_info *ents = NULL;
	unsigned int room = 16;
	int fd = open_ctl();

	for (;;) {
		struct aobj_list l = {
			.size = sizeof(l), .count = room,
			.entry_size = sizeof(*ents),
		};

		ents = realloc(ents, room * sizeof(*ents));
		if (!ents)
			die_errno("LIST");
		l.entries = (uintptr_t)ents;
		if (ioctl(fd, AOBJ_IOC_LIST, &l))
			die_errno("LIST");
		if (l.count <= room) {
			*n = l.count;
			break;
		}
		room = l.count + 16;	/* more appeared meanwhile: retry */
	}
	close(fd);
	return ents;
}

/* ---- help ---- */

static const struct cmd_help {
	const char *name, *usage, *text;
} helps[] = {
	{ "create", "create SIZE [--mode MODE] [--noswap]",
	  "Create an object of SIZE bytes (suffixes K, M, G, T: binary units;\n"
	  "rounded up to whole pages) and print its id and node path.\n\n"
	  "  -m, --mode MODE   permission bits of /dev/aobj<ID>, octal (default 0600)\n"
	  "  -n, --noswap      never page the object out\n" },
	{ "list", "list [--json] [--bytes] [--noheadings]",
	  "List every object, detached ones that are still mapped or open included.\n\n"
	  "  -J, --json        JSON output\n"
	  "  -b, --bytes       sizes in bytes rather than human-readable\n"
	  "  -n, --noheadings  no header line\n" },
	{ "stat", "stat ID [--json]",
	  "Show one object (ID: 5, aobj5 or /dev/aobj5).\n\n"
	  "  -J, --json        JSON output\n" },
	{ "detach", "detach ID",
	  "Drop the creation reference and remove /dev/aobj<ID>.  The object\n"
	  "lives on while a file or mapping still refers to it.\n" },
	{ "flush", "flush ID [--offset N] [--length N] --free|--clean|--deactivate",
	  "Flush pages of an object.  OFFSET and LENGTH take size suffixes, must\n"
	  "be page aligned; LENGTH 0 (the default) means to the end.\n\n"
	  "  -o, --offset N    start (default 0)\n"
	  "  -l, --length N    length (default 0: to the end)\n"
	  "  -f, --free        drop pages and swap copies: the range reads as zeros\n"
	  "  -c, --clean       write dirty pages to swap now\n"
	  "  -d, --deactivate  make the pages first in line for pageout\n" },
	{ "swapon", "swapon DEVICE [--priority N]",
	  "Give a block device to aobj as swap (needs CAP_SYS_ADMIN).\n\n"
	  "  -p, --priority N  higher fills first; equal priorities take turns\n" },
	{ "swapoff", "swapoff DEVICE",
	  "Take a swap device out of service: every page on it is read back\n"
	  "first.  Prints the number of pages whose copy could not be read.\n" },
	{ "swaps", "swaps [--json] [--bytes] [--noheadings]",
	  "List aobj's swap devices.\n\n"
	  "  -J, --json        JSON output\n"
	  "  -b, --bytes       sizes in bytes rather than human-readable\n"
	  "  -n, --noheadings  no header line\n" },
	{ "map", "map ID [--range OFF:LEN] [--width N] [--runs] [--json]",
	  "Show the state of each page of an object (AOBJ_IOC_PAGEMAP): a map\n"
	  "of one character per cell of pages, the state most of the cell's pages\n"
	  "are in, then a count of pages per state.\n\n"
	  "  .  never written, or freed (reads as zeros)\n"
	  "  c  resident, clean\n"
	  "  D  resident, dirty\n"
	  "  s  swapped out\n"
	  "  X  bad: its swap copy is lost\n\n"
	  "  -r, --range OFF:LEN  bytes OFF to OFF+LEN only, page aligned (LEN 0 or\n"
	  "                    missing: to the end)\n"
	  "  -w, --width N     cells per line (default 64); at most 16 lines, so a\n"
	  "                    cell is one page or more\n"
	  "  -R, --runs        list the runs as well (start, pages, state, flags,\n"
	  "                    swap device and slot)\n"
	  "  -J, --json        JSON output: the runs and the counts\n" },
	{ "top", "top [--once] [--interval SECONDS] [--count N]",
	  "A live view of aobj, refreshed every interval: module totals with\n"
	  "fault, swap-in, pageout and pagein rates; each object's size, resident\n"
	  "and swapped pages and their changes per second (from LIST: there are\n"
	  "no per-object fault counters); each swap device's use and its block\n"
	  "device's read and write rates (/sys/dev/block/MAJ:MIN/stat).\n\n"
	  "  -1, --once        print one screen (after one interval) and exit\n"
	  "  -i, --interval S  seconds between samples (default 1, may be a fraction)\n"
	  "  -c, --count N     exit after N screens\n" },
};

static void usage_main(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s COMMAND [ARGS]\n\n"
		"Manage aobj anonymous memory objects and their swap devices.\n\n"
		"Commands:\n", prog);
	for (i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		fprintf(f, "  %s\n", helps[i].usage);
	fprintf(f, "\nRun '%s COMMAND --help' for a command's options.\n"
		"Exit status: 0 success, 1 failure, 2 usage error.\n", prog);
}

static void help_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (!strcmp(helps[i].name, name)) {
			printf("Usage: %s %s\n\n%s", prog, helps[i].usage,
			       helps[i].text);
			printf("  -h, --help        show this help\n");
			exit(EXIT_SUCCESS);
		}
}

/*
 * Parse options with getopt_long; options may come before or after the
 * positional arguments.  Handles --help and unknown options.
 */
static int next_opt(int argc, char **argv, const char *shortopts,
		    const struct option *longopts)
{
	char optstr[32];
	int c;

	/* Leading ':' tells a missing argument (':') from a bad option. */
	snprintf(optstr, sizeof(optstr), ":%s", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, optstr, longopts, NULL);
	if (c == 'h')
		help_cmd(subcmd);
	if (c == ':')
		die_usage("option '%s' requires an argument", argv[optind - 1]);
	if (c == '?') {
		if (optopt)
			die_usage("invalid option -- '%c'", optopt);
		die_usage("unrecognized option '%s'", argv[optind - 1]);
	}
	return c;
}

static void want_args(int argc, char **argv, int n, const char *what)
{
	int have = argc - optind;

	if (have < n)
		die_usage("missing %s", what);
	if (have > n)
		die_usage("unexpected argument '%s'", argv[optind + n]);
}

/* ---- commands ---- */

static int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "noswap", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct aobj_create c = { .size = sizeof(c) };
	char *end;
	int ch, fd;

	while ((ch = next_opt(argc, argv, "m:nh", opts)) != -1) {
		switch (ch) {
		case 'm':
			errno = 0;
			c.mode = (uint32_t)strtoul(optarg, &end, 8);
			if (errno || *end || !*optarg || c.mode > 0777 ||
			    optarg[0] == '-')
				die_usage("invalid mode: '%s' (octal, at most 0777)",
					  optarg);
			break;
		case 'n':
			c.flags |= AOBJ_CREATE_NOSWAP;
			break;
		}
	}
	want_args(argc, argv, 1, "SIZE");
	c.length = size_arg(argv[optind], "size");
	if (!c.length)
		die_usage("invalid size: '%s' (must not be 0)", argv[optind]);
	fd = open_ctl();
	if (ioctl(fd, AOBJ_IOC_CREATE, &c))
		die_errno("cannot create an object of %" PRIu64 " bytes",
			  (uint64_t)c.length);
	printf("%u /dev/aobj%u\n", c.id, c.id);
	close(fd);
	return 0;
}

static void print_info_json(const struct aobj_info *e, const char *indent)
{
	char user[64], group[64];

	printf("%s{\"id\": %u, \"node\": ", indent, e->id);
	if (e->flags & AOBJ_INFO_DETACHED) {
		printf("null");
	} else {
		char path[32];

		snprintf(path, sizeof(path), "/dev/aobj%u", e->id);
		json_string(path);
	}
	printf(", \"uid\": %u, \"gid\": %u, \"owner\": ", e->uid, e->gid);
	json_string(id_name("/etc/passwd", e->uid, user, sizeof(user)));
	printf(", \"group\": ");
	json_string(id_name("/etc/group", e->gid, group, sizeof(group)));
	printf(", \"mode\": \"%04o\", \"size\": %" PRIu64
	       ", \"resident_pages\": %" PRIu64 ", \"swapped_pages\": %" PRIu64
	       ", \"refs\": %u, \"noswap\": %s, \"detached\": %s}",
	       e->mode, (uint64_t)e->length, (uint64_t)e->resident,
	       (uint64_t)e->swapped, e->refs,
	       e->flags & AOBJ_INFO_NOSWAP ? "true" : "false",
	       e->flags & AOBJ_INFO_DETACHED ? "true" : "false");
}

static int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "bytes", no_argument, NULL, 'b' },
		{ "noheadings", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool json = false, bytes = false, heads = true;
	struct aobj_info *ents;
	unsigned int n, i;
	int ch;

	while ((ch = next_opt(argc, argv, "Jbnh", opts)) != -1) {
		if (ch == 'J')
			json = true;
		else if (ch == 'b')
			bytes = true;
		else if (ch == 'n')
			heads = false;
	}
	want_args(argc, argv, 0, "");
	ents = list_all(&n);
	if (json) {
		printf("{\"objects\": [");
		for (i = 0; i < n; i++) {
			printf(i ? ",\n" : "\n");
			print_info_json(&ents[i], "  ");
		}
		printf("%s]}\n", n ? "\n" : "");
		free(ents);
		return 0;
	}
	if (heads)
		printf("%-6s %-14s %-14s %5s %8s %8s %8s %5s %s\n", "ID", "NODE",
		       "OWNER", "MODE", "SIZE", "RESIDENT", "SWAPPED", "REFS",
		       "FLAGS");
	for (i = 0; i < n; i++) {
		const struct aobj_info *e = &ents[i];
		char node[32], owner[140], user[64], group[64], size[32],
		     res[32], sw[32], fl[64];

		if (e->flags & AOBJ_INFO_DETACHED)
			snprintf(node, sizeof(node), "-");
		else
			snprintf(node, sizeof(node), "/dev/aobj%u", e->id);
		snprintf(owner, sizeof(owner), "%s:%s",
			 id_name("/etc/passwd", e->uid, user, sizeof(user)),
			 id_name("/etc/group", e->gid, group, sizeof(group)));
		human(size, sizeof(size), e->length, bytes);
		human(res, sizeof(res), e->resident * pagesize, bytes);
		human(sw, sizeof(sw), e->swapped * pagesize, bytes);
		flags_str(fl, sizeof(fl), e->flags);
		printf("%-6u %-14s %-14s %05o %8s %8s %8s %5u %s\n", e->id, node,
		       owner, e->mode, size, res, sw, e->refs, fl);
	}
	free(ents);
	return 0;
}

static int cmd_stat(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct aobj_stat s = { .size = sizeof(s) };
	struct aobj_info *e = &s.info;
	char user[64], group[64], fl[64], path[32];
	bool json = false;
	unsigned int id;
	int ch, fd;

	while ((ch = next_opt(argc, argv, "Jh", opts)) != -1)
		if (ch == 'J')
			json = true;
	want_args(argc, argv, 1, "object ID");
	id = id_arg(argv[optind]);
	snprintf(path, sizeof(path), "/dev/aobj%u", id);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (ioctl(fd, AOBJ_IOC_STAT, &s))
			die_errno("STAT %s", path);
		close(fd);
	} else {
		/* A detached object has no node, but is still listed. */
		int saved = errno;
		struct aobj_info *ents;
		unsigned int n, i;
		bool found = false;

		if (saved != ENOENT) {
			errno = saved;
			die_errno("cannot open %s", path);
		}
		ents = list_all(&n);
		for (i = 0; i < n; i++)
			if (ents[i].id == id) {
				*e = ents[i];
				found = true;
			}
		free(ents);
		if (!found) {
			errno = ENOENT;
			die_errno("object %u", id);
		}
	}
	if (json) {
		print_info_json(e, "");
		putchar('\n');
		return 0;
	}
	flags_str(fl, sizeof(fl), e->flags);
	printf("id:       %u\n", e->id);
	printf("node:     %s\n", e->flags & AOBJ_INFO_DETACHED ? "-" : path);
	printf("owner:    %s (%u)\n",
	       id_name("/etc/passwd", e->uid, user, sizeof(user)), e->uid);
	printf("group:    %s (%u)\n",
	       id_name("/etc/group", e->gid, group, sizeof(group)), e->gid);
	printf("mode:     %04o\n", e->mode);
	printf("size:     %" PRIu64 " bytes (%" PRIu64 " pages)\n",
	       (uint64_t)e->length, (uint64_t)e->length / pagesize);
	printf("resident: %" PRIu64 " pages\n", (uint64_t)e->resident);
	printf("swapped:  %" PRIu64 " pages\n", (uint64_t)e->swapped);
	printf("refs:     %u\n", e->refs);
	printf("flags:    %s\n", fl);
	return 0;
}

static int cmd_detach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct aobj_detach d = { .size = sizeof(d) };
	unsigned int id;
	int fd;

	while (next_opt(argc, argv, "h", opts) != -1)
		;
	want_args(argc, argv, 1, "object ID");
	id = id_arg(argv[optind]);
	fd = open_obj(id, O_RDWR);
	if (ioctl(fd, AOBJ_IOC_DETACH, &d))
		die_errno("cannot detach object %u", id);
	close(fd);
	return 0;
}

static int cmd_flush(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "offset", required_argument, NULL, 'o' },
		{ "length", required_argument, NULL, 'l' },
		{ "free", no_argument, NULL, 'f' },
		{ "clean", no_argument, NULL, 'c' },
		{ "deactivate", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct aobj_flush f = { .size = sizeof(f) };
	const char *mode = NULL;
	unsigned int id;
	int ch, fd;

	while ((ch = next_opt(argc, argv, "o:l:fcdh", opts)) != -1) {
		switch (ch) {
		case 'o':
			f.offset = size_arg(optarg, "offset");
			break;
		case 'l':
			f.length = size_arg(optarg, "length");
			break;
		case 'f':
		case 'c':
		case 'd':
			if (mode && mode[0] != ch)
				die_usage("--free, --clean and --deactivate are exclusive");
			mode = ch == 'f' ? "free" : ch == 'c' ? "clean" :
			       "deactivate";
			f.flags = ch == 'f' ? AOBJ_FLUSH_FREE :
				  ch == 'c' ? AOBJ_FLUSH_CLEAN :
				  AOBJ_FLUSH_DEACTIVATE;
			break;
		}
	}
	if (!mode)
		die_usage("one of --free, --clean or --deactivate is required");
	want_args(argc, argv, 1, "object ID");
	id = id_arg(argv[optind]);
	fd = open_obj(id, O_RDWR);
	if (ioctl(fd, AOBJ_IOC_FLUSH, &f))
		die_errno("cannot flush (%s) object %u", mode, id);
	close(fd);
	return 0;
}

static int cmd_swapon(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "priority", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct aobj_swapon s = { .size = sizeof(s) };
	long prio;
	char *end;
	int ch, fd;

	while ((ch = next_opt(argc, argv, "p:h", opts)) != -1) {
		if (ch == 'p') {
			errno = 0;
			prio = strtol(optarg, &end, 10);
			if (errno || *end || !*optarg || prio < INT32_MIN ||
			    prio > INT32_MAX)
				die_usage("invalid priority: '%s'", optarg);
			s.priority = (int32_t)prio;
		}
	}
	want_args(argc, argv, 1, "DEVICE");
	s.path = (uintptr_t)argv[optind];
	fd = open_ctl();
	if (ioctl(fd, AOBJ_IOC_SWAPON, &s))
		die_errno("swapon %s", argv[optind]);
	close(fd);
	return 0;
}

static int cmd_swapoff(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct aobj_swapoff s = { .size = sizeof(s) };
	int fd;

	while (next_opt(argc, argv, "h", opts) != -1)
		;
	want_args(argc, argv, 1, "DEVICE");
	s.path = (uintptr_t)argv[optind];
	fd = open_ctl();
	if (ioctl(fd, AOBJ_IOC_SWAPOFF, &s))
		die_errno("swapoff %s", argv[optind]);
	close(fd);
	printf("%s: %" PRIu64 " pages lost\n", argv[optind], (uint64_t)s.lost);
	return 0;
}

static int cmd_swaps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "bytes", no_argument, NULL, 'b' },
		{ "noheadings", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool json = false, bytes = false, heads = true;
	struct aobj_swapdev_info *ents = NULL;
	unsigned int room = 8, n, i;
	int ch, fd;

	while ((ch = next_opt(argc, argv, "Jbnh", opts)) != -1) {
		if (ch == 'J')
			json = true;
		else if (ch == 'b')
			bytes = true;
		else if (ch == 'n')
			heads = false;
	}
	want_args(argc, argv, 0, "");
	fd = open_ctl();
	for (;;) {
		struct aobj_swaps s = {
			.size = sizeof(s), .count = room,
			.entry_size = sizeof(*ents),
		};

		ents = realloc(ents, room * sizeof(*ents));
		if (!ents)
			die_errno("SWAPS");
		memset(ents, 0, room * sizeof(*ents));
		s.entries = (uintptr_t)ents;
		if (ioctl(fd, AOBJ_IOC_SWAPS, &s))
			die_errno("cannot list swap devices");
		if (s.count <= room) {
			n = s.count;
			break;
		}
		room = s.count + 4;
	}
	close(fd);
	if (json) {
		printf("{\"swaps\": [");
		for (i = 0; i < n; i++) {
			const struct aobj_swapdev_info *e = &ents[i];
			char path[sizeof(e->path) + 1];

			memcpy(path, e->path, sizeof(e->path));
			path[sizeof(e->path)] = 0;
			printf(i ? ",\n  {\"path\": " : "\n  {\"path\": ");
			json_string(path);
			printf(", \"major\": %u, \"minor\": %u, \"priority\": %d"
			       ", \"slots\": %" PRIu64 ", \"used\": %" PRIu64
			       ", \"bad\": %" PRIu64 ", \"draining\": %s"
			       ", \"dead\": %s, \"failing\": %s, \"stalled\": %s}",
			       e->major, e->minor, e->priority,
			       (uint64_t)e->slots, (uint64_t)e->used,
			       (uint64_t)e->bad,
			       e->flags & AOBJ_SWAPDEV_DRAINING ? "true" : "false",
			       e->flags & AOBJ_SWAPDEV_DEAD ? "true" : "false",
			       e->flags & AOBJ_SWAPDEV_FAILING ? "true" : "false",
			       e->flags & AOBJ_SWAPDEV_STALLED ? "true" : "false");
		}
		printf("%s]}\n", n ? "\n" : "");
		free(ents);
		return 0;
	}
	if (heads)
		printf("%-24s %-8s %5s %8s %8s %8s %s\n", "PATH", "DEVICE", "PRIO",
		       "SIZE", "USED", "BAD", "FLAGS");
	for (i = 0; i < n; i++) {
		const struct aobj_swapdev_info *e = &ents[i];
		char path[sizeof(e->path) + 1], dev[24], size[32], used[32],
		     bad[32];

		memcpy(path, e->path, sizeof(e->path));
		path[sizeof(e->path)] = 0;
		snprintf(dev, sizeof(dev), "%u:%u", e->major, e->minor);
		human(size, sizeof(size), e->slots * pagesize, bytes);
		human(used, sizeof(used), e->used * pagesize, bytes);
		human(bad, sizeof(bad), e->bad * pagesize, bytes);
		printf("%-24s %-8s %5d %8s %8s %8s %s\n", path, dev, e->priority,
		       size, used, bad,
		       e->flags & AOBJ_SWAPDEV_DRAINING ? "draining" :
		       e->flags & AOBJ_SWAPDEV_DEAD ? "dead" :
		       e->flags & AOBJ_SWAPDEV_STALLED ? "stalled" :
		       e->flags & AOBJ_SWAPDEV_FAILING ? "failing" : "-");
	}
	free(ents);
	return 0;
}

/* ---- map ---- */

static const char *const page_state_names[] = {
	[AOBJ_PAGE_NONE] = "none", [AOBJ_PAGE_CLEAN] = "clean",
	[AOBJ_PAGE_DIRTY] = "dirty", [AOBJ_PAGE_SWAPPED] = "swapped",
	[AOBJ_PAGE_BAD] = "bad",
};
static const char page_state_chars[] = ".cDsX";
#define NSTATES	5

static const struct {
	unsigned int flag;
	const char *name;
} page_flag_names[] = {
	{ AOBJ_PAGE_MAPPED, "mapped" }, { AOBJ_PAGE_LOCKED, "locked" },
	{ AOBJ_PAGE_PINNED, "pinned" }, { AOBJ_PAGE_MLOCKED, "mlocked" },
	{ AOBJ_PAGE_SWAPCOPY, "swapcopy" },
};
#define NFLAGS	(sizeof(page_flag_names) / sizeof(page_flag_names[0]))

static const char *state_name(unsigned int state)
{
	return state < NSTATES ? page_state_names[state] : "unknown";
}

/*
 * The runs of [@off, @end) of the object open on @fd, in as many PAGEMAP
 * calls as it takes; runs cut where one call stopped are joined again.
 */
static struct aobj_pagemap_run *get_runs(int fd, unsigned int id, uint64_t off,
					 uint64_t end, size_t *nruns)
{
	struct aobj_pagemap_run *runs = NULL;
	size_t n = 0, room = 0;

	while (off < end) {
		struct aobj_pagemap a = {
			.size = sizeof(a), .offset = off, .length = end - off,
			.run_size = sizeof(*runs),
		};

		if (room - n < 256) {
			room = room ? room * 2 : 256;
			runs = realloc(runs, room * sizeof(*runs));
			if (!runs)
				die_errno("PAGEMAP");
		}
		a.count = (uint32_t)(room - n);
		a.runs = (uintptr_t)(runs + n);
		if (ioctl(fd, AOBJ_IOC_PAGEMAP, &a))
			die_errno("cannot read the page map of object %u", id);
		if (a.count && n && runs[n - 1].state == runs[n].state &&
		    runs[n - 1].flags == runs[n].flags &&
		    runs[n].state != AOBJ_PAGE_SWAPPED &&
		    runs[n - 1].start + runs[n - 1].count == runs[n].start) {
			runs[n - 1].count += runs[n].count;
			memmove(runs + n, runs + n + 1,
				(a.count - 1) * sizeof(*runs));
			a.count--;
		}
		n += a.count;
		if (a.next <= off)
			break;		/* no progress: cannot happen */
		off = a.next;
	}
	*nruns = n;
	return runs;
}

static int cmd_map(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "range", required_argument, NULL, 'r' },
		{ "width", required_argument, NULL, 'w' },
		{ "runs", no_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct aobj_stat s = { .size = sizeof(s) };
	uint64_t off = 0, len = 0, end, first, npages, per_cell, counts[NSTATES] = { 0 },
		 flagcounts[NFLAGS] = { 0 };
	bool json = false, list_runs = false;
	struct aobj_pagemap_run *runs;
	unsigned long width = 64;
	size_t nruns, i, r;
	unsigned int id;
	char *end_p, hs[32];
	int ch, fd;

	while ((ch = next_opt(argc, argv, "r:w:RJh", opts)) != -1) {
		switch (ch) {
		case 'r': {
			char *colon = strchr(optarg, ':'), buf[64];

			snprintf(buf, sizeof(buf), "%s", optarg);
			if (colon)
				buf[colon - optarg] = 0;
			if (!parse_size(buf, &off) ||
			    (colon && colon[1] && !parse_size(colon + 1, &len)))
				die_usage("invalid range: '%s' (OFF:LEN)", optarg);
			if (off % pagesize || len % pagesize)
				die_usage("invalid range: '%s' (must be page aligned)",
					  optarg);
			break;
		}
		case 'w':
			errno = 0;
			width = strtoul(optarg, &end_p, 10);
			if (errno || *end_p || !*optarg || !width || width > 1024 ||
			    optarg[0] == '-')
				die_usage("invalid width: '%s' (1 to 1024)", optarg);
			break;
		case 'R':
			list_runs = true;
			break;
		case 'J':
			json = true;
			break;
		}
	}
	want_args(argc, argv, 1, "object ID");
	id = id_arg(argv[optind]);
	fd = open_obj(id, O_RDONLY);
	if (ioctl(fd, AOBJ_IOC_STAT, &s))
		die_errno("STAT /dev/aobj%u", id);
	if (off > s.info.length) {
		errno = EINVAL;
		die_errno("range starts past the end of object %u (%" PRIu64 " bytes)",
			  id, (uint64_t)s.info.length);
	}
	end = len && len < s.info.length - off ? off + len : s.info.length;
	runs = get_runs(fd, id, off, end, &nruns);
	close(fd);
	first = off / pagesize;
	npages = end / pagesize - first;
	for (i = 0; i < nruns; i++) {
		if (runs[i].state < NSTATES)
			counts[runs[i].state] += runs[i].count;
		for (r = 0; r < NFLAGS; r++)
			if (runs[i].flags & page_flag_names[r].flag)
				flagcounts[r] += runs[i].count;
	}

	if (json) {
		printf("{\"id\": %u, \"size\": %" PRIu64 ", \"page_size\": %ld, "
		       "\"offset\": %" PRIu64 ", \"length\": %" PRIu64 ",\n \"pages\": {",
		       id, (uint64_t)s.info.length, pagesize, off, end - off);
		for (i = 0; i < NSTATES; i++)
			printf("%s\"%s\": %" PRIu64, i ? ", " : "",
			       page_state_names[i], counts[i]);
		for (r = 0; r < NFLAGS; r++)
			printf(", \"%s\": %" PRIu64, page_flag_names[r].name,
			       flagcounts[r]);
		printf("},\n \"runs\": [");
		for (i = 0; i < nruns; i++) {
			const struct aobj_pagemap_run *ru = &runs[i];
			bool firstf = true;

			printf("%s\n  {\"start\": %" PRIu64 ", \"count\": %" PRIu64
			       ", \"state\": \"%s\", \"flags\": [", i ? "," : "",
			       (uint64_t)ru->start, (uint64_t)ru->count,
			       state_name(ru->state));
			for (r = 0; r < NFLAGS; r++)
				if (ru->flags & page_flag_names[r].flag) {
					printf("%s\"%s\"", firstf ? "" : ", ",
					       page_flag_names[r].name);
					firstf = false;
				}
			printf("]");
			if (ru->state == AOBJ_PAGE_SWAPPED)
				printf(", \"swapdev\": %u, \"slot\": %" PRIu64,
				       ru->swapdev, (uint64_t)ru->slot);
			printf("}");
		}
		printf("%s]}\n", nruns ? "\n " : "");
		free(runs);
		return 0;
	}

	human(hs, sizeof(hs), npages * pagesize, false);
	per_cell = (npages + width * 16 - 1) / (width * 16);
	if (!per_cell)
		per_cell = 1;
	printf("object %u: pages %" PRIu64 "-%" PRIu64 " (%s), %" PRIu64
	       " page%s per cell, %zu run%s\n", id, first,
	       npages ? first + npages - 1 : first, hs, per_cell,
	       per_cell == 1 ? "" : "s", nruns, nruns == 1 ? "" : "s");
	printf("legend: . none  c clean  D dirty  s swapped  X bad\n");
	r = 0;
	for (i = 0; i * per_cell < npages; i++) {
		uint64_t c0 = first + i * per_cell, c1 = c0 + per_cell, in[NSTATES] = { 0 };
		unsigned int best = 0, k;

		if (c1 > first + npages)
			c1 = first + npages;
		if (i % width == 0)
			printf("%s%10" PRIu64 " ", i ? "\n" : "", c0);
		while (r < nruns && runs[r].start + runs[r].count <= c0)
			r++;
		for (k = r; k < nruns && runs[k].start < c1; k++) {
			uint64_t a = runs[k].start > c0 ? runs[k].start : c0;
			uint64_t b = runs[k].start + runs[k].count < c1 ?
				     runs[k].start + runs[k].count : c1;

			if (runs[k].state < NSTATES)
				in[runs[k].state] += b - a;
		}
		/* The state most pages are in; any data beats a hole on a tie. */
		for (k = 1; k < NSTATES; k++)
			if (in[k] >= in[best])
				best = k;
		putchar(page_state_chars[best]);
	}
	printf("\npages:");
	for (i = 0; i < NSTATES; i++)
		printf(" %s %" PRIu64, page_state_names[i], counts[i]);
	printf("\nflags:");
	for (r = 0; r < NFLAGS; r++)
		printf(" %s %" PRIu64, page_flag_names[r].name, flagcounts[r]);
	putchar('\n');
	if (list_runs) {
		printf("%10s %10s %-8s %s\n", "START", "PAGES", "STATE", "FLAGS / SWAP");
		for (i = 0; i < nruns; i++) {
			const struct aobj_pagemap_run *ru = &runs[i];

			printf("%10" PRIu64 " %10" PRIu64 " %-8s", (uint64_t)ru->start,
			       (uint64_t)ru->count, state_name(ru->state));
			for (r = 0; r < NFLAGS; r++)
				if (ru->flags & page_flag_names[r].flag)
					printf(" %s", page_flag_names[r].name);
			if (ru->state == AOBJ_PAGE_SWAPPED)
				printf(" swapdev %u slots %" PRIu64 "-%" PRIu64,
				       ru->swapdev, (uint64_t)ru->slot,
				       (uint64_t)(ru->slot + ru->count - 1));
			putchar('\n');
		}
	}
	free(runs);
	return 0;
}

/* ---- top ---- */

static const char *const top_stats[] = {
	"objects", "resident_pages", "swpgonly", "faults_resident",
	"faults_zero", "faults_swapin", "pageouts", "pageins", "io_errors",
	"bad_slots",
};
#define NTOP	(sizeof(top_stats) / sizeof(top_stats[0]))
enum { T_OBJECTS, T_RESIDENT, T_SWPGONLY, T_FRES, T_FZERO, T_FSWAP,
       T_PAGEOUTS, T_PAGEINS, T_IOERR, T_BADSLOTS };

struct top_sample {
	struct timespec when;
	long long stat[NTOP];
	struct aobj_info *objs;
	unsigned int nobjs;
	struct aobj_swapdev_info *devs;
	unsigned int ndevs;
	unsigned long long *dev_rd, *dev_wr;	/* sectors */
};

static volatile sig_atomic_t top_stop;

static void top_sigint(int sig)
{
	(void)sig;
	top_stop = 1;
}

static struct aobj_swapdev_info *list_swaps(unsigned int *n)
{
	struct aobj_swapdev_info *ents = NULL;
	unsigned int room = 8;
	int fd = open_ctl();

	for (;;) {
		struct aobj_swaps s = {
			.size = sizeof(s), .count = room,
			.entry_size = sizeof(*ents),
		};

		ents = realloc(ents, room * sizeof(*ents));
		if (!ents)
			die_errno("SWAPS");
		memset(ents, 0, room * sizeof(*ents));
		s.entries = (uintptr_t)ents;
		if (ioctl(fd, AOBJ_IOC_SWAPS, &s))
			die_errno("cannot list swap devices");
		if (s.count <= room) {
			*n = s.count;
			break;
		}
		room = s.count + 4;
	}
	close(fd);
	return ents;
}

/* Sectors read and written by block device MAJ:MIN; false if unknown. */
static bool dev_sectors(unsigned int major, unsigned int minor,
			unsigned long long *rd, unsigned long long *wr)
{
	unsigned long long v[7];
	char path[64];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/stat", major, minor);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fscanf(f, "%llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6]);
	fclose(f);
	if (n != 7)
		return false;
	*rd = v[2];
	*wr = v[6];
	return true;
}

static void top_take(struct top_sample *t)
{
	unsigned int i;

	clock_gettime(CLOCK_MONOTONIC, &t->when);
	for (i = 0; i < NTOP; i++) {
		char path[96];

		snprintf(path, sizeof(path), "/sys/class/misc/aobj/stats/%s",
			 top_stats[i]);
		t->stat[i] = read_num(path);
	}
	t->objs = list_all(&t->nobjs);
	t->devs = list_swaps(&t->ndevs);
	t->dev_rd = calloc(t->ndevs + 1, sizeof(*t->dev_rd));
	t->dev_wr = calloc(t->ndevs + 1, sizeof(*t->dev_wr));
	if (!t->dev_rd || !t->dev_wr)
		die_errno("top");
	for (i = 0; i < t->ndevs; i++)
		if (!dev_sectors(t->devs[i].major, t->devs[i].minor,
				 &t->dev_rd[i], &t->dev_wr[i]))
			t->dev_rd[i] = t->dev_wr[i] = ~0ULL;
}

static void top_free(struct top_sample *t)
{
	free(t->objs);
	free(t->devs);
	free(t->dev_rd);
	free(t->dev_wr);
	memset(t, 0, sizeof(*t));
}

static double rate(long long now, long long before, double secs)
{
	return secs > 0 ? (double)(now - before) / secs : 0;
}

static void top_print(const struct top_sample *a, const struct top_sample *b)
{
	double secs = (double)(b->when.tv_sec - a->when.tv_sec) +
		      (double)(b->when.tv_nsec - a->when.tv_nsec) / 1e9;
	char now[32], r1[32], r2[32], r3[32], r4[32], r5[32];
	const long long *s = b->stat, *p = a->stat;
	time_t tt = time(NULL);
	unsigned int i, j;

	strftime(now, sizeof(now), "%Y-%m-%d %H:%M:%S", localtime(&tt));
	human(r1, sizeof(r1), (uint64_t)(s[T_RESIDENT] > 0 ? s[T_RESIDENT] : 0) * pagesize, false);
	human(r2, sizeof(r2), (uint64_t)(s[T_SWPGONLY] > 0 ? s[T_SWPGONLY] : 0) * pagesize, false);
	printf("aobj top - %s, interval %.1fs\n", now, secs);
	printf("objects %lld  resident %s  swap-only %s  io_errors %lld  bad_slots %lld\n",
	       s[T_OBJECTS], r1, r2, s[T_IOERR], s[T_BADSLOTS]);
	printf("faults/s %.0f (resident %.0f, zero %.0f, swap-in %.0f)  pageouts/s %.0f  pageins/s %.0f\n\n",
	       rate(s[T_FRES] + s[T_FZERO] + s[T_FSWAP],
		    p[T_FRES] + p[T_FZERO] + p[T_FSWAP], secs),
	       rate(s[T_FRES], p[T_FRES], secs), rate(s[T_FZERO], p[T_FZERO], secs),
	       rate(s[T_FSWAP], p[T_FSWAP], secs),
	       rate(s[T_PAGEOUTS], p[T_PAGEOUTS], secs),
	       rate(s[T_PAGEINS], p[T_PAGEINS], secs));

	printf("%-6s %-14s %8s %8s %8s %9s %9s %4s %s\n", "ID", "OWNER", "SIZE",
	       "RESIDENT", "SWAPPED", "RES/s", "SWAP/s", "REFS", "FLAGS");
	for (i = 0; i < b->nobjs; i++) {
		const struct aobj_info *e = &b->objs[i], *o = NULL;
		char user[64], size[32], fl[64];

		for (j = 0; j < a->nobjs; j++)
			if (a->objs[j].id == e->id)
				o = &a->objs[j];
		human(size, sizeof(size), e->length, false);
		human(r1, sizeof(r1), e->resident * pagesize, false);
		human(r2, sizeof(r2), e->swapped * pagesize, false);
		flags_str(fl, sizeof(fl), e->flags);
		/* Net page changes per second, as pages. */
		snprintf(r3, sizeof(r3), "%+.0f", o ? rate((long long)e->resident,
			 (long long)o->resident, secs) : 0.0);
		snprintf(r4, sizeof(r4), "%+.0f", o ? rate((long long)e->swapped,
			 (long long)o->swapped, secs) : 0.0);
		printf("%-6u %-14s %8s %8s %8s %9s %9s %4u %s\n", e->id,
		       id_name("/etc/passwd", e->uid, user, sizeof(user)), size,
		       r1, r2, r3, r4, e->refs, fl);
	}
	printf("\n%-24s %-8s %8s %8s %8s %9s %9s\n", "DEVICE", "MAJ:MIN", "SIZE",
	       "USED", "BAD", "READ/s", "WRITE/s");
	for (i = 0; i < b->ndevs; i++) {
		const struct aobj_swapdev_info *d = &b->devs[i];
		char path[sizeof(d->path) + 1], mm[24];
		int k = -1;

		memcpy(path, d->path, sizeof(d->path));
		path[sizeof(d->path)] = 0;
		for (j = 0; j < a->ndevs; j++)
			if (a->devs[j].major == d->major && a->devs[j].minor == d->minor)
				k = (int)j;
		snprintf(mm, sizeof(mm), "%u:%u", d->major, d->minor);
		human(r1, sizeof(r1), d->slots * pagesize, false);
		human(r2, sizeof(r2), d->used * pagesize, false);
		human(r3, sizeof(r3), d->bad * pagesize, false);
		if (k >= 0 && b->dev_rd[i] != ~0ULL && a->dev_rd[k] != ~0ULL) {
			human(r4, sizeof(r4), (uint64_t)(rate((long long)b->dev_rd[i],
			      (long long)a->dev_rd[k], secs) * 512), false);
			human(r5, sizeof(r5), (uint64_t)(rate((long long)b->dev_wr[i],
			      (long long)a->dev_wr[k], secs) * 512), false);
		} else {
			snprintf(r4, sizeof(r4), "-");
			snprintf(r5, sizeof(r5), "-");
		}
		printf("%-24s %-8s %8s %8s %8s %9s %9s\n", path, mm, r1, r2, r3, r4, r5);
	}
	if (!b->ndevs)
		printf("(no swap device)\n");
	fflush(stdout);
}

static int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "once", no_argument, NULL, '1' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct top_sample prev, cur;
	unsigned long count = 0, shown = 0;
	double interval = 1;
	struct timespec ts;
	bool once = false;
	char *end;
	int ch;

	while ((ch = next_opt(argc, argv, "1i:c:h", opts)) != -1) {
		switch (ch) {
		case '1':
			once = true;
			break;
		case 'i':
			errno = 0;
			interval = strtod(optarg, &end);
			if (errno || *end || !*optarg || !(interval >= 0.01) ||
			    interval > 3600)
				die_usage("invalid interval: '%s' (0.01 to 3600 seconds)",
					  optarg);
			break;
		case 'c':
			errno = 0;
			count = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || !count || optarg[0] == '-')
				die_usage("invalid count: '%s'", optarg);
			break;
		}
	}
	want_args(argc, argv, 0, "");
	if (once)
		count = 1;
	signal(SIGINT, top_sigint);
	signal(SIGTERM, top_sigint);
	ts.tv_sec = (time_t)interval;
	ts.tv_nsec = (long)((interval - (double)ts.tv_sec) * 1e9);
	top_take(&prev);
	while (!top_stop) {
		nanosleep(&ts, NULL);
		if (top_stop)
			break;
		top_take(&cur);
		if (!once)
			printf("\033[H\033[2J");
		top_print(&prev, &cur);
		top_free(&prev);
		prev = cur;
		if (count && ++shown >= count)
			break;
	}
	top_free(&prev);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{ "create", cmd_create }, { "list", cmd_list }, { "stat", cmd_stat },
	{ "detach", cmd_detach }, { "flush", cmd_flush },
	{ "swapon", cmd_swapon }, { "swapoff", cmd_swapoff },
	{ "swaps", cmd_swaps }, { "map", cmd_map }, { "top", cmd_top },
};

int main(int argc, char **argv)
{
	size_t i;

	pagesize = sysconf(_SC_PAGESIZE);
	if (argc < 2) {
		usage_main(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			subcmd = argv[2];
			help_cmd(argv[2]);
			die_usage("unknown command '%s'", argv[2]);
		}
		usage_main(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("aobjctl (aobj tools)\n");
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name)) {
			subcmd = cmds[i].name;
			/* argv[1] becomes argv[0] for getopt. */
			return cmds[i].fn(argc - 1, argv + 1);
		}
	die_usage("unknown command '%s'", argv[1]);
}
