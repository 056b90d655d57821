package engine

import (
	"fmt"
	"sort"

	"github.com/hvgen/hvgen/generated/linux70"
	"github.com/hvgen/hvgen/generated/tlfs"
	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

// Version is what the engine answers for one ABI version: that version's
// encoding of the input and output values, and its call codes with the
// handler and adapt step of each call it models.
type Version struct {
	name     string
	enc      *hvcall.Encoding
	reserved uint64 // reserved bits of the hypercall input value
	// calls are the modelled calls by code: the codes below lowCodes in an
	// array (every call but the extended ones; a map lookup was a sixth of
	// a simple call), the others in a map.
	calls     [lowCodes]*callEntry
	highCalls map[uint16]*callEntry
	table     []abi.Hypercall // the version's descriptors, registry order
	// unmodelled gives, for each call of the version the sim does not
	// implement, the reason.
	unmodelled map[string]string
}

const lowCodes = 0x200

// call returns the modelled call of a code, or nil.
func (v *Version) call(code uint16) *callEntry {
	if code < lowCodes {
		return v.calls[code]
	}
	return v.highCalls[code]
}

// callEntry is a modelled call of a version: its descriptor and its model.
type callEntry struct {
	d *abi.Hypercall
	model
}

// model is one call the engine implements for a version: its handler, and
// for a version whose input is not the 2013 layout, the step that checks
// that version's own fields and rewrites the input into it.
type model struct {
	h     handler
	adapt func(r *request) hv.Status // nil when the bytes are the 2013 ones
}

// on makes a handler of a concern's method.
func on[C any](concern func(*Hypervisor) *C, m func(*C, *request) hv.Status) handler {
	return func(h *Hypervisor, r *request) hv.Status { return m(concern(h), r) }
}

// The concerns the Hypervisor composes, for on.
func life(h *Hypervisor) *lifecycle    { return &h.life }
func pools(h *Hypervisor) *memoryPools { return &h.pools }
func guest(h *Hypervisor) *guestMemory { return &h.guest }
func procs(h *Hypervisor) *processors  { return &h.procs }
func irqs(h *Hypervisor) *interrupts   { return &h.irq }
func msgs(h *Hypervisor) *messaging    { return &h.msg }
func stats(h *Hypervisor) *Statistics  { return &h.stats }
func events(h *Hypervisor) *EventLog   { return &h.events }

// handlers are the calls the engine implements, by their 2013 name.
var handlers = map[string]handler{
	"HvCallInitializeEventLogBufferGroup": on(events, (*EventLog).initializeGroup),
	"HvCallFinalizeEventLogBufferGroup":   on(events, (*EventLog).finalizeGroup),
	"HvCallCreateEventLogBuffer":          on(events, (*EventLog).createBuffer),
	"HvCallDeleteEventLogBuffer":          on(events, (*EventLog).deleteBuffer),
	"HvCallMapEventLogBuffer":             on(events, (*EventLog).mapBuffer),
	"HvCallUnmapEventLogBuffer":           on(events, (*EventLog).unmapBuffer),
	"HvCallSetEventLogGroupSources":       on(events, (*EventLog).setGroupSources),
	"HvCallReleaseEventLogBuffer":         on(events, (*EventLog).releaseBuffer),
	"HvCallFlushEventLogBuffer":           on(events, (*EventLog).flushBuffer),
	"HvCallMapStatsPage":                  on(stats, (*Statistics).mapStatsPage),
	"HvCallUnmapStatsPage":                on(stats, (*Statistics).unmapStatsPage),
	"HvCallDepositMemory":                 on(pools, (*memoryPools).depositMemory),
	"HvCallWithdrawMemory":                on(pools, (*memoryPools).withdrawMemory),
	"HvCallGetMemoryBalance":              on(pools, (*memoryPools).getMemoryBalance),
	"HvCallCreatePartition":               on(life, (*lifecycle).createPartition),
	"HvCallInitializePartition":           on(life, (*lifecycle).initializePartition),
	"HvCallFinalizePartition":             on(life, (*lifecycle).finalizePartition),
	"HvCallDeletePartition":               on(life, (*lifecycle).deletePartition),
	"HvCallGetPartitionProperty":          on(life, (*lifecycle).getPartitionProperty),
	"HvCallSetPartitionProperty":          on(life, (*lifecycle).setPartitionProperty),
	"HvCallGetPartitionId":                on(life, (*lifecycle).getPartitionID),
	"HvCallGetNextChildPartition":         on(life, (*lifecycle).getNextChildPartition),
	"HvCallCreateVp":                      on(procs, (*processors).createVP),
	"HvCallDeleteVp":                      on(procs, (*processors).deleteVP),
	"HvCallGetVpRegisters":                on(procs, (*processors).getVPRegisters),
	"HvCallSetVpRegisters":                on(procs, (*processors).setVPRegisters),
	"HvCallGetLogicalProcessorRunTime":    on(procs, (*processors).getLogicalProcessorRunTime),
	"HvCallNotifyLongSpinWait":            on(procs, (*processors).notifyLongSpinWait),
	"HvCallParkLogicalProcessors":         on(procs, (*processors).parkLogicalProcessors),
	"HvCallSwitchVirtualAddressSpace":     on(procs, (*processors).switchVirtualAddressSpace),
	"HvCallFlushVirtualAddressSpace":      on(procs, (*processors).flushVirtualAddressSpace),
	"HvCallFlushVirtualAddressList":       on(procs, (*processors).flushVirtualAddressList),
	"HvCallMapGpaPages":                   on(guest, (*guestMemory).mapGPAPages),
	"HvCallMapSparseGpaPages":             on(guest, (*guestMemory).mapSparseGPAPages),
	"HvCallUnmapGpaPages":                 on(guest, (*guestMemory).unmapGPAPages),
	"HvCallReadGpa":                       on(guest, (*guestMemory).readGPA),
	"HvCallWriteGpa":                      on(guest, (*guestMemory).writeGPA),
	"HvCallTranslateVirtualAddress":       on(guest, (*guestMemory).translateVirtualAddress),
	"HvCallInstallIntercept":              on(irqs, (*interrupts).installIntercept),
	"HvCallAssertVirtualInterrupt":        on(irqs, (*interrupts).assertVirtualInterrupt),
	"HvCallClearVirtualInterrupt":         on(irqs, (*interrupts).clearVirtualInterrupt),
	"HvCallCreatePort":                    on(msgs, (*messaging).createPort),
	"HvCallDeletePort":                    on(msgs, (*messaging).deletePort),
	"HvCallConnectPort":                   on(msgs, (*messaging).connectPort),
	"HvCallDisconnectPort":                on(msgs, (*messaging).disconnectPort),
	"HvCallGetPortProperty":               on(msgs, (*messaging).getPortProperty),
	"HvCallSetPortProperty":               on(msgs, (*messaging).setPortProperty),
	"HvCallPostMessage":                   on(msgs, (*messaging).postMessage),
	"HvCallSignalEvent":                   on(msgs, (*messaging).signalEvent),
}

// wdkUnmodelled says why the other 2013 calls are left out.
var wdkUnmodelled = map[string]string{
	"HvCallInvokeHypervisorDebugger": "the sim has no hypervisor debugger",
	"HvCallPostDebugData":            "the sim has no debugging transport",
	"HvCallRetrieveDebugData":        "the sim has no debugging transport",
	"HvCallResetDebugSession":        "the sim has no debugging transport",
	"HvCallSetSystemProperty":        "the sim has no profiler",
	"HvCallSavePartitionState":       "the sim does not serialize partition state",
	"HvCallRestorePartitionState":    "the sim does not serialize partition state",
}

// wdkModel is every handler, on the 2013 bytes.
func wdkModel() map[string]model {
	m := map[string]model{}
	for name, h := range handlers {
		m[name] = model{h: h}
	}
	return m
}

var versions = map[string]*Version{}

func init() {
	versions["wdk-2013"] = buildVersion("wdk-2013", &hv.Encoding, uint64(hv.X64HypercallInputReservedMask), hv.Hypercalls[:], wdkModel(), wdkUnmodelled)
	versions["tlfs"] = tlfsVersion()
	versions["linux-7.0"] = linuxVersion()
}

// registerKnown says whether the hypervisor has a register: one the
// registry names in any version. It is one hypervisor whatever ABI
// version a caller speaks, and no version names every register (the Linux
// headers' hv_register_name lists only what the kernel uses: no RIP).
func registerKnown(n uint32) bool {
	return known(hv.RegisterName(n).String()) || known(tlfs.RegisterName(n).String()) || known(linux70.RegisterName(n).String())
}

// propertyKnown says whether the hypervisor has a partition property code,
// as registerKnown does.
func propertyKnown(n uint32) bool {
	return known(hv.PartitionPropertyCode(n).String()) || known(tlfs.PartitionPropertyCode(n).String()) ||
		known(linux70.PartitionPropertyCode(n).String())
}

// buildVersion joins a version's descriptors with the handlers. A call the
// engine models must be one of the version's; every other call gets a
// reason.
func buildVersion(name string, enc *hvcall.Encoding, reserved uint64, table []abi.Hypercall, models map[string]model, why map[string]string) *Version {
	v := &Version{name: name, enc: enc, reserved: reserved, highCalls: map[uint16]*callEntry{}, table: table, unmodelled: map[string]string{}}
	for i := range table {
		d := &table[i]
		m, ok := models[d.Name]
		switch {
		case ok && !d.Incomplete:
			e := &callEntry{d: d, model: m}
			if d.Code < lowCodes {
				v.calls[d.Code] = e
			} else {
				v.highCalls[d.Code] = e
			}
		case why[d.Name] != "":
			v.unmodelled[d.Name] = why[d.Name]
		case d.Incomplete:
			v.unmodelled[d.Name] = "the registry has no parameter layout for it"
		default:
			v.unmodelled[d.Name] = "not implemented in the sim for " + name
		}
	}
	return v
}

// Lookup returns a version by its registry name (wdk-2013, tlfs, linux-7.0).
func Lookup(name string) (*Version, error) {
	v := versions[name]
	if v == nil {
		return nil, fmt.Errorf("sim: unknown version %q (have %v)", name, Versions())
	}
	return v, nil
}

// Versions lists the ABI versions the engine answers for.
func Versions() []string {
	var out []string
	for n := range versions {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Name is the version's registry name.
func (v *Version) Name() string { return v.name }

// Calls returns the names of the hypercalls the engine models for the
// version, in the version's registry order, and for each call it does not
// model the reason.
func (v *Version) Calls() (modelled []string, unmodelled map[string]string) {
	for _, d := range v.table {
		if c := v.call(d.Code); c != nil && c.d.Name == d.Name {
			modelled = append(modelled, d.Name)
		}
	}
	unmodelled = map[string]string{}
	for k, s := range v.unmodelled {
		unmodelled[k] = s
	}
	return modelled, unmodelled
}
