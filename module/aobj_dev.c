// SPDX-License-Identifier: GPL-2.0
/*
 * aobj device layer: the control node /dev/aobj, one node /dev/aobj<ID> per
 * object, the ioctls, mmap, sysfs, limits and module init.
 *
 * An object created through /dev/aobj is a struct aobj_node: the core
 * object plus its id, owner and mode.  The node holds the creation
 * reference until DETACH; every open file and every mapping holds one more.
 *
 * Place in the module: the top.  Calls only files below it: aobj_rw.c,
 * aobj_core.c, aobj_pageout.c (init and exit), aobj_object.c and
 * aobj_swap.c; called by no other file (the VFS, the driver core and
 * module init/exit call it).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/device.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/slab.h>
#include <linux/splice.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/xarray.h>

#include "aobj.h"
#include "aobj_internal.h"
#include "aobj_swap.h"
#include "uapi/linux/aobj.h"

#define AOBJ_MINORS	65536U

static unsigned long max_object_size = 64UL << 30;
module_param(max_object_size, ulong, 0644);
MODULE_PARM_DESC(max_object_size, "Largest object, in bytes (default 64 GiB)");

static unsigned int max_objects = 1024;
module_param(max_objects, uint, 0644);
MODULE_PARM_DESC(max_objects, "Most objects at once (default 1024, at most 65536)");

static unsigned long max_total_size = 1UL << 40;
module_param(max_total_size, ulong, 0644);
MODULE_PARM_DESC(max_total_size, "Sum of object sizes, in bytes (default 1 TiB)");

static unsigned int max_user_objects = 256;
module_param(max_user_objects, uint, 0644);
MODULE_PARM_DESC(max_user_objects,
		 "Most objects one owner (uid) may have at once (default 256; not for CAP_SYS_RESOURCE)");

static unsigned long max_user_size = 64UL << 30;
module_param(max_user_size, ulong, 0644);
MODULE_PARM_DESC(max_user_size,
		 "Sum of one owner's object sizes, in bytes (default 64 GiB; not for CAP_SYS_RESOURCE)");

/**
 * struct aobj_node - an object created through /dev/aobj
 * @obj: the object
 * @id: minor number of its node, index in aobj_nodes
 * @uid: owner of the node
 * @gid: group of the node
 * @mode: permission bits of the node
 * @dev: the node's device; NULL once detached
 * @detached: DETACH was done (or the module is going away)
 * @length: size in bytes, as counted against the limits
 * @memlock_user: for a NOSWAP object created without CAP_IPC_LOCK, the
 *	creator, whose locked_vm (RLIMIT_MEMLOCK) is charged with its pages
 */
struct aobj_node {
	struct aobj obj;
	u32 id;
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	struct device *dev;
	bool detached;
	u64 length;
	struct user_struct *memlock_user;
};

/**
 * struct aobj_user - what one owner's objects take, against the per-user limits
 * @objects: number of objects
 * @bytes: sum of their sizes
 */
struct aobj_user {
	unsigned int objects;
	u64 bytes;
};

/*
 * Objects by id.  Its xa_lock guards lookup against release.  CREATE
 * reserves an id (a NULL entry, which lookups do not see) and publishes
 * the node only once nothing can fail any more.  Ids go round, as PIDs
 * do, so that a stale id does not name the next object at once.
 */
static DEFINE_XARRAY_ALLOC(aobj_nodes);
static u32 aobj_next_id;
/* Serialises create and detach, and guards the totals below. */
static DEFINE_MUTEX(aobj_nodes_lock);
static unsigned int aobj_nr_nodes;
static u64 aobj_total_bytes;
/* struct aobj_user by owner uid (in the initial namespace), same lock. */
static DEFINE_XARRAY(aobj_users);

static dev_t aobj_devt;
static struct cdev aobj_cdev;
static const struct class aobj_class = {
	.name = "aobj",
};

static struct aobj_node *to_node(struct aobj *obj)
{
	return container_of(obj, struct aobj_node, obj);
}

/*
 * aobj_node_info: describe an object, unless it is being torn down.
 * => the caller keeps @node's memory valid (an open file, or
 *    aobj_nodes_lock).
 * Return: false if the object has no reference left.
 */
static bool aobj_node_info(struct aobj_node *node, struct aobj_info *info)
{
	struct aobj *obj = &node->obj;

	memset(info, 0, sizeof(*info));
	/* One read: the entry describes the object as it was, alive. */
	info->refs = kref_read(&obj->ref);
	if (!info->refs)
		return false;
	info->id = node->id;
	info->length = (u64)obj->pages << PAGE_SHIFT;
	info->uid = from_kuid_munged(current_user_ns(), node->uid);
	info->gid = from_kgid_munged(current_user_ns(), node->gid);
	info->mode = node->mode;
	/* data_race: a snapshot; LIST must not take obj->lock. */
	info->resident = data_race(obj->nr_resident);
	/* data_race: as above. */
	info->swapped = data_race(aobj_nr_swapped(obj));
	if (obj->flags & AOBJ_NOSWAP)
		info->flags |= AOBJ_INFO_NOSWAP;
	if (READ_ONCE(node->detached))
		info->flags |= AOBJ_INFO_DETACHED;
	return true;
}

/* sysfs: /sys/class/aobj/aobj<ID>/{size,resident,swapped,refs,noswap} */

static ssize_t size_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct aobj_node *node = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%llu\n", (u64)node->obj.pages << PAGE_SHIFT);
}
static DEVICE_ATTR_RO(size);

static ssize_t resident_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct aobj_node *node = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%lu\n", READ_ONCE(node->obj.nr_resident));
}
static DEVICE_ATTR_RO(resident);

static ssize_t swapped_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct aobj_node *node = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%lu\n", aobj_nr_swapped(&node->obj));
}
static DEVICE_ATTR_RO(swapped);

static ssize_t refs_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct aobj_node *node = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", kref_read(&node->obj.ref));
}
static DEVICE_ATTR_RO(refs);

static ssize_t noswap_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct aobj_node *node = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", !!(node->obj.flags & AOBJ_NOSWAP));
}
static DEVICE_ATTR_RO(noswap);

static struct attribute *aobj_node_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_resident.attr,
	&dev_attr_swapped.attr,
	&dev_attr_refs.attr,
	&dev_attr_noswap.attr,
	NULL,
};
ATTRIBUTE_GROUPS(aobj_node);

static char *aobj_node_devnode(const struct device *dev, umode_t *mode,
			       kuid_t *uid, kgid_t *gid)
{
	struct aobj_node *node = dev_get_drvdata(dev);

	if (mode)
		*mode = node->mode;
	if (uid)
		*uid = node->uid;
	if (gid)
		*gid = node->gid;
	return NULL;
}

static const struct device_type aobj_node_type = {
	.name = "aobj_object",
	.groups = aobj_node_groups,
	.devnode = aobj_node_devnode,
};

static void aobj_node_dev_release(struct device *dev)
{
	kfree(dev);
}

/*
 * aobj_node_unaccount: give back what aobj_node_account() took.
 * => nothing locked.
 */
static void aobj_node_unaccount(struct aobj_node *node)
{
	struct aobj_user *user;

	if (node->memlock_user) {
		atomic_long_sub(node->length >> PAGE_SHIFT,
				&node->memlock_user->locked_vm);
		free_uid(node->memlock_user);
	}
	mutex_lock(&aobj_nodes_lock);
	aobj_nr_nodes--;
	aobj_total_bytes -= node->length;
	user = xa_load(&aobj_users, __kuid_val(node->uid));
	if (!WARN_ON_ONCE(!user)) {
		user->bytes -= node->length;
		if (!--user->objects) {
			xa_erase(&aobj_users, __kuid_val(node->uid));
			kfree(user);
		}
	}
	mutex_unlock(&aobj_nodes_lock);
}

/*
 * aobj_node_release: the object is gone; forget its id and size.
 * => nothing locked.
 */
static void aobj_node_release(struct aobj *obj)
{
	struct aobj_node *node = to_node(obj);

	xa_erase(&aobj_nodes, node->id);
	aobj_node_unaccount(node);
	kfree(node);
}

static const struct aobj_ops aobj_node_ops = {
	.release = aobj_node_release,
};

/*
 * aobj_node_add_dev: create /dev/aobj<ID> and its sysfs directory.
 * => nothing locked.
 */
static int aobj_node_add_dev(struct aobj_node *node)
{
	struct device *dev;
	int err;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	device_initialize(dev);
	dev->class = &aobj_class;
	dev->type = &aobj_node_type;
	dev->devt = MKDEV(MAJOR(aobj_devt), node->id);
	dev->release = aobj_node_dev_release;
	dev_set_drvdata(dev, node);
	err = dev_set_name(dev, "aobj%u", node->id);
	if (!err)
		err = device_add(dev);
	if (err) {
		put_device(dev);
		return err;
	}
	node->dev = dev;
	return 0;
}

/*
 * aobj_node_detach: remove the node and drop the creation reference.
 * => nothing locked.
 * Return: 0, or -EIDRM if it was detached already.
 */
static int aobj_node_detach(struct aobj_node *node)
{
	struct device *dev;

	mutex_lock(&aobj_nodes_lock);
	if (node->detached) {
		mutex_unlock(&aobj_nodes_lock);
		return -EIDRM;
	}
	WRITE_ONCE(node->detached, true);
	dev = node->dev;
	node->dev = NULL;
	mutex_unlock(&aobj_nodes_lock);

	if (dev)
		device_unregister(dev);
	aobj_detach(&node->obj);
	return 0;
}

/* The ioctls, after drivers/iommu/iommufd/main.c. */

struct aobj_ucmd {
	struct file *file;
	struct aobj_node *node;		/* NULL on /dev/aobj */
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

/* Copy the answer back, no more than the caller's structure holds. */
static int aobj_ucmd_respond(struct aobj_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

/*
 * aobj_copy_array: copy @n entries of @size bytes to the user array at
 * @uptr, whose entries are @entry_size (>= @size) bytes: the tail of each
 * is zeroed, for callers that know a longer entry.
 */
static int aobj_copy_array(u64 uptr, u32 entry_size, const void *entries,
			   size_t size, u32 n)
{
	u8 __user *dst = u64_to_user_ptr(uptr);
	const u8 *src = entries;
	u32 i;

	for (i = 0; i < n; i++, dst += entry_size, src += size)
		if (copy_to_user(dst, src, size) ||
		    clear_user(dst + size, entry_size - size))
			return -EFAULT;
	return 0;
}

/*
 * aobj_charge_user: count @node against its owner's limits.
 * => aobj_nodes_lock must be held.
 * Return: 0, -EDQUOT past a per-user limit, or -ENOMEM.
 */
static int aobj_charge_user(struct aobj_node *node)
{
	struct aobj_user *user;
	unsigned int objects;
	u64 bytes;
	int err;

	lockdep_assert_held(&aobj_nodes_lock);
	user = xa_load(&aobj_users, __kuid_val(node->uid));
	objects = user ? user->objects : 0;
	bytes = user ? user->bytes : 0;
	/* capable() only past a limit: it audits. */
	if ((objects >= READ_ONCE(max_user_objects) ||
	     bytes + node->length > READ_ONCE(max_user_size)) &&
	    !capable(CAP_SYS_RESOURCE)) {
		pr_info_ratelimited("create: uid %u would pass max_user_objects (%u) or max_user_size (%lu bytes)\n",
				    __kuid_val(node->uid),
				    READ_ONCE(max_user_objects),
				    READ_ONCE(max_user_size));
		return -EDQUOT;
	}
	if (!user) {
		user = kzalloc(sizeof(*user), GFP_KERNEL_ACCOUNT);
		if (!user)
			return -ENOMEM;
		err = xa_err(xa_store(&aobj_users, __kuid_val(node->uid), user,
				      GFP_KERNEL_ACCOUNT));
		if (err) {
			kfree(user);
			return err;
		}
	}
	user->objects++;
	user->bytes += node->length;
	return 0;
}

/*
 * aobj_charge_memlock: a NOSWAP object pins its pages in memory, as
 * SHM_LOCK does: without CAP_IPC_LOCK they must fit under the creator's
 * RLIMIT_MEMLOCK, charged to its locked_vm (as io_uring does for fixed
 * buffers) until the object is gone.
 * => nothing locked.
 * Return: 0, -EPERM with RLIMIT_MEMLOCK at 0, -ENOMEM past it (mlock(2)'s
 * errors).
 */
static int aobj_charge_memlock(struct aobj_node *node)
{
	unsigned long limit, cur, pages = node->length >> PAGE_SHIFT;
	struct user_struct *user;

	limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	user = get_current_user();
	cur = atomic_long_read(&user->locked_vm);
	do {
		if (cur + pages > limit) {
			free_uid(user);
			/* capable() only past the limit: it audits. */
			if (capable(CAP_IPC_LOCK))
				return 0;
			if (!limit) {
				pr_info_ratelimited("create: a NOSWAP object needs CAP_IPC_LOCK or RLIMIT_MEMLOCK\n");
				return -EPERM;
			}
			pr_info_ratelimited("create: a NOSWAP object of %lu pages is over RLIMIT_MEMLOCK (%lu pages, %lu in use)\n",
					    pages, limit, cur);
			return -ENOMEM;
		}
	} while (!atomic_long_try_cmpxchg(&user->locked_vm, &cur, cur + pages));
	node->memlock_user = user;
	return 0;
}

/*
 * aobj_node_account: count @node against the limits: its size, the
 * global and per-user ones, and RLIMIT_MEMLOCK for NOSWAP.
 * => nothing locked.
 * Return: 0, -EFBIG / -ENOSPC past a global limit, -EDQUOT past a
 * per-user one, -EPERM / -ENOMEM for RLIMIT_MEMLOCK, or -ENOMEM.
 */
static int aobj_node_account(struct aobj_node *node, bool noswap)
{
	int err = 0;

	if (node->length > READ_ONCE(max_object_size)) {
		pr_info_ratelimited("create: %llu bytes is above max_object_size %lu\n",
				    node->length, READ_ONCE(max_object_size));
		return -EFBIG;
	}
	if (noswap) {
		err = aobj_charge_memlock(node);
		if (err)
			return err;
	}
	mutex_lock(&aobj_nodes_lock);
	if (aobj_nr_nodes >= min(READ_ONCE(max_objects), AOBJ_MINORS)) {
		pr_info_ratelimited("create: max_objects (%u) reached\n",
				    READ_ONCE(max_objects));
		err = -ENOSPC;
	} else if (aobj_total_bytes + node->length > READ_ONCE(max_total_size)) {
		pr_info_ratelimited("create: max_total_size (%lu bytes) reached\n",
				    READ_ONCE(max_total_size));
		err = -ENOSPC;
	} else {
		err = aobj_charge_user(node);
	}
	if (!err) {
		aobj_nr_nodes++;
		aobj_total_bytes += node->length;
	}
	mutex_unlock(&aobj_nodes_lock);
	if (err && node->memlock_user) {
		atomic_long_sub(node->length >> PAGE_SHIFT,
				&node->memlock_user->locked_vm);
		free_uid(node->memlock_user);
		node->memlock_user = NULL;
	}
	return err;
}

/*
 * CREATE: the id is reserved first, and the node is published in
 * aobj_nodes last, after its device node exists and the caller has its id:
 * until then nobody can open it (not even through a stale inode of an
 * earlier object with the same id), so a failure can take it back alone.
 */
static int aobj_ioctl_create(struct aobj_ucmd *ucmd)
{
	struct aobj_create *cmd = ucmd->cmd;
	struct aobj_node *node;
	u64 length;
	int err;

	if (cmd->flags & ~AOBJ_CREATE_NOSWAP || cmd->mode & ~0777 ||
	    !cmd->length || cmd->length > U64_MAX - PAGE_SIZE)
		return -EINVAL;
	length = PAGE_ALIGN(cmd->length);

	node = kzalloc(sizeof(*node), GFP_KERNEL_ACCOUNT);
	if (!node)
		return -ENOMEM;
	node->uid = current_fsuid();
	node->gid = current_fsgid();
	node->mode = cmd->mode ? cmd->mode : 0600;
	node->length = length;

	err = aobj_node_account(node, cmd->flags & AOBJ_CREATE_NOSWAP);
	if (err)
		goto err_free;
	err = xa_alloc_cyclic(&aobj_nodes, &node->id, NULL,
			      XA_LIMIT(0, AOBJ_MINORS - 1), &aobj_next_id,
			      GFP_KERNEL);
	if (err < 0) {
		if (err == -EBUSY)
			err = -ENOSPC;
		goto err_unaccount;
	}
	err = aobj_init(&node->obj, length,
			cmd->flags & AOBJ_CREATE_NOSWAP ? AOBJ_NOSWAP : 0,
			&aobj_node_ops);
	if (err)
		goto err_id;

	/* From here on, the last reference frees node, id and counts. */
	err = aobj_node_add_dev(node);
	if (err) {
		aobj_detach(&node->obj);
		return err;
	}
	cmd->id = node->id;
	err = aobj_ucmd_respond(ucmd, sizeof(*cmd));
	if (err) {
		aobj_node_detach(node);
		return err;
	}
	/*
	 * Replaces the reserved entry: no allocation, cannot fail.  Until
	 * here, an open of the new node gets ENXIO.
	 */
	WARN_ON_ONCE(xa_is_err(xa_store(&aobj_nodes, node->id, node, GFP_KERNEL)));
	return 0;

err_id:
	xa_erase(&aobj_nodes, node->id);
err_unaccount:
	aobj_node_unaccount(node);
err_free:
	kfree(node);
	return err;
}

static int aobj_ioctl_list(struct aobj_ucmd *ucmd)
{
	struct aobj_list *cmd = ucmd->cmd;
	u32 n = 0, room = min(cmd->count, AOBJ_MINORS);
	struct aobj_info *info = NULL;
	struct aobj_node *node;
	unsigned long id;
	int err = 0;

	if (cmd->flags)
		return -EINVAL;
	if (cmd->count && cmd->entry_size < sizeof(*info))
		return -EINVAL;
	if (room) {
		info = kvcalloc(room, sizeof(*info), GFP_KERNEL);
		if (!info)
			return -ENOMEM;
	}

	/*
	 * aobj_nodes_lock keeps the listed objects from being released; no
	 * user memory is touched under it (munmap takes it under mmap_lock).
	 */
	mutex_lock(&aobj_nodes_lock);
	xa_for_each(&aobj_nodes, id, node) {
		struct aobj_info tmp;

		if (!aobj_node_info(node, n < room ? &info[n] : &tmp))
			continue;	/* being torn down */
		n++;
	}
	mutex_unlock(&aobj_nodes_lock);

	err = aobj_copy_array(cmd->entries, cmd->entry_size, info,
			      sizeof(*info), min(n, room));
	kvfree(info);
	if (err)
		return err;
	cmd->count = n;
	return aobj_ucmd_respond(ucmd, sizeof(*cmd));
}

static int aobj_ioctl_stat(struct aobj_ucmd *ucmd)
{
	struct aobj_stat *cmd = ucmd->cmd;

	if (cmd->flags)
		return -EINVAL;
	/* Our open file holds a reference: the object is alive. */
	aobj_node_info(ucmd->node, &cmd->info);
	return aobj_ucmd_respond(ucmd, sizeof(*cmd));
}

static int aobj_ioctl_flush(struct aobj_ucmd *ucmd)
{
	struct aobj_flush *cmd = ucmd->cmd;
	struct aobj *obj = &ucmd->node->obj;
	u64 size = (u64)obj->pages << PAGE_SHIFT;
	u64 length = cmd->length;
	static const unsigned int modes[] = {
		[AOBJ_FLUSH_FREE] = AOBJ_PUT_FREE,
		[AOBJ_FLUSH_DEACTIVATE] = AOBJ_PUT_DEACTIVATE,
		[AOBJ_FLUSH_CLEAN] = AOBJ_PUT_CLEAN,
	};

	if (!(ucmd->file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (hweight32(cmd->flags) != 1 || cmd->flags >= ARRAY_SIZE(modes) ||
	    !modes[cmd->flags])
		return -EINVAL;
	if (!PAGE_ALIGNED(cmd->offset) || !PAGE_ALIGNED(length) ||
	    cmd->offset > size)
		return -EINVAL;
	if (!length)
		length = size - cmd->offset;
	if (length > size - cmd->offset)
		return -EINVAL;
	return aobj_put(obj, cmd->offset >> PAGE_SHIFT,
			(cmd->offset + length) >> PAGE_SHIFT, modes[cmd->flags]);
}

static int aobj_ioctl_detach(struct aobj_ucmd *ucmd)
{
	struct aobj_detach *cmd = ucmd->cmd;

	if (cmd->flags)
		return -EINVAL;
	if (!(ucmd->file->f_mode & FMODE_WRITE))
		return -EBADF;
	return aobj_node_detach(ucmd->node);
}

/* A device path from user memory; "" is -ENOENT, as for swapon(2). */
static char *aobj_path_from_user(u64 uptr)
{
	char *path = strndup_user(u64_to_user_ptr(uptr), PATH_MAX);

	if (!IS_ERR(path) && !*path) {
		kfree(path);
		return ERR_PTR(-ENOENT);
	}
	return path;
}

static int aobj_ioctl_swapon(struct aobj_ucmd *ucmd)
{
	struct aobj_swapon *cmd = ucmd->cmd;
	char *path;
	int err;

	if (cmd->flags || cmd->__reserved)
		return -EINVAL;
	path = aobj_path_from_user(cmd->path);
	if (IS_ERR(path))
		return PTR_ERR(path);
	err = aobj_swapon(path, cmd->priority);
	kfree(path);
	return err;
}

static int aobj_ioctl_swapoff(struct aobj_ucmd *ucmd)
{
	struct aobj_swapoff *cmd = ucmd->cmd;
	char *path;
	int err;

	if (cmd->flags)
		return -EINVAL;
	path = aobj_path_from_user(cmd->path);
	if (IS_ERR(path))
		return PTR_ERR(path);
	err = aobj_swapoff(path, &cmd->lost);
	kfree(path);
	if (err)
		return err;
	return aobj_ucmd_respond(ucmd, sizeof(*cmd));
}

#define AOBJ_MAX_SWAPDEVS	1024

static int aobj_ioctl_swaps(struct aobj_ucmd *ucmd)
{
	struct aobj_swaps *cmd = ucmd->cmd;
	struct aobj_swapdev_info *info = NULL;
	u32 n, room = min(cmd->count, AOBJ_MAX_SWAPDEVS);
	int err = 0;

	if (cmd->flags)
		return -EINVAL;
	if (cmd->count && cmd->entry_size < sizeof(*info))
		return -EINVAL;
	if (room) {
		info = kcalloc(room, sizeof(*info), GFP_KERNEL);
		if (!info)
			return -ENOMEM;
	}
	n = aobj_swap_list(info, room);
	err = aobj_copy_array(cmd->entries, cmd->entry_size, info,
			      sizeof(*info), min(n, room));
	kfree(info);
	if (err)
		return err;
	cmd->count = n;
	return aobj_ucmd_respond(ucmd, sizeof(*cmd));
}

/* Runs gathered in kernel memory before they are copied out. */
#define AOBJ_PAGEMAP_CHUNK	256U

static int aobj_ioctl_pagemap(struct aobj_ucmd *ucmd)
{
	struct aobj_pagemap *cmd = ucmd->cmd;
	struct aobj *obj = &ucmd->node->obj;
	unsigned long budget = AOBJ_PAGEMAP_MAX_PAGES;
	u64 size = (u64)obj->pages << PAGE_SHIFT, end;
	struct aobj_pagemap_run *runs;
	u32 done = 0, n, chunk;
	pgoff_t index, last;
	int err = 0;

	if (cmd->flags)
		return -EINVAL;
	if (cmd->count && cmd->run_size < sizeof(*runs))
		return -EINVAL;
	if (!PAGE_ALIGNED(cmd->offset) || !PAGE_ALIGNED(cmd->length) ||
	    cmd->offset > size)
		return -EINVAL;
	/* A range past the end is cut at the end. */
	if (!cmd->length || cmd->length > size - cmd->offset)
		end = size;
	else
		end = cmd->offset + cmd->length;
	index = cmd->offset >> PAGE_SHIFT;
	last = end >> PAGE_SHIFT;

	runs = kmalloc_array(AOBJ_PAGEMAP_CHUNK, sizeof(*runs), GFP_KERNEL);
	if (!runs)
		return -ENOMEM;
	do {
		pgoff_t next;

		chunk = min(cmd->count - done, AOBJ_PAGEMAP_CHUNK);
		err = aobj_pagemap(obj, index, last, runs, chunk, &n, &next,
				   &budget);
		if (!err)
			err = aobj_copy_array(cmd->runs + (u64)done * cmd->run_size,
					      cmd->run_size, runs, sizeof(*runs), n);
		if (err)
			break;
		done += n;
		index = next;
		/* Go on while the chunk was the limit, not the user's room. */
	} while (index < last && n == chunk && done < cmd->count && budget);
	kfree(runs);
	if (err)
		return err;
	cmd->count = done;
	cmd->next = (u64)index << PAGE_SHIFT;
	return aobj_ucmd_respond(ucmd, sizeof(*cmd));
}

union aobj_ucmd_buffer {
	struct aobj_create create;
	struct aobj_list list;
	struct aobj_stat stat;
	struct aobj_flush flush;
	struct aobj_detach detach;
	struct aobj_swapon swapon;
	struct aobj_swapoff swapoff;
	struct aobj_swaps swaps;
	struct aobj_pagemap pagemap;
};

enum aobj_ioctl_node {
	AOBJ_ON_CONTROL,	/* /dev/aobj only */
	AOBJ_ON_OBJECT,		/* /dev/aobj<ID> only */
	AOBJ_ON_CONTROL_ADMIN,	/* /dev/aobj, CAP_SYS_ADMIN only */
};

struct aobj_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	enum aobj_ioctl_node on;
	int (*execute)(struct aobj_ucmd *ucmd);
};

#define AOBJ_IOCTL_OP(_ioctl, _fn, _on, _struct, _last)			\
	{								\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union aobj_ucmd_buffer) < \
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = _ioctl,					\
		.on = _on,						\
		.execute = _fn,						\
	}

static const struct aobj_ioctl_op aobj_ioctl_ops[] = {
	AOBJ_IOCTL_OP(AOBJ_IOC_CREATE, aobj_ioctl_create, AOBJ_ON_CONTROL,
		      struct aobj_create, id),
	AOBJ_IOCTL_OP(AOBJ_IOC_LIST, aobj_ioctl_list, AOBJ_ON_CONTROL,
		      struct aobj_list, entries),
	AOBJ_IOCTL_OP(AOBJ_IOC_STAT, aobj_ioctl_stat, AOBJ_ON_OBJECT,
		      struct aobj_stat, info),
	AOBJ_IOCTL_OP(AOBJ_IOC_FLUSH, aobj_ioctl_flush, AOBJ_ON_OBJECT,
		      struct aobj_flush, length),
	AOBJ_IOCTL_OP(AOBJ_IOC_DETACH, aobj_ioctl_detach, AOBJ_ON_OBJECT,
		      struct aobj_detach, flags),
	AOBJ_IOCTL_OP(AOBJ_IOC_SWAPON, aobj_ioctl_swapon, AOBJ_ON_CONTROL_ADMIN,
		      struct aobj_swapon, __reserved),
	AOBJ_IOCTL_OP(AOBJ_IOC_SWAPOFF, aobj_ioctl_swapoff,
		      AOBJ_ON_CONTROL_ADMIN, struct aobj_swapoff, lost),
	AOBJ_IOCTL_OP(AOBJ_IOC_SWAPS, aobj_ioctl_swaps, AOBJ_ON_CONTROL,
		      struct aobj_swaps, entries),
	AOBJ_IOCTL_OP(AOBJ_IOC_PAGEMAP, aobj_ioctl_pagemap, AOBJ_ON_OBJECT,
		      struct aobj_pagemap, next),
};

static long aobj_ioctl(struct file *file, unsigned int cmd, unsigned long arg,
		       struct aobj_node *node)
{
	union aobj_ucmd_buffer buf;
	const struct aobj_ioctl_op *op;
	struct aobj_ucmd ucmd = {
		.file = file,
		.node = node,
		.ubuffer = (void __user *)arg,
		.cmd = &buf,
	};
	int err;

	for (op = aobj_ioctl_ops; op < aobj_ioctl_ops + ARRAY_SIZE(aobj_ioctl_ops); op++)
		if (op->ioctl_num == cmd)
			break;
	if (op == aobj_ioctl_ops + ARRAY_SIZE(aobj_ioctl_ops))
		return -ENOTTY;
	/* Object commands on object nodes, control commands on /dev/aobj. */
	if (node ? op->on != AOBJ_ON_OBJECT : op->on == AOBJ_ON_OBJECT)
		return -ENOTTY;
	if (op->on == AOBJ_ON_CONTROL_ADMIN && !capable(CAP_SYS_ADMIN))
		return -EPERM;

	err = get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer);
	if (err)
		return err;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	err = copy_struct_from_user(&buf, op->size, ucmd.ubuffer,
				    ucmd.user_size);
	if (err)
		return err == -E2BIG ? -EINVAL : err;
	return op->execute(&ucmd);
}

static long aobj_ctl_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	return aobj_ioctl(file, cmd, arg, NULL);
}

static long aobj_node_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	return aobj_ioctl(file, cmd, arg, file->private_data);
}

/* mmap of /dev/aobj<ID>: offset 0 is the object's first byte. */

static void aobj_vm_open(struct vm_area_struct *vma)
{
	aobj_reference(vma->vm_private_data);
}

static void aobj_vm_close(struct vm_area_struct *vma)
{
	aobj_detach(vma->vm_private_data);
}

/*
 * aobj_vm_fault: the page comes back locked, so that pageout, which locks
 * a page before revoking its mappings, cannot slip in before the PTE is
 * installed.
 * => mmap_lock or the VMA lock held.
 */
static vm_fault_t aobj_vm_fault(struct vm_fault *vmf)
{
	struct folio *folio;
	int err;

	err = aobj_fault_get(vmf->vma->vm_private_data, vmf->pgoff, &folio);
	if (err < 0)
		return vmf_error(err);
	vmf->page = folio_page(folio, 0);
	/* A read from swap is a major fault, as for anon and shmem pages. */
	return VM_FAULT_LOCKED | (err == AOBJ_GOT_SWAPIN ? VM_FAULT_MAJOR : 0);
}

/*
 * aobj_vm_map_pages: fault-around (filemap_map_pages()) maps resident,
 * unlocked pages around a read fault, the faulting one included, and
 * ->fault is then not called: that read is a use of the page all the
 * same, which aging must see.  The page is marked referenced here, under
 * a speculative reference, as the page cache's lookups take one.
 * => mmap_lock or the VMA lock held; RCU inside.
 */
static vm_fault_t aobj_vm_map_pages(struct vm_fault *vmf, pgoff_t start,
				    pgoff_t end)
{
	struct aobj *obj = vmf->vma->vm_private_data;
	struct folio *folio;

	rcu_read_lock();
	folio = xa_load(aobj_folios(obj), vmf->pgoff);
	if (folio && !xa_is_value(folio) && folio_try_get(folio)) {
		if (folio->mapping == aobj_mapping(obj) &&
		    folio->index == vmf->pgoff && !folio_test_referenced(folio))
			folio_set_referenced(folio);
		folio_put(folio);
	}
	rcu_read_unlock();
	return filemap_map_pages(vmf, start, end);
}

static const struct vm_operations_struct aobj_vm_ops = {
	.open = aobj_vm_open,
	.close = aobj_vm_close,
	.fault = aobj_vm_fault,
	/* Fault-around: resident, unlocked pages next to a read fault. */
	.map_pages = aobj_vm_map_pages,
};

static int aobj_node_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct aobj_node *node = file->private_data;
	struct aobj *obj = &node->obj;

	/* VM_MAYSHARE: a read-only fd's MAP_SHARED mapping has no VM_SHARED. */
	if (!(vma->vm_flags & VM_MAYSHARE)) {
		pr_debug("mmap of object %u: only MAP_SHARED is supported\n",
			 node->id);
		return -EINVAL;
	}
	if (vma->vm_pgoff >= obj->pages ||
	    vma_pages(vma) > obj->pages - vma->vm_pgoff) {
		pr_debug("mmap of object %u: range beyond its %lu pages\n",
			 node->id, obj->pages);
		return -ENXIO;
	}
	if (READ_ONCE(node->detached))
		return -EIDRM;

	/*
	 * No VM_DONTEXPAND: it would make the area VM_SPECIAL, which mlock()
	 * skips.  mremap() may grow the area past the object, as over a
	 * file's end, and a new mmap() of the same file next to this area
	 * may merge into it without coming here; either way, faults past the
	 * object get SIGBUS (aobj_get()'s -EINVAL), as past a file's end.
	 */
	vma->vm_ops = &aobj_vm_ops;
	vma->vm_private_data = obj;
	aobj_reference(obj);
	return 0;
}

static int aobj_node_open(struct inode *inode, struct file *file)
{
	struct aobj_node *node;

	xa_lock(&aobj_nodes);
	node = xa_load(&aobj_nodes, iminor(inode));
	if (node && (READ_ONCE(node->detached) ||
		     !kref_get_unless_zero(&node->obj.ref)))
		node = NULL;
	xa_unlock(&aobj_nodes);
	if (!node)
		return -ENXIO;

	file->private_data = node;
	/* Link mappings on the object's address_space, as DRM does. */
	file->f_mapping = aobj_mapping(&node->obj);
	/* The object is its own storage: O_DIRECT is the same I/O. */
	/* As for a regular file: read() and write() on a shared fd move f_pos atomically. */
	file->f_mode |= FMODE_CAN_ODIRECT | FMODE_ATOMIC_POS;
	return 0;
}

static int aobj_node_file_release(struct inode *inode, struct file *file)
{
	struct aobj_node *node = file->private_data;

	aobj_detach(&node->obj);
	return 0;
}

/*
 * The object node as a file: read, write, lseek within the object's size
 * (the node's inode is a device inode, whose i_size says nothing), with
 * SEEK_DATA/SEEK_HOLE; splice and sendfile through the generic helpers.
 */

static ssize_t aobj_node_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct aobj_node *node = iocb->ki_filp->private_data;

	return aobj_read_iter(&node->obj, &iocb->ki_pos, to);
}

static ssize_t aobj_node_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct aobj_node *node = iocb->ki_filp->private_data;

	/* An object has a fixed size: there is no end to append at. */
	if (iocb->ki_flags & IOCB_APPEND)
		return -EINVAL;
	return aobj_write_iter(&node->obj, &iocb->ki_pos, from);
}

static loff_t aobj_node_llseek(struct file *file, loff_t offset, int whence)
{
	struct aobj_node *node = file->private_data;
	loff_t size = (loff_t)node->obj.pages << PAGE_SHIFT;

	if (whence == SEEK_DATA || whence == SEEK_HOLE) {
		offset = aobj_seek_data_hole(&node->obj, offset, whence);
		if (offset < 0)
			return offset;
		return vfs_setpos(file, offset, size);
	}
	return fixed_size_llseek(file, offset, whence, size);
}

/*
 * PUNCH_HOLE|KEEP_SIZE is FLUSH FREE on whole pages, with partial pages
 * zeroed.  Note that vfs_fallocate() turns down every inode but regular
 * files and block devices with ENODEV before it gets here.
 */
static long aobj_node_fallocate(struct file *file, int mode, loff_t offset,
				loff_t len)
{
	struct aobj_node *node = file->private_data;

	if (mode != (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	return aobj_punch_hole(&node->obj, offset, len);
}

static const struct file_operations aobj_node_fops = {
	.owner = THIS_MODULE,
	.open = aobj_node_open,
	.release = aobj_node_file_release,
	.mmap = aobj_node_mmap,
	/* Nothing to write back: msync(MS_SYNC) and fsync succeed, as on shmem. */
	.fsync = noop_fsync,
	.unlocked_ioctl = aobj_node_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = aobj_node_llseek,
	.read_iter = aobj_node_read_iter,
	.write_iter = aobj_node_write_iter,
	.fallocate = aobj_node_fallocate,
	.splice_read = copy_splice_read,
	.splice_write = iter_file_splice_write,
};

static const struct file_operations aobj_ctl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = aobj_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/* sysfs: /sys/class/misc/aobj/stats/<counter> */

struct aobj_stat_attr {
	struct device_attribute attr;
	size_t offset;		/* of the counter in struct aobj_stats */
};

static ssize_t aobj_stat_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	struct aobj_stat_attr *sa = container_of(attr, struct aobj_stat_attr, attr);
	struct aobj_stats st;

	aobj_read_stats(&st);
	return sysfs_emit(buf, "%ld\n", *(long *)((char *)&st + sa->offset));
}

#define AOBJ_STAT(_file, _field)					\
	{								\
		.attr = __ATTR(_file, 0444, aobj_stat_show, NULL),	\
		.offset = offsetof(struct aobj_stats, _field),		\
	}

static struct aobj_stat_attr aobj_stat_attrs[] = {
	AOBJ_STAT(objects, objects),
	AOBJ_STAT(resident_pages, resident),
	AOBJ_STAT(swpgonly, swpgonly),
	AOBJ_STAT(faults_resident, faults_resident),
	AOBJ_STAT(faults_zero, faults_zero),
	AOBJ_STAT(faults_swapin, faults_swapin),
	AOBJ_STAT(pageouts, pageouts),
	AOBJ_STAT(pageins, pageins),
	AOBJ_STAT(io_errors, io_errors),
	AOBJ_STAT(io_timeouts, io_timeouts),
	AOBJ_STAT(bad_slots, bad_slots),
};

static struct attribute *aobj_stats_attrs[ARRAY_SIZE(aobj_stat_attrs) + 1];

static const struct attribute_group aobj_stats_group = {
	.name = "stats",
	.attrs = aobj_stats_attrs,
};

static const struct attribute_group *aobj_ctl_groups[] = {
	&aobj_stats_group,
	NULL,
};

static struct miscdevice aobj_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "aobj",
	.fops = &aobj_ctl_fops,
	.groups = aobj_ctl_groups,
	.mode = 0666,
};

static void aobj_stats_attrs_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(aobj_stat_attrs); i++)
		aobj_stats_attrs[i] = &aobj_stat_attrs[i].attr.attr;
}

static void aobj_detach_all_nodes(void)
{
	struct aobj_node *node;
	unsigned long id;

	xa_for_each(&aobj_nodes, id, node)
		aobj_node_detach(node);
}

static int __init aobj_module_init(void)
{
	int err;

	aobj_stats_attrs_init();
	err = aobj_core_init();
	if (err)
		return err;
	err = aobj_pageout_init();
	if (err)
		goto err_core;
	err = alloc_chrdev_region(&aobj_devt, 0, AOBJ_MINORS, "aobj");
	if (err)
		goto err_pageout;
	err = class_register(&aobj_class);
	if (err)
		goto err_region;
	cdev_init(&aobj_cdev, &aobj_node_fops);
	err = cdev_add(&aobj_cdev, aobj_devt, AOBJ_MINORS);
	if (err)
		goto err_class;
	err = misc_register(&aobj_miscdev);
	if (err)
		goto err_cdev;
	return 0;

err_cdev:
	cdev_del(&aobj_cdev);
err_class:
	class_unregister(&aobj_class);
err_region:
	unregister_chrdev_region(aobj_devt, AOBJ_MINORS);
err_pageout:
	aobj_pageout_exit();
	aobj_pageout_destroy();
err_core:
	aobj_core_exit();
	return err;
}

static void __exit aobj_module_exit(void)
{
	misc_deregister(&aobj_miscdev);
	/*
	 * Pageout first, the dead-device work, and the releases pageout
	 * handed to aobj_wq: a node whose last reference they held could
	 * otherwise be freed under the walk below.
	 */
	aobj_pageout_exit();
	aobj_swap_quiesce();
	drain_workqueue(aobj_wq);
	/* No file is open (each pins the module): this frees every object. */
	aobj_detach_all_nodes();
	cdev_del(&aobj_cdev);
	class_unregister(&aobj_class);
	unregister_chrdev_region(aobj_devt, AOBJ_MINORS);
	aobj_core_exit();
	/* After aobj_core_exit(): its drain runs the last object releases. */
	aobj_pageout_destroy();
}

module_init(aobj_module_init);
module_exit(aobj_module_exit);

MODULE_DESCRIPTION("Anonymous memory objects with their own swap (NetBSD UVM aobj)");
MODULE_LICENSE("GPL");
