//go:build linux

package exporter

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"unsafe"

	"github.com/hvgen/hvgen/generated/tlfs"
	"github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/runtime/hvcall"
	"github.com/hvgen/hvgen/runtime/mshv"
)

// Mshv is a Source on a Linux root partition: it asks the hypervisor through
// the mshv driver's MSHV_ROOT_HVCALL to overlay each object's statistics
// page on a page of this process, as the kernel does for its own debugfs
// files (HvCallMapStatsPage2 with the page's frame number), and reads that
// page. The page frame comes from /proc/self/pagemap, which needs
// CAP_SYS_ADMIN; the page is locked in memory but, unlike a kernel page, not
// pinned against migration. The driver may also refuse to pass the call
// through: upstream drivers (drivers/hv/mshv_root_main.c) pass through
// only an allowlist of calls whose input starts with a partition id, which
// they overwrite, and HvCallMapStatsPage2 is not on it, so on a stock kernel
// every page is a map error naming the driver's refusal. Failures show as
// map errors and log lines, not as a failure of the exporter.
type Mshv struct {
	mu     sync.Mutex
	caller *hvcall.Caller
	close  func() error // closes the driver's device
	parts  []MshvPartition
	lps    int
	pfn    func(page []byte) (uint64, error)
	pages  map[Object][]byte
}

// The calls, from the generated tables. linux-7.0's inputs have the layout of
// the TLFS HvCallMapStatsPage2 input (type, 4 reserved bytes, the identity at
// 8, the page number at 24) and of the 2013 HvCallUnmapStatsPage input (the
// identity at 8; the TLFS page puts it at 4).
var (
	mapStatsPage2, _  = tlfs.LookupHypercall(tlfs.CallMapStatsPage2)
	unmapStatsPage, _ = wdk2013.LookupHypercall(wdk2013.CallUnmapStatsPage)
)

// OpenMshv opens /dev/mshv. The logical processors exported are those Linux
// sees (runtime.NumCPU).
func OpenMshv(parts []MshvPartition) (Source, error) {
	sys, err := mshv.Open()
	if err != nil {
		return nil, err
	}
	// Unchecked: the calls are on no upstream driver's list; a driver that
	// passes them (a downstream kernel's) is what this source is for.
	return newMshv(sys.Hypercalls().Unchecked(), sys.Close, parts, runtime.NumCPU(), pagemapPFN), nil
}

func newMshv(b hvcall.Backend, closeDriver func() error, parts []MshvPartition, lps int, pfn func([]byte) (uint64, error)) *Mshv {
	c := hvcall.NewCaller(b, &tlfs.Encoding) // memory-only: the backend says so
	return &Mshv{caller: c, close: closeDriver, parts: parts, lps: lps, pfn: pfn, pages: map[Object][]byte{}}
}

// Objects implements Source.
func (m *Mshv) Objects(buf []Object) ([]Object, error) {
	return mshvObjects(buf, m.lps, m.parts), nil
}

// Read implements Source: it maps the object's page on first use, then
// reads it in place.
func (m *Mshv) Read(o Object, v *Values) error {
	page, err := m.Page(o)
	if err != nil {
		return err
	}
	return v.Page(page)
}

// Reasons implements Reasoner.
func (m *Mshv) Reasons() []string { return PageReasons }

// Page returns the object's statistics page, mapping it on first use.
func (m *Mshv) Page(o Object) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if p := m.pages[o]; p != nil {
		return p, nil
	}
	mem, err := syscall.Mmap(-1, 0, PageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_POPULATE)
	if err != nil {
		return nil, &ReadError{Reason: ReasonMap, Err: fmt.Errorf("%s: allocating a page: %w", o, err)}
	}
	_ = syscall.Mlock(mem) // best effort: keeps the frame from being swapped out
	frame, err := m.pfn(mem)
	if err == nil {
		err = m.call(mapStatsPage2, o, frame)
	}
	if err != nil {
		syscall.Munmap(mem)
		return nil, &ReadError{Reason: ReasonMap, Err: fmt.Errorf("%s: %w", o, err)}
	}
	m.pages[o] = mem
	return mem, nil
}

// call issues the map (with the page frame) or unmap call for o.
func (m *Mshv) call(d *abi.Hypercall, o Object, frame uint64) error {
	var in [32]byte
	binary.LittleEndian.PutUint32(in[0:], o.Type)
	putIdentity(in[8:24], o)
	binary.LittleEndian.PutUint64(in[24:], frame)
	err := m.caller.Call(d, in[:d.InputSize], nil)
	if errno := syscall.Errno(0); errors.As(err, &errno) {
		return fmt.Errorf("the mshv driver refused %s (%w); stock drivers pass through only their allowlist of hypercalls", d.Name, errno)
	}
	return err
}

// Release implements Source.
func (m *Mshv) Release(o Object) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.release(o)
}

func (m *Mshv) release(o Object) {
	mem := m.pages[o]
	if mem == nil {
		return
	}
	delete(m.pages, o)
	if m.call(unmapStatsPage, o, 0) == nil {
		syscall.Munmap(mem)
	} // else the hypervisor may still write there: keep the page
}

// Close implements Source.
func (m *Mshv) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for o := range m.pages {
		m.release(o)
	}
	return m.close()
}

// pagemapPFN is the page frame behind a page of this process.
func pagemapPFN(page []byte) (uint64, error) {
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(page)))
	f, err := os.Open("/proc/self/pagemap")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var e [8]byte
	if _, err := f.ReadAt(e[:], int64(addr/PageSize)*8); err != nil {
		return 0, fmt.Errorf("pagemap: %w", err)
	}
	v := binary.LittleEndian.Uint64(e[:])
	pfn := v & (1<<55 - 1)
	if v>>63 == 0 || pfn == 0 {
		return 0, fmt.Errorf("pagemap gives no page frame (the page is not present, or the process lacks CAP_SYS_ADMIN)")
	}
	return pfn, nil
}
