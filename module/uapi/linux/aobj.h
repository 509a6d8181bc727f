/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * aobj: anonymous memory objects backed by a module-managed swap device.
 *
 * /dev/aobj is the control node.  Each object created through it gets its
 * own node, /dev/aobj<ID>, owned by its creator with the mode given at
 * create time; mmap(MAP_SHARED) of that node at offset 0 maps the object's
 * first byte.  Per-object ioctls (STAT, FLUSH, DETACH) are issued on the
 * object's node, so the VFS decides who may use an object.
 *
 * Every ioctl argument starts with a __u32 @size, the size of the structure
 * as the caller knows it.  The kernel accepts older (shorter) and newer
 * (longer, with zeroed tails) structures, as copy_struct_from_user() does.
 * Reserved fields and unknown flags must be zero, or the call fails with
 * EINVAL.
 */
#ifndef _UAPI_LINUX_AOBJ_H
#define _UAPI_LINUX_AOBJ_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define AOBJ_IOCTL_TYPE		0xAB

/* struct aobj_create.flags */
#define AOBJ_CREATE_NOSWAP	0x1	/* never page this object out */

/**
 * struct aobj_create - AOBJ_IOC_CREATE, on /dev/aobj
 * @size: sizeof(struct aobj_create)
 * @flags: AOBJ_CREATE_* flags
 * @length: object size in bytes; rounded up to whole pages
 * @mode: permission bits of the object's node (0 means 0600)
 * @id: out: the new object's id; its node is /dev/aobj<id>
 *
 * Ids go round (a freed id is given again only after all others).
 * Errors: EFBIG above max_object_size; ENOSPC past max_objects or
 * max_total_size; EDQUOT past the owner's max_user_objects or
 * max_user_size (not for CAP_SYS_RESOURCE); for NOSWAP without
 * CAP_IPC_LOCK, whose pages are charged to the creator's RLIMIT_MEMLOCK
 * until the object is gone: EPERM if that limit is 0, ENOMEM past it.
 */
struct aobj_create {
	__u32 size;
	__u32 flags;
	__aligned_u64 length;
	__u32 mode;
	__u32 id;
};

/* struct aobj_info.flags */
#define AOBJ_INFO_NOSWAP	0x1	/* created with AOBJ_CREATE_NOSWAP */
#define AOBJ_INFO_DETACHED	0x2	/* detached, alive while mapped/open */

/**
 * struct aobj_info - what STAT and LIST report about one object
 * @id: object id
 * @flags: AOBJ_INFO_* flags
 * @length: size in bytes
 * @resident: pages in memory
 * @swapped: pages with a copy in a swap slot
 * @refs: references (creation, open files, mappings)
 * @uid: owner
 * @gid: group
 * @mode: permission bits of the node
 * @__reserved: zero
 */
struct aobj_info {
	__u32 id;
	__u32 flags;
	__aligned_u64 length;
	__aligned_u64 resident;
	__aligned_u64 swapped;
	__u32 refs;
	__u32 uid;
	__u32 gid;
	__u32 mode;
	__aligned_u64 __reserved;
};

/**
 * struct aobj_list - AOBJ_IOC_LIST, on /dev/aobj
 * @size: sizeof(struct aobj_list)
 * @flags: must be 0
 * @count: in: room in @entries; out: number of objects that exist (may be
 *	   more than the room given: call again with a larger array)
 * @entry_size: sizeof(struct aobj_info) as the caller knows it
 * @entries: user pointer to an array of @count struct aobj_info
 */
struct aobj_list {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 entry_size;
	__aligned_u64 entries;
};

/**
 * struct aobj_stat - AOBJ_IOC_STAT, on /dev/aobj<ID>
 * @size: sizeof(struct aobj_stat)
 * @flags: must be 0
 * @info: out: the object
 */
struct aobj_stat {
	__u32 size;
	__u32 flags;
	struct aobj_info info;
};

/* struct aobj_flush.flags: exactly one of these */
#define AOBJ_FLUSH_FREE		0x1  /* drop pages and swap copies: reads as zero */
#define AOBJ_FLUSH_DEACTIVATE	0x2  /* make pages first in line for pageout */
#define AOBJ_FLUSH_CLEAN	0x4  /* write dirty pages to swap now */

/**
 * struct aobj_flush - AOBJ_IOC_FLUSH, on /dev/aobj<ID> opened for writing
 * @size: sizeof(struct aobj_flush)
 * @flags: one AOBJ_FLUSH_* mode
 * @offset: start, in bytes, page aligned
 * @length: length in bytes, page aligned; 0 means to the end of the object
 */
struct aobj_flush {
	__u32 size;
	__u32 flags;
	__aligned_u64 offset;
	__aligned_u64 length;
};

/**
 * struct aobj_detach - AOBJ_IOC_DETACH, on /dev/aobj<ID> opened for writing
 * @size: sizeof(struct aobj_detach)
 * @flags: must be 0
 *
 * Drops the creation reference and removes the node.  The object lives
 * on while any file or mapping still refers to it.
 */
struct aobj_detach {
	__u32 size;
	__u32 flags;
};

/**
 * struct aobj_swapon - AOBJ_IOC_SWAPON, on /dev/aobj, CAP_SYS_ADMIN
 * @size: sizeof(struct aobj_swapon)
 * @flags: must be 0
 * @path: user pointer to the NUL-terminated path of a block device; it is
 *	  opened exclusively for as long as it is in use
 * @priority: higher fills first; equal priorities take turns
 * @__reserved: zero
 */
struct aobj_swapon {
	__u32 size;
	__u32 flags;
	__aligned_u64 path;
	__s32 priority;
	__u32 __reserved;
};

/**
 * struct aobj_swapoff - AOBJ_IOC_SWAPOFF, on /dev/aobj, CAP_SYS_ADMIN
 * @size: sizeof(struct aobj_swapoff)
 * @flags: must be 0
 * @path: user pointer to the path given to SWAPON (or another path of the
 *	  same block device)
 * @lost: out: pages whose swap copy could not be read back (they now fail
 *	  with SIGBUS until freed)
 *
 * Every page swapped to the device is read back in first.  Fails with
 * ENOMEM (memory ran out) or EINTR (fatal signal) with the device still in
 * service and nothing lost.
 */
struct aobj_swapoff {
	__u32 size;
	__u32 flags;
	__aligned_u64 path;
	__aligned_u64 lost;
};

/* struct aobj_swapdev_info.flags */
#define AOBJ_SWAPDEV_DRAINING	0x1	/* swapoff in progress */
#define AOBJ_SWAPDEV_DEAD	0x2	/* device gone, leaving the table */
#define AOBJ_SWAPDEV_FAILING	0x4	/* I/Os fail in a row: no pageouts to it */
#define AOBJ_SWAPDEV_STALLED	0x8	/* an I/O given up on is pending: I/O fails */

/**
 * struct aobj_swapdev_info - one swap device, as AOBJ_IOC_SWAPS lists it
 * @path: path given to SWAPON, NUL-terminated, truncated to fit
 * @major: block device major
 * @minor: block device minor
 * @priority: priority
 * @flags: AOBJ_SWAPDEV_* flags
 * @slots: size in pages
 * @used: slots in use, bad ones included (while draining: what is left)
 * @bad: slots retired after an I/O error, or lost with a dead device
 */
struct aobj_swapdev_info {
	char path[64];
	__u32 major;
	__u32 minor;
	__s32 priority;
	__u32 flags;
	__aligned_u64 slots;
	__aligned_u64 used;
	__aligned_u64 bad;
};

/**
 * struct aobj_swaps - AOBJ_IOC_SWAPS, on /dev/aobj
 * @size: sizeof(struct aobj_swaps)
 * @flags: must be 0
 * @count: in: room in @entries; out: number of swap devices
 * @entry_size: sizeof(struct aobj_swapdev_info) as the caller knows it
 * @entries: user pointer to an array of @count struct aobj_swapdev_info
 */
struct aobj_swaps {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 entry_size;
	__aligned_u64 entries;
};

/*
 * struct aobj_pagemap_run.state:
 * NONE: never written, or freed: reads as zeros
 * CLEAN, DIRTY: resident, dirty flag clear or set
 * SWAPPED: only in a swap slot
 * BAD: swap copy lost (read error or device gone): EIO/SIGBUS until freed
 */
#define AOBJ_PAGE_NONE		0
#define AOBJ_PAGE_CLEAN		1
#define AOBJ_PAGE_DIRTY		2
#define AOBJ_PAGE_SWAPPED	3
#define AOBJ_PAGE_BAD		4

/*
 * struct aobj_pagemap_run.flags, for resident pages:
 * MAPPED: mapped by some process.  A write fault dirties the page; later
 *	stores through the same mapping reach the dirty flag when the mapping
 *	is revoked (pageout, CLEAN, FREE, munmap)
 * LOCKED: page lock held: a fault, I/O or pageout is under way
 * PINNED: maybe pinned for DMA (pin_user_pages)
 * MLOCKED: in an mlock()ed mapping
 * SWAPCOPY: a swap slot holds a copy as well
 */
#define AOBJ_PAGE_MAPPED	0x01
#define AOBJ_PAGE_LOCKED	0x02
#define AOBJ_PAGE_PINNED	0x04
#define AOBJ_PAGE_MLOCKED	0x08
#define AOBJ_PAGE_SWAPCOPY	0x10

/**
 * struct aobj_pagemap_run - AOBJ_IOC_PAGEMAP: consecutive pages in one state
 * @start: first page index
 * @count: number of pages
 * @state: AOBJ_PAGE_NONE .. AOBJ_PAGE_BAD
 * @flags: AOBJ_PAGE_* flags, the same for every page of the run
 * @__reserved: zero
 * @swapdev: for AOBJ_PAGE_SWAPPED: the device, as its index in the
 *	     AOBJ_IOC_SWAPS listing at the time of the call
 * @slot: for AOBJ_PAGE_SWAPPED: the first page's slot on @swapdev (page
 *	  offset on the device); page @start + i is on slot @slot + i
 */
struct aobj_pagemap_run {
	__aligned_u64 start;
	__aligned_u64 count;
	__u8 state;
	__u8 flags;
	__u16 __reserved;
	__u32 swapdev;
	__aligned_u64 slot;
};

/**
 * struct aobj_pagemap - AOBJ_IOC_PAGEMAP, on /dev/aobj<ID>
 * @size: sizeof(struct aobj_pagemap)
 * @flags: must be 0
 * @offset: start of the range in bytes, page aligned, at most the size
 * @length: length in bytes, page aligned; 0, or a range past the end of the
 *	    object, means to the end of the object
 * @count: in: room in @runs; out: number of runs written
 * @run_size: sizeof(struct aobj_pagemap_run) as the caller knows it
 * @runs: user pointer to an array of @count struct aobj_pagemap_run
 * @next: out: byte offset to continue from; the end of the range once the
 *	  whole range is described (it stops earlier when @runs is full, or
 *	  after AOBJ_PAGEMAP_MAX_PAGES pages that are not holes)
 *
 * Each page's state is read under the object lock, a batch of pages at a
 * time: pages may change state during a call that takes several batches.
 */
struct aobj_pagemap {
	__u32 size;
	__u32 flags;
	__aligned_u64 offset;
	__aligned_u64 length;
	__u32 count;
	__u32 run_size;
	__aligned_u64 runs;
	__aligned_u64 next;
};

/* Most non-hole pages one AOBJ_IOC_PAGEMAP call looks at (4 GiB). */
#define AOBJ_PAGEMAP_MAX_PAGES	1048576

enum {
	AOBJ_CMD_BASE = 0x80,
	AOBJ_CMD_CREATE = AOBJ_CMD_BASE,
	AOBJ_CMD_LIST,
	AOBJ_CMD_STAT,
	AOBJ_CMD_FLUSH,
	AOBJ_CMD_DETACH,
	AOBJ_CMD_SWAPON,
	AOBJ_CMD_SWAPOFF,
	AOBJ_CMD_SWAPS,
	AOBJ_CMD_PAGEMAP,
};

#define AOBJ_IOC_CREATE		_IO(AOBJ_IOCTL_TYPE, AOBJ_CMD_CREATE)
#define AOBJ_IOC_LIST		_IO(AOBJ_IOCTL_TYPE, AOBJ_CMD_LIST)
#define AOBJ_IOC_STAT		_IO(AOBJ_IOCTL_TYPE, AOBJ_CMD_STAT)
#define AOBJ_IOC_FLUSH		_IO(AOBJ_IOCTL_TYPE, AOBJ_CMD_FLUSH)
#define AOBJ_IOC_DETACH		_IO(AOBJ_IOCTL_TYPE, AOBJ_CMD_DETACH)
#define AOBJ_IOC_SWAPON		_IO(AOBJ_IOCTL_TYPE, AOBJ_CMD_SWAPON)
#define AOBJ_IOC_SWAPOFF	_IO(AOBJ_IOCTL_TYPE, AOBJ_CMD_SWAPOFF)
#define AOBJ_IOC_SWAPS		_IO(AOBJ_IOCTL_TYPE, AOBJ_CMD_SWAPS)
#define AOBJ_IOC_PAGEMAP	_IO(AOBJ_IOCTL_TYPE, AOBJ_CMD_PAGEMAP)

#endif /* _UAPI_LINUX_AOBJ_H */
