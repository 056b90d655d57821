/*
 * hvgen's prelude for plain C headers such as the one "hvgen gen -lang c"
 * writes: the standard headers they include are empty stand-ins, and the
 * fixed-width integer types are defined here (LP64).
 */
typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef unsigned long uint64_t;
typedef signed char int8_t;
typedef short int16_t;
typedef int int32_t;
typedef long int64_t;
typedef unsigned long size_t;
#define offsetof(TYPE, MEMBER) ((unsigned long)&(((TYPE *)0)->MEMBER))
