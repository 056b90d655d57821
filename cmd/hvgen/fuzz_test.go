package main

import (
	"os"
	"testing"

	"testing/fstest"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/export"
	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

// FuzzPipeline runs every stage on an arbitrary registry file: decode, check,
// layout, Go generation and export. Bad input must give errors, never a panic.
func FuzzPipeline(f *testing.F) {
	if data, err := os.ReadFile(miniDir + "/mini.yaml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(archSpec)) // types declared per architecture
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := layout.Load(spec.Source{FS: fstest.MapFS{"fuzz.yaml": {Data: data}}, Prefix: ""})
		if err != nil {
			return
		}
		for _, v := range r.Registry.VersionNames() {
			if _, err := generate(r, v, "p", spec.Selection{}); err != nil {
				continue
			}
			for _, a := range spec.Arches {
				if _, err := export.Build(r, v, a); err != nil {
					t.Errorf("export on %s of a generated registry failed: %v", a, err)
				}
			}
		}
	})
}
