package diff

import (
	"testing"
	"testing/fstest"

	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

// archPair is a registry whose v2 declares HV_CTX per architecture and
// changes it on ARM64 only; v1Arch is v1's arch line ("" for all).
func archPair(t *testing.T, v1Arch string) (*Side, *Side) {
	t.Helper()
	fsys := fstest.MapFS{"a.yaml": {Data: []byte(`area: a
versions:
  - {name: v1, doc: One., ref: r` + v1Arch + `}
  - {name: v2, doc: Two., ref: r}
types:
  - {name: HV_CTX, kind: struct, versions: [v1], doc: Old., ref: r, fields: [{name: A, type: UINT64}]}
  - {name: HV_CTX, kind: struct, arch: [x64], versions: [v2], doc: Old., ref: r, fields: [{name: A, type: UINT64}]}
  - {name: HV_CTX, kind: struct, arch: [arm64], versions: [v2], doc: Old., ref: r, fields: [{name: A, type: UINT64}, {name: B, type: UINT64}]}
`)}}
	r, err := layout.Load(spec.Source{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	var sides []*Side
	for _, v := range []string{"v1", "v2"} {
		s, err := NewSide(v, r.Version(v))
		if err != nil {
			t.Fatal(err)
		}
		sides = append(sides, s)
	}
	return sides[0], sides[1]
}

// A change found on one architecture only names it.
func TestCompareTagsOneArchitecture(t *testing.T) {
	changes := Compare(archPair(t, ""))
	var got []string
	for _, c := range changes {
		got = append(got, c.Kind+" "+c.Item+"."+c.Path+" ["+c.Arch+"]")
	}
	want := map[string]bool{"type.size HV_CTX. [arm64]": true, "field.added HV_CTX.B [arm64]": true}
	for _, g := range got {
		if !want[g] {
			t.Errorf("unexpected change %q", g)
		}
		delete(want, g)
	}
	for w := range want {
		t.Errorf("missing change %q (got %q)", w, got)
	}
}

// A version that describes x64 only is compared on x64 only.
func TestCompareOnlyDescribedArchitectures(t *testing.T) {
	if changes := Compare(archPair(t, ", arch: [x64]")); len(changes) != 0 {
		t.Errorf("changes %+v; v1 describes x64 only, where nothing changed", changes)
	}
}
