/*
 * hvgen's prelude for kernel C headers (written for hvgen, not taken from
 * the kernel): the types and macros the hypervisor headers use, defined as
 * plain C11 with GNU attributes so that a C front end can lay them out.
 * The architecture comes from the compiler macro the importer predefines.
 */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
typedef u8 __u8;
typedef u16 __u16;
typedef u32 __u32;
typedef u64 __u64;
typedef s8 __s8;
typedef s16 __s16;
typedef s32 __s32;
typedef s64 __s64;
typedef _Bool bool;
typedef unsigned long ulong;
#define true 1
#define false 0

#define __packed __attribute__((__packed__))
#define __aligned(x) __attribute__((__aligned__(x)))

#define BIT(nr) (1UL << (nr))
#define BIT_ULL(nr) (1ULL << (nr))
#define GENMASK(h, l) (((~0UL) - (1UL << (l)) + 1) & (~0UL >> (63 - (h))))
#define GENMASK_ULL(h, l) (((~0ULL) - (1ULL << (l)) + 1) & (~0ULL >> (63 - (h))))

/* The kernel wraps the array so that it may stand alone or in a union; a
 * zero-length array has the same layout (offset and alignment of TYPE, no
 * size). */
#define DECLARE_FLEX_ARRAY(TYPE, NAME) TYPE NAME[0]

/* A union of NAME (of struct TYPE, ending in the flexible array FAM) and
 * MEMBERS placed where FAM starts, so that MEMBERS extend NAME. */
#define __TRAILING_OVERLAP(TYPE, NAME, FAM, ATTRS, MEMBERS) \
	union { \
		TYPE NAME; \
		struct { \
			unsigned char __offset_to_##FAM[offsetof(TYPE, FAM)]; \
			MEMBERS \
		} ATTRS; \
	}
#define TRAILING_OVERLAP(TYPE, NAME, FAM, MEMBERS) __TRAILING_OVERLAP(TYPE, NAME, FAM, , MEMBERS)

#define offsetof(TYPE, MEMBER) ((unsigned long)&(((TYPE *)0)->MEMBER))
#define static_assert(expr, ...) _Static_assert(expr, #expr)
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)

/* IS_ENABLED(CONFIG_FOO) is 1 when the configuration has FOO. */
#define IS_ENABLED(option) __hvgen_enabled_##option
#if defined(__x86_64__)
#define CONFIG_X86 1
#define CONFIG_X86_64 1
#define __hvgen_enabled_CONFIG_X86 1
#define __hvgen_enabled_CONFIG_X86_64 1
#elif defined(__aarch64__)
#define CONFIG_ARM64 1
#define __hvgen_enabled_CONFIG_ARM64 1
#endif

/*
 * Linux's ioctl request numbers (the asm-generic encoding x86-64 and arm64
 * use): the number in bits 0-7, the type in 8-15, the argument's size in
 * 16-29 and the direction in 30-31 (none 0, write 1, read 2). The importer
 * reads a request's macro and arguments itself; these give it the value too,
 * to compare with the registry's computation.
 */
#define _IOC(dir, type, nr, size) \
	((((unsigned int)(dir)) << 30) | (((unsigned int)(size)) << 16) | \
	 (((unsigned int)(type)) << 8) | ((unsigned int)(nr)))
#define _IO(type, nr) _IOC(0U, type, nr, 0U)
#define _IOR(type, nr, arg) _IOC(2U, type, nr, sizeof(arg))
#define _IOW(type, nr, arg) _IOC(1U, type, nr, sizeof(arg))
#define _IOWR(type, nr, arg) _IOC(3U, type, nr, sizeof(arg))
