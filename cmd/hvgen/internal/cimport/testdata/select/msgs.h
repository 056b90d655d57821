/* Written for hvgen's tests: message payloads built on base.h's types,
 * of which an import selects a few by name. */
#ifndef _TEST_SELECT_MSGS_H
#define _TEST_SELECT_MSGS_H

#include "base.h"

#define HV_TEST_PORT_MAX	0xffff
#define HV_TEST_BAD_MACRO	(HV_TEST_UNDEFINED / 100)

union hv_test_port_info {
	__u8 as_uint8;
	struct {
		__u8 size : 3;
		__u8 string : 1;
		__u8 reserved : 4;
	} __packed;
};

struct hv_test_port_message {
	struct hv_test_header header;
	__u16 port;
	union hv_test_port_info info;
	__u8 count;
	__u32 reserved;
	__u64 rax;
	struct hv_test_seg ds;
} __packed;

struct hv_test_halt_message {
	struct hv_test_header header;
} __packed;

struct hv_test_unwanted {
	union hv_test_entry entry;
} __packed;

/* An enumeration whose values an import takes one by one (TYPE.VALUE). */
enum hv_test_reg {
	HV_TEST_REG_COMMON	= 0x1,
#if defined(__x86_64__)
	HV_TEST_REG_X64_ONLY	= 0x20000,
	HV_TEST_REG_SPLIT	= 0x2,
#elif defined(__TEST_ARM64__)
	HV_TEST_REG_SPLIT	= 0x3,
#endif
};

#endif
