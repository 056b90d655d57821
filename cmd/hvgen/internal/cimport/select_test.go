package cimport

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hvgen/hvgen/spec"
)

// importSelectHeaders imports testdata/select (a header of message payloads
// and the header of the types they use) for both architectures.
func importSelectHeaders(t *testing.T, defines ...string) *Result {
	t.Helper()
	by := map[string]*Result{}
	for _, a := range spec.Arches {
		p := Preludes["linux"]
		r, err := Parse(&Config{Arch: a, Root: "testdata/select", Files: []string{"base.h", "msgs.h"}, Prelude: p.Text,
			Stubs: p.Stubs, Defines: defines, Version: "test", Commit: "abc1234", Repo: "example/hv-headers"})
		if err != nil {
			t.Fatal(err)
		}
		by[a] = r
	}
	return Merge(by)
}

func typeNames(ts []*spec.Type) []string {
	var out []string
	for _, t := range ts {
		if !slices.Contains(out, t.Name) {
			out = append(out, t.Name)
		}
	}
	slices.Sort(out)
	return out
}

// TestSelect: -only keeps the named items, lays them out with the types they
// use (which stay out of the result and are reported), cites the repository
// the headers come from, and keeps only the selected items' problems.
func TestSelect(t *testing.T) {
	res := importSelectHeaders(t, "arm64:__TEST_ARM64__")
	if errs := Check(res, "test"); len(errs) > 0 {
		t.Fatalf("the whole import does not check: %v", errs)
	}
	sel, err := Select(res, []string{"hv_test_port_message", "hv_test_halt_message", "hv_test_port_info", "HV_TEST_PORT_MAX"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := typeNames(sel.Result.Types), []string{"hv_test_halt_message", "hv_test_port_info", "hv_test_port_message"}; !reflect.DeepEqual(got, want) {
		t.Errorf("selected types %v, want %v", got, want)
	}
	if len(sel.Result.Constants) != 1 || sel.Result.Constants[0].Name != "HV_TEST_PORT_MAX" || *sel.Result.Constants[0].Value != 0xffff {
		t.Errorf("selected constants %+v, want HV_TEST_PORT_MAX 0xffff", sel.Result.Constants)
	}
	if got, want := typeNames(sel.Closure.Types), []string{"hv_test_halt_message", "hv_test_header", "hv_test_port_info", "hv_test_port_message", "hv_test_seg"}; !reflect.DeepEqual(got, want) {
		t.Errorf("closure %v, want %v", got, want)
	}
	wantUses := map[string][]string{
		"hv_test_header": {"hv_test_halt_message", "hv_test_port_message"},
		"hv_test_seg":    {"hv_test_port_message"}, // the header's use of it is the header's declaration's business
	}
	if !reflect.DeepEqual(sel.Uses, wantUses) {
		t.Errorf("uses %v, want %v", sel.Uses, wantUses)
	}
	if errs := Check(sel.Closure, "test"); len(errs) > 0 {
		t.Errorf("the selection does not check: %v", errs)
	}
	for _, a := range spec.Arches {
		if _, ok := sel.Closure.Layout[a]["hv_test_unwanted"]; ok {
			t.Errorf("%s: the closure carries the C layout of an unused type", a)
		}
		if _, ok := sel.Result.Layout[a]["hv_test_port_message"]; !ok {
			t.Errorf("%s: the selection lost the C layout of a selected type", a)
		}
	}
	port := sel.Result.Types[slices.IndexFunc(sel.Result.Types, func(t *spec.Type) bool { return t.Name == "hv_test_port_message" })]
	if len(port.Refs) != 1 || !strings.HasPrefix(port.Refs[0], "example/hv-headers msgs.h:") || !strings.HasSuffix(port.Refs[0], " @ abc1234") {
		t.Errorf("ref %v, want example/hv-headers msgs.h:LINE @ abc1234", port.Refs)
	}
	if i := slices.IndexFunc(port.Fields, func(f *spec.Field) bool { return f.Name == "ds" }); i < 0 || port.Fields[i].Type != "hv_test_seg" || *port.Fields[i].Offset != 48 {
		t.Errorf("hv_test_port_message.ds: want the type by name at offset 48: %+v", port.Fields)
	}
	if len(res.Skipped) == 0 || len(sel.Result.Skipped) != 0 {
		t.Errorf("problems: all %v, selected %v; want the bad macro's only in the former", res.Skipped, sel.Result.Skipped)
	}
}

// TestSelectErrors: a name the headers do not define, or one the import left
// out, is an error naming it (and the reason it was left out).
func TestSelectErrors(t *testing.T) {
	res := importSelectHeaders(t, "arm64:__TEST_ARM64__")
	_, err := Select(res, []string{"hv_test_halt_message", "hv_test_nope", "HV_TEST_BAD_MACRO"})
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{"2 name(s)", "hv_test_nope (the headers do not define it)",
		"HV_TEST_BAD_MACRO (the import left it out: msgs.h:9: #define HV_TEST_BAD_MACRO: not a non-negative integer constant"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
}

// TestSelectEnumValues: TYPE.VALUE keeps one enumerator as a constant of
// the enumeration's type, cited at its own line, for the architectures
// whose enumeration has it (one constant per number where they differ).
func TestSelectEnumValues(t *testing.T) {
	res := importSelectHeaders(t, "arm64:__TEST_ARM64__")
	sel, err := Select(res, []string{"hv_test_reg.HV_TEST_REG_COMMON", "hv_test_reg.HV_TEST_REG_X64_ONLY", "hv_test_reg.HV_TEST_REG_SPLIT"})
	if err != nil {
		t.Fatal(err)
	}
	type c struct {
		name  string
		value uint64
		arch  string
		line  string
	}
	var got []c
	for _, k := range sel.Result.Constants {
		got = append(got, c{k.Name, *k.Value, strings.Join(k.Arch, ","), k.Refs[0]})
		if k.Type != "hv_test_reg" {
			t.Errorf("%s: type %q, want hv_test_reg", k.Name, k.Type)
		}
	}
	want := []c{
		{"HV_TEST_REG_COMMON", 0x1, "", "example/hv-headers msgs.h:40 @ abc1234"},
		{"HV_TEST_REG_X64_ONLY", 0x20000, "x64", "example/hv-headers msgs.h:42 @ abc1234"},
		{"HV_TEST_REG_SPLIT", 0x2, "x64", "example/hv-headers msgs.h:43 @ abc1234"},
		{"HV_TEST_REG_SPLIT", 0x3, "arm64", "example/hv-headers msgs.h:45 @ abc1234"},
	}
	slices.SortFunc(got, func(a, b c) int { return strings.Compare(a.line, b.line) })
	if !reflect.DeepEqual(got, want) {
		t.Errorf("constants\n%+v\nwant\n%+v", got, want)
	}
	if errs := Check(sel.Closure, "test"); len(errs) > 0 {
		t.Errorf("the selection does not check (its enumeration must leave out the values written as constants): %v", errs)
	}
	if len(sel.Result.Types) != 0 || sel.Uses["hv_test_reg"] == nil {
		t.Errorf("types %v, uses %v: want no type written and hv_test_reg reported as used", typeNames(sel.Result.Types), sel.Uses)
	}
	for _, c := range []struct{ name, want string }{
		{"hv_test_reg.HV_TEST_NOPE", "enumeration hv_test_reg has no value HV_TEST_NOPE"},
		{"hv_test_nope.HV_TEST_REG_COMMON", "the headers define no enumeration hv_test_nope"},
		{"hv_test_seg.base", "hv_test_seg is a struct, not an enumeration"},
	} {
		if _, err := Select(res, []string{c.name}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if r := refAt("a/b.h:12 @ x", 40); r != "a/b.h:40 @ x" {
		t.Errorf("refAt: %s", r)
	}
}

// TestArchDefine: "arch:NAME" defines NAME in that architecture's run only.
// The test header's union has members on arm64 only when the build defines
// its own arm64 macro; defining it for x64 instead leaves the arm64 union
// empty, which the check refuses.
func TestArchDefine(t *testing.T) {
	res := importSelectHeaders(t, "arm64:__TEST_ARM64__")
	for arch, size := range map[string]int64{"x64": 8, "arm64": 16} {
		if l := res.Layout[arch]["hv_test_entry"]; l == nil || l.Size != size {
			t.Errorf("%s: hv_test_entry %+v, want size %d", arch, l, size)
		}
	}
	wrong := importSelectHeaders(t, "x64:__TEST_ARM64__")
	if l := wrong.Layout["arm64"]["hv_test_entry"]; l == nil || l.Size != 0 {
		t.Errorf("arm64 with the macro defined for x64 only: hv_test_entry %+v, want size 0", l)
	}
	if errs := Check(wrong, "test"); !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, "hv_test_entry: size is zero") }) {
		t.Errorf("check of the empty arm64 union: %v", errs)
	}
}

func TestSubject(t *testing.T) {
	for msg, want := range map[string]string{
		"#define HV_X: not a non-negative integer constant (no constant value)": "HV_X",
		"struct hv_y: defined inside another aggregate; imported there":         "hv_y",
		"HV_Z: differs between architectures":                                   "HV_Z",
		"function definition hv_f: not an ABI item":                             "hv_f",
		"unnamed enum declared without a typedef: no name to import it by":      "",
		"not a declaration": "",
	} {
		if got := subject(msg); got != want {
			t.Errorf("subject(%q) = %q, want %q", msg, got, want)
		}
	}
}
