package main

import (
	"testing"

	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

// BenchmarkPipeline measures what `hvgen gen` does for the whole registry:
// load and check every file, lay out every version on both architectures, and
// generate the Go package of each version.
func BenchmarkPipeline(b *testing.B) {
	for b.Loop() {
		r, err := layout.LoadDir("../../spec")
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range committed {
			if _, err := generate(r, c.version, c.pkg, spec.Selection{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkLoad is the load, check and layout stage alone (layout.LoadDir),
// the baseline the pipeline figure is read against.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := layout.LoadDir("../../spec"); err != nil {
			b.Fatal(err)
		}
	}
}
