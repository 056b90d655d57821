package cimport

import (
	_ "embed"
	"fmt"
)

//go:embed prelude_linux.h
var preludeLinux string

//go:embed prelude_c.h
var preludeC string

// Prelude is a built-in prelude and the system headers it stands in for
// (each an empty file: the prelude defines what they would).
type Prelude struct {
	Text  string
	Stubs map[string]string
}

// Preludes are the built-in preludes by name.
var Preludes = map[string]Prelude{
	"linux": {preludeLinux, stubs("linux/types.h", "linux/bits.h", "linux/build_bug.h", "linux/ioctl.h", "asm/ioctl.h")},
	"c":     {preludeC, stubs("stddef.h", "stdint.h", "stdbool.h", "linux/ioctl.h")},
}

func stubs(names ...string) map[string]string {
	m := map[string]string{}
	for _, n := range names {
		m[n] = fmt.Sprintf("/* %s: defined by the hvgen prelude */\n", n)
	}
	return m
}
