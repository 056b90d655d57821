//go:build linux

package mshv

import (
	"syscall"

	"github.com/hvgen/hvgen/internal/mshvioctl"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

// The module's tests reach a backend over a stand-in for the driver through
// mshvioctl.With, which is no part of this package's API.
func init() {
	mshvioctl.With = func(enc *hvcall.Encoding, f mshvioctl.Func) hvcall.Backend {
		return &Backend{enc: enc, ioctl: func(_ uintptr, a *rootHvcall) syscall.Errno { return f(RootHvcall, a) }}
	}
}
