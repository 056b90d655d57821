package engine_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/hvcall"
	"github.com/hvgen/hvgen/runtime/sim"
)

// env is a simulated machine with a root client and a child partition's client.
type env struct {
	h     *wdk2013sim.Hypervisor
	root  *hv.Client
	child *wdk2013sim.Partition
	guest *hv.Client // issues calls as the child
}

func newEnv(t *testing.T, pool int) *env {
	t.Helper()
	h := wdk2013sim.New(sim.Config{LogicalProcessors: 2, RootPoolPages: pool})
	child := h.CreateChild(h.Root(), wdk2013sim.PrivilegeAccessStats, 64, 2)
	return &env{h: h, root: hv.NewClient(observe(h.Root().Backend())), child: child, guest: hv.NewClient(observe(child.Backend()))}
}

const lt = hv.EventLogTypeLocalDiagnostics

func (e *env) init(t *testing.T, buffers, pages, threshold uint32) {
	t.Helper()
	if err := e.root.InitializeEventLogBufferGroup(&hv.InitializeEventLogBufferGroupInput{Type: lt, MaximumBufferCount: buffers,
		BufferPages: pages, Threshold: threshold, TimeBasis: hv.EventLogEntryTimeReference}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) create(t *testing.T, idx uint32) {
	t.Helper()
	if err := e.root.CreateEventLogBuffer(&hv.CreateEventLogBufferInput{Type: lt, BufferIndex: hv.EventLogBufferIndex(idx)}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) mapBuf(t *testing.T, idx uint32, pages int) []hv.GPAPageNumber {
	t.Helper()
	gpas := make([]hv.GPAPageNumber, pages)
	if err := e.root.MapEventLogBuffer(&hv.MapEventLogBufferInput{Type: lt, BufferIndex: hv.EventLogBufferIndex(idx)}, &hv.MapEventLogBufferOutput{}, gpas); err != nil {
		t.Fatal(err)
	}
	return gpas
}

// ready builds a group with one mapped buffer and fills it to the ready state.
func (e *env) ready(t *testing.T) {
	e.init(t, 4, 1, 1)
	e.create(t, 0)
	e.mapBuf(t, 0, 1)
	e.enable(t)
	e.flush(t)
}

func (e *env) enable(t *testing.T) {
	t.Helper()
	if err := e.root.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{Type: lt, EnableFlags: 0x400}); err != nil {
		t.Fatal(err)
	}
	if !e.h.EventLog().Log(lt, 0, hv.TrHcHypercall, 0, 1, 2) {
		t.Fatal("event not logged")
	}
}

func (e *env) flush(t *testing.T) {
	t.Helper()
	if err := e.root.FlushEventLogBuffer(&hv.FlushEventLogBufferInput{Type: lt, BufferIndex: 0}); err != nil {
		t.Fatal(err)
	}
}

// statusCase is one documented status condition of one call.
type statusCase struct {
	name  string
	setup func(*testing.T, *env)
	call  func(*env) error
	want  hv.Status
}

func run(t *testing.T, cases []statusCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, 64)
			if c.setup != nil {
				c.setup(t, e)
			}
			err := c.call(e)
			if c.want == hv.StatusSuccess {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			var st hv.Status
			if !errors.As(err, &st) || st != c.want {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func initIn(typ hv.EventLogType, buffers, pages, threshold uint32, basis hv.EventLogEntryTimeBasis) *hv.InitializeEventLogBufferGroupInput {
	return &hv.InitializeEventLogBufferGroupInput{Type: typ, MaximumBufferCount: buffers, BufferPages: pages, Threshold: threshold, TimeBasis: basis}
}

func TestInitializeEventLogBufferGroup(t *testing.T) {
	ok := initIn(lt, 8, 2, 2, hv.EventLogEntryTimeTSC)
	run(t, []statusCase{
		{"success", nil, func(e *env) error { return e.root.InitializeEventLogBufferGroup(ok) }, hv.StatusSuccess},
		{"not root", nil, func(e *env) error { return e.guest.InitializeEventLogBufferGroup(ok) }, hv.StatusAccessDenied},
		{"bad type", nil, func(e *env) error { return e.root.InitializeEventLogBufferGroup(initIn(7, 8, 2, 2, 0)) }, hv.StatusInvalidParameter},
		{"zero pages", nil, func(e *env) error { return e.root.InitializeEventLogBufferGroup(initIn(lt, 8, 0, 2, 0)) }, hv.StatusInvalidParameter},
		{"513 pages", nil, func(e *env) error { return e.root.InitializeEventLogBufferGroup(initIn(lt, 8, 513, 2, 0)) }, hv.StatusInvalidParameter},
		{"zero buffers", nil, func(e *env) error { return e.root.InitializeEventLogBufferGroup(initIn(lt, 0, 1, 1, 0)) }, hv.StatusInvalidParameter},
		{"513 buffers", nil, func(e *env) error { return e.root.InitializeEventLogBufferGroup(initIn(lt, 513, 1, 1, 0)) }, hv.StatusInvalidParameter},
		{"threshold above count", nil, func(e *env) error { return e.root.InitializeEventLogBufferGroup(initIn(lt, 8, 1, 9, 0)) }, hv.StatusInvalidParameter},
		{"bad time basis", nil, func(e *env) error { return e.root.InitializeEventLogBufferGroup(initIn(lt, 8, 1, 1, 2)) }, hv.StatusInvalidParameter},
		{"twice", func(t *testing.T, e *env) { e.init(t, 8, 1, 1) }, func(e *env) error { return e.root.InitializeEventLogBufferGroup(ok) }, hv.StatusObjectInUse},
		{"pool empty", nil, func(e *env) error {
			small := wdk2013sim.New(sim.Config{RootPoolPages: 1})
			c := hv.NewClient(observe(small.Root().Backend()))
			_ = c.InitializeEventLogBufferGroup(initIn(hv.EventLogTypeGlobalSystemEvents, 1, 1, 1, 0)) // takes the only page
			return c.InitializeEventLogBufferGroup(ok)
		}, hv.StatusInsufficientMemory},
	})
}

func TestFinalizeEventLogBufferGroup(t *testing.T) {
	fin := func(e *env) error {
		return e.root.FinalizeEventLogBufferGroup(&hv.FinalizeEventLogBufferGroupInput{Type: lt})
	}
	run(t, []statusCase{
		{"success", func(t *testing.T, e *env) { e.init(t, 2, 1, 1) }, fin, hv.StatusSuccess},
		{"not root", func(t *testing.T, e *env) { e.init(t, 2, 1, 1) }, func(e *env) error {
			return e.guest.FinalizeEventLogBufferGroup(&hv.FinalizeEventLogBufferGroupInput{Type: lt})
		}, hv.StatusAccessDenied},
		{"bad type", nil, func(e *env) error {
			return e.root.FinalizeEventLogBufferGroup(&hv.FinalizeEventLogBufferGroupInput{Type: 9})
		}, hv.StatusInvalidParameter},
		{"buffers left", func(t *testing.T, e *env) { e.init(t, 2, 1, 1); e.create(t, 0) }, fin, hv.StatusOperationDenied},
		{"not initialized", nil, fin, hv.StatusOperationDenied},
		{"sources enabled", func(t *testing.T, e *env) {
			e.init(t, 2, 1, 1)
			if err := e.root.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{Type: lt, EnableFlags: 1}); err != nil {
				t.Fatal(err)
			}
		}, fin, hv.StatusOperationDenied},
	})
}

func TestCreateEventLogBuffer(t *testing.T) {
	create := func(idx uint32) func(*env) error {
		return func(e *env) error {
			return e.root.CreateEventLogBuffer(&hv.CreateEventLogBufferInput{Type: lt, BufferIndex: hv.EventLogBufferIndex(idx)})
		}
	}
	initd := func(t *testing.T, e *env) { e.init(t, 2, 1, 1) }
	run(t, []statusCase{
		{"success", initd, create(1), hv.StatusSuccess},
		{"not root", initd, func(e *env) error { return e.guest.CreateEventLogBuffer(&hv.CreateEventLogBufferInput{Type: lt}) }, hv.StatusAccessDenied},
		{"bad type", initd, func(e *env) error { return e.root.CreateEventLogBuffer(&hv.CreateEventLogBufferInput{Type: 3}) }, hv.StatusInvalidParameter},
		{"bad proximity flags", initd, func(e *env) error {
			return e.root.CreateEventLogBuffer(&hv.CreateEventLogBufferInput{Type: lt, ProximityInfo: hv.ProximityDomainInfo{Flags: 2}})
		}, hv.StatusInvalidParameter},
		{"index taken", func(t *testing.T, e *env) { initd(t, e); e.create(t, 0) }, create(0), hv.StatusInvalidParameter},
		{"index beyond maximum", initd, create(2), hv.StatusInvalidParameter},
		{"not initialized", nil, create(0), hv.StatusOperationDenied},
		{"pool empty", func(t *testing.T, e *env) { e.init(t, 2, 40, 1); e.create(t, 0) }, create(1), hv.StatusInsufficientMemory},
	})
}

func TestDeleteEventLogBuffer(t *testing.T) {
	del := func(e *env) error {
		return e.root.DeleteEventLogBuffer(&hv.DeleteEventLogBufferInput{Type: lt, BufferIndex: 0})
	}
	made := func(t *testing.T, e *env) { e.init(t, 2, 1, 1); e.create(t, 0) }
	run(t, []statusCase{
		{"success", made, del, hv.StatusSuccess},
		{"not root", made, func(e *env) error { return e.guest.DeleteEventLogBuffer(&hv.DeleteEventLogBufferInput{Type: lt}) }, hv.StatusAccessDenied},
		{"bad type", made, func(e *env) error { return e.root.DeleteEventLogBuffer(&hv.DeleteEventLogBufferInput{Type: 5}) }, hv.StatusInvalidParameter},
		{"no such buffer", func(t *testing.T, e *env) { e.init(t, 2, 1, 1) }, del, hv.StatusInvalidParameter},
		{"not initialized", nil, del, hv.StatusOperationDenied},
		{"still mapped", func(t *testing.T, e *env) { made(t, e); e.mapBuf(t, 0, 1) }, del, hv.StatusOperationDenied},
	})
}

func TestMapEventLogBuffer(t *testing.T) {
	mp := func(e *env) error {
		return e.root.MapEventLogBuffer(&hv.MapEventLogBufferInput{Type: lt}, &hv.MapEventLogBufferOutput{}, make([]hv.GPAPageNumber, 2))
	}
	made := func(t *testing.T, e *env) { e.init(t, 2, 2, 1); e.create(t, 0) }
	run(t, []statusCase{
		{"success", made, mp, hv.StatusSuccess},
		{"not root", made, func(e *env) error {
			return e.guest.MapEventLogBuffer(&hv.MapEventLogBufferInput{Type: lt}, &hv.MapEventLogBufferOutput{}, nil)
		}, hv.StatusAccessDenied},
		{"bad type", made, func(e *env) error {
			return e.root.MapEventLogBuffer(&hv.MapEventLogBufferInput{Type: 4}, &hv.MapEventLogBufferOutput{}, nil)
		}, hv.StatusInvalidParameter},
		{"no such buffer", func(t *testing.T, e *env) { e.init(t, 2, 2, 1) }, mp, hv.StatusInvalidParameter},
		{"not initialized", nil, mp, hv.StatusOperationDenied},
		{"already mapped", func(t *testing.T, e *env) { made(t, e); e.mapBuf(t, 0, 2) }, mp, hv.StatusOperationDenied},
		{"pool empty", nil, func(e *env) error {
			small := wdk2013sim.New(sim.Config{RootPoolPages: 2})
			c := hv.NewClient(observe(small.Root().Backend()))
			_ = c.InitializeEventLogBufferGroup(initIn(lt, 1, 1, 1, 0))
			_ = c.CreateEventLogBuffer(&hv.CreateEventLogBufferInput{Type: lt})
			return c.MapEventLogBuffer(&hv.MapEventLogBufferInput{Type: lt}, &hv.MapEventLogBufferOutput{}, make([]hv.GPAPageNumber, 1))
		}, hv.StatusInsufficientMemory},
	})
}

func TestUnmapEventLogBuffer(t *testing.T) {
	unmap := func(e *env) error { return e.root.UnmapEventLogBuffer(&hv.UnmapEventLogBufferInput{Type: lt}) }
	mapped := func(t *testing.T, e *env) { e.init(t, 2, 1, 1); e.create(t, 0); e.mapBuf(t, 0, 1) }
	run(t, []statusCase{
		{"success when free", mapped, unmap, hv.StatusSuccess},
		{"success when ready", func(t *testing.T, e *env) { e.ready(t) }, unmap, hv.StatusSuccess},
		{"not root", mapped, func(e *env) error { return e.guest.UnmapEventLogBuffer(&hv.UnmapEventLogBufferInput{Type: lt}) }, hv.StatusAccessDenied},
		{"in use", func(t *testing.T, e *env) { mapped(t, e); e.enable(t) }, unmap, hv.StatusAccessDenied},
		{"bad type", mapped, func(e *env) error { return e.root.UnmapEventLogBuffer(&hv.UnmapEventLogBufferInput{Type: 8}) }, hv.StatusInvalidParameter},
	})
}

func TestSetEventLogGroupSources(t *testing.T) {
	set := func(e *env) error {
		return e.root.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{Type: lt, EnableFlags: hv.EventLogEnableDiagAdmin})
	}
	run(t, []statusCase{
		{"success", func(t *testing.T, e *env) { e.init(t, 1, 1, 1) }, set, hv.StatusSuccess},
		{"not root", func(t *testing.T, e *env) { e.init(t, 1, 1, 1) }, func(e *env) error {
			return e.guest.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{Type: lt})
		}, hv.StatusAccessDenied},
		{"bad type", nil, func(e *env) error { return e.root.SetEventLogGroupSources(&hv.SetEventLogGroupSourcesInput{Type: 2}) }, hv.StatusInvalidParameter},
		{"not initialized", nil, set, hv.StatusOperationDenied},
	})
}

func TestReleaseEventLogBuffer(t *testing.T) {
	rel := func(e *env) error { return e.root.ReleaseEventLogBuffer(&hv.ReleaseEventLogBufferInput{Type: lt}) }
	run(t, []statusCase{
		{"success", func(t *testing.T, e *env) { e.ready(t) }, rel, hv.StatusSuccess},
		{"not root", func(t *testing.T, e *env) { e.ready(t) }, func(e *env) error {
			return e.guest.ReleaseEventLogBuffer(&hv.ReleaseEventLogBufferInput{Type: lt})
		}, hv.StatusAccessDenied},
		{"bad type", nil, func(e *env) error { return e.root.ReleaseEventLogBuffer(&hv.ReleaseEventLogBufferInput{Type: 6}) }, hv.StatusInvalidParameter},
		{"not initialized", nil, rel, hv.StatusOperationDenied},
		{"no such buffer", func(t *testing.T, e *env) { e.init(t, 2, 1, 1) }, rel, hv.StatusOperationDenied},
		{"not ready", func(t *testing.T, e *env) { e.init(t, 2, 1, 1); e.create(t, 0); e.mapBuf(t, 0, 1) }, rel, hv.StatusOperationDenied},
	})
}

func TestFlushEventLogBuffer(t *testing.T) {
	fl := func(e *env) error { return e.root.FlushEventLogBuffer(&hv.FlushEventLogBufferInput{Type: lt}) }
	made := func(t *testing.T, e *env) { e.init(t, 2, 1, 1); e.create(t, 0) }
	run(t, []statusCase{
		{"success", made, fl, hv.StatusSuccess},
		{"not root", made, func(e *env) error { return e.guest.FlushEventLogBuffer(&hv.FlushEventLogBufferInput{Type: lt}) }, hv.StatusAccessDenied},
		{"bad type", made, func(e *env) error { return e.root.FlushEventLogBuffer(&hv.FlushEventLogBufferInput{Type: 7}) }, hv.StatusInvalidParameter},
		{"bad index", made, func(e *env) error {
			return e.root.FlushEventLogBuffer(&hv.FlushEventLogBufferInput{Type: lt, BufferIndex: 1})
		}, hv.StatusInvalidParameter},
		{"not initialized", nil, fl, hv.StatusOperationDenied},
	})
}

func statsIn(typ hv.StatsObjectType, pid hv.PartitionID, vp hv.VPIndex) *hv.MapStatsPageInput {
	in := &hv.MapStatsPageInput{StatsType: typ, TargetGPAPage: 0x9000}
	switch typ {
	case hv.StatsObjectVP:
		in.ObjectIdentity.VP().PartitionID, in.ObjectIdentity.VP().VPIndex = pid, vp
	case hv.StatsObjectPartition:
		in.ObjectIdentity.Partition().PartitionID = pid
	case hv.StatsObjectLogicalProcessor:
		in.ObjectIdentity.LogicalProcessor().LogicalProcessorIndex = hv.LogicalProcessorIndex(vp)
	}
	return in
}

func TestMapStatsPage(t *testing.T) {
	child := func(e *env) hv.PartitionID { return e.child.ID() }
	mp := func(typ hv.StatsObjectType, vp hv.VPIndex) func(*env) error {
		return func(e *env) error { return e.root.MapStatsPage(statsIn(typ, child(e), vp)) }
	}
	run(t, []statusCase{
		{"success vp", nil, mp(hv.StatsObjectVP, 1), hv.StatusSuccess},
		{"success hypervisor", nil, mp(hv.StatsObjectHypervisor, 0), hv.StatusSuccess},
		{"global not root", nil, func(e *env) error { return e.guest.MapStatsPage(statsIn(hv.StatsObjectHypervisor, 0, 0)) }, hv.StatusAccessDenied},
		{"local not parent", nil, func(e *env) error { return e.guest.MapStatsPage(statsIn(hv.StatsObjectPartition, e.child.ID(), 0)) }, hv.StatusAccessDenied},
		{"no AccessStats", nil, func(e *env) error {
			nopriv := e.h.CreateChild(e.h.Root(), 0, 4, 1)
			return hv.NewClient(observe(nopriv.Backend())).MapStatsPage(statsIn(hv.StatsObjectHypervisor, 0, 0))
		}, hv.StatusAccessDenied},
		{"bad partition", nil, func(e *env) error { return e.root.MapStatsPage(statsIn(hv.StatsObjectPartition, 99, 0)) }, hv.StatusInvalidPartitionID},
		{"bad vp", nil, mp(hv.StatsObjectVP, 2), hv.StatusInvalidVPIndex},
		{"twice", func(t *testing.T, e *env) {
			if err := e.root.MapStatsPage(statsIn(hv.StatsObjectVP, e.child.ID(), 0)); err != nil {
				t.Fatal(err)
			}
		}, mp(hv.StatsObjectVP, 0), hv.StatusOperationDenied},
		{"bad lp", nil, mp(hv.StatsObjectLogicalProcessor, 2), hv.StatusInvalidParameter},
		{"reserved set", nil, func(e *env) error {
			in := statsIn(hv.StatsObjectVP, e.child.ID(), 0)
			in.ObjectIdentity.VP().ReservedZ4 = 1
			return e.root.MapStatsPage(in)
		}, hv.StatusInvalidParameter},
		{"pool empty", nil, func(e *env) error {
			small := wdk2013sim.New(sim.Config{RootPoolPages: 1})
			c := hv.NewClient(observe(small.Root().Backend()))
			_ = c.MapStatsPage(statsIn(hv.StatsObjectHypervisor, 0, 0))
			return c.MapStatsPage(statsIn(hv.StatsObjectLogicalProcessor, 0, 0))
		}, hv.StatusInsufficientMemory},
		{"not active", func(t *testing.T, e *env) { e.child.SetActive(false) }, mp(hv.StatsObjectPartition, 0), hv.StatusInvalidPartitionState},
	})
}

func TestUnmapStatsPage(t *testing.T) {
	unmapIn := func(typ hv.StatsObjectType, pid hv.PartitionID, vp hv.VPIndex) *hv.UnmapStatsPageInput {
		m := statsIn(typ, pid, vp)
		return &hv.UnmapStatsPageInput{StatsType: m.StatsType, ObjectIdentity: m.ObjectIdentity}
	}
	mapped := func(t *testing.T, e *env) {
		if err := e.root.MapStatsPage(statsIn(hv.StatsObjectVP, e.child.ID(), 0)); err != nil {
			t.Fatal(err)
		}
	}
	um := func(e *env) error { return e.root.UnmapStatsPage(unmapIn(hv.StatsObjectVP, e.child.ID(), 0)) }
	run(t, []statusCase{
		{"success", mapped, um, hv.StatusSuccess},
		{"global not root", nil, func(e *env) error { return e.guest.UnmapStatsPage(unmapIn(hv.StatsObjectHypervisor, 0, 0)) }, hv.StatusAccessDenied},
		{"local not parent", mapped, func(e *env) error { return e.guest.UnmapStatsPage(unmapIn(hv.StatsObjectVP, e.child.ID(), 0)) }, hv.StatusAccessDenied},
		{"bad partition", nil, func(e *env) error { return e.root.UnmapStatsPage(unmapIn(hv.StatsObjectVP, 42, 0)) }, hv.StatusInvalidPartitionID},
		{"bad vp", nil, func(e *env) error { return e.root.UnmapStatsPage(unmapIn(hv.StatsObjectVP, e.child.ID(), 9)) }, hv.StatusInvalidVPIndex},
		{"bad lp", nil, func(e *env) error { return e.root.UnmapStatsPage(unmapIn(hv.StatsObjectLogicalProcessor, 0, 5)) }, hv.StatusInvalidParameter},
		{"not active", func(t *testing.T, e *env) { mapped(t, e); e.child.SetActive(false) }, um, hv.StatusInvalidPartitionState},
		{"not mapped", nil, um, hv.StatusOperationDenied},
	})
}

// TestStatsPageFormat maps a VP page and reads it back in the documented
// format: group headers, counters, the end-of-list header; counters move.
func TestStatsPageFormat(t *testing.T) {
	e := newEnv(t, 64)
	if err := e.root.MapStatsPage(statsIn(hv.StatsObjectVP, e.child.ID(), 0)); err != nil {
		t.Fatal(err)
	}
	page := e.h.Root().Memory(0x9000)
	if len(page) != 4096 {
		t.Fatalf("no stats page at the target GPA (%d bytes)", len(page))
	}
	read := func() (groups []uint16, totalRunTime uint64) {
		off := 0
		for off+8 <= len(page) {
			typ := binary.LittleEndian.Uint16(page[off:])
			length := int(binary.LittleEndian.Uint16(page[off+6:]))
			if typ == 0 && length == 0 {
				return groups, totalRunTime
			}
			if binary.LittleEndian.Uint16(page[off+4:]) != 1 { // Major
				t.Fatalf("group %d major version %d", typ, binary.LittleEndian.Uint16(page[off+4:]))
			}
			groups = append(groups, typ)
			if typ == 2 { // architectural VP group: counter 1 is total run time
				totalRunTime = binary.LittleEndian.Uint64(page[off+8:])
			}
			off += 8 + length
		}
		t.Fatal("no end-of-list header")
		return
	}
	groups, before := read()
	if len(groups) != 2 || groups[0] != 2 || groups[1] != 3 {
		t.Fatalf("groups %v, want [2 3] (VPA, VPV)", groups)
	}
	e.h.Advance(1000)
	if _, after := read(); after != before+1000 {
		t.Errorf("total run time %d -> %d after 1000 units", before, after)
	}
}

func TestUnmodelledCallsFail(t *testing.T) {
	e := newEnv(t, 64)
	err := e.root.SavePartitionState(&hv.SavePartitionStateInput{}, &hv.SavePartitionStateOutput{}, nil)
	var st hv.Status
	if !errors.As(err, &st) || st != hv.StatusInvalidHypercallCode {
		t.Errorf("unmodelled call: %v", err)
	}
	c := hvcall.NewCaller(e.h.Root().Backend(), &hv.Encoding)
	if err := c.Call(&hv.Hypercalls[0], nil, nil); err == nil {
		t.Error("a call with a short input block succeeded")
	}
}

// TestHypercallInputChecks sends malformed input values straight to the
// backend: reserved bits, a rep count on a simple call, fast on a call that
// may not be fast.
func TestHypercallInputChecks(t *testing.T) {
	e := newEnv(t, 64)
	b := e.h.Root().Backend()
	in, out := hvcall.NewPagePair()
	for _, tc := range []struct {
		name string
		ctl  func(*hv.X64HypercallInput)
	}{
		{"reserved bit", func(x *hv.X64HypercallInput) { *x |= 1 << 20 }},
		{"rep count on simple", func(x *hv.X64HypercallInput) { x.SetCountOfElements(1) }},
		{"fast not allowed", func(x *hv.X64HypercallInput) { x.SetIsFast(true) }},
	} {
		var x hv.X64HypercallInput
		x.SetCallCode(hv.CallInitializeEventLogBufferGroup)
		tc.ctl(&x)
		r, err := b.Hypercall(uint64(x), in, out, nil, hvcall.Sizes{InHeader: 24})
		if res := hv.X64HypercallOutput(r); err != nil || res.CallStatus() != hv.StatusInvalidHypercallInput {
			t.Errorf("%s: %v, %v", tc.name, res.CallStatus(), err)
		}
	}
}
