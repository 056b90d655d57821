//go:build amd64 || arm64

package linux70sim

import (
	"testing"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/sim"
)

// TestVPExtension: a VP has one handle while it lives, and state a file of
// this package attaches to it (a run loop's) lives as long as the VP: a VP
// deleted and created again at the same index starts afresh. Partitions
// have one handle each too.
func TestVPExtension(t *testing.T) {
	h := New(sim.Config{})
	root := h.Root()
	if h.Root() != root {
		t.Fatal("two handles for the root")
	}
	p := h.CreateChild(root, ^uint64(0), 8, 1)
	vp := p.VP(0)
	if h.Partition(p.ID()) != p || p.VP(0) != vp {
		t.Fatal("two handles for one partition or VP")
	}
	type runState struct{ steps int }
	run := func(v *VP) *runState { return v.e.Attach(runState{}, func() any { return new(runState) }).(*runState) }
	before := p.VP(0)
	run(before).steps = 3
	if run(p.VP(0)).steps != 3 {
		t.Fatal("attached state lost")
	}
	c := linux70.NewClient(h.Root().Backend())
	var del linux70.DeleteVPInput
	*del.PartitionID() = p.ID()
	if err := c.DeleteVP(&del); err != nil {
		t.Fatal(err)
	}
	old := p.VP(0)
	if old.Exists() {
		t.Fatal("deleted VP exists")
	}
	if err := c.CreateVP(&linux70.CreateVP{PartitionID: p.ID()}); err != nil {
		t.Fatal(err)
	}
	if before.Exists() {
		t.Error("the deleted VP's handle reaches the VP that took its index")
	}
	if p.VP(0) == old || p.VP(0) == before || run(p.VP(0)).steps != 0 {
		t.Error("a new VP at the same index kept the old one's handle or state")
	}
	if kept := run(p.VP(0)); kept == nil || p.VP(0).Exists() != true {
		t.Error("the new VP's handle does not work")
	}
}
