package diff

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/hvgen/hvgen/spec/layout"
)

func side(t testing.TB, dir string) *Side {
	t.Helper()
	r, err := layout.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSide(dir, r.Version("v"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sourceSides are versions a and b of testdata/sources, written from a
// document and from headers that leave things unstated.
func sourceSides(t testing.TB) (a, b *Side) {
	t.Helper()
	r, err := layout.LoadDir("testdata/sources")
	if err != nil {
		t.Fatal(err)
	}
	if a, err = NewSide("a", r.Version("a")); err != nil {
		t.Fatal(err)
	}
	if b, err = NewSide("b", r.Version("b")); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// TestClassification checks, change kind by change kind, the class the
// README's rules give, on a registry pair built to contain each kind.
func TestClassification(t *testing.T) {
	changes := Compare(side(t, "testdata/old"), side(t, "testdata/new"))
	want := map[string]Class{
		"hypercall.added": Compatible, "hypercall.removed": Incompatible, "hypercall.code": Incompatible,
		"hypercall.kind": Incompatible, "hypercall.input.type": Incompatible, "hypercall.input_rep.added": Incompatible,
		"hypercall.status.added": Compatible, "hypercall.status.removed": Doc, "hypercall.doc": Doc, "hypercall.access": Doc,
		"value.renamed": Compatible, "bits.renamed": Compatible,
		"type.added": Compatible, "type.removed": Incompatible, "type.kind": Incompatible, "type.size": Incompatible,
		"type.align": Incompatible, "value.added": Compatible, "value.removed": Incompatible, "value.changed": Incompatible,
		"bits.named": Compatible, "bits.removed": Incompatible, "bits.position": Incompatible,
		"field.offset": Incompatible, "field.size": Incompatible, "field.type": Compatible, "field.renamed": Compatible,
		"field.removed": Incompatible, "field.named": Compatible, "field.added": Compatible, "status.added": Compatible, "status.removed": Incompatible, "status.value": Incompatible,
		"constant.added": Compatible, "constant.removed": Incompatible, "constant.value": Incompatible,
	}
	seen := map[string]bool{}
	for _, c := range changes {
		seen[c.Kind] = true
		w, ok := want[c.Kind]
		if c.Kind == "hypercall.fast" || c.Kind == "constant.value" && c.Old == "(no value)" {
			continue // checked below: the class depends on the direction
		}
		if !ok {
			t.Errorf("unexpected change kind %s (%+v)", c.Kind, c)
			continue
		}
		if c.Class != w {
			t.Errorf("%s %s: class %v, want %v", c.Item, c.Kind, c.Class, w)
		}
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("the fixture has no %s change", k)
		}
	}
	for _, c := range changes {
		switch {
		case c.Kind == "hypercall.fast" && c.Item == "HvCallMoved" && c.Class != Incompatible,
			c.Kind == "hypercall.fast" && c.Item == "HvCallNowFast" && c.Class != Compatible,
			c.Item == "HV_UNKNOWN" && c.Class != Compatible:
			t.Errorf("%s %s: %v", c.Item, c.Kind, c.Class)
		}
	}
	// A doc change carries both texts; a rename both names.
	for _, c := range changes {
		switch {
		case c.Kind == "hypercall.doc" && (c.Old != "Old words." || c.New != "New words."),
			c.Kind == "value.renamed" && (c.Path != "HvOldYellow" || c.New != "HvYellow"),
			c.Kind == "bits.renamed" && (c.Path != "Legacy" || c.New != "Modern"):
			t.Errorf("%s %s: %q -> %q", c.Item, c.Kind, c.Old, c.New)
		}
	}
	// A type change is reported once, under the type, with the calls it affects.
	for _, c := range changes {
		if c.Item == "HV_ID" && c.Kind == "type.size" && (len(c.Affects) != 1 || c.Affects[0] != "HvCallThing") {
			t.Errorf("HV_ID size change attributed to %v", c.Affects)
		}
	}
}

// TestGolden compares the report formats with testdata/golden*: the
// full reports and the summary of the registry pair, and the full reports of
// the two-source pair (undescribed differences in a section of their own).
// HVGEN_UPDATE_GOLDEN=1 rewrites them.
func TestGolden(t *testing.T) {
	changes := Compare(side(t, "testdata/old"), side(t, "testdata/new"))
	a, b := sourceSides(t)
	sources := Compare(a, b)
	for file, write := range map[string]func(*bytes.Buffer) error{
		"golden.txt":          func(b *bytes.Buffer) error { return NewReport("old", "new", changes).Write(b, "text", false) },
		"golden.json":         func(b *bytes.Buffer) error { return NewReport("old", "new", changes).Write(b, "json", false) },
		"golden.md":           func(b *bytes.Buffer) error { return NewReport("old", "new", changes).Write(b, "markdown", false) },
		"golden-summary.md":   func(b *bytes.Buffer) error { return NewReport("old", "new", changes).Write(b, "markdown", true) },
		"golden-summary.txt":  func(b *bytes.Buffer) error { return NewReport("old", "new", changes).Write(b, "text", true) },
		"golden-summary.json": func(b *bytes.Buffer) error { return NewReport("old", "new", changes).Write(b, "json", true) },
		"golden-sources.txt":  func(b *bytes.Buffer) error { return NewReport("a", "b", sources).Write(b, "text", false) },
		"golden-sources.json": func(b *bytes.Buffer) error { return NewReport("a", "b", sources).Write(b, "json", false) },
		"golden-sources.md":   func(b *bytes.Buffer) error { return NewReport("a", "b", sources).Write(b, "markdown", false) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", file)
		if os.Getenv("HVGEN_UPDATE_GOLDEN") == "1" {
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s differs from the golden file (HVGEN_UPDATE_GOLDEN=1 rewrites it):\n%s", path, b.String())
		}
	}
}

func TestNoChanges(t *testing.T) {
	s := side(t, "testdata/old")
	if c := Compare(s, s); len(c) != 0 {
		t.Errorf("a registry differs from itself: %+v", c)
	}
}

// TestUndescribed compares two versions written from two sources: what the
// new source does not describe is undescribed, what it says is gone or lists
// differently stays incompatible.
func TestUndescribed(t *testing.T) {
	a, b := sourceSides(t)
	got := map[string]Class{}
	for _, c := range Compare(a, b) {
		got[c.Item+" "+c.Kind+" "+c.Path] = c.Class
	}
	want := map[string]Class{
		"HV_GAP type.undescribed ":           Undescribed,
		"HV_GAP_CONST constant.undescribed ": Undescribed,
		"HV_STATUS_GAP status.undescribed ":  Undescribed,
		"HV_STATUS_NUMBERED status.value ":   Undescribed, // b states no status numbers
		"HvCallGap hypercall.undescribed ":   Undescribed,
		"HvCallFast hypercall.fast ":         Undescribed, // b states no fast convention
		"HV_PARTIAL value.undescribed HvTwo": Undescribed, // b lists HV_PARTIAL in part
		"HV_FULL value.removed HvFullTwo":    Incompatible,
		"HvCallDropped hypercall.removed ":   Incompatible, // b says it is gone
		"HV_ARM_ONLY type.removed ":          Incompatible, // b describes it, for arm64 only
		"HvCallMoved hypercall.code ":        Incompatible,
	}
	for k, c := range want {
		if got[k] != c {
			t.Errorf("%s: %v, want %v", k, got[k], c)
		}
	}
	if len(got) != len(want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	// Backwards the gaps are additions; the one removal the new source
	// states reads as an addition too.
	for _, c := range Compare(b, a) {
		if c.Class == Incompatible && c.Kind != "hypercall.code" {
			t.Errorf("b -> a: %+v", c)
		}
	}
	// -fail-on: undescribed only when named.
	ch := Only(Compare(a, b), Undescribed)
	for _, tc := range []struct {
		flag string
		fail bool
	}{{"incompatible", false}, {"doc", false}, {"none", false}, {"undescribed", true}, {"incompatible,undescribed", true}} {
		f, err := ParseFailOn(tc.flag)
		if err != nil {
			t.Fatal(err)
		}
		if f.Fails(ch) != tc.fail {
			t.Errorf("-fail-on %s on undescribed differences: fails %v", tc.flag, !tc.fail)
		}
	}
	if _, err := ParseFailOn("incompatible,bogus"); err == nil {
		t.Error("-fail-on bogus accepted")
	}
}
