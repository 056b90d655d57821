/* Written for hvgen's tests: a header whose types another one uses. */
#ifndef _TEST_SELECT_BASE_H
#define _TEST_SELECT_BASE_H

#include <linux/types.h>

struct hv_test_seg {
	__u64 base;
	__u32 limit;
	__u16 selector;
	__u16 attributes;
} __packed;

struct hv_test_header {
	__u32 vp_index;
	__u8 length;
	__u8 access;
	__u16 state;
	struct hv_test_seg cs;
	__u64 rip;
} __packed;

/* The arm64 layout exists only where the build says which architecture it
 * is with a macro of its own, as some vendor headers do. */
union hv_test_entry {
#if defined(__x86_64__)
	__u64 as_uint64;
#elif defined(__TEST_ARM64__)
	__u64 as_uint64[2];
#endif
};

#endif
