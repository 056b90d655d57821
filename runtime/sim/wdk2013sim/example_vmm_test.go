package wdk2013sim_test

import (
	"encoding/binary"
	"fmt"
	"log"

	"github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim"
	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"
	"github.com/hvgen/hvgen/runtime/stats"
)

// Example_vmm is the README's "Issuing hypercalls" program (TestReadmeExample
// keeps the two the same): a partition's whole life through the generated
// Client on the simulated hypervisor of the 2013 reference.
func Example_vmm() {
	check := func(err error) {
		if err != nil {
			log.Fatal(err)
		}
	}
	h := wdk2013sim.New(sim.Config{})
	root := wdk2013.NewClient(h.Root().Backend())

	// Create a partition, give its pool 16 pages of the root's RAM, start it.
	var created wdk2013.CreatePartitionOutput
	check(root.CreatePartition(&wdk2013.CreatePartitionInput{}, &created))
	child := created.NewPartitionID
	_, err := root.DepositMemory(&wdk2013.DepositMemoryInput{PartitionID: child}, h.Root().GiveRAM(16))
	check(err)
	check(root.InitializePartition(&wdk2013.InitializePartitionInput{PartitionID: child}))

	// Two VPs; set a register on VP 1 and read it back.
	for vp := range wdk2013.VPIndex(2) {
		check(root.CreateVP(&wdk2013.CreateVPInput{PartitionID: child, VPIndex: vp}))
	}
	set := func(vp wdk2013.VPIndex, name wdk2013.RegisterName, v uint64) {
		e := wdk2013.SetVPRegistersElementInput{RegisterName: name}
		*e.RegisterValue.Reg64() = v
		_, err := root.SetVPRegisters(&wdk2013.SetVPRegistersInput{PartitionID: child, VPIndex: vp}, []wdk2013.SetVPRegistersElementInput{e})
		check(err)
	}
	set(1, wdk2013.X64RegisterRIP, 0xfff0)
	rip := make([]wdk2013.RegisterValue, 1)
	_, err = root.GetVPRegisters(&wdk2013.GetVPRegistersInput{PartitionID: child, VPIndex: 1}, []wdk2013.RegisterName{wdk2013.X64RegisterRIP}, rip)
	check(err)
	fmt.Printf("VP 1 RIP %#x\n", *rip[0].Reg64())

	// Map 4 more pages of the root's RAM at the child's GPA page 0x100.
	_, err = root.MapGPAPages(&wdk2013.MapGPAPagesInput{TargetPartitionID: child, TargetGPABase: 0x100,
		MapFlags: wdk2013.MapGPAReadable | wdk2013.MapGPAWritable}, h.Root().GiveRAM(4))
	check(err)

	// A message port in the child (SINT 2 of VP 0, whose SynIC message page
	// is at GPA page 0x80), connected from the root; post a message and read
	// the slot back out of the child's memory.
	set(0, wdk2013.X64RegisterScontrol, 1)
	set(0, wdk2013.X64RegisterSipp, 0x80<<12|1)
	port := wdk2013.CreatePortInput{PortPartition: child, PortID: 1, ConnectionPartition: h.Root().ID()}
	port.PortInfo.PortType = wdk2013.PortTypeMessage
	port.PortInfo.MessagePortInfo = wdk2013.PortInfoMessagePortInfo{TargetSINT: 2, TargetVP: 0}
	check(root.CreatePort(&port))
	conn := wdk2013.ConnectPortInput{ConnectionPartition: h.Root().ID(), ConnectionID: 7, PortPartition: child, PortID: 1}
	conn.ConnectionInfo.PortType = wdk2013.PortTypeMessage
	check(root.ConnectPort(&conn))
	msg := wdk2013.PostMessageInput{ConnectionID: 7, MessageType: 1, PayloadSize: 8}
	msg.Message[0] = 0x6f6c6c6568 // "hello"
	check(root.PostMessage(&msg))
	var slot wdk2013.ReadGPAOutput
	check(root.ReadGPA(&wdk2013.ReadGPAInput{PartitionID: child, ByteCount: 16, BaseGPA: 0x80<<12 + 2*256 + 16}, &slot))
	fmt.Printf("SINT 2 payload %q\n", binary.LittleEndian.AppendUint64(nil, slot.DataLow)[:5])

	// Map VP 0's statistics page at a page of the root's and read its run time.
	statsGPA := h.Root().GiveRAM(1)[0]
	smap := wdk2013.MapStatsPageInput{StatsType: wdk2013.StatsObjectVP, TargetGPAPage: statsGPA}
	smap.ObjectIdentity.VP().PartitionID = child
	check(root.MapStatsPage(&smap))
	h.Advance(5000)
	page, err := stats.Parse(h.Root().Memory(statsGPA), wdk2013.StatsObjectVP, wdk2013.StatsGroups[:])
	check(err)
	run, _ := page.Counter(wdk2013.StatisticsGroupVpaID, wdk2013.StatisticsTypeVpaTotalRunTime)
	fmt.Println("VP 0 total run time", run)

	// Delete everything: the stats page, the connection, the partition
	// (finalize releases its objects; withdraw empties its pool).
	check(root.UnmapStatsPage(&wdk2013.UnmapStatsPageInput{StatsType: smap.StatsType, ObjectIdentity: smap.ObjectIdentity}))
	check(root.DisconnectPort(&wdk2013.DisconnectPortInput{ConnectionPartition: h.Root().ID(), ConnectionID: 7}))
	check(root.FinalizePartition(&wdk2013.FinalizePartitionInput{PartitionID: child}))
	var balance wdk2013.GetMemoryBalanceOutput
	check(root.GetMemoryBalance(&wdk2013.GetMemoryBalanceInput{PartitionID: child}, &balance))
	_, err = root.WithdrawMemory(&wdk2013.WithdrawMemoryInput{PartitionID: child}, make([]wdk2013.GPAPageNumber, balance.PagesAvailable))
	check(err)
	check(root.DeletePartition(&wdk2013.DeletePartitionInput{PartitionID: child}))
	fmt.Println("withdrew", balance.PagesAvailable, "pages; partition deleted:", h.Partition(child) == nil)
	// Output:
	// VP 1 RIP 0xfff0
	// SINT 2 payload "hello"
	// VP 0 total run time 5000
	// withdrew 16 pages; partition deleted: true
}
