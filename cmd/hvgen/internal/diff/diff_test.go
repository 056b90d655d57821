package diff

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/hvgen/hvgen/spec"
)

func side(t testing.TB, dir string) *Side {
	t.Helper()
	r, err := spec.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSide(dir, r.View("v"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestClassification checks, change kind by change kind, the class the
// README's rules give, on a registry pair built to contain each kind.
func TestClassification(t *testing.T) {
	changes := Compare(side(t, "testdata/old"), side(t, "testdata/new"))
	want := map[string]Class{
		"hypercall.added": Compatible, "hypercall.removed": Incompatible, "hypercall.code": Incompatible,
		"hypercall.kind": Incompatible, "hypercall.input.type": Incompatible, "hypercall.input_rep.added": Incompatible,
		"hypercall.status.added": Compatible, "hypercall.status.removed": Doc, "hypercall.doc": Doc, "hypercall.access": Doc,
		"type.added": Compatible, "type.removed": Incompatible, "type.kind": Incompatible, "type.size": Incompatible,
		"type.align": Incompatible, "value.added": Compatible, "value.removed": Incompatible, "value.changed": Incompatible,
		"bits.named": Compatible, "bits.removed": Incompatible, "bits.position": Incompatible,
		"field.offset": Incompatible, "field.size": Incompatible, "field.type": Compatible, "field.renamed": Incompatible,
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
	// A type change is reported once, under the type, with the calls it affects.
	for _, c := range changes {
		if c.Item == "HV_ID" && c.Kind == "type.size" && (len(c.Affects) != 1 || c.Affects[0] != "HvCallThing") {
			t.Errorf("HV_ID size change attributed to %v", c.Affects)
		}
	}
}

// TestGolden compares the three report formats with testdata/golden.*.
// HVGEN_UPDATE_GOLDEN=1 rewrites them.
func TestGolden(t *testing.T) {
	changes := Compare(side(t, "testdata/old"), side(t, "testdata/new"))
	for ext, write := range map[string]func(*bytes.Buffer) error{
		"txt":  func(b *bytes.Buffer) error { return WriteText(b, "old", "new", changes) },
		"json": func(b *bytes.Buffer) error { return WriteJSON(b, "old", "new", changes) },
		"md":   func(b *bytes.Buffer) error { return WriteMarkdown(b, "old", "new", changes) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "golden."+ext)
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
