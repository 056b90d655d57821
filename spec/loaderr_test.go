package spec

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// lineOf is the 1-based line of the first line of text containing marker.
func lineOf(t *testing.T, text, marker string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, marker) {
			return i + 1
		}
	}
	t.Fatalf("marker %q not in the fixture", marker)
	return 0
}

// A YAML syntax error is reported at the line of the problem, not at the
// start of the mapping or sequence around it (where yaml.v3 points).
func TestYAMLErrorLine(t *testing.T) {
	head := "area: a\ntypes:\n  - name: HV_A\n    kind: struct\n    versions: [v1]\n    doc: d\n    ref: r\n"
	for _, tc := range []struct{ name, text, marker string }{
		{"key indented less", head + "   base: UINT32\n    fields: []\n", "   base:"},
		{"key outdented into the sequence", head + "  base: UINT32\n    fields: []\n", "  base:"},
		{"sequence item misaligned", head + "    fields:\n      - {name: A, type: UINT32}\n     - {name: B, type: UINT32}\n", "name: B"},
		{"after many lines", head + "    fields:\n" + strings.Repeat("      - {name: A, type: UINT32}\n", 40) + "    - x\n", "    - x"},
		{"tab", head + "    fields:\n\t- {name: A}\n", "\t-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := parse(&Registry{}, "f.yaml", []byte(tc.text))
			want := lineOf(t, tc.text, tc.marker)
			if len(errs) != 1 || errs[0].Pos.Line != want || !strings.HasPrefix(errs[0].Msg, "invalid YAML") {
				t.Errorf("errors %v, want one invalid YAML at f.yaml:%d", errs, want)
			}
		})
	}
}

// Invalid UTF-8 is reported at the line and column of the first bad byte.
func TestInvalidUTF8Position(t *testing.T) {
	text := "area: a\ndoc: >-\n  caf\u00e9 au lait,\n  na\xefve\n"
	errs := parse(&Registry{}, "f.yaml", []byte(text))
	if len(errs) != 1 || errs[0].Pos != (Pos{File: "f.yaml", Line: 4, Col: 5}) || !strings.Contains(errs[0].Msg, "UTF-8") || !strings.Contains(errs[0].Msg, "0xef") {
		t.Errorf("errors %v, want f.yaml:4:5 invalid UTF-8 (byte 0xef)", errs)
	}
}

// Load reports the problems of every file in one run: each file that does
// not decode, and the checks of the files that do, without the errors a
// missing item of a broken file would explain.
func TestLoadReportsEveryFile(t *testing.T) {
	mini, err := os.ReadFile("testdata/mini/mini.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad1 := "area: bad1\ntypes:\n  - name: HV_FROM_BAD1\n    kind: alias\n    base: UINT32\n   versions: [v1]\n"
	bad2 := "area: bad2\ntypes:\n  - {name: HV_B, kind: alias, base: UINT32, versions: [v1], doc: d, ref: r}\n  - name: HV_C\n      kind: alias\n"
	bad3 := "area: bad3\ndoc: \"\xff\"\n"
	good := `area: good
types:
  - name: HV_USES_BAD1
    kind: struct
    versions: [v1]
    doc: Refers to a type of a file that does not decode.
    ref: r
    fields:
      - {name: A, type: HV_FROM_BAD1, offset: 0}
  - name: HV_TWICE
    kind: enum
    base: UINT32
    versions: [v1]
    doc: Two names, one value.
    ref: r
    values:
      - {name: HvTwiceA, value: 1}
      - {name: HvTwiceB, value: 1}
`
	fsys := fstest.MapFS{
		"mini.yaml": {Data: mini}, "bad1.yaml": {Data: []byte(bad1)}, "bad2.yaml": {Data: []byte(bad2)},
		"bad3.yaml": {Data: []byte(bad3)}, "good.yaml": {Data: []byte(good)},
	}
	r, err := Load(fsys, "")
	var list ErrorList
	if r != nil || !errors.As(err, &list) {
		t.Fatalf("Load = %v, %v", r, err)
	}
	want := []string{
		"bad1.yaml:" + strconv.Itoa(lineOf(t, bad1, "   versions")) + ": invalid YAML",
		"bad2.yaml:" + strconv.Itoa(lineOf(t, bad2, "      kind")) + ": invalid YAML",
		"bad3.yaml:2:7: invalid UTF-8",
		"good.yaml:" + strconv.Itoa(lineOf(t, good, "HvTwiceB")) + ":",
	}
	if len(list) != len(want) {
		t.Errorf("%d errors, want %d:\n%v", len(list), len(want), err)
	}
	for i, w := range want {
		if i >= len(list) || !strings.HasPrefix(list[i].Error(), w) {
			t.Errorf("error %d: want %q...; all:\n%v", i, w, err)
		}
	}
	if !strings.Contains(err.Error(), "duplicate value 0x1") {
		t.Errorf("the duplicate enum value of good.yaml is not reported:\n%v", err)
	}
}

// The member shapes the decoder refuses, each at its own line: packed on a
// plain or bit-field member, an anonymous plain member, an anonymous inline
// bitfield in a union.
func TestMemberShapeErrors(t *testing.T) {
	head := "area: a\ntypes:\n  - name: HV_A\n    kind: %s\n    versions: [v1]\n    doc: d\n    ref: r\n    fields:\n"
	for _, tc := range []struct{ name, kind, member, want string }{
		{"packed plain member", "struct", "      - {name: A, type: UINT32, packed: true}\n", "HV_A.A: packed applies to an inline struct or union"},
		{"packed bitfield", "struct", "      - {name: A, type: UINT32, packed: true, bits: [{name: B, bit: 0}]}\n", "HV_A.A: packed applies to an inline struct or union"},
		{"anonymous plain member", "struct", "      - {type: UINT32}\n", "HV_A member: only an inline struct, union or bitfield may be anonymous"},
		{"anonymous bitfield in a union", "union", "      - {type: UINT32, bits: [{name: B, bit: 0}]}\n", "HV_A member: an anonymous inline bitfield belongs in a struct"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := fmt.Sprintf(head, tc.kind) + tc.member
			errs := parse(&Registry{}, "f.yaml", []byte(text))
			line := strings.Count(text, "\n")
			found := false
			for _, e := range errs {
				if strings.Contains(e.Msg, tc.want) && e.Pos.Line == line {
					found = true
				}
			}
			if !found {
				t.Errorf("errors %v, want %q at f.yaml:%d", errs, tc.want, line)
			}
		})
	}
}
