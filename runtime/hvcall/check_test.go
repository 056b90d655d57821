package hvcall_test

import (
	"encoding/binary"
	"errors"
	"syscall"
	"testing"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

// pages answers HvCallMapEventLogBuffer as a hypervisor does: one GPA page
// number per buffer page, however long the caller's list.
func pages(n int) func(int, hv.X64HypercallInput, *hvcall.Page, *hvcall.Page, *hvcall.FastBlock) (uint16, int) {
	return func(_ int, _ hv.X64HypercallInput, _, out *hvcall.Page, _ *hvcall.FastBlock) (uint16, int) {
		for i := range n {
			binary.LittleEndian.PutUint64(out[8*i:], uint64(0x1000+i))
		}
		return 0, 0
	}
}

func TestOutputListLength(t *testing.T) {
	in := &hv.MapEventLogBufferInput{Type: hv.EventLogTypeLocalDiagnostics}
	for _, tc := range []struct {
		name          string
		returned, has int
		ok            bool
	}{
		{"exact", 4, 4, true},
		{"longer list", 2, 4, true},
		{"short list", 4, 3, false},
		{"nil list", 3, 0, false},
		{"one page, nil list", 1, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := hv.NewClient(&recorder{answer: pages(tc.returned)})
			var list []hv.GPAPageNumber
			if tc.has > 0 {
				list = make([]hv.GPAPageNumber, tc.has)
			}
			err := c.MapEventLogBuffer(in, &hv.MapEventLogBufferOutput{}, list)
			if tc.ok != (err == nil) || !tc.ok && !errors.Is(err, hvcall.ErrOutputListShort) {
				t.Fatalf("err = %v", err)
			}
			for i := range min(tc.returned, tc.has) {
				if list[i] != hv.GPAPageNumber(0x1000+i) {
					t.Errorf("list[%d] = %#x", i, list[i])
				}
			}
			for i := tc.returned; i < tc.has; i++ {
				if list[i] != ^hv.GPAPageNumber(0) {
					t.Errorf("list[%d] = %#x, not written by the hypervisor: want all ones", i, list[i])
				}
			}
		})
	}
	// The error says how many came back.
	c := hv.NewClient(&recorder{answer: pages(5)})
	err := c.MapEventLogBuffer(in, &hv.MapEventLogBufferOutput{}, make([]hv.GPAPageNumber, 2))
	if err == nil || err.Error() != "HvCallMapEventLogBuffer: "+hvcall.ErrOutputListShort.Error()+
		": it returned at least 5 elements of 8 bytes, the list holds 2 (the call took effect; the list has the first ones)" {
		t.Errorf("err = %v", err)
	}
}

// Nil or short parameter blocks are errors before any call, never a panic.
func TestNilAndShortBlocks(t *testing.T) {
	r := &recorder{}
	c := hv.NewClient(r)
	check := func(what string, err, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", what, err, want)
		}
	}
	check("nil input", c.MapStatsPage(nil), hvcall.ErrShortInput)
	check("nil fast input", c.SetEventLogGroupSources(nil), hvcall.ErrShortInput)
	_, err := c.DepositMemory(nil, nil)
	check("nil rep header", err, hvcall.ErrShortInput)
	d, _ := hv.LookupHypercall(hv.CallMapStatsPage)
	check("short raw input", c.Call(d, make([]byte, int(d.InputSize)-1), nil), hvcall.ErrShortInput)
	check("nil output header", c.RetrieveDebugData(&hv.RetrieveDebugDataInput{}, nil, nil), hvcall.ErrShortOutput)
	if n := len(r.calls); n != 0 {
		t.Errorf("%d calls made for rejected input", n)
	}
}

// A backend's own failure reaches the caller, wrapped with the call's name,
// for simple, fast and rep calls, and is never taken for a status.
func TestBackendError(t *testing.T) {
	b := &recorder{err: syscall.EPERM}
	c := hv.NewClient(b)
	for what, err := range map[string]error{
		"memory": c.MapStatsPage(&hv.MapStatsPageInput{}),
		"fast":   c.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{}),
		"list":   c.MapEventLogBuffer(&hv.MapEventLogBufferInput{}, &hv.MapEventLogBufferOutput{}, make([]hv.GPAPageNumber, 1)),
	} {
		var he *hvcall.Error
		if !errors.Is(err, syscall.EPERM) || errors.As(err, &he) {
			t.Errorf("%s: err = %v, want EPERM and no status", what, err)
		}
	}
	in, out := repData(3)
	n, err := c.CallRep(repCall, make([]byte, 16), in, nil, out, 3)
	if n != 0 || !errors.Is(err, syscall.EPERM) || err.Error() != "HvCallTestRep: operation not permitted" {
		t.Errorf("rep: n = %d, err = %v", n, err)
	}
}
