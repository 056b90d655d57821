package cimport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBadHeader: a header the front end rejects gives an error naming the
// file and line, not a panic or a partial import.
func TestBadHeader(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.h"), []byte("struct ok { u32 a; };\nstruct broken { u32 a b; };\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := Preludes["linux"]
	_, err := Parse(&Config{Arch: "x64", Root: dir, Files: []string{"bad.h"}, Prelude: p.Text, Stubs: p.Stubs, Version: "v"})
	if err == nil || !strings.Contains(err.Error(), "bad.h:2:") {
		t.Fatalf("error %v, want one at bad.h:2", err)
	}
	_, err = Parse(&Config{Arch: "x64", Root: dir, Files: []string{"missing.h"}, Prelude: p.Text, Version: "v"})
	if err == nil || !strings.Contains(err.Error(), "missing.h") {
		t.Fatalf("missing header: %v", err)
	}
	_, err = Parse(&Config{Arch: "riscv", Root: dir, Files: []string{"bad.h"}, Version: "v"})
	if err == nil || !strings.Contains(err.Error(), "riscv") {
		t.Fatalf("unknown arch: %v", err)
	}
}

// FuzzImport feeds arbitrary header text through the whole import (both
// architectures, merge, layout check, YAML): errors are fine, panics and
// hangs are not. testdata/fuzz/FuzzImport/e25ffe32fb1504bc is a declaration
// on which the C front end itself loops forever; the import's time limit
// turns it into an error.
func FuzzImport(f *testing.F) {
	seed, err := os.ReadFile("testdata/kernel.h")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("union u { u64 as_uint64; struct { u64 a : 3; u64 b : 61; } __packed; };\n"))
	f.Add([]byte("struct s { u8 a : 4; u32 b; u8 c[]; } __packed;\n#define HVCALL_X 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "f.h"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		p := Preludes["linux"]
		by := map[string]*Result{}
		for _, a := range []string{"x64", "arm64"} {
			r, err := Parse(&Config{Arch: a, Root: dir, Files: []string{"f.h"}, Prelude: p.Text, Stubs: p.Stubs, Version: "v",
				Timeout: 2 * time.Second})
			if err != nil {
				return
			}
			by[a] = r
		}
		res := Merge(by)
		_ = Check(res, "v")
		var b strings.Builder
		_ = WriteYAML(&b, &File{Area: "f", Types: res.Types, Constants: res.Constants, Statuses: res.Statuses, Hypercalls: res.Hypercalls})
	})
}
