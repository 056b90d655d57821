package engine_test

import (
	"os"
	"testing"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim/internal/engine"
	"github.com/hvgen/hvgen/spec"
)

// statusTests are the tests whose cases produce the documented statuses.
var statusTests = map[string]func(*testing.T){
	"TestInitializeEventLogBufferGroup": TestInitializeEventLogBufferGroup,
	"TestFinalizeEventLogBufferGroup":   TestFinalizeEventLogBufferGroup,
	"TestCreateEventLogBuffer":          TestCreateEventLogBuffer,
	"TestDeleteEventLogBuffer":          TestDeleteEventLogBuffer,
	"TestMapEventLogBuffer":             TestMapEventLogBuffer,
	"TestUnmapEventLogBuffer":           TestUnmapEventLogBuffer,
	"TestSetEventLogGroupSources":       TestSetEventLogGroupSources,
	"TestReleaseEventLogBuffer":         TestReleaseEventLogBuffer,
	"TestFlushEventLogBuffer":           TestFlushEventLogBuffer,
	"TestMapStatsPage":                  TestMapStatsPage,
	"TestUnmapStatsPage":                TestUnmapStatsPage,
	"TestDepositMemoryRep":              TestDepositMemoryRep,
	"TestPartitionCalls":                TestPartitionCalls,
	"TestPartitionProperties":           TestPartitionProperties,
	"TestGetNextChildPartition":         TestGetNextChildPartition,
	"TestVPCalls":                       TestVPCalls,
	"TestMemoryCalls":                   TestMemoryCalls,
	"TestGPACalls":                      TestGPACalls,
	"TestInterceptAndInterruptCalls":    TestInterceptAndInterruptCalls,
	"TestPortCalls":                     TestPortCalls,
	"TestProcessorCalls":                TestProcessorCalls,
	"TestTLFSCalls":                     TestTLFSCalls,
	"TestLinuxPartitionCalls":           TestLinuxPartitionCalls,
	"TestLinuxMemoryCalls":              TestLinuxMemoryCalls,
	"TestLinuxVPCalls":                  TestLinuxVPCalls,
	"TestLinuxPortsAndStats":            TestLinuxPortsAndStats,
}

// TestRegistryStatuses runs the status tests and then checks, for every
// call the sim models in each version, that the sim answered with every
// status the registry (spec/*.yaml) lists for it: a status added to the
// registry without a case that produces it fails here.
func TestRegistryStatuses(t *testing.T) {
	for name, f := range statusTests {
		t.Run(name, f)
	}
	reg, err := spec.Load(os.DirFS("../../../../spec"), "spec")
	if err != nil {
		t.Fatal(err)
	}
	for _, version := range engine.Versions() {
		view := reg.View(version)
		values := map[string]uint64{}
		for _, s := range view.Statuses {
			if s.Value != nil {
				values[s.Name] = *s.Value
			}
		}
		v, err := engine.Lookup(version)
		if err != nil {
			t.Fatal(err)
		}
		modelled, _ := v.Calls()
		is := map[string]bool{}
		for _, n := range modelled {
			is[n] = true
		}
		checked := 0
		for _, c := range view.Hypercalls {
			if !is[c.Name] {
				continue
			}
			for _, s := range documentedStatuses(reg, version, c) {
				v, ok := values[s.Status]
				if !ok {
					if len(c.Statuses) > 0 {
						t.Errorf("%s %s: status %s has no value in the registry", version, c.Name, s.Status)
					}
					continue // a document's status the version has no number for
				}
				checked++
				seen.Lock()
				got := seen.m[answer{version, uint16(c.Code), uint16(v)}]
				seen.Unlock()
				if !got {
					t.Errorf("%s %s: no test case produced %s (%v)", version, c.Name, s.Status, s.When)
				}
			}
		}
		t.Logf("%s: %d modelled calls, %d documented statuses produced", version, len(modelled), checked)
	}
}

func TestProcessorCalls(t *testing.T) {
	runCases(t, []callCase{
		{hv.StatusSuccess, "LP run time", nil, func(t *testing.T, w *world) error {
			w.h.Advance(1000)
			var out hv.GetLogicalProcessorRunTimeOutput
			must(t, w.root.GetLogicalProcessorRunTime(&out))
			// LP 0 runs the root's VP, which wants all of it (sched.go); the
			// hypervisor's part is a tenth of each VP's run time, rounded down.
			if out.GlobalTime != 1000 || out.LocalRunTime != 1000 || out.HypervisorTime > 100 || out.HypervisorTime < 90 {
				t.Errorf("run time %+v", out)
			}
			return nil
		}},
		{hv.StatusAccessDenied, "LP run time without CpuManagement", nil, func(t *testing.T, w *world) error {
			var out hv.GetLogicalProcessorRunTimeOutput
			return w.barec.GetLogicalProcessorRunTime(&out)
		}},
		{hv.StatusSuccess, "spin wait", nil, func(t *testing.T, w *world) error { return w.barec.NotifyLongSpinWait(&hv.NotifyLongSpinWaitInput{}) }},
		{hv.StatusSuccess, "park", nil, func(t *testing.T, w *world) error {
			return w.root.ParkLogicalProcessors(&hv.ParkLogicalProcessorsInput{ProcessorMask: 2})
		}},
		{hv.StatusAccessDenied, "park without CpuManagement", nil, func(t *testing.T, w *world) error {
			return w.barec.ParkLogicalProcessors(&hv.ParkLogicalProcessorsInput{ProcessorMask: 2})
		}},
		{hv.StatusSuccess, "switch address space", nil, func(t *testing.T, w *world) error {
			must(t, w.ac.SwitchVirtualAddressSpace(&hv.SwitchVirtualAddressSpaceInput{AddressSpace: 0x5000}))
			v, err := getReg(w.root, w.a.ID(), 0, hv.X64RegisterCr3)
			if v != 0x5000 {
				t.Errorf("CR3 %#x", v)
			}
			return err
		}},
		{hv.StatusInvalidParameter, "switch to a reserved CR3", nil, func(t *testing.T, w *world) error {
			return w.ac.SwitchVirtualAddressSpace(&hv.SwitchVirtualAddressSpaceInput{AddressSpace: 1 << 60})
		}},
		{hv.StatusSuccess, "flush", nil, func(t *testing.T, w *world) error {
			return w.ac.FlushVirtualAddressSpace(&hv.FlushVirtualAddressSpaceInput{Flags: hv.FlushAllProcessors | hv.FlushAllVirtualAddressSpaces})
		}},
		{hv.StatusInvalidParameter, "flush no processor", nil, func(t *testing.T, w *world) error {
			return w.ac.FlushVirtualAddressSpace(&hv.FlushVirtualAddressSpaceInput{Flags: hv.FlushAllVirtualAddressSpaces})
		}},
		{hv.StatusSuccess, "flush a list", nil, func(t *testing.T, w *world) error {
			_, err := w.ac.FlushVirtualAddressList(&hv.FlushVirtualAddressListInput{ProcessorMask: 1, AddressSpace: 0x1000}, []hv.GVA{1, 2, 3})
			return err
		}},
		{hv.StatusInvalidParameter, "flush a list, non-global only", nil, func(t *testing.T, w *world) error {
			_, err := w.ac.FlushVirtualAddressList(&hv.FlushVirtualAddressListInput{ProcessorMask: 1, Flags: hv.FlushNonGlobalMappingsOnly}, []hv.GVA{1})
			return err
		}},
	})
}

// documentedStatuses are the statuses the registry lists for a call of a
// version; for a call whose version lists none (the linux-7.0 headers give
// no statuses per call), those the documents list for the call the
// registry's aliases pair it with (HVCALL_CREATE_PARTITION,
// HvCallCreatePartition), in every document version that has it.
func documentedStatuses(reg *spec.Registry, version string, c *spec.Hypercall) []*spec.CallStatus {
	if len(c.Statuses) > 0 {
		return c.Statuses
	}
	doc := reg.AliasOf(version, c.Name)
	if doc == "" {
		return nil
	}
	var out []*spec.CallStatus
	have := map[string]bool{}
	for _, v := range []string{"wdk-2013", "tlfs"} {
		for _, d := range reg.View(v).Hypercalls {
			if d.Name != doc {
				continue
			}
			for _, s := range d.Statuses {
				if !have[s.Status] {
					have[s.Status] = true
					out = append(out, s)
				}
			}
		}
	}
	return out
}
