package cimport

import (
	"os"
	"strings"
	"testing"

	"github.com/hvgen/hvgen/spec/layout"
)

// TestIoctls: each request macro becomes an ioctl item with its direction,
// type, number and argument, and the number the C front end computes (from
// the prelude's encoding) equals the registry's own computation.
func TestIoctls(t *testing.T) {
	r := importHeader(t, "uapi.h")
	want := map[string]struct {
		dir     string
		nr      uint64
		arg     string
		request uint32
	}{
		"TESTDEV_OPEN":  {"write", 0, "testdev_open", 0x4010c300},
		"TESTDEV_RESET": {"none", 1, "", 0x0000c301},
		"TESTDEV_READ":  {"readwrite", 2, "testdev_read", 0xc010c302},
		"TESTDEV_COUNT": {"read", 3, "UINT32", 0x8004c303},
	}
	if len(r.Ioctls) != len(want) {
		t.Fatalf("%d ioctls, want %d: %v", len(r.Ioctls), len(want), r.Ioctls)
	}
	for _, x := range r.Ioctls {
		w, ok := want[x.Name]
		if !ok {
			t.Errorf("unexpected ioctl %s", x.Name)
			continue
		}
		if x.Dir != w.dir || x.Magic != 0xc3 || x.Nr != w.nr || x.Arg != w.arg || len(x.Arch) != 0 {
			t.Errorf("%s: got dir %s type %#x nr %#x arg %q arch %v", x.Name, x.Dir, x.Magic, x.Nr, x.Arg, x.Arch)
		}
		if x.Request == nil || *x.Request != uint64(w.request) {
			t.Errorf("%s: C computes %v, want %#x", x.Name, x.Request, w.request)
		}
		size := int64(0)
		if x.Arg != "" {
			size = 16
			if x.Arg == "UINT32" {
				size = 4
			}
		}
		if got, ok := layout.IoctlRequest(x.Dir, x.Magic, x.Nr, size); !ok || got != w.request {
			t.Errorf("%s: layout.IoctlRequest gives %#x, want %#x", x.Name, got, w.request)
		}
		if !strings.HasPrefix(x.Refs[0], "uapi.h:") {
			t.Errorf("%s: ref %v", x.Name, x.Refs)
		}
	}
	// The macro naming the type is a constant of its own, not a request.
	if !hasConstant(r, "TESTDEV_IOCTL", 0xc3) {
		t.Error("TESTDEV_IOCTL is not imported as a constant")
	}
}

// TestBitNumbersAndMBZ: an unnamed enumeration of bit numbers gives
// constants that say so; members named rsvd or mbz are reserved.
func TestBitNumbersAndMBZ(t *testing.T) {
	r := importHeader(t, "uapi.h")
	for _, c := range r.Constants {
		if !strings.Contains(c.Name, "_BIT_") {
			continue
		}
		if !strings.Contains(c.Doc, "bit numbers") {
			t.Errorf("%s: doc %q does not say it is a bit number", c.Name, c.Doc)
		}
	}
	if !hasConstant(r, "TESTDEV_FLAG_BIT_QUIET", 1) || !hasConstant(r, "TESTDEV_FLAG_BIT_COUNT", 2) {
		t.Error("bit number constants missing")
	}
	reserved := map[string]bool{}
	for _, typ := range r.Types {
		for _, f := range typ.Fields {
			reserved[typ.Name+"."+f.Name] = f.Reserved
		}
	}
	for name, want := range map[string]bool{"testdev_open.rsvd": true, "testdev_read.mbz0": true, "testdev_read.mbz1": true,
		"testdev_read.len": false, "testdev_read.pad_z": false} {
		if got, ok := reserved[name]; !ok || got != want {
			t.Errorf("%s: reserved %v (present %v), want %v", name, got, ok, want)
		}
	}
}

func hasConstant(r *Result, name string, v uint64) bool {
	for _, c := range r.Constants {
		if c.Name == name && c.Value != nil && *c.Value == v {
			return true
		}
	}
	return false
}

// TestFrontErrorNamesUserFile: a C error names the header as the user gave
// it (root joined), line and column, and the architecture.
func TestFrontErrorNamesUserFile(t *testing.T) {
	dir := t.TempDir()
	if err := writeFile(dir+"/bad.h", "struct a {\n\tint x;\n\tint y z;\n};\n"); err != nil {
		t.Fatal(err)
	}
	_, err := Parse(&Config{Arch: "x64", Root: dir, Files: []string{"bad.h"}, Prelude: Preludes["c"].Text, Stubs: Preludes["c"].Stubs, Version: "t"})
	if err == nil || !strings.HasPrefix(err.Error(), dir+"/bad.h:3:") || !strings.HasSuffix(err.Error(), "(x64)") {
		t.Errorf("got %v, want %s/bad.h:3:...(x64)", err, dir)
	}
}

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o644) }
