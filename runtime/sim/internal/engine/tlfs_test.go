package engine_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/hvgen/hvgen/runtime/sim/internal/engine"
	"github.com/hvgen/hvgen/runtime/sim/tlfssim"
	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"

	"github.com/hvgen/hvgen/generated/tlfs"
	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/runtime/hvcall"
	"github.com/hvgen/hvgen/runtime/sim"
)

// tworld is the world of the status tables on a sim created for the TLFS:
// calls go through the TLFS descriptors and encoding.
type tworld struct {
	h                *tlfssim.Hypervisor
	rootPart         *tlfssim.Partition
	a, b, bare       *tlfssim.Partition
	root, ac, bc, nc *tlfs.Client
}

func newTWorld(t *testing.T) *tworld {
	t.Helper()
	h := tlfssim.New(sim.Config{LogicalProcessors: 2, RootPoolPages: 64, Limit: 16})
	client := func(p *tlfssim.Partition) *tlfs.Client {
		return tlfs.NewClient(observeVersion(p.Backend(), &tlfs.Encoding, "tlfs"))
	}
	w := &tworld{h: h, rootPart: h.Root()}
	w.a = h.CreateChild(h.Root(), ^tlfs.PartitionPrivilegeMask(0), 32, 2)
	w.b = h.CreateChild(h.Root(), ^tlfs.PartitionPrivilegeMask(0), 32, 2)
	w.bare = h.CreateChild(h.Root(), 0, 8, 1)
	w.root, w.ac, w.bc, w.nc = client(h.Root()), client(w.a), client(w.b), client(w.bare)
	return w
}

func tstatus(err error) (tlfs.Status, bool) {
	var st tlfs.Status
	ok := errors.As(err, &st)
	return st, ok
}

type tcase struct {
	want  tlfs.Status
	name  string
	setup func(*testing.T, *tworld)
	call  func(*testing.T, *tworld) error
}

func runTCases(t *testing.T, cases []tcase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.want.String()+"/"+c.name, func(t *testing.T) {
			w := newTWorld(t)
			if c.setup != nil {
				c.setup(t, w)
			}
			err := c.call(t, w)
			if c.want == tlfs.StatusSuccess {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			if st, ok := tstatus(err); !ok || st != c.want {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func tsetRegs(c *tlfs.Client, id tlfs.PartitionID, vp tlfs.VPIndex, kv ...uint64) error {
	var elems []tlfs.SetVPRegistersElementInput
	for i := 0; i < len(kv); i += 2 {
		e := tlfs.SetVPRegistersElementInput{RegisterName: tlfs.RegisterName(kv[i])}
		binary.LittleEndian.PutUint64(hvcall.Bytes(&e.RegisterValue), kv[i+1])
		elems = append(elems, e)
	}
	_, err := c.SetVPRegisters(&tlfs.SetVPRegistersInput{PartitionID: id, VPIndex: vp}, elems)
	return err
}

// tlinked is linked (port_test.go) on the TLFS sim: a message port 1 and an
// event port 2 in a, connected from b as 10 and 20, a's SynIC on.
func tlinked(t *testing.T, w *tworld) {
	must(t, tsetRegs(w.root, tlfs.PartitionID(w.a.ID()), 0, uint64(hv.X64RegisterScontrol), 1,
		uint64(hv.X64RegisterSipp), 0x80<<12|1, uint64(hv.X64RegisterSifp), 0x81<<12|1))
	for _, p := range []*hv.CreatePortInput{msgPort(hv.PartitionID(w.a.ID()), hv.PartitionID(w.b.ID()), 1, 2, 0), eventPort(hv.PartitionID(w.a.ID()), hv.PartitionID(w.b.ID()), 2, 100, 8)} {
		in := tlfs.CreatePortInput{PortPartition: tlfs.PartitionID(p.PortPartition), PortID: tlfs.PortID(p.PortID),
			ConnectionPartition: tlfs.PartitionID(p.ConnectionPartition)}
		copy(hvcall.Bytes(&in.PortInfo), hvcall.Bytes(&p.PortInfo))
		must(t, w.root.CreatePort(&in))
	}
	for _, c := range []struct {
		id   tlfs.ConnectionID
		port tlfs.PortID
		typ  hv.PortType
	}{{10, 1, hv.PortTypeMessage}, {20, 2, hv.PortTypeEvent}} {
		in := tlfs.ConnectPortInput{ConnectionPartition: tlfs.PartitionID(w.b.ID()), ConnectionID: c.id, PortPartition: tlfs.PartitionID(w.a.ID()), PortID: c.port}
		in.ConnectionInfo.PortType = tlfs.PortType(c.typ)
		must(t, w.bc.ConnectPort(&in))
	}
}

func tpost(c *tlfs.Client, cid tlfs.ConnectionID, typ uint32) error {
	return c.PostMessage(&tlfs.PostMessageInput{ConnectionID: cid, MessageType: tlfs.MessageType(typ), PayloadSize: 4})
}

func ttranslate(c *tlfs.Client, id tlfs.PartitionID, vp tlfs.VPIndex, flags uint64) (tlfs.TranslateVirtualAddressOutput, error) {
	var out tlfs.TranslateVirtualAddressOutput
	err := c.TranslateVirtualAddress(&tlfs.TranslateVirtualAddressInput{PartitionID: id, VPIndex: vp, ControlFlags: tlfs.TranslateGVAControlFlags(flags), GVAPage: 0x44}, &out)
	return out, err
}

// TestTLFSCalls: the statuses the TLFS pages list for the calls the sim
// models, through the TLFS encoding and layouts.
func TestTLFSCalls(t *testing.T) {
	balance := func(c *tlfs.Client, id tlfs.PartitionID, flags uint32) error {
		var out tlfs.GetMemoryBalanceOutput
		return c.GetMemoryBalance(&tlfs.GetMemoryBalanceInput{PartitionID: tlfs.PartitionID(id), ProximityDomainInfo: tlfs.ProximityDomainInfo{Flags: tlfs.ProximityDomainFlags(flags)}}, &out)
	}
	deleteVP0 := func(t *testing.T, w *tworld) {
		tlinked(t, w)
		must(t, w.root.DeleteVP(&tlfs.DeleteVPInput{PartitionID: tlfs.PartitionID(w.a.ID())}))
	}
	signal := func(c *tlfs.Client, cid tlfs.ConnectionID, flag uint16) error {
		return c.SignalEvent(&tlfs.SignalEventInput{ConnectionID: cid, FlagNumber: flag})
	}
	next := func(c *tlfs.Client, parent, prev tlfs.PartitionID) error {
		var out tlfs.GetNextChildPartitionOutput
		return c.GetNextChildPartition(&tlfs.GetNextChildPartitionInput{ParentPartitionID: tlfs.PartitionID(parent), PreviousChildPartitionID: tlfs.PartitionID(prev)}, &out)
	}
	runTCases(t, []tcase{
		{tlfs.StatusSuccess, "balance", nil, func(t *testing.T, w *tworld) error { return balance(w.root, w.a.ID(), 0) }},
		{tlfs.StatusAccessDenied, "balance without AccessMemoryPool", nil, func(t *testing.T, w *tworld) error { return balance(w.nc, w.bare.ID(), 0) }},
		{tlfs.StatusInvalidPartitionID, "balance of nothing", nil, func(t *testing.T, w *tworld) error { return balance(w.root, 99, 0) }},
		{tlfs.StatusInvalidParameter, "balance proximity flags", nil, func(t *testing.T, w *tworld) error { return balance(w.root, w.a.ID(), 4) }},

		{tlfs.StatusSuccess, "post", tlinked, func(t *testing.T, w *tworld) error { return tpost(w.bc, 10, 5) }},
		{tlfs.StatusAccessDenied, "post without PostMessages", nil, func(t *testing.T, w *tworld) error { return tpost(w.nc, 10, 5) }},
		{tlfs.StatusInvalidConnectionID, "post on no connection", nil, func(t *testing.T, w *tworld) error { return tpost(w.bc, 10, 5) }},
		{tlfs.StatusInvalidPortID, "post to an event port", tlinked, func(t *testing.T, w *tworld) error { return tpost(w.bc, 20, 5) }},
		{tlfs.StatusInvalidParameter, "post type zero", tlinked, func(t *testing.T, w *tworld) error { return tpost(w.bc, 10, 0) }},
		{tlfs.StatusInsufficientBuffers, "post, buffers full", tlinked, func(t *testing.T, w *tworld) error {
			for range 17 {
				must(t, tpost(w.bc, 10, 5))
			}
			return tpost(w.bc, 10, 5)
		}},
		{tlfs.StatusInvalidVPIndex, "post to a deleted VP", deleteVP0, func(t *testing.T, w *tworld) error { return tpost(w.bc, 10, 5) }},
		{tlfs.StatusInvalidSynicState, "post, SynIC off", func(t *testing.T, w *tworld) {
			tlinked(t, w)
			must(t, tsetRegs(w.root, tlfs.PartitionID(w.a.ID()), 0, uint64(hv.X64RegisterScontrol), 0))
		}, func(t *testing.T, w *tworld) error { return tpost(w.bc, 10, 5) }},

		{tlfs.StatusSuccess, "signal", tlinked, func(t *testing.T, w *tworld) error { return signal(w.bc, 20, 1) }},
		{tlfs.StatusAccessDenied, "signal without SignalEvents", nil, func(t *testing.T, w *tworld) error { return signal(w.nc, 20, 1) }},
		{tlfs.StatusInvalidConnectionID, "signal on no connection", nil, func(t *testing.T, w *tworld) error { return signal(w.bc, 20, 1) }},
		{tlfs.StatusInvalidPortID, "signal a message port", tlinked, func(t *testing.T, w *tworld) error { return signal(w.bc, 10, 1) }},
		{tlfs.StatusInvalidParameter, "signal past the flags", tlinked, func(t *testing.T, w *tworld) error { return signal(w.bc, 20, 8) }},
		{tlfs.StatusInvalidVPIndex, "signal a deleted VP", deleteVP0, func(t *testing.T, w *tworld) error { return signal(w.bc, 20, 1) }},
		{tlfs.StatusInvalidSynicState, "signal a masked SINT", func(t *testing.T, w *tworld) {
			tlinked(t, w)
			must(t, tsetRegs(w.root, tlfs.PartitionID(w.a.ID()), 0, uint64(hv.X64RegisterSint0+3), 1<<16))
		}, func(t *testing.T, w *tworld) error { return signal(w.bc, 20, 1) }},

		{tlfs.StatusInvalidParameter, "flush no processor", nil, func(t *testing.T, w *tworld) error {
			return w.ac.FlushVirtualAddressSpace(&tlfs.FlushVirtualAddressSpaceInput{Flags: tlfs.FlushFlags(hv.FlushAllVirtualAddressSpaces)})
		}},
		{tlfs.StatusInvalidParameter, "flush a list, reserved flag", nil, func(t *testing.T, w *tworld) error {
			_, err := w.ac.FlushVirtualAddressList(&tlfs.FlushVirtualAddressListInput{ProcessorMask: 1, Flags: 0x100}, []tlfs.GVA{1})
			return err
		}},

		{tlfs.StatusSuccess, "translate with paging off", nil, func(t *testing.T, w *tworld) error {
			out, err := ttranslate(w.root, tlfs.PartitionID(w.a.ID()), 0, 1)
			if out.GPAPage != 0x44 || out.TranslationResult.ResultCode() != tlfs.TranslateGVAGPAUnmapped {
				t.Errorf("translation %v -> %#x", out.TranslationResult.ResultCode(), out.GPAPage)
			}
			return err
		}},
		{tlfs.StatusAccessDenied, "translate in a sibling", nil, func(t *testing.T, w *tworld) error {
			_, err := ttranslate(w.ac, tlfs.PartitionID(w.b.ID()), 0, 1)
			return err
		}},
		{tlfs.StatusInvalidPartitionID, "translate in nothing", nil, func(t *testing.T, w *tworld) error {
			_, err := ttranslate(w.root, 99, 0, 1)
			return err
		}},
		{tlfs.StatusInvalidVPIndex, "translate on no VP", nil, func(t *testing.T, w *tworld) error {
			_, err := ttranslate(w.root, tlfs.PartitionID(w.a.ID()), 6, 1)
			return err
		}},
		{tlfs.StatusInvalidParameter, "translate with an input VTL", nil, func(t *testing.T, w *tworld) error {
			_, err := ttranslate(w.root, tlfs.PartitionID(w.a.ID()), 0, 1|1<<56)
			return err
		}},
		{tlfs.StatusInvalidPartitionState, "translate inactive", func(_ *testing.T, w *tworld) { w.a.SetActive(false) }, func(t *testing.T, w *tworld) error {
			_, err := ttranslate(w.root, tlfs.PartitionID(w.a.ID()), 0, 1)
			return err
		}},

		{tlfs.StatusAccessDenied, "another's children", nil, func(t *testing.T, w *tworld) error { return next(w.ac, w.rootPart.ID(), 0) }},
		{tlfs.StatusInvalidPartitionID, "no such parent", nil, func(t *testing.T, w *tworld) error { return next(w.root, 99, 0) }},
	})
}

// TestTLFSLifeCycle runs a partition's life through the TLFS layouts, whose
// CreatePartition, CreateVp and UnmapStatsPage inputs differ from 2013.
func TestTLFSLifeCycle(t *testing.T) {
	w := newTWorld(t)
	var out tlfs.CreatePartitionOutput
	must(t, w.root.CreatePartition(&tlfs.CreatePartitionInput{CompatibilityVersion: 1}, &out))
	id := out.NewPartitionID
	var pages []tlfs.GPAPageNumber
	for _, g := range w.rootPart.GiveRAM(8) {
		pages = append(pages, tlfs.GPAPageNumber(g))
	}
	_, err := w.root.DepositMemory(&tlfs.DepositMemoryInput{PartitionID: id}, pages)
	must(t, err)
	must(t, w.root.InitializePartition(&tlfs.InitializePartitionInput{PartitionID: id}))
	must(t, w.root.CreateVP(&tlfs.CreateVPInput{PartitionID: id, VPIndex: 3}))
	if err := w.root.CreateVP(&tlfs.CreateVPInput{PartitionID: id, VPIndex: 4, SubnodeID: 1}); err == nil {
		t.Error("a subnode was accepted")
	}
	if err := w.root.CreateVP(&tlfs.CreateVPInput{PartitionID: id, VPIndex: 3}); !errors.Is(err, tlfs.StatusInvalidVPIndex) {
		t.Errorf("VP index 3 twice: %v", err)
	}
	must(t, tsetRegs(w.root, id, 3, uint64(hv.X64RegisterRIP), 0x1234))
	vals := make([]tlfs.RegisterValue, 1)
	_, err = w.root.GetVPRegisters(&tlfs.GetVPRegistersInput{PartitionID: id, VPIndex: 3}, []tlfs.RegisterName{tlfs.RegisterName(hv.X64RegisterRIP)}, vals)
	must(t, err)
	if v := binary.LittleEndian.Uint64(hvcall.Bytes(&vals[0])); v != 0x1234 {
		t.Errorf("RIP %#x", v)
	}
	ram := w.rootPart.GiveRAM(1)
	_, err = w.root.MapGPAPages(&tlfs.MapGPAPagesInput{TargetPartitionID: id, TargetGPABase: 0x44, MapFlags: 1}, []tlfs.GPAPageNumber{tlfs.GPAPageNumber(ram[0])})
	must(t, err)
	if tr, err := ttranslate(w.root, id, 3, 1); err != nil || tr.TranslationResult.ResultCode() != tlfs.TranslateGVASuccess {
		t.Errorf("translate: %v %v", tr.TranslationResult.ResultCode(), err)
	}
	st := tlfs.MapStatsPage2Input{StatsType: tlfs.StatsObjectType(hv.StatsObjectVP), MapLocation: 0x9000}
	binary.LittleEndian.PutUint64(hvcall.Bytes(&st.ObjectIdentity), uint64(id))
	binary.LittleEndian.PutUint32(hvcall.Bytes(&st.ObjectIdentity)[8:], 3)
	must(t, w.root.MapStatsPage2(&st))
	un := tlfs.UnmapStatsPageInput{StatsType: st.StatsType}
	copy(un.ObjectIdentity[:], hvcall.Bytes(&st.ObjectIdentity))
	must(t, w.root.UnmapStatsPage(&un))
	_, err = w.root.UnmapGPAPages(&tlfs.UnmapGPAPagesInput{TargetPartitionID: id, TargetGPABase: 0x44}, 1)
	must(t, err)
	must(t, w.root.FinalizePartition(&tlfs.FinalizePartitionInput{PartitionID: id}))
	_, err = w.root.WithdrawMemory(&tlfs.WithdrawMemoryInput{PartitionID: id}, make([]tlfs.GPAPageNumber, 8))
	must(t, err)
	must(t, w.root.DeletePartition(&tlfs.DeletePartitionInput{PartitionID: id}))
}

// TestMovedCallCodes: HvCallAssertVirtualInterrupt is 0x0055 in 2013 and
// 0x0094 in the TLFS; each sim answers its own code and rejects the other's.
func TestMovedCallCodes(t *testing.T) {
	in := make([]byte, 32)
	binary.LittleEndian.PutUint64(in, 2) // the first child
	binary.LittleEndian.PutUint32(in[24:], 0x30)
	for _, tc := range []struct {
		version string
		enc     *hvcall.Encoding
		own     uint16
		other   uint16
		root    func() hvcall.Backend // a sim with a child partition
	}{
		{"wdk-2013", &hv.Encoding, uint16(hv.CallAssertVirtualInterrupt), uint16(tlfs.CallAssertVirtualInterrupt), func() hvcall.Backend {
			h := wdk2013sim.New(sim.Config{})
			h.CreateChild(h.Root(), 0, 4, 1)
			return h.Root().Backend()
		}},
		{"tlfs", &tlfs.Encoding, uint16(tlfs.CallAssertVirtualInterrupt), uint16(hv.CallAssertVirtualInterrupt), func() hvcall.Backend {
			h := tlfssim.New(sim.Config{})
			h.CreateChild(h.Root(), 0, 4, 1)
			return h.Root().Backend()
		}},
	} {
		c := hvcall.NewCaller(tc.root(), tc.enc)
		if err := c.Call(&abi.Hypercall{Name: "own", Code: tc.own, InputSize: 32}, in, nil); err != nil {
			t.Errorf("%s: its own code %#x: %v", tc.version, tc.own, err)
		}
		err := c.Call(&abi.Hypercall{Name: "other", Code: tc.other, InputSize: 32}, in, nil)
		var he *hvcall.Error
		if !errors.As(err, &he) || !errors.Is(he.Status, tc.enc.Status(uint16(hv.StatusInvalidHypercallCode))) {
			t.Errorf("%s: the other version's code %#x: %v", tc.version, tc.other, err)
		}
	}
	if _, err := engine.Lookup("wdk-2099"); err == nil {
		t.Error("unknown version accepted")
	}
}

// TestPrivilegeBitsAgree: the sim tests HV_PARTITION_PRIVILEGE_MASK through
// the 2013 accessors for both versions; the bits must be the same.
func TestPrivilegeBitsAgree(t *testing.T) {
	for bit := range 64 {
		w, x := hv.PartitionPrivilegeMask(1)<<bit, tlfs.PartitionPrivilegeMask(1)<<bit
		pairs := [][2]bool{
			{w.CreatePartitions(), x.CreatePartitions()}, {w.AccessPartitionID(), x.AccessPartitionID()},
			{w.AccessMemoryPool(), x.AccessMemoryPool()}, {w.PostMessages(), x.PostMessages()},
			{w.SignalEvents(), x.SignalEvents()}, {w.CreatePort(), x.CreatePort()}, {w.ConnectPort(), x.ConnectPort()},
			{w.AccessStats(), x.AccessStats()}, {w.CPUManagement(), x.CPUManagement()},
		}
		for i, p := range pairs {
			if p[0] != p[1] {
				t.Errorf("bit %d, privilege %d: wdk-2013 %v, tlfs %v", bit, i, p[0], p[1])
			}
		}
	}
}
