//go:build linux

package mshv

import (
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

func statsIn() *hv.MapStatsPageInput {
	return &hv.MapStatsPageInput{StatsType: hv.StatsObjectHypervisor}
}

// An ioctl that fails without a hypervisor status is the errno, wrapped with
// the call's name.
func TestErrnoWrapped(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := FromFile(f, &hv.Encoding)
	b.ioctl = func(uintptr, *rootHvcall) syscall.Errno { return syscall.EPERM }
	c := hv.NewClient(b)
	err = c.MapStatsPage(statsIn())
	if !errors.Is(err, syscall.EPERM) || !errors.Is(err, os.ErrPermission) || !strings.HasPrefix(err.Error(), "HvCallMapStatsPage: ") {
		t.Errorf("err = %v, want HvCallMapStatsPage: ... EPERM", err)
	}
	var st hv.Status
	if errors.As(err, &st) {
		t.Errorf("an ioctl failure became the status %v", st)
	}
	// A status from the driver is the status, not an errno.
	b.ioctl = func(_ uintptr, a *rootHvcall) syscall.Errno {
		a.Status = uint16(hv.StatusAccessDenied)
		return syscall.EIO
	}
	if err := c.MapStatsPage(statsIn()); !errors.Is(err, hv.StatusAccessDenied) || errors.Is(err, syscall.EIO) {
		t.Errorf("err = %v, want HV_STATUS_ACCESS_DENIED", err)
	}
	// The backend is memory-only: a fast-capable call goes through memory.
	var sent []uint16
	b.ioctl = func(_ uintptr, a *rootHvcall) syscall.Errno {
		sent = append(sent, a.InSz)
		return 0
	}
	if err := c.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{}); err != nil || len(sent) != 1 || sent[0] != 16 {
		t.Errorf("fast-capable call: err = %v, sent %v, want one 16-byte memory request", err, sent)
	}
	// A fast call made without a Caller is an error, not a status.
	var regs hvcall.FastBlock
	var x hv.X64HypercallInput
	x.SetCallCode(hv.CallSetEventLogGroupSources)
	x.SetIsFast(true)
	if _, err := b.Hypercall(uint64(x), nil, nil, &regs, hvcall.Sizes{InHeader: 16}); !errors.Is(err, ErrFastCall) {
		t.Errorf("fast call: err = %v, want ErrFastCall", err)
	}
	if _, err := new(Backend).Hypercall(uint64(x), nil, nil, &regs, hvcall.Sizes{}); !errors.Is(err, ErrNotOpen) {
		t.Errorf("zero Backend: err = %v, want ErrNotOpen", err)
	}
}

// The real ioctl on a file that is not the driver fails with ENOTTY, which
// the caller sees.
func TestIoctlOnWrongFile(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := hv.NewClient(FromFile(f, &hv.Encoding))
	if err := c.MapStatsPage(statsIn()); !errors.Is(err, syscall.ENOTTY) {
		t.Errorf("err = %v, want ENOTTY", err)
	}
}

// Goroutines sharing one Backend, each with its own Client: nothing a call
// writes is shared (run with -race).
func TestConcurrentCallers(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := FromFile(f, &hv.Encoding)
	b.ioctl = func(_ uintptr, a *rootHvcall) syscall.Errno {
		if a.Code == uint16(hv.CallMapStatsPage) {
			return syscall.EPERM
		}
		return 0
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			c := hv.NewClient(b)
			for range 100 {
				if err := c.MapStatsPage(statsIn()); !errors.Is(err, syscall.EPERM) {
					errs[i] = err
					return
				}
				if err := c.UnmapStatsPage(&hv.UnmapStatsPageInput{}); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
}
