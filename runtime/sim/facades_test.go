package sim_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/hvgen/hvgen/runtime/sim/internal/engine"
	"github.com/hvgen/hvgen/runtime/sim/internal/facadegen/facades"
)

// TestFacadesFresh: the per-version packages are what facadegen writes from
// its table (go generate ./runtime/sim rewrites them), and there is one for
// every version the engine answers for.
func TestFacadesFresh(t *testing.T) {
	files, err := facades.Render()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.FromSlash(name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./runtime/sim", name)
		}
	}
	served := map[string]bool{}
	for _, v := range facades.Versions {
		served[v.Name] = true
	}
	for _, v := range engine.Versions() {
		if !served[v] {
			t.Errorf("the engine answers for %s, which has no facade", v)
		}
	}
	if len(served) != len(engine.Versions()) {
		t.Errorf("facades for %v, engine versions %v", served, engine.Versions())
	}
}
