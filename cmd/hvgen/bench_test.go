package main

import (
	"testing"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/layout"
	"github.com/hvgen/hvgen/spec"
)

// BenchmarkPipeline measures what `hvgen gen` does for the whole registry:
// load and check every file, lay out every version on both architectures, and
// generate the Go package of each version.
func BenchmarkPipeline(b *testing.B) {
	for b.Loop() {
		r, err := spec.LoadDir("../../spec")
		if err != nil {
			b.Fatal(err)
		}
		if errs := layout.Check(r); len(errs) > 0 {
			b.Fatal(errs)
		}
		for _, c := range committed {
			if _, err := generate(r, c.version, c.pkg, spec.Selection{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkLoad is the load-and-check stage alone, the baseline the pipeline
// figure is read against.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := spec.LoadDir("../../spec"); err != nil {
			b.Fatal(err)
		}
	}
}
