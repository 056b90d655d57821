//go:build linux

package exporter

import (
	"bytes"
	"encoding/binary"
	"syscall"
	"testing"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/generated/tlfs"
	"github.com/hvgen/hvgen/internal/mshvioctl"
)

func noClose() error { return nil }

// fakeDriver stands in for /dev/mshv and the hypervisor behind it: it
// records each MSHV_ROOT_HVCALL request and, for a map call, writes counters
// into the page whose frame the call names, as the overlay would show them.
type fakeDriver struct {
	calls  []fakeCall
	frames map[uint64][]byte // frame number -> the process page the fake pagemap gave it
	deny   uint64            // partition whose pages the hypervisor refuses (HV_STATUS_ACCESS_DENIED)
	errno  syscall.Errno     // nonzero: the driver refuses every call, as a stock kernel's allowlist does
}

type fakeCall struct {
	req   uint32
	code  uint16
	input []byte
}

func (d *fakeDriver) pfn(page []byte) (uint64, error) {
	frame := uint64(0x4000 + len(d.frames))
	d.frames[frame] = page
	return frame, nil
}

func (d *fakeDriver) ioctl(req uint32, a *mshvioctl.Args) syscall.Errno {
	in := bytes.Clone(unsafe.Slice(*(**byte)(unsafe.Pointer(&a.InPtr)), a.InSz))
	d.calls = append(d.calls, fakeCall{req: req, code: a.Code, input: in})
	if d.errno != 0 {
		return d.errno
	}
	typ := binary.LittleEndian.Uint32(in)
	pid := binary.LittleEndian.Uint64(in[8:])
	if (typ == 0x00010001 || typ == 0x00010002) && pid == d.deny {
		a.Status = 0x0006
		return 0
	}
	if a.Code == 0x0131 {
		page := d.frames[binary.LittleEndian.Uint64(in[24:])]
		binary.LittleEndian.PutUint64(page[8:], 30_000_000) // counter 1: 3 s of run time on a VP
	}
	return 0
}

func TestMshvSource(t *testing.T) {
	d := &fakeDriver{frames: map[uint64][]byte{}, deny: 7}
	tab := testTable(t)
	// The LPs are 2 here; the real source takes runtime.NumCPU().
	src := newMshv(mshvioctl.With(&tlfs.Encoding, d.ioctl), noClose, []MshvPartition{{ID: 5, VPs: 2}, {ID: 7, VPs: 1}}, 2, d.pfn)
	var log bytes.Buffer
	c := NewCollector(src, tab, logTo(&log))
	mfs := gather(t, c)

	// hypervisor, 2 LPs, partition 5 and its 2 VPs, partition 7 and its VP
	if len(d.calls) != 8 {
		t.Fatalf("%d calls, want 8", len(d.calls))
	}
	vp := d.calls[5] // partition 5 VP 1
	want := make([]byte, 32)
	binary.LittleEndian.PutUint32(want[0:], 0x00010002)
	binary.LittleEndian.PutUint64(want[8:], 5)
	binary.LittleEndian.PutUint32(want[16:], 1)
	binary.LittleEndian.PutUint64(want[24:], 0x4005)
	if vp.req != linux70.IoctlMshvRootHvcall || vp.code != 0x0131 || !bytes.Equal(vp.input, want) {
		t.Errorf("VP map request %#x code %#x input % x, want % x", vp.req, vp.code, vp.input, want)
	}
	lp := d.calls[2]
	if binary.LittleEndian.Uint32(lp.input) != 2 || binary.LittleEndian.Uint32(lp.input[8:]) != 1 || binary.LittleEndian.Uint64(lp.input[24:]) != 0x4002 {
		t.Errorf("LP 1 map input % x", lp.input)
	}
	if v, ok := value(mfs, runTime, "partition", "5", "vp", "1"); !ok || v != 3 {
		t.Errorf("VP run time %v %v, want 3 s", v, ok)
	}
	for _, o := range []string{"partition", "vp"} {
		if n, _ := value(mfs, errorsRead, "object", o, "reason", ReasonMap); n != 1 {
			t.Errorf("denied %s map errors %v, want 1", o, n)
		}
	}
	if !bytes.Contains(log.Bytes(), []byte("HV_STATUS_ACCESS_DENIED")) {
		t.Errorf("log: %s", log.String())
	}

	// Partition 5 goes away: its pages are unmapped with HvCallUnmapStatsPage.
	src.parts = src.parts[1:]
	d.calls = nil
	gather(t, c)
	var unmaps int
	for _, call := range d.calls {
		if call.code == 0x006d {
			unmaps++
			if len(call.input) != 24 || binary.LittleEndian.Uint64(call.input[8:]) != 5 {
				t.Errorf("unmap input % x", call.input)
			}
		}
	}
	if unmaps != 3 {
		t.Errorf("%d unmap calls, want 3 (partition 5 and its VPs)", unmaps)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
}

// pagemapPFN finds the frame of a page, or says why it cannot (an
// unprivileged process reads frame numbers as zero).
func TestPagemapPFN(t *testing.T) {
	mem, err := syscall.Mmap(-1, 0, PageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_POPULATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(mem)
	frame, err := pagemapPFN(mem)
	switch {
	case err == nil && frame == 0:
		t.Error("frame 0 without an error")
	case err != nil && !bytes.Contains([]byte(err.Error()), []byte("CAP_SYS_ADMIN")):
		t.Errorf("pagemap: %v", err)
	}
	t.Logf("frame %#x, err %v", frame, err)
}

// A driver that refuses the call: every page is a map error whose log line
// says the driver refused, not a hypervisor status.
func TestMshvDriverRefuses(t *testing.T) {
	d := &fakeDriver{frames: map[uint64][]byte{}, errno: syscall.EINVAL}
	src := newMshv(mshvioctl.With(&tlfs.Encoding, d.ioctl), noClose, nil, 1, d.pfn)
	var log bytes.Buffer
	mfs := gather(t, NewCollector(src, testTable(t), logTo(&log)))
	for _, o := range []string{"hypervisor", "lp"} {
		if n, _ := value(mfs, errorsRead, "object", o, "reason", ReasonMap); n != 1 {
			t.Errorf("%s map errors %v, want 1", o, n)
		}
	}
	if !bytes.Contains(log.Bytes(), []byte("mshv driver refused HvCallMapStatsPage2 (invalid argument)")) {
		t.Errorf("log: %s", log.String())
	}
}
