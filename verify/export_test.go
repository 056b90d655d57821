package verify

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// abi is the part of `hvgen export` these checks read.
type abi struct {
	Types []abiType `json:"types"`
}

type abiType struct {
	Name   string     `json:"name"`
	GoName string     `json:"go_name"`
	Arch   []string   `json:"arch"`
	Kind   string     `json:"kind"`
	Base   string     `json:"base"`
	Size   int64      `json:"size"`
	Align  int64      `json:"align"`
	Packed bool       `json:"packed"`
	Fields []abiField `json:"fields"`
}

type abiField struct {
	Name      string     `json:"name"`
	GoName    string     `json:"go_name"`
	Type      string     `json:"type"`
	Offset    int64      `json:"offset"`
	Size      int64      `json:"size"`
	Count     int64      `json:"count"`
	Flexible  bool       `json:"flexible"`
	Padding   bool       `json:"padding"`
	Packed    bool       `json:"packed"`
	BitOffset *int       `json:"bit_offset"`
	Fields    []abiField `json:"fields"`
}

// versions are the committed generated packages.
var versions = []struct{ version, pkg string }{{"wdk-2013", "wdk2013"}, {"tlfs", "tlfs"}, {"linux-7.0", "linux70"}}

var hvgenBin string

// TestMain builds hvgen once; every check runs it as a user would.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hvgen-verify")
	if err != nil {
		panic(err)
	}
	hvgenBin = filepath.Join(dir, "hvgen")
	// hvgen is in the parent module (verify is a module of its own, so that
	// its test-only requirements stay out of hvgen's module graph).
	build := exec.Command("go", "build", "-o", hvgenBin, "./cmd/hvgen")
	build.Dir = ".."
	out, err := build.CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func hvgen(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(hvgenBin, args...)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("hvgen %v: %v\n%s", args, err, stderr)
	}
	return out
}

// exportABI is hvgen's export of a version on an architecture (x64, arm64).
func exportABI(t *testing.T, version, arch string) *abi {
	t.Helper()
	var a abi
	if err := json.Unmarshal(hvgen(t, "export", "-spec", "../spec", "-version", version, "-arch", arch), &a); err != nil {
		t.Fatal(err)
	}
	if len(a.Types) == 0 {
		t.Fatalf("%s: export has no types", version)
	}
	// An opaque type is named only: no Go or C declaration, no layout.
	laid := a.Types[:0]
	for _, ty := range a.Types {
		if ty.Kind != "opaque" {
			laid = append(laid, ty)
		} else if ty.GoName != "" || ty.Size != 0 || len(ty.Fields) > 0 {
			t.Errorf("%s: opaque type %s exported with a layout: %+v", version, ty.Name, ty)
		}
	}
	a.Types = laid
	return &a
}

func TestVersionCommand(t *testing.T) {
	out := string(hvgen(t, "version", "-spec", "../spec"))
	for _, want := range []string{"hvgen ", "registry version wdk-2013", "registry version tlfs"} {
		if !strings.Contains(out, want) {
			t.Errorf("hvgen version output lacks %q:\n%s", want, out)
		}
	}
	// Outside a checkout (no ./spec), the registry built into the binary is used.
	cmd := exec.Command(hvgenBin, "version")
	cmd.Dir = t.TempDir()
	builtin, err := cmd.Output()
	if err != nil || !strings.Contains(string(builtin), "registry version tlfs") {
		t.Errorf("hvgen version outside a checkout: %v\n%s", err, builtin)
	}
}

// TestExportNumbersAreExact reads hvgen's export the way JavaScript and jq
// do, with every number a double: each JSON number must survive that (at
// most 2^53-1), and every 64-bit value (enum and flag values, constants,
// masks) is a "0x..." string. An overlay adds values that need all 64 bits.
func TestExportNumbersAreExact(t *testing.T) {
	overlay := t.TempDir()
	if err := os.WriteFile(filepath.Join(overlay, "wide.yaml"), []byte(`area: wide
constants:
  - {name: HV_TEST_ALL_ONES, value: 0xFFFFFFFFFFFFFFF1, versions: [tlfs], doc: Needs 64 bits., ref: test}
types:
  - name: HV_TEST_WIDE_FLAGS
    kind: flags
    base: UINT64
    versions: [tlfs]
    doc: Needs 64 bits.
    ref: test
    values:
      - {name: HvTestWideTop, value: 0x8000000000000001}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"export", "-spec", "../spec"},
		{"export", "-spec", "../spec", "-version", "tlfs", "-arch", "arm64"},
		{"export", "-spec", "../spec", "-overlay", overlay, "-version", "tlfs"},
	} {
		out := hvgen(t, args...)
		var doc any
		dec := json.NewDecoder(strings.NewReader(string(out)))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		words := 0
		var walk func(path string, v any)
		walk = func(path string, v any) {
			switch x := v.(type) {
			case map[string]any:
				for k, e := range x {
					walk(path+"."+k, e)
				}
			case []any:
				for _, e := range x {
					walk(path+"[]", e)
				}
			case json.Number:
				n, err := strconv.ParseInt(string(x), 10, 64)
				if err != nil || n > 1<<53-1 || n < -(1<<53-1) {
					t.Errorf("%v: %s = %s is not an integer a double holds exactly", args, path, x)
				}
				if strings.HasSuffix(path, "values[].value") || strings.HasSuffix(path, "constants[].value") || strings.HasSuffix(path, ".mask") {
					t.Errorf("%v: %s = %s: a 64-bit value exported as a number", args, path, x)
				}
			case string:
				if strings.HasSuffix(path, "values[].value") || strings.HasSuffix(path, "constants[].value") || strings.HasSuffix(path, ".mask") {
					words++
					if _, err := strconv.ParseUint(strings.TrimPrefix(x, "0x"), 16, 64); err != nil || !strings.HasPrefix(x, "0x") {
						t.Errorf("%v: %s = %q is not a 0x hex word", args, path, x)
					}
				}
			}
		}
		walk("", doc)
		if words == 0 {
			t.Errorf("%v: no hex words found", args)
		}
	}
	// The wide values come back exactly, read as plain JSON (numbers as float64).
	var doc struct {
		Types []struct {
			Name   string
			Values []struct{ Name, Value string }
		}
		Constants []struct{ Name, Value string }
	}
	if err := json.Unmarshal(hvgen(t, "export", "-spec", "../spec", "-overlay", overlay, "-version", "tlfs"), &doc); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, c := range doc.Constants {
		if c.Name == "HV_TEST_ALL_ONES" && c.Value == "0xfffffffffffffff1" {
			found++
		}
	}
	for _, ty := range doc.Types {
		for _, v := range ty.Values {
			if v.Name == "HvTestWideTop" && v.Value == "0x8000000000000001" {
				found++
			}
		}
	}
	if found != 2 {
		t.Errorf("the overlay's 64-bit values did not come back exactly (%d of 2)", found)
	}
}
