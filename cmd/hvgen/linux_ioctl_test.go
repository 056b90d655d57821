package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/abi"
)

// linuxIoctls are the requests of include/uapi/linux/mshv.h @ 3ab7ae8e07f8
// with the arguments of their macros and the request numbers those give
// under Linux's asm-generic encoding (worked out by hand here: direction <<
// 30 | size << 16 | 0xb8 << 8 | number), and the fd kinds whose ioctl
// function in drivers/hv/mshv_root_main.c @ d4eb7b2da66c handles them.
var linuxIoctls = []struct {
	name, dir string
	nr, size  int
	request   uint32
	fds       []string
}{
	{"MSHV_CREATE_PARTITION", "write", 0, 16, 0x4010b800, []string{"system"}},
	{"MSHV_INITIALIZE_PARTITION", "none", 0, 0, 0x0000b800, []string{"partition"}},
	{"MSHV_CREATE_VP", "write", 1, 4, 0x4004b801, []string{"partition"}},
	{"MSHV_SET_GUEST_MEMORY", "write", 2, 32, 0x4020b802, []string{"partition"}},
	{"MSHV_IRQFD", "write", 3, 16, 0x4010b803, []string{"partition"}},
	{"MSHV_IOEVENTFD", "write", 4, 32, 0x4020b804, []string{"partition"}},
	{"MSHV_SET_MSI_ROUTING", "write", 5, 8, 0x4008b805, []string{"partition"}},
	{"MSHV_GET_GPAP_ACCESS_BITMAP", "readwrite", 6, 32, 0xc020b806, []string{"partition"}},
	{"MSHV_ROOT_HVCALL", "readwrite", 7, 32, 0xc020b807, []string{"system", "partition", "vp"}},
	{"MSHV_RUN_VP", "read", 0, 256, 0x8100b800, []string{"vp"}},
	{"MSHV_GET_VP_STATE", "readwrite", 1, 16, 0xc010b801, []string{"vp"}},
	{"MSHV_SET_VP_STATE", "readwrite", 2, 16, 0xc010b802, []string{"vp"}},
}

// TestLinuxIoctls: the linux-7.0 export lists every mshv ioctl under its
// header name with its direction, number, argument size, fd kinds and the
// request number on both architectures; and the pass-through contract: the
// calls the driver passes, from which fds, the one it treats as
// asynchronous.
func TestLinuxIoctls(t *testing.T) {
	for _, arch := range []string{"x64", "arm64"} {
		code, out, errs := runCLI("export", "-spec", "../../spec", "-version", "linux-7.0", "-arch", arch)
		if code != 0 {
			t.Fatalf("export: exit %d: %s", code, errs)
		}
		var doc struct {
			Ioctls []struct {
				Name, Dir, Arg string
				Type, Nr       int
				ArgSize        int64 `json:"arg_size"`
				Request        uint32
				Requests       map[string]uint32
				Fd             []string
				FdRef          []string `json:"fd_ref"`
			}
			Hypercalls []struct {
				Name        string
				Passthrough *struct {
					Fd    []string
					Async bool
					Ref   []string
				}
			}
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Ioctls) != len(linuxIoctls) {
			t.Errorf("%s: %d ioctls, want %d", arch, len(doc.Ioctls), len(linuxIoctls))
		}
		for _, w := range linuxIoctls {
			i := slices.IndexFunc(doc.Ioctls, func(x struct {
				Name, Dir, Arg string
				Type, Nr       int
				ArgSize        int64 `json:"arg_size"`
				Request        uint32
				Requests       map[string]uint32
				Fd             []string
				FdRef          []string `json:"fd_ref"`
			}) bool {
				return x.Name == w.name
			})
			if i < 0 {
				t.Errorf("%s: %s missing", arch, w.name)
				continue
			}
			x := doc.Ioctls[i]
			if x.Dir != w.dir || x.Type != 0xb8 || x.Nr != w.nr || x.ArgSize != int64(w.size) || x.Request != w.request ||
				x.Requests["x64"] != w.request || x.Requests["arm64"] != w.request || !slices.Equal(x.Fd, w.fds) {
				t.Errorf("%s: %s: got %+v, want %+v", arch, w.name, x, w)
			}
			if len(x.FdRef) == 0 || !strings.HasPrefix(x.FdRef[0], "drivers/hv/mshv_root_main.c:") {
				t.Errorf("%s: %s: fd_ref %v does not cite the driver", arch, w.name, x.FdRef)
			}
		}
		pass := map[string][]string{}
		var async []string
		for _, h := range doc.Hypercalls {
			if p := h.Passthrough; p != nil {
				pass[h.Name] = p.Fd
				if p.Async {
					async = append(async, h.Name)
				}
			}
		}
		if len(pass) != 15 || !slices.Equal(async, []string{"HVCALL_SET_PARTITION_PROPERTY"}) {
			t.Errorf("%s: %d pass-through calls (want 15), async %v", arch, len(pass), async)
		}
		for name, fds := range map[string][]string{
			"HVCALL_GET_PARTITION_PROPERTY_EX": {"system", "partition", "vp"},
			"HVCALL_SET_PARTITION_PROPERTY":    {"partition"},
			"HVCALL_GET_VP_REGISTERS":          {"partition", "vp"},
			"HVCALL_MAP_GPA_PAGES":             nil, // the driver maps memory itself; MSHV_ROOT_HVCALL refuses it
		} {
			if got := pass[name]; !slices.Equal(got, fds) {
				t.Errorf("%s: %s passes through on %v, want %v", arch, name, got, fds)
			}
		}
	}
}

// TestLinux70Descriptors: the generated linux70 package's ioctl and
// hypercall tables carry the same requests and contract as the export, so a
// runtime reads them without the registry.
func TestLinux70Descriptors(t *testing.T) {
	if len(linux70.Ioctls) != len(linuxIoctls) {
		t.Fatalf("linux70.Ioctls has %d entries, want %d", len(linux70.Ioctls), len(linuxIoctls))
	}
	fdOf := map[string]abi.FdSet{"system": abi.FdSystem, "partition": abi.FdPartition, "vp": abi.FdVP}
	for i, w := range linuxIoctls {
		x := linux70.Ioctls[i]
		var fds abi.FdSet
		for _, f := range w.fds {
			fds |= fdOf[f]
		}
		if x.Name != w.name || x.Request != w.request || int(x.Nr) != w.nr || x.Type != 0xb8 || int(x.ArgSize) != w.size || x.Fds != fds {
			t.Errorf("linux70.Ioctls[%d] = %+v, want %+v", i, x, w)
		}
		for _, f := range w.fds {
			if got, ok := linux70.LookupIoctl(fdOf[f], w.request); !ok || got.Name != w.name {
				t.Errorf("LookupIoctl(%s, %#x) = %v, %v; want %s", f, w.request, got, ok, w.name)
			}
		}
	}
	if _, ok := linux70.LookupIoctl(abi.FdSystem, linux70.IoctlMshvRunVP); ok {
		t.Error("MSHV_RUN_VP found on /dev/mshv, which does not accept it")
	}
	d, ok := linux70.LookupHypercall(linux70.CallSetPartitionProperty)
	if !ok || d.Passthrough != abi.FdPartition || !d.Async {
		t.Errorf("HVCALL_SET_PARTITION_PROPERTY: %+v, want pass-through from partition fds, async", d)
	}
	if d, _ := linux70.LookupHypercall(linux70.CallMapGPAPages); d.Passthrough != 0 {
		t.Errorf("HVCALL_MAP_GPA_PAGES passes through on %v; the driver refuses it", d.Passthrough)
	}
}
