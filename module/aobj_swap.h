/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aobj swap devices: the slot allocator and the I/O to backing block
 * devices (the parts of uvm_swap.c that the seed pager relies on).
 * Below the pager, pageout and the objects: see aobj_swap.c.
 */
#ifndef _AOBJ_SWAP_H
#define _AOBJ_SWAP_H

#include <linux/blk_types.h>
#include <linux/mm_types.h>

int aobj_swap_alloc(int *nslots);
void aobj_swap_free(int slot, int nslots);
void aobj_swap_markbad(int slot, int nslots);
void aobj_swap_lost(int slot, int nslots);
int aobj_swap_read(struct folio **folios, int slot, int nr);
int aobj_swap_write(struct folio **folios, int slot, int nr);
bool aobj_swap_available(void);
int aobj_swap_dev_end(int slot);

struct aobj_swapdev_info;
int aobj_swapon(const char *path, int priority);
u32 aobj_swap_list(struct aobj_swapdev_info *info, u32 room);
int aobj_swap_slot_where(int slot, u32 *devidx, int *start, int *nslots);

/* The device's part of swapoff; the walk is aobj_swapoff(), aobj_core.c. */
struct aobj_swapdev;
struct aobj_swapdev *aobj_swapoff_begin(const char *path, int *start, int *end);
int aobj_swapoff_live(struct aobj_swapdev *sd);
int aobj_swapoff_settle(struct aobj_swapdev *sd, int live);
void aobj_swapoff_end(struct aobj_swapdev *sd, int err, u64 lost);

#if IS_ENABLED(CONFIG_KUNIT)
int aobj_swap_rw(struct folio **folios, int slot, int nr, blk_opf_t opf);
#endif

/* @reap: what takes a dead device's slots out of the objects (aobj_core.c) */
int aobj_swap_init(void (*reap)(int start, int end, u64 *lost));
void aobj_swap_quiesce(void);
void aobj_swap_exit(void);

#endif /* _AOBJ_SWAP_H */
