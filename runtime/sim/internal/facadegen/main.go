// Command facadegen writes the per-version packages of runtime/sim
// (wdk2013sim, tlfssim, linux70sim): one typed facade over the engine each,
// from one template (facade.go.tmpl) and a table of each version's type
// names. Run it with go generate ./runtime/sim; TestFacadesFresh in
// runtime/sim fails when a committed facade differs from what it writes.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hvgen/hvgen/runtime/sim/internal/facadegen/facades"
)

func main() {
	files, err := facades.Render()
	if err != nil {
		fmt.Fprintln(os.Stderr, "facadegen:", err)
		os.Exit(1)
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.FromSlash(name), src, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "facadegen:", err)
			os.Exit(1)
		}
	}
}
