package main

import (
	"regexp"
	"testing"

	"github.com/hvgen/hvgen/spec"
)

var encodingDecl = regexp.MustCompile(`(?s)\nvar Encoding = hvcall\.Encoding\{.*?\n\}\n`)

// A subset with any hypercall gets the client, with the same Encoding as the
// whole version's package: the README's downstream selection, on both
// versions, and a single call with no area (the version's last hypercall).
func TestSubsetKeepsClient(t *testing.T) {
	r := loadSpec(t, "../../spec")
	for _, version := range []string{"wdk-2013", "tlfs"} {
		full, err := generate(r, version, "hv", spec.Selection{})
		if err != nil {
			t.Fatal(err)
		}
		want := encodingDecl.Find(full["zclient.go"])
		if want == nil {
			t.Fatalf("%s: no Encoding in the full package's zclient.go", version)
		}
		v, err := view(r, version)
		if err != nil {
			t.Fatal(err)
		}
		sels := []spec.Selection{{Hypercalls: []string{v.Registry.Hypercalls[len(v.Registry.Hypercalls)-1].Name}}}
		if version == "wdk-2013" {
			sels = append(sels, spec.Selection{Hypercalls: []string{"HvCallMapStatsPage"}, Areas: []string{"eventlog"}},
				spec.Selection{Hypercalls: []string{"HvCallMapStatsPage"}})
		}
		for _, sel := range sels {
			files, err := generate(r, version, "hv", sel)
			if err != nil {
				t.Fatal(err)
			}
			client := files["zclient.go"]
			if client == nil {
				t.Errorf("%s %+v: no zclient.go", version, sel)
				continue
			}
			if got := encodingDecl.Find(client); string(got) != string(want) {
				t.Errorf("%s %+v: Encoding\n%s\nwant\n%s", version, sel, got, want)
			}
			if !regexp.MustCompile(`(?m)^type Client struct`).Match(client) || !regexp.MustCompile(`(?m)^func \(c \*Client\) \w+\(`).Match(client) {
				t.Errorf("%s %+v: no Client with methods", version, sel)
			}
		}
	}
}
