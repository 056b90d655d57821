package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadMini(t *testing.T) {
	r, err := Load(os.DirFS("testdata/mini"), "testdata/mini")
	if err != nil {
		t.Fatal(err)
	}
	if got := r.VersionNames(); strings.Join(got, ",") != "v1,v2" {
		t.Errorf("versions %v", got)
	}
	v2 := r.View("v2")
	var undo *Hypercall
	for _, h := range v2.Hypercalls {
		if h.Name == "HvCallUndoThing" {
			undo = h
		}
	}
	if undo == nil || undo.Code != 0x42 {
		t.Fatalf("v2 HvCallUndoThing = %+v, want code 0x42", undo)
	}
	hdr := v2.Type("HV_HEADER")
	if hdr == nil || len(hdr.Fields) != 7 || hdr.Fields[2].Nested == nil || hdr.Fields[2].Nested.Kind != KindUnion {
		t.Fatalf("HV_HEADER decoded wrongly: %+v", hdr)
	}
	if p := hdr.Fields[2].Pos; p.Line == 0 || !strings.HasSuffix(p.File, "mini.yaml") {
		t.Errorf("field position %v", p)
	}
}

func TestEmbeddedRegistryMatchesDirectory(t *testing.T) {
	names, err := filepath.Glob("*.yaml")
	if err != nil || len(names) == 0 {
		t.Fatalf("no registry files: %v", err)
	}
	for _, n := range names {
		want, _ := os.ReadFile(n)
		got, err := embedded.ReadFile(n)
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: embedded copy differs", n)
		}
	}
}

// FuzzParse feeds arbitrary bytes to the decoder and the checks that follow
// it: they must report errors, never panic or hang.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/mini/mini.yaml", "versions.yaml"} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("area: x\ntypes:\n  - {name: A, kind: struct, versions: [v], doc: d, ref: r, fields: [{name: B, type: A}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &Registry{}
		errs := parse(r, "fuzz.yaml", data)
		if len(errs) == 0 {
			var more ErrorList
			Check(r, &more)
			_ = more.Error()
		}
		_ = errs.Error()
	})
}
