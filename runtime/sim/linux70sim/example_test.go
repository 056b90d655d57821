//go:build amd64 || arm64

package linux70sim_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/sim/linux70sim"
)

// A VMM's partition through the calls the Linux mshv driver issues, in
// linux-7.0's layouts: create with the driver's creation flags, deposit
// pages when a call finds its pool short and retry (as mshv_root_hv_call.c
// does), map guest memory, create a VP and set its registers.
func Example() {
	check := func(err error) {
		if err != nil {
			log.Fatal(err)
		}
	}
	h := linux70sim.New(sim.Config{RootPoolPages: 8})
	root := h.Root()
	c := linux70.NewClient(root.Backend())

	// retry deposits one page into a pool and calls again while the call
	// answers HV_STATUS_INSUFFICIENT_MEMORY.
	retry := func(pool uint64, call func() error) error {
		err := call()
		for errors.Is(err, linux70.StatusInsufficientMemory) {
			if _, err := c.DepositMemory(&linux70.DepositMemory{PartitionID: pool}, root.GiveRAM(1)); err != nil {
				return err
			}
			err = call()
		}
		return err
	}

	var created linux70.CreatePartitionOutput
	check(c.CreatePartition(&linux70.CreatePartitionInput{Flags: linux70.PartitionCreationFlagExoPartition |
		linux70.PartitionCreationFlagInterceptMessagePageEnabled | linux70.PartitionCreationFlagLapicEnabled}, &created))
	id := created.PartitionID
	check(retry(id, func() error { return c.InitializePartition(&linux70.InitializePartitionInput{PartitionID: id}) }))
	check(retry(id, func() error {
		_, err := c.MapGPAPages(&linux70.MapGPAPagesInput{TargetPartitionID: id, MapFlags: linux70.MapGPAReadable | linux70.MapGPAWritable |
			linux70.MapGPAExecutable}, root.GiveRAM(16))
		return err
	}))
	check(retry(id, func() error { return c.CreateVP(&linux70.CreateVP{PartitionID: id}) }))

	// RIP by the hypervisor's register number (the headers' enum names
	// only the registers the kernel itself uses).
	const rip = 0x00020010
	var set linux70.RegisterAssoc
	set.Name = rip
	*set.Value.Reg64() = 0x1000
	_, err := c.SetVPRegisters(&linux70.SetVPRegistersInput{PartitionID: id}, []linux70.RegisterAssoc{set})
	check(err)

	p := h.Partition(id)
	v, _ := p.VP(0).Register(rip)
	fmt.Printf("partition %d, flags %#x, %d pages mapped, VP 0 RIP %#x\n", id, p.CreationFlags(), p.Counters().MappedPages, *v.Reg64())
	// Output:
	// partition 2, flags 0x82100, 16 pages mapped, VP 0 RIP 0x1000
}
