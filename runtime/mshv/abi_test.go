package mshv

import (
	"errors"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/spec/layout"
)

// registry loads, checks and lays out the registry in spec/ (as hvgen
// check does) and returns linux-7.0's layout on this architecture.
var registry = sync.OnceValues(func() (*layout.Result, error) {
	a, err := layout.LoadDir("../../spec")
	if err != nil {
		return nil, err
	}
	arch := "x64"
	if runtime.GOARCH == "arm64" {
		arch = "arm64"
	}
	v := a.Version("linux-7.0")
	if v == nil {
		return nil, errors.New("no version linux-7.0")
	}
	return v.Layout[arch], nil
})

func linux70Layout(t *testing.T) *layout.Result {
	t.Helper()
	res, err := registry()
	if err != nil || res == nil {
		t.Fatalf("registry: %v", err)
	}
	return res
}

// argTypes are the Go types of the ioctl arguments, by their C names.
var argTypes = map[string]reflect.Type{
	"mshv_create_partition":   reflect.TypeFor[linux70.MshvCreatePartition](),
	"mshv_create_vp":          reflect.TypeFor[linux70.MshvCreateVP](),
	"mshv_user_mem_region":    reflect.TypeFor[linux70.MshvUserMemRegion](),
	"mshv_user_irqfd":         reflect.TypeFor[linux70.MshvUserIrqfd](),
	"mshv_user_ioeventfd":     reflect.TypeFor[linux70.MshvUserIoeventfd](),
	"mshv_user_irq_table":     reflect.TypeFor[linux70.MshvUserIrqTable](),
	"mshv_gpap_access_bitmap": reflect.TypeFor[linux70.MshvGpapAccessBitmap](),
	"mshv_root_hvcall":        reflect.TypeFor[rootHvcall](),
	"mshv_run_vp":             reflect.TypeFor[Message](), // Run's argument is the runtime's Message
	"mshv_get_set_vp_state":   reflect.TypeFor[linux70.MshvGetSetVPState](),
}

// ioc is Linux's _IOC (include/uapi/asm-generic/ioctl.h), computed here
// from the direction, the number and the Go argument type's size.
func ioc(dir abi.IoctlDir, nr uint8, size uintptr) uint32 {
	return uint32(dir)<<30 | uint32(size)<<16 | 0xB8<<8 | uint32(nr)
}

// TestRequestNumbers: every request number the runtime uses equals the one
// the registry computes from include/uapi/linux/mshv.h (spec/layout), the
// one Linux's _IOC gives with the size of the Go argument the runtime
// passes, and the fd kinds the runtime issues it on are among those the
// driver accepts it on (spec/linux_mshv_driver.yaml).
func TestRequestNumbers(t *testing.T) {
	res := linux70Layout(t)
	if len(requests) != len(res.Ioctls) || len(requests) != len(linux70.Ioctls) {
		t.Errorf("the runtime issues %d requests, the registry has %d, the generated table %d", len(requests), len(res.Ioctls), len(linux70.Ioctls))
	}
	for _, r := range requests {
		x := res.Ioctls[r.name]
		if x == nil {
			t.Errorf("%s: not in the registry", r.name)
			continue
		}
		if r.req != x.Request {
			t.Errorf("%s: the runtime uses %#x, the registry computes %#x", r.name, r.req, x.Request)
		}
		var size uintptr
		if x.Spec.Arg != "" {
			size = argTypes[x.Spec.Arg].Size()
		}
		dir := map[string]abi.IoctlDir{"none": abi.IoctlNone, "read": abi.IoctlRead, "write": abi.IoctlWrite, "readwrite": abi.IoctlReadWrite}[x.Spec.Dir]
		if want := ioc(dir, uint8(x.Spec.Nr), size); r.req != want {
			t.Errorf("%s: %#x, _IOC with the Go argument's %d bytes gives %#x", r.name, r.req, size, want)
		}
		var fds abi.FdSet
		for _, k := range x.Spec.Fds {
			fds |= map[string]abi.FdSet{"system": abi.FdSystem, "partition": abi.FdPartition, "vp": abi.FdVP}[k]
		}
		if fds&r.fd != r.fd || fds == 0 {
			t.Errorf("%s: issued on %v fds, the driver takes it on %v", r.name, r.fd, fds)
		}
		if d, ok := linux70.LookupIoctl(r.fd&-r.fd, r.req); !ok || d.Name != r.name {
			t.Errorf("%s: linux70.LookupIoctl(%v, %#x) = %v, %v", r.name, r.fd&-r.fd, r.req, d, ok)
		}
	}
	// The numbers, as the header's macros spell them (x64 and arm64 alike).
	for name, want := range map[string]uint32{"MSHV_CREATE_PARTITION": 0x4010b800, "MSHV_INITIALIZE_PARTITION": 0xb800,
		"MSHV_SET_GUEST_MEMORY": 0x4020b802, "MSHV_ROOT_HVCALL": 0xc020b807, "MSHV_RUN_VP": 0x8100b800, "MSHV_GET_VP_STATE": 0xc010b801} {
		for _, r := range requests {
			if r.name == name && r.req != want {
				t.Errorf("%s = %#x, want %#x", name, r.req, want)
			}
		}
	}
}

// TestArgumentLayouts: the Go types the runtime hands the driver have the
// size and member offsets the registry lays out for the C structs, and the
// message views the sizes of their registry types.
func TestArgumentLayouts(t *testing.T) {
	res := linux70Layout(t)
	same := func(cName string, goType reflect.Type) {
		t.Helper()
		lt := res.Types[cName]
		if lt == nil {
			t.Errorf("%s: not laid out by the registry", cName)
			return
		}
		if int64(goType.Size()) != lt.Size {
			t.Errorf("%s: Go %v is %d bytes, the registry's %d", cName, goType, goType.Size(), lt.Size)
		}
		var offs []int64
		for i := range goType.NumField() {
			if f := goType.Field(i); f.Name != "_" || f.Type.Size() > 0 {
				offs = append(offs, int64(f.Offset))
			}
		}
		var want []int64
		for _, f := range lt.Fields {
			if !f.Spec.Flexible {
				want = append(want, f.Offset)
			}
		}
		if goType != reflect.TypeFor[Message]() && !reflect.DeepEqual(offs, want) {
			t.Errorf("%s: Go member offsets %v, the registry's %v", cName, offs, want)
		}
	}
	for c, g := range argTypes {
		same(c, g)
	}
	same("hv_message", reflect.TypeFor[Message]())
	same("hv_message_header", reflect.TypeFor[linux70.MessageHeader]())
	if off := unsafe.Offsetof(Message{}.payload); off != 16 || PayloadSize != 240 {
		t.Errorf("payload at %d, %d bytes; want 16 and 240", off, PayloadSize)
	}
	for _, c := range messageViews {
		k, size := viewOf(c.typ)
		if k != c.kind {
			t.Errorf("%v: kind %v, want %v", c.typ, k, c.kind)
		}
		if lt := res.Types[c.c]; lt == nil || int64(size) != lt.Size {
			t.Errorf("%v view: %d bytes, the registry's %s: %+v", c.kind, size, c.c, lt)
		}
	}
}
