package engine_test

import (
	"errors"
	"testing"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

func reg64(v uint64) hv.RegisterValue {
	var x hv.RegisterValue
	*x.Reg64() = v
	return x
}

func setRegs(c *hv.Client, id hv.PartitionID, vp hv.VPIndex, kv ...any) error {
	var elems []hv.SetVPRegistersElementInput
	for i := 0; i < len(kv); i += 2 {
		elems = append(elems, hv.SetVPRegistersElementInput{RegisterName: kv[i].(hv.RegisterName), RegisterValue: reg64(kv[i+1].(uint64))})
	}
	_, err := c.SetVPRegisters(&hv.SetVPRegistersInput{PartitionID: id, VPIndex: vp}, elems)
	return err
}

func getReg(c *hv.Client, id hv.PartitionID, vp hv.VPIndex, name hv.RegisterName) (uint64, error) {
	out := make([]hv.RegisterValue, 1)
	_, err := c.GetVPRegisters(&hv.GetVPRegistersInput{PartitionID: id, VPIndex: vp}, []hv.RegisterName{name}, out)
	return *out[0].Reg64(), err
}

func TestVPCalls(t *testing.T) {
	createVP := func(c *hv.Client, in hv.CreateVPInput) error { return c.CreateVP(&in) }
	runCases(t, []callCase{
		{hv.StatusSuccess, "create", nil, func(t *testing.T, w *world) error {
			return createVP(w.root, hv.CreateVPInput{PartitionID: w.a.ID(), VPIndex: 2})
		}},
		{hv.StatusAccessDenied, "create in a sibling", nil, func(t *testing.T, w *world) error {
			return createVP(w.ac, hv.CreateVPInput{PartitionID: w.b.ID(), VPIndex: 2})
		}},
		{hv.StatusOperationDenied, "reserve above 100%", nil, func(t *testing.T, w *world) error {
			must(t, w.root.SetPartitionProperty(&hv.SetPartitionPropertyInput{PartitionID: w.a.ID(), PropertyCode: hv.PartitionPropertyCPUReserve, PropertyValue: 0x10000}))
			return createVP(w.root, hv.CreateVPInput{PartitionID: w.a.ID(), VPIndex: 2}) // 300% of 200%
		}},
		{hv.StatusInvalidPartitionID, "create in nothing", nil, func(t *testing.T, w *world) error {
			return createVP(w.root, hv.CreateVPInput{PartitionID: 99})
		}},
		{hv.StatusInvalidVPIndex, "index in use", nil, func(t *testing.T, w *world) error {
			return createVP(w.root, hv.CreateVPInput{PartitionID: w.a.ID(), VPIndex: 1})
		}},
		{hv.StatusInvalidVPIndex, "index past the maximum", nil, func(t *testing.T, w *world) error {
			return createVP(w.root, hv.CreateVPInput{PartitionID: w.a.ID(), VPIndex: 64})
		}},
		{hv.StatusInvalidParameter, "flags", nil, func(t *testing.T, w *world) error {
			return createVP(w.root, hv.CreateVPInput{PartitionID: w.a.ID(), VPIndex: 2, Flags: 1})
		}},
		{hv.StatusInvalidPartitionState, "create in uninitialized", nil, func(t *testing.T, w *world) error {
			return createVP(w.root, hv.CreateVPInput{PartitionID: w.create(t)})
		}},
		{hv.StatusInsufficientMemory, "pool empty", nil, func(t *testing.T, w *world) error {
			p := w.h.CreateChild(w.rootPart, 0, 0, 0)
			return createVP(w.root, hv.CreateVPInput{PartitionID: p.ID()})
		}},
		{hv.StatusNoResources, "VP limit", nil, func(t *testing.T, w *world) error {
			for i := range hv.VPIndex(16) {
				must(t, createVP(w.root, hv.CreateVPInput{PartitionID: w.a.ID(), VPIndex: 2 + i}))
			}
			return createVP(w.root, hv.CreateVPInput{PartitionID: w.a.ID(), VPIndex: 18})
		}},

		{hv.StatusSuccess, "delete", nil, func(t *testing.T, w *world) error {
			return w.root.DeleteVP(&hv.DeleteVPInput{PartitionID: w.a.ID(), VPIndex: 1})
		}},
		{hv.StatusAccessDenied, "delete in a sibling", nil, func(t *testing.T, w *world) error {
			return w.ac.DeleteVP(&hv.DeleteVPInput{PartitionID: w.b.ID()})
		}},
		{hv.StatusInvalidPartitionID, "delete in nothing", nil, func(t *testing.T, w *world) error {
			return w.root.DeleteVP(&hv.DeleteVPInput{PartitionID: 99})
		}},
		{hv.StatusInvalidVPIndex, "delete no VP", nil, func(t *testing.T, w *world) error {
			return w.root.DeleteVP(&hv.DeleteVPInput{PartitionID: w.a.ID(), VPIndex: 5})
		}},
		{hv.StatusInvalidPartitionState, "delete in inactive", deactivate2, func(t *testing.T, w *world) error {
			return w.root.DeleteVP(&hv.DeleteVPInput{PartitionID: w.a.ID()})
		}},

		{hv.StatusSuccess, "set and get", nil, func(t *testing.T, w *world) error {
			must(t, setRegs(w.root, w.a.ID(), 1, hv.X64RegisterRIP, uint64(0xfff0), hv.X64RegisterRflags, uint64(2)))
			v, err := getReg(w.ac, w.a.ID(), 1, hv.X64RegisterRIP) // the partition itself may read
			if v != 0xfff0 {
				t.Errorf("RIP reads back %#x", v)
			}
			return err
		}},
		{hv.StatusAccessDenied, "get a sibling's", nil, func(t *testing.T, w *world) error {
			_, err := getReg(w.ac, w.b.ID(), 0, hv.X64RegisterRIP)
			return err
		}},
		{hv.StatusInvalidPartitionID, "get in nothing", nil, func(t *testing.T, w *world) error {
			_, err := getReg(w.root, 99, 0, hv.X64RegisterRIP)
			return err
		}},
		{hv.StatusInvalidVPIndex, "get of no VP", nil, func(t *testing.T, w *world) error {
			_, err := getReg(w.root, w.a.ID(), 9, hv.X64RegisterRIP)
			return err
		}},
		{hv.StatusInvalidParameter, "get an unknown register", nil, func(t *testing.T, w *world) error {
			_, err := getReg(w.root, w.a.ID(), 0, 0xdead)
			return err
		}},
		{hv.StatusInvalidPartitionState, "get in inactive", deactivate2, func(t *testing.T, w *world) error {
			_, err := getReg(w.root, w.a.ID(), 0, hv.X64RegisterRIP)
			return err
		}},
		{hv.StatusAccessDenied, "set a sibling's", nil, func(t *testing.T, w *world) error {
			return setRegs(w.ac, w.b.ID(), 0, hv.X64RegisterRIP, uint64(1))
		}},
		{hv.StatusInvalidPartitionID, "set in nothing", nil, func(t *testing.T, w *world) error {
			return setRegs(w.root, 99, 0, hv.X64RegisterRIP, uint64(1))
		}},
		{hv.StatusInvalidVPIndex, "set of no VP", nil, func(t *testing.T, w *world) error {
			return setRegs(w.root, w.a.ID(), 7, hv.X64RegisterRIP, uint64(1))
		}},
		{hv.StatusInvalidParameter, "set read-only", nil, func(t *testing.T, w *world) error {
			return setRegs(w.root, w.a.ID(), 0, hv.X64RegisterVPIndex, uint64(3))
		}},
		{hv.StatusInvalidParameter, "set a reserved bit", nil, func(t *testing.T, w *world) error {
			return setRegs(w.root, w.a.ID(), 0, hv.X64RegisterScontrol, uint64(2))
		}},
		{hv.StatusInvalidPartitionState, "set in inactive", deactivate2, func(t *testing.T, w *world) error {
			return setRegs(w.root, w.a.ID(), 0, hv.X64RegisterRIP, uint64(1))
		}},
	})
}

// deactivate2 makes child a inactive.
func deactivate2(_ *testing.T, w *world) { w.a.SetActive(false) }

// TestVPRegistersRep: 600 registers in one list take two pages of output,
// and under a rep budget every call is continued from the rep start index;
// a bad name in the middle fails that rep with the earlier ones done.
func TestVPRegistersRep(t *testing.T) {
	w := newWorld(t)
	w.h.SetRepBudget(7)
	var names []hv.RegisterName
	var elems []hv.SetVPRegistersElementInput
	for i := range 600 {
		n := hv.X64RegisterRax + hv.RegisterName(i%16)
		names = append(names, n)
		elems = append(elems, hv.SetVPRegistersElementInput{RegisterName: n, RegisterValue: reg64(uint64(i % 16 * 3))})
	}
	n, err := w.root.SetVPRegisters(&hv.SetVPRegistersInput{PartitionID: w.a.ID()}, elems)
	if err != nil || n != 600 {
		t.Fatalf("set %d: %v", n, err)
	}
	out := make([]hv.RegisterValue, 600)
	if n, err := w.root.GetVPRegisters(&hv.GetVPRegistersInput{PartitionID: w.a.ID()}, names, out); err != nil || n != 600 {
		t.Fatalf("get %d: %v", n, err)
	}
	for i, v := range out {
		if *v.Reg64() != uint64(i%16*3) {
			t.Fatalf("register %d reads %d", i, *v.Reg64())
		}
	}
	names[20] = 0xdead
	n, err = w.root.GetVPRegisters(&hv.GetVPRegistersInput{PartitionID: w.a.ID()}, names[:30], out[:30])
	var he *hvcall.Error
	if !errors.As(err, &he) || he.Rep != 20 || n != 20 || !errors.Is(err, hv.StatusInvalidParameter) {
		t.Fatalf("n = %d, err = %v", n, err)
	}
}

func TestMemoryCalls(t *testing.T) {
	withdraw := func(c *hv.Client, id hv.PartitionID, n int, pd hv.ProximityDomainInfo) error {
		_, err := c.WithdrawMemory(&hv.WithdrawMemoryInput{PartitionID: id, ProximityDomainInfo: pd}, make([]hv.GPAPageNumber, n))
		return err
	}
	balance := func(c *hv.Client, id hv.PartitionID, pd hv.ProximityDomainInfo) error {
		var out hv.GetMemoryBalanceOutput
		return c.GetMemoryBalance(&hv.GetMemoryBalanceInput{PartitionID: id, ProximityDomainInfo: pd}, &out)
	}
	deposit := func(c *hv.Client, id hv.PartitionID, pages ...hv.GPAPageNumber) error {
		var list []hv.GPAPageNumber
		for _, p := range pages {
			list = append(list, hv.GPAPageNumber(p))
		}
		_, err := c.DepositMemory(&hv.DepositMemoryInput{PartitionID: id}, list)
		return err
	}
	badPD := hv.ProximityDomainInfo{Flags: 4}
	runCases(t, []callCase{
		{hv.StatusSuccess, "withdraw", nil, func(t *testing.T, w *world) error { return withdraw(w.root, w.a.ID(), 32, hv.ProximityDomainInfo{}) }},
		{hv.StatusAccessDenied, "withdraw without AccessMemoryPool", nil, func(t *testing.T, w *world) error {
			return withdraw(w.barec, w.a.ID(), 1, hv.ProximityDomainInfo{})
		}},
		{hv.StatusAccessDenied, "withdraw from a sibling", nil, func(t *testing.T, w *world) error {
			return withdraw(w.ac, w.b.ID(), 1, hv.ProximityDomainInfo{})
		}},
		{hv.StatusInvalidPartitionID, "withdraw from nothing", nil, func(t *testing.T, w *world) error { return withdraw(w.root, 99, 1, hv.ProximityDomainInfo{}) }},
		{hv.StatusInvalidParameter, "withdraw proximity flags", nil, func(t *testing.T, w *world) error { return withdraw(w.root, w.a.ID(), 1, badPD) }},
		{hv.StatusNoResources, "withdraw more than the pool", nil, func(t *testing.T, w *world) error { return withdraw(w.root, w.a.ID(), 33, hv.ProximityDomainInfo{}) }},

		{hv.StatusSuccess, "balance", nil, func(t *testing.T, w *world) error {
			id := w.active(t)
			var out hv.GetMemoryBalanceOutput
			must(t, w.root.GetMemoryBalance(&hv.GetMemoryBalanceInput{PartitionID: id}, &out))
			if out.PagesAvailable != 7 || out.PagesInUse != 1 { // 8 deposited, 1 taken by initialize
				t.Errorf("balance %+v", out)
			}
			return nil
		}},
		{hv.StatusAccessDenied, "balance without AccessMemoryPool", nil, func(t *testing.T, w *world) error { return balance(w.barec, w.bare.ID(), hv.ProximityDomainInfo{}) }},
		{hv.StatusInvalidPartitionID, "balance of nothing", nil, func(t *testing.T, w *world) error { return balance(w.root, 99, hv.ProximityDomainInfo{}) }},
		{hv.StatusInvalidParameter, "balance proximity domain", nil, func(t *testing.T, w *world) error {
			var pd hv.ProximityDomainInfo
			pd.Flags.SetProximityInfoValid(true)
			pd.ID = 3
			return balance(w.root, w.a.ID(), pd)
		}},

		{hv.StatusSuccess, "deposit", nil, func(t *testing.T, w *world) error { return deposit(w.root, w.a.ID(), w.rootPart.GiveRAM(2)...) }},
		{hv.StatusAccessDenied, "deposit into a sibling", nil, func(t *testing.T, w *world) error {
			return deposit(w.ac, w.b.ID(), w.a.GiveRAM(1)...)
		}},
		{hv.StatusInvalidPartitionID, "deposit into nothing", nil, func(t *testing.T, w *world) error { return deposit(w.root, 99, w.rootPart.GiveRAM(1)...) }},
		{hv.StatusOperationDenied, "deposit a page mapped into a child", nil, func(t *testing.T, w *world) error {
			g := w.rootPart.GiveRAM(1)
			_, err := w.root.MapGPAPages(&hv.MapGPAPagesInput{TargetPartitionID: w.a.ID(), TargetGPABase: 0x10, MapFlags: 1}, []hv.GPAPageNumber{hv.GPAPageNumber(g[0])})
			must(t, err)
			return deposit(w.root, w.b.ID(), g...)
		}},
		{hv.StatusInvalidPartitionState, "deposit into finalized", nil, func(t *testing.T, w *world) error {
			return deposit(w.root, w.finalized(t), w.rootPart.GiveRAM(1)...)
		}},
		{hv.StatusObjectInUse, "deposit a stats page", nil, func(t *testing.T, w *world) error {
			g := w.rootPart.GiveRAM(1)
			in := hv.MapStatsPageInput{StatsType: hv.StatsObjectPartition, TargetGPAPage: hv.GPAPageNumber(g[0])}
			in.ObjectIdentity.Partition().PartitionID = w.a.ID()
			must(t, w.root.MapStatsPage(&in))
			return deposit(w.root, w.b.ID(), g...)
		}},
	})
}

// TestPoolReturns: a partition's whole life through the calls leaves the
// root's pool and RAM as they were.
func TestPoolReturns(t *testing.T) {
	w := newWorld(t)
	ram := w.rootPart.GiveRAM(40)
	poolBefore, _ := w.rootPart.PoolBalance()
	ramBefore := len(w.rootPart.RAM())

	id := w.create(t)
	var list []hv.GPAPageNumber
	for _, g := range ram[:20] {
		list = append(list, hv.GPAPageNumber(g))
	}
	_, err := w.root.DepositMemory(&hv.DepositMemoryInput{PartitionID: id}, list)
	must(t, err)
	must(t, w.root.InitializePartition(&hv.InitializePartitionInput{PartitionID: id}))
	for i := range hv.VPIndex(2) {
		must(t, w.root.CreateVP(&hv.CreateVPInput{PartitionID: id, VPIndex: i}))
	}
	var src []hv.GPAPageNumber
	for _, g := range ram[20:30] {
		src = append(src, hv.GPAPageNumber(g))
	}
	_, err = w.root.MapGPAPages(&hv.MapGPAPagesInput{TargetPartitionID: id, TargetGPABase: 0x1000, MapFlags: 7}, src)
	must(t, err)
	must(t, w.root.InstallIntercept(&hv.InstallInterceptInput{PartitionID: id, AccessType: 4, InterceptType: hv.InterceptTypeX64CPUID}))
	sin := hv.MapStatsPageInput{StatsType: hv.StatsObjectVP, TargetGPAPage: hv.GPAPageNumber(ram[39])}
	sin.ObjectIdentity.VP().PartitionID = id
	must(t, w.root.MapStatsPage(&sin))
	port := hv.CreatePortInput{PortPartition: id, PortID: 1, ConnectionPartition: w.rootPart.ID()}
	port.PortInfo.PortType = hv.PortTypeMessage
	port.PortInfo.MessagePortInfo = hv.PortInfoMessagePortInfo{TargetSINT: 2, TargetVP: hv.AnyVP}
	must(t, w.root.CreatePort(&port))
	conn := hv.ConnectPortInput{ConnectionPartition: w.rootPart.ID(), ConnectionID: 5, PortPartition: id, PortID: 1}
	conn.ConnectionInfo.PortType = hv.PortTypeMessage
	must(t, w.root.ConnectPort(&conn))
	var bal hv.GetMemoryBalanceOutput
	must(t, w.root.GetMemoryBalance(&hv.GetMemoryBalanceInput{PartitionID: id}, &bal))
	if bal.PagesInUse != 1+2+1+1 || bal.PagesAvailable != 15 { // initialize, VPs, page table, CPUID intercept
		t.Errorf("balance %+v", bal)
	}

	must(t, w.root.FinalizePartition(&hv.FinalizePartitionInput{PartitionID: id}))
	if err := w.root.DeletePartition(&hv.DeletePartitionInput{PartitionID: id}); !errors.Is(err, hv.StatusOperationDenied) {
		t.Fatalf("delete with pages in the pool: %v", err)
	}
	out := make([]hv.GPAPageNumber, 20)
	if n, err := w.root.WithdrawMemory(&hv.WithdrawMemoryInput{PartitionID: id}, out); err != nil || n != 20 {
		t.Fatalf("withdrew %d: %v", n, err)
	}
	deposited := map[hv.GPAPageNumber]bool{}
	for _, g := range list {
		deposited[g] = true
	}
	for _, g := range out {
		if !deposited[g] {
			t.Errorf("withdrew page %#x, which was not deposited", g)
		}
		delete(deposited, g)
	}
	must(t, w.root.DisconnectPort(&hv.DisconnectPortInput{ConnectionPartition: w.rootPart.ID(), ConnectionID: 5}))
	must(t, w.root.DeletePartition(&hv.DeletePartitionInput{PartitionID: id}))
	if w.h.Partition(id) != nil {
		t.Error("partition still there")
	}
	poolAfter, inUse := w.rootPart.PoolBalance()
	if poolAfter != poolBefore || len(w.rootPart.RAM()) != ramBefore {
		t.Errorf("root pool %d -> %d (in use %d), RAM %d -> %d pages", poolBefore, poolAfter, inUse, ramBefore, len(w.rootPart.RAM()))
	}
	// Every page can go into a pool again: none is still mapped or shared.
	var all []hv.GPAPageNumber
	for _, g := range w.rootPart.RAM() {
		all = append(all, hv.GPAPageNumber(g))
	}
	if _, err := w.root.DepositMemory(&hv.DepositMemoryInput{PartitionID: w.b.ID()}, all); err != nil {
		t.Errorf("pages still held: %v", err)
	}
}
