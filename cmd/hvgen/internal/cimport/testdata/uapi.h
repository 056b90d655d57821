/* A driver interface written for hvgen's tests (not taken from any header):
 * ioctl requests of each direction, an unnamed enumeration of flag bit
 * numbers, and members a caller must leave zero. */
#ifndef TEST_UAPI_H
#define TEST_UAPI_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define TESTDEV_IOCTL 0xC3

enum {
	TESTDEV_FLAG_BIT_FAST,
	TESTDEV_FLAG_BIT_QUIET,
	TESTDEV_FLAG_BIT_COUNT,
};

struct testdev_open {
	__u64 flags;
	__u32 index;
	__u8 rsvd[4];
};

struct testdev_read {
	__u16 len;
	__u8 mbz0;
	__u8 mbz1;
	__u32 pad_z;
	__u64 buf;
};

#define TESTDEV_OPEN	_IOW(TESTDEV_IOCTL, 0x00, struct testdev_open)
#define TESTDEV_RESET	_IO(TESTDEV_IOCTL, 0x01)
#define TESTDEV_READ	_IOWR(TESTDEV_IOCTL, 0x02, struct testdev_read)
#define TESTDEV_COUNT	_IOR(TESTDEV_IOCTL, 0x03, __u32)

#endif
