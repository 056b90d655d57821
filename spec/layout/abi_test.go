package layout

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hvgen/hvgen/spec"
)

// badOffset decodes and passes spec's cross-item checks, but states an
// offset the layout disagrees with: hvgen check rejects it.
var badOffset = fstest.MapFS{
	"v.yaml": {Data: []byte(`area: v
versions:
  - {name: v, doc: d, ref: r}
types:
  - name: T
    kind: struct
    versions: [v]
    doc: d
    ref: r
    fields:
      - {name: a, type: UINT32, offset: 0}
      - {name: b, type: UINT32, offset: 8}
ioctls:
  - {name: REQ, dir: write, magic: 0x1, nr: 0x2, arg: T, request: 0x40080102, versions: [v], doc: d, ref: r}
`)},
}

// TestLoadChecksAsHvgenCheck: spec.Load alone accepts a registry whose
// layout is wrong; layout.Load, the one public way to a resolved ABI,
// refuses it with the problem at its line, as hvgen check does.
func TestLoadChecksAsHvgenCheck(t *testing.T) {
	if _, err := spec.Load(badOffset, "x"); err != nil {
		t.Fatalf("spec.Load: %v (the decoder should accept this registry)", err)
	}
	_, err := Load(spec.Source{FS: badOffset, Prefix: "x"})
	var list spec.ErrorList
	if !errors.As(err, &list) || !strings.Contains(err.Error(), "x/v.yaml:12:") || !strings.Contains(err.Error(), "stated offset 0x8") {
		t.Fatalf("layout.Load: %v, want the stated offset named at x/v.yaml:12", err)
	}
}

// TestIoctlRequest: the registry's computation on a good registry, and a
// stated request number that disagrees with it.
func TestIoctlRequest(t *testing.T) {
	good := fstest.MapFS{"v.yaml": {Data: []byte(strings.ReplaceAll(string(badOffset["v.yaml"].Data), "offset: 8", "offset: 4"))}}
	a, err := Load(spec.Source{FS: good}) // T is 8 bytes with b at 4: the stated number (size 8) is right
	if err != nil {
		t.Fatal(err)
	}
	for _, arch := range Arches {
		if got := a.Version("v").Layout[arch.Name].Ioctls["REQ"]; got == nil || got.Request != 0x40080102 || got.Size != 8 {
			t.Errorf("%s: %+v", arch.Name, got)
		}
	}
	wrong := fstest.MapFS{"v.yaml": {Data: []byte(strings.ReplaceAll(string(good["v.yaml"].Data), "request: 0x40080102", "request: 0x40040102"))}}
	if _, err := Load(spec.Source{FS: wrong}); err == nil || !strings.Contains(err.Error(), "stated request 0x40040102, computed 0x40080102 on x64") {
		t.Errorf("a wrong stated request: %v", err)
	}
	for _, c := range []struct {
		dir       string
		size      int64
		want      uint32
		encodable bool
	}{{"none", 0, 0x0102, true}, {"read", 256, 0x81000102, true}, {"readwrite", 16, 0xc0100102, true}, {"write", 1 << 14, 0, false}} {
		if got, ok := IoctlRequest(c.dir, 1, 2, c.size); got != c.want || ok != c.encodable {
			t.Errorf("IoctlRequest(%s, size %d) = %#x, %v", c.dir, c.size, got, ok)
		}
	}
}
