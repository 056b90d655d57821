package cimport

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hvgen/hvgen/spec"
)

// TestPrimitiveTypedefs: the names hvgen's C header gives BOOLEAN and UINT128
// read back as those primitives when laid out as the registry lays them out
// (UINT128 16-byte aligned); a header's own type under such a name but laid
// out otherwise (a packed HV_UINT128) is an ordinary item, not the primitive.
func TestPrimitiveTypedefs(t *testing.T) {
	for _, tc := range []struct {
		name, uint128 string
		want          string // the registry type of holder.Wide
	}{
		{"aligned", "typedef struct { _Alignas(16) uint64_t Low64; uint64_t High64; } HV_UINT128;", "UINT128"},
		{"packed", "typedef struct __attribute__((packed)) { uint64_t Low64; uint64_t High64; } HV_UINT128;", "HV_UINT128"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			src := "#include <stdint.h>\ntypedef uint8_t HVGEN_BOOLEAN;\n" + tc.uint128 +
				"\ntypedef struct { HVGEN_BOOLEAN Flag; uint8_t Byte; HV_UINT128 Wide; } holder;\n"
			if err := os.WriteFile(filepath.Join(dir, "p.h"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			p := Preludes["c"]
			r, err := Parse(&Config{Arch: "x64", Root: dir, Files: []string{"p.h"}, Prelude: p.Text, Stubs: p.Stubs, Version: "v"})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range r.Skipped {
				t.Errorf("skipped: %s:%d: %s", s.File, s.Line, s.Msg)
			}
			var names []string
			for _, x := range r.Types {
				names = append(names, x.Name)
			}
			member := map[string]string{}
			for _, f := range typeNamed(t, r, "holder", "").Fields {
				if !f.Padding {
					member[f.Name] = f.Type
				}
			}
			for n, want := range map[string]string{"Flag": "BOOLEAN", "Byte": "UINT8", "Wide": tc.want} {
				if member[n] != want {
					t.Errorf("holder.%s: %q, want %s (members %v)", n, member[n], want, member)
				}
			}
			isItem := tc.want != "UINT128"
			for _, n := range names {
				if n == "HVGEN_BOOLEAN" {
					t.Error("HVGEN_BOOLEAN imported as an item")
				}
			}
			if got := typeIn(r, "HV_UINT128") != nil; got != isItem {
				t.Errorf("HV_UINT128 imported as an item: %v, want %v (types %v)", got, isItem, names)
			}
			if isItem {
				if u := typeIn(r, "HV_UINT128"); u.Kind != spec.KindStruct || !u.Packed || *u.Size != 16 {
					t.Errorf("HV_UINT128: %s packed %v", u.Kind, u.Packed)
				}
			}
		})
	}
}

func typeIn(r *Result, name string) *spec.Type {
	for _, x := range r.Types {
		if x.Name == name {
			return x
		}
	}
	return nil
}
