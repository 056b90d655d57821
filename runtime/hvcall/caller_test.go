package hvcall_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"unsafe"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

// recorder is a backend that records every call and answers from a script.
// It carries the register convention, and the XMM one with xmm set; none
// with memoryOnly set.
type recorder struct {
	calls      []call
	answer     func(n int, ctl hv.X64HypercallInput, in, out *hvcall.Page, regs *hvcall.FastBlock) (status uint16, completed int)
	memoryOnly bool
	xmm        bool
	err        error // returned for every call, after recording it
}

func (r *recorder) Conventions() hvcall.Conventions {
	switch {
	case r.memoryOnly:
		return hvcall.MemoryOnly
	case r.xmm:
		return hvcall.Fast | hvcall.XMMFast
	}
	return hvcall.Fast
}

type call struct {
	ctl          hv.X64HypercallInput
	in           []byte
	memory, fast bool
	inAligned    bool
}

func (r *recorder) Hypercall(control uint64, in, out *hvcall.Page, regs *hvcall.FastBlock, _ hvcall.Sizes) (uint64, error) {
	c := call{ctl: hv.X64HypercallInput(control), memory: in != nil, fast: regs != nil}
	if in != nil {
		c.in = bytes.Clone(in[:])
		c.inAligned = uintptr(unsafe.Pointer(in))%hvcall.PageSize == 0 && uintptr(unsafe.Pointer(out))%hvcall.PageSize == 0
	} else {
		c.in = bytes.Clone(regs[:])
	}
	r.calls = append(r.calls, c)
	status, completed := uint16(0), 0
	if r.answer != nil {
		status, completed = r.answer(len(r.calls)-1, c.ctl, in, out, regs)
	}
	if r.err != nil {
		return 0, r.err
	}
	var res hv.X64HypercallOutput
	res.SetCallStatus(hv.Status(status))
	res.SetElementsProcessed(uint16(completed))
	return uint64(res), nil
}

func TestSimpleMemoryCall(t *testing.T) {
	r := &recorder{}
	c := hv.NewClient(r)
	in := hv.MapStatsPageInput{StatsType: hv.StatsObjectPartition, TargetGPAPage: 0x1234}
	in.ObjectIdentity.Partition().PartitionID = 7
	if err := c.MapStatsPage(&in); err != nil {
		t.Fatal(err)
	}
	if len(r.calls) != 1 {
		t.Fatalf("%d calls", len(r.calls))
	}
	got := r.calls[0]
	if !got.memory || !got.inAligned {
		t.Errorf("memory call %v, pages aligned %v", got.memory, got.inAligned)
	}
	if got.ctl.CallCode() != hv.CallMapStatsPage || got.ctl.IsFast() || got.ctl.CountOfElements() != 0 || got.ctl&hv.X64HypercallInputReservedMask != 0 {
		t.Errorf("input value %#x", uint64(got.ctl))
	}
	if binary.LittleEndian.Uint32(got.in[0:]) != uint32(hv.StatsObjectPartition) || binary.LittleEndian.Uint64(got.in[8:]) != 7 ||
		binary.LittleEndian.Uint64(got.in[24:]) != 0x1234 {
		t.Errorf("input page % x", got.in[:32])
	}
}

func TestFastCall(t *testing.T) {
	r := &recorder{}
	c := hv.NewClient(r)
	if err := c.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{Type: hv.EventLogTypeLocalDiagnostics, EnableFlags: 0x400}); err != nil {
		t.Fatal(err)
	}
	got := r.calls[0]
	if !got.fast || got.memory || !got.ctl.IsFast() {
		t.Fatalf("fast-capable 16-byte call did not use registers: %+v", got)
	}
	if binary.LittleEndian.Uint32(got.in[0:]) != 1 || binary.LittleEndian.Uint64(got.in[8:]) != 0x400 {
		t.Errorf("registers % x", got.in[:16])
	}
	// A backend that carries no register convention never gets a fast call.
	m := &recorder{memoryOnly: true}
	if err := hv.NewClient(m).SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{}); err != nil || !m.calls[0].memory || m.calls[0].ctl.IsFast() {
		t.Errorf("memory-only backend: %v, memory %v, fast bit %v", err, m.calls[0].memory, m.calls[0].ctl.IsFast())
	}
}

// A fast-capable call with output uses the XMM form when the backend carries
// it: output follows the input rounded to 16 bytes.
func TestXMMFastOutput(t *testing.T) {
	enc := hv.Encoding
	enc.XMMOutputBytes = 112
	d := &abi.Hypercall{Name: "HvCallTest", Code: 0x99, Fast: true, InputSize: 8, OutputSize: 8}
	answer := func(_ int, _ hv.X64HypercallInput, _, _ *hvcall.Page, regs *hvcall.FastBlock) (uint16, int) {
		if regs != nil {
			binary.LittleEndian.PutUint64(regs[16:], 0xfeed)
		}
		return 0, 0
	}
	r := &recorder{answer: answer, xmm: true}
	c := hvcall.NewCaller(r, &enc)
	out := make([]byte, 8)
	if err := c.Call(d, []byte{1, 2, 3, 4, 5, 6, 7, 8}, out); err != nil {
		t.Fatal(err)
	}
	if !r.calls[0].fast || binary.LittleEndian.Uint64(out) != 0xfeed {
		t.Errorf("fast %v, output % x", r.calls[0].fast, out)
	}
	r = &recorder{answer: answer}
	if err := hvcall.NewCaller(r, &enc).Call(d, make([]byte, 8), out); err != nil || !r.calls[0].memory {
		t.Errorf("without XMM the call must go through memory: %v", err)
	}
}

func TestInputTooLarge(t *testing.T) {
	r := &recorder{}
	c := hvcall.NewCaller(r, &hv.Encoding)
	d := &abi.Hypercall{Name: "HvCallBig", Code: 1, InputSize: 8}
	if err := c.Call(d, make([]byte, hvcall.PageSize+8), nil); !errors.Is(err, hvcall.ErrInputTooLarge) {
		t.Errorf("err = %v", err)
	}
	rep := &abi.Hypercall{Name: "HvCallBigRep", Code: 2, Rep: true, InputElemSize: 8}
	if _, err := c.CallRep(rep, make([]byte, 16), nil, nil, nil, 0); err != nil {
		t.Errorf("no reps, no call: %v", err)
	}
	if _, err := c.CallRep(rep, make([]byte, hvcall.PageSize), make([]byte, 8), nil, nil, 1); !errors.Is(err, hvcall.ErrInputTooLarge) {
		t.Errorf("rep header filling the page: %v", err)
	}
	if _, err := c.CallRep(rep, nil, make([]byte, 8), nil, nil, 2); !errors.Is(err, hvcall.ErrBadRepList) {
		t.Errorf("short rep list: %v", err)
	}
	if len(r.calls) != 0 {
		t.Errorf("%d calls made for rejected input", len(r.calls))
	}
}

// repCall is a rep call with a 16-byte header, 8-byte input and output
// elements.
var repCall = &abi.Hypercall{Name: "HvCallTestRep", Code: 0x50, Rep: true, InputSize: 16, InputElemSize: 8, OutputElemSize: 8}

// echo answers a rep call by writing each input element plus one into the
// output list, completing up to step reps per call.
func echo(step int) func(int, hv.X64HypercallInput, *hvcall.Page, *hvcall.Page, *hvcall.FastBlock) (uint16, int) {
	return func(_ int, ctl hv.X64HypercallInput, in, out *hvcall.Page, _ *hvcall.FastBlock) (uint16, int) {
		start, count := int(ctl.RepStartIndex()), int(ctl.CountOfElements())
		end := min(count, start+step)
		for i := start; i < end; i++ {
			v := binary.LittleEndian.Uint64(in[16+8*i:])
			binary.LittleEndian.PutUint64(out[8*i:], v+1)
		}
		return 0, end
	}
}

func repData(n int) (in, out []byte) {
	in = make([]byte, 8*n)
	for i := range n {
		binary.LittleEndian.PutUint64(in[8*i:], uint64(i))
	}
	return in, make([]byte, 8*n)
}

func checkEcho(t *testing.T, out []byte, n int) {
	t.Helper()
	for i := range n {
		if v := binary.LittleEndian.Uint64(out[8*i:]); v != uint64(i)+1 {
			t.Fatalf("output element %d = %d", i, v)
		}
	}
}

// TestRepSplit: 1000 elements behind a 16-byte header fit 510 to a page, so
// two calls.
func TestRepSplit(t *testing.T) {
	r := &recorder{answer: echo(1 << 20)}
	c := hvcall.NewCaller(r, &hv.Encoding)
	in, out := repData(1000)
	n, err := c.CallRep(repCall, make([]byte, 16), in, nil, out, 1000)
	if err != nil || n != 1000 {
		t.Fatalf("n = %d, err = %v", n, err)
	}
	if len(r.calls) != 2 || r.calls[0].ctl.CountOfElements() != 510 || r.calls[1].ctl.CountOfElements() != 490 {
		t.Fatalf("calls: %d, counts %d/%d", len(r.calls), r.calls[0].ctl.CountOfElements(), r.calls[len(r.calls)-1].ctl.CountOfElements())
	}
	checkEcho(t, out, 1000)
}

// TestRepContinuation: the hypervisor returns success after 7 reps each
// time; the runtime re-issues from the first rep not done.
func TestRepContinuation(t *testing.T) {
	r := &recorder{answer: echo(7)}
	c := hvcall.NewCaller(r, &hv.Encoding)
	in, out := repData(20)
	n, err := c.CallRep(repCall, make([]byte, 16), in, nil, out, 20)
	if err != nil || n != 20 {
		t.Fatalf("n = %d, err = %v", n, err)
	}
	var starts []int
	for _, k := range r.calls {
		starts = append(starts, int(k.ctl.RepStartIndex()))
		if k.ctl.CountOfElements() != 20 {
			t.Errorf("rep count changed to %d", k.ctl.CountOfElements())
		}
	}
	if len(starts) != 3 || starts[0] != 0 || starts[1] != 7 || starts[2] != 14 {
		t.Errorf("rep start indexes %v, want [0 7 14]", starts)
	}
	checkEcho(t, out, 20)
}

func TestRepFailure(t *testing.T) {
	r := &recorder{answer: func(i int, ctl hv.X64HypercallInput, in, out *hvcall.Page, regs *hvcall.FastBlock) (uint16, int) {
		if i == 0 {
			return echo(4)(i, ctl, in, out, regs)
		}
		return uint16(hv.StatusInvalidParameter), 5 // rep 5 is bad
	}}
	c := hvcall.NewCaller(r, &hv.Encoding)
	in, out := repData(10)
	n, err := c.CallRep(repCall, make([]byte, 16), in, nil, out, 10)
	var e *hvcall.Error
	if !errors.As(err, &e) || e.Rep != 5 || e.Completed != 5 || n != 5 || e.Reps != 10 {
		t.Fatalf("n = %d, err = %#v", n, err)
	}
	if !errors.Is(err, hv.StatusInvalidParameter) || e.Call != "HvCallTestRep" {
		t.Errorf("error %v does not carry the status and call", err)
	}
	checkEcho(t, out, 4)
}

func TestRepNoProgress(t *testing.T) {
	r := &recorder{answer: echo(0)}
	c := hvcall.NewCaller(r, &hv.Encoding)
	in, out := repData(3)
	if _, err := c.CallRep(repCall, make([]byte, 16), in, nil, out, 3); !errors.Is(err, hvcall.ErrNoProgress) || len(r.calls) != 1 {
		t.Errorf("err = %v after %d calls", err, len(r.calls))
	}
}

func TestSimpleStatusError(t *testing.T) {
	r := &recorder{answer: func(int, hv.X64HypercallInput, *hvcall.Page, *hvcall.Page, *hvcall.FastBlock) (uint16, int) {
		return uint16(hv.StatusAccessDenied), 0
	}}
	err := hv.NewClient(r).MapStatsPage(&hv.MapStatsPageInput{})
	var st hv.Status
	if !errors.As(err, &st) || st != hv.StatusAccessDenied || err.Error() != "HvCallMapStatsPage: HV_STATUS_ACCESS_DENIED: "+hv.StatusAccessDenied.Text() {
		t.Errorf("err = %v", err)
	}
}

func TestSimpleCallAllocatesNothing(t *testing.T) {
	c := hv.NewClient(&nopBackend{})
	in := &hv.MapStatsPageInput{}
	if n := testing.AllocsPerRun(100, func() {
		if err := c.MapStatsPage(in); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations per call", n)
	}
}

type nopBackend struct{}

func (nopBackend) Hypercall(uint64, *hvcall.Page, *hvcall.Page, *hvcall.FastBlock, hvcall.Sizes) (uint64, error) {
	return 0, nil
}

func (nopBackend) Conventions() hvcall.Conventions { return hvcall.Fast }

// TestZeroCaller: the zero Caller, a nil one, one made without a backend,
// and the zero generated Client return ErrNoBackend from every call, named
// for the call, and never panic.
func TestZeroCaller(t *testing.T) {
	d, _ := hv.LookupHypercall(hv.CallMapStatsPage)
	for name, c := range map[string]*hvcall.Caller{"zero": {}, "nil": nil, "nil backend": hvcall.NewCaller(nil, &hv.Encoding)} {
		check := func(what string, err error) {
			t.Helper()
			if !errors.Is(err, hvcall.ErrNoBackend) {
				t.Errorf("%s: %s: %v, want ErrNoBackend", name, what, err)
			}
		}
		check("Call", c.Call(d, make([]byte, 32), nil))
		check("CallParts", c.CallParts(d, make([]byte, 32), nil, nil, nil))
		check("CallList", c.CallList(d, make([]byte, 32), nil, nil, make([]byte, 8), 8))
		_, err := c.CallRep(repCall, make([]byte, 16), nil, nil, nil, 0)
		check("CallRep", err)
	}
	var client hv.Client
	err := client.MapStatsPage(&hv.MapStatsPageInput{})
	if !errors.Is(err, hvcall.ErrNoBackend) || !strings.HasPrefix(err.Error(), "HvCallMapStatsPage: ") {
		t.Errorf("zero Client: %v", err)
	}
	if _, err := client.DepositMemory(&hv.DepositMemoryInput{}, make([]hv.GPAPageNumber, 2)); !errors.Is(err, hvcall.ErrNoBackend) {
		t.Errorf("zero Client, rep call: %v", err)
	}
}
