package main

import (
	"os"
	"testing"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/export"
	"github.com/hvgen/hvgen/cmd/hvgen/internal/layout"
	"github.com/hvgen/hvgen/spec"
)

// FuzzPipeline runs every stage on an arbitrary registry file: decode, check,
// layout, Go generation and export. Bad input must give errors, never a panic.
func FuzzPipeline(f *testing.F) {
	if data, err := os.ReadFile(miniDir + "/mini.yaml"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &spec.Registry{}
		if errs := spec.Parse(r, "fuzz.yaml", data); len(errs) > 0 {
			return
		}
		var errs spec.ErrorList
		spec.Check(r, &errs)
		errs = append(errs, layout.Check(r)...)
		if len(errs) > 0 {
			return
		}
		for _, v := range r.VersionNames() {
			if _, err := generate(r, v, "p", spec.Selection{}); err != nil {
				continue
			}
			if _, err := export.Build(r, v, "x64"); err != nil {
				t.Errorf("export of a generated registry failed: %v", err)
			}
		}
	})
}
