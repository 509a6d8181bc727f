/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aobj tracepoints (the seed's UVMHIST_LOG points):
 *   /sys/kernel/tracing/events/aobj/
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM aobj

#if !defined(_AOBJ_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _AOBJ_TRACE_H

#include <linux/tracepoint.h>

/* How aobj_get() found a page: the seed's three cases. */
#define AOBJ_GET_RESIDENT	1
#define AOBJ_GET_ZERO		2
#define AOBJ_GET_SWAPIN		3

TRACE_EVENT(aobj_get,
	    TP_PROTO(const void *obj, unsigned long index, int how, int slot,
		     int nr, int err),
	    TP_ARGS(obj, index, how, slot, nr, err),
	    TP_STRUCT__entry(__field(const void *, obj)
			     __field(unsigned long, index)
			     __field(int, how)
			     __field(int, slot)
			     __field(int, nr)
			     __field(int, err)),
	    TP_fast_assign(__entry->obj = obj;
			   __entry->index = index;
			   __entry->how = how;
			   __entry->slot = slot;
			   __entry->nr = nr;
			   __entry->err = err;),
	    TP_printk("obj=%p index=%lu %s slot=%d pages=%d err=%d",
		      __entry->obj, __entry->index,
		      __print_symbolic(__entry->how,
				       { AOBJ_GET_RESIDENT, "resident" },
				       { AOBJ_GET_ZERO, "zero-fill" },
				       { AOBJ_GET_SWAPIN, "swap-in" }),
		      __entry->slot, __entry->nr, __entry->err)
);

TRACE_EVENT(aobj_pageout,
	    TP_PROTO(const void *obj, unsigned long index, int slot, int nr,
		     int err),
	    TP_ARGS(obj, index, slot, nr, err),
	    TP_STRUCT__entry(__field(const void *, obj)
			     __field(unsigned long, index)
			     __field(int, slot)
			     __field(int, nr)
			     __field(int, err)),
	    TP_fast_assign(__entry->obj = obj;
			   __entry->index = index;
			   __entry->slot = slot;
			   __entry->nr = nr;
			   __entry->err = err;),
	    TP_printk("obj=%p first index=%lu slot=%d pages=%d err=%d",
		      __entry->obj, __entry->index, __entry->slot, __entry->nr,
		      __entry->err)
);

TRACE_EVENT(aobj_swapoff,
	    TP_PROTO(int start, int end, int live, u64 lost, int err),
	    TP_ARGS(start, end, live, lost, err),
	    TP_STRUCT__entry(__field(int, start)
			     __field(int, end)
			     __field(int, live)
			     __field(u64, lost)
			     __field(int, err)),
	    TP_fast_assign(__entry->start = start;
			   __entry->end = end;
			   __entry->live = live;
			   __entry->lost = lost;
			   __entry->err = err;),
	    TP_printk("slots %d-%d: %d still in use, %llu lost, err=%d",
		      __entry->start, __entry->end - 1, __entry->live,
		      __entry->lost, __entry->err)
);

#endif /* _AOBJ_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE aobj_trace
#include <trace/define_trace.h>
