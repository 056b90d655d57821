//go:build !linux

package mshv

import "github.com/hvgen/hvgen/internal/mshvioctl"

// kernelDevice is nil: the kernel's driver exists on Linux only.
var kernelDevice mshvioctl.Device

func allocMemory(n int) ([]byte, error) { return alignedHeap(n), nil }

func freeMemory([]byte) error { return nil }
