package spec

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// TestOrigin decodes and checks version source declarations.
func TestOrigin(t *testing.T) {
	const items = `
constants:
  - {name: HV_OLD, value: 1, versions: [a], doc: Only in a., ref: x}
  - {name: HV_NEW, value: 2, versions: [b], doc: Only in b., ref: x}
`
	load := func(source string) error {
		fsys := fstest.MapFS{"v.yaml": {Data: []byte("area: v\nversions:\n  - {name: a, doc: A., ref: x}\n  - {name: b, doc: B., ref: x, source: " + source + "}\n" + items)}}
		_, err := Load(fsys, "t")
		return err
	}
	if err := load("{kind: headers, removed: [HV_OLD], unstated: [hypercall.fast]}"); err != nil {
		t.Fatalf("valid source: %v", err)
	}
	for src, want := range map[string]string{
		"{kind: scrolls}":                    `kind "scrolls": want documents or headers`,
		"{removed: [HV_OLD]}":                `missing required key "kind"`,
		"{kind: headers, unstated: [color]}": `unknown attribute "color" (known: hypercall.access, hypercall.fast, hypercall.statuses, status.value)`,
		"{kind: headers, removed: [HV_NEW]}": "HV_NEW is listed as removed but b has it",
		"{kind: headers, removed: [HvNone]}": "removed item HvNone is in no other version",
		"{kind: headers, partial: [HV_X]}":   "partial type HV_X is not a type of b",
	} {
		err := load(src)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "t/v.yaml:") {
			t.Errorf("source %s: error %v, want %q with its position", src, err, want)
		}
	}
	r, err := Load(os.DirFS("."), ".")
	if err != nil {
		t.Fatal(err)
	}
	tlfs := r.View("tlfs").Versions[0]
	if tlfs.States("hypercall.fast") || !tlfs.States("hypercall.statuses") {
		t.Errorf("tlfs source: states fast %v, statuses %v", tlfs.States("hypercall.fast"), tlfs.States("hypercall.statuses"))
	}
}
