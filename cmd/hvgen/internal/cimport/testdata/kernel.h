/* Written for hvgen's tests: the kernel-C constructs the importer handles. */
#ifndef _TEST_KERNEL_H
#define _TEST_KERNEL_H

#include <linux/types.h>
#include <linux/bits.h>

#define HVCALL_TEST_FIRST		0x0001
#define HVCALL_TEST_SECOND		0x0002
#define HV_STATUS_TEST_OK		0
#define HV_STATUS_TEST_BAD		BIT(3)
#define HV_TEST_MASK			GENMASK_ULL(11, 4)
#define HV_TEST_PGBITS			12
#if IS_ENABLED(CONFIG_X86)
#define HV_TEST_MSR			0x40000001
#elif IS_ENABLED(CONFIG_ARM64)
#define HV_TEST_MSR			0x00090001
#endif

struct hv_input_test_first {
	u64 partition_id;
	u32 vp_index;
	u8 vtl;
	u8 rsvd[3];
	u64 pages[];
} __packed;

struct hv_output_test_first {
	u16 count;
	u64 value;
} __packed;

struct hv_input_test_second {
	u64 id;
};

union hv_test_range {
	u64 as_uint64;
	struct {
		u64 pfn : 64 - HV_TEST_PGBITS;
		u64 pages : HV_TEST_PGBITS;
	} __packed;
};

struct hv_test_mixed {
	u32 flags : 3;
	u32 kind : 5;
	u8 next;
	u64 natural;
	union {
		u16 attributes;
		struct {
			u16 type : 4;
			u16 present : 1;
		};
	};
};

struct hv_test_groups {
	u8 low : 4;
	u8 high : 4;
	u8 c;
	u16 d;
	union {
		u16 attributes;
		struct {
			u16 type : 4;
			u16 present : 1;
		} __packed;
	};
};

struct hv_test_arch {
	u64 common;
#if IS_ENABLED(CONFIG_X86)
	u32 x64_only;
	u32 x64_pad;
#elif IS_ENABLED(CONFIG_ARM64)
	u64 arm64_only;
#endif
};

struct hv_test_flex {
	u32 count;
	DECLARE_FLEX_ARRAY(u32, list);
};

enum hv_test_kind {
	HV_TEST_KIND_A = 1,
	HV_TEST_KIND_B,
	HV_TEST_KIND_LAST = HV_TEST_KIND_B,
	HV_TEST_KIND_NONE = -1
};

struct hv_test_pointer {
	u64 *p;
};

#endif
