package engine_test

import (
	"sync"
	"testing"

	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
)

// TestConcurrentLifeCycles: goroutines, each with its own Client on the
// root, run whole partition lives at once (under -race in CI); the root's
// pool and RAM end as they began.
func TestConcurrentLifeCycles(t *testing.T) {
	h := wdk2013sim.New(sim.Config{RootPoolPages: 256})
	root := h.Root()
	pool, _ := root.PoolBalance()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := hv.NewClient(root.Backend())
			step := func(err error) bool {
				if err != nil {
					errs <- err
				}
				return err == nil
			}
			for range 20 {
				var out hv.CreatePartitionOutput
				if !step(c.CreatePartition(&hv.CreatePartitionInput{}, &out)) {
					return
				}
				id := out.NewPartitionID
				var pages []hv.GPAPageNumber
				for _, p := range root.GiveRAM(4) {
					pages = append(pages, hv.GPAPageNumber(p))
				}
				_, err := c.DepositMemory(&hv.DepositMemoryInput{PartitionID: id}, pages)
				ok := step(err) && step(c.InitializePartition(&hv.InitializePartitionInput{PartitionID: id})) &&
					step(c.CreateVP(&hv.CreateVPInput{PartitionID: id, VPIndex: hv.VPIndex(g)})) &&
					step(mapPages(c, id, 0x10, 7, root.GiveRAM(1)...)) &&
					step(c.FinalizePartition(&hv.FinalizePartitionInput{PartitionID: id}))
				if !ok {
					return
				}
				_, err = c.WithdrawMemory(&hv.WithdrawMemoryInput{PartitionID: id}, make([]hv.GPAPageNumber, 4))
				if !step(err) || !step(c.DeletePartition(&hv.DeletePartitionInput{PartitionID: id})) {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if after, inUse := root.PoolBalance(); after != pool || len(h.Partitions()) != 1 {
		t.Errorf("root pool %d -> %d (in use %d), %d partitions left", pool, after, inUse, len(h.Partitions()))
	}
}
