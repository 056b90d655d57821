package sim

import (
	"fmt"
	"sort"

	"github.com/hvgen/hvgen/generated/tlfs"
	hv "github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/abi"
	"github.com/hvgen/hvgen/runtime/hvcall"
)

// version is what the sim answers for one ABI version: that version's
// encoding of the input and output values and its call codes. The handlers
// read the 2013 layouts; a version whose input differs has an adapt step that
// rewrites its input into them (the checks of its own reserved fields first).
type version struct {
	name     string
	enc      *hvcall.Encoding
	reserved uint64 // reserved bits of the hypercall input value
	calls    map[uint16]*callEntry
	table    []abi.Hypercall // the version's descriptors, registry order
	// unmodelled gives, for each call of the version the sim does not
	// implement, the reason.
	unmodelled map[string]string
}

type callEntry struct {
	d     *abi.Hypercall
	h     handler
	adapt func(r *request) hv.Status
}

// modelled is one call the sim implements, by the HV_CALL_CODE name both
// versions use.
type modelled struct {
	h     handler
	adapt func(r *request) hv.Status // for the tlfs layout; nil when the bytes are the 2013 ones
}

// wdkCalls are the 2013 calls the sim implements.
var wdkCalls = map[string]handler{
	"HvCallInitializeEventLogBufferGroup": (*Hypervisor).initializeGroup,
	"HvCallFinalizeEventLogBufferGroup":   (*Hypervisor).finalizeGroup,
	"HvCallCreateEventLogBuffer":          (*Hypervisor).createBuffer,
	"HvCallDeleteEventLogBuffer":          (*Hypervisor).deleteBuffer,
	"HvCallMapEventLogBuffer":             (*Hypervisor).mapBuffer,
	"HvCallUnmapEventLogBuffer":           (*Hypervisor).unmapBuffer,
	"HvCallSetEventLogGroupSources":       (*Hypervisor).setGroupSources,
	"HvCallReleaseEventLogBuffer":         (*Hypervisor).releaseBuffer,
	"HvCallFlushEventLogBuffer":           (*Hypervisor).flushBuffer,
	"HvCallMapStatsPage":                  (*Hypervisor).mapStatsPage,
	"HvCallUnmapStatsPage":                (*Hypervisor).unmapStatsPage,
	"HvCallDepositMemory":                 (*Hypervisor).depositMemory,
	"HvCallWithdrawMemory":                (*Hypervisor).withdrawMemory,
	"HvCallGetMemoryBalance":              (*Hypervisor).getMemoryBalance,
	"HvCallCreatePartition":               (*Hypervisor).createPartition,
	"HvCallInitializePartition":           (*Hypervisor).initializePartition,
	"HvCallFinalizePartition":             (*Hypervisor).finalizePartition,
	"HvCallDeletePartition":               (*Hypervisor).deletePartition,
	"HvCallGetPartitionProperty":          (*Hypervisor).getPartitionProperty,
	"HvCallSetPartitionProperty":          (*Hypervisor).setPartitionProperty,
	"HvCallGetPartitionId":                (*Hypervisor).getPartitionID,
	"HvCallGetNextChildPartition":         (*Hypervisor).getNextChildPartition,
	"HvCallCreateVp":                      (*Hypervisor).createVP,
	"HvCallDeleteVp":                      (*Hypervisor).deleteVP,
	"HvCallGetVpRegisters":                (*Hypervisor).getVPRegisters,
	"HvCallSetVpRegisters":                (*Hypervisor).setVPRegisters,
	"HvCallMapGpaPages":                   (*Hypervisor).mapGPAPages,
	"HvCallMapSparseGpaPages":             (*Hypervisor).mapSparseGPAPages,
	"HvCallUnmapGpaPages":                 (*Hypervisor).unmapGPAPages,
	"HvCallReadGpa":                       (*Hypervisor).readGPA,
	"HvCallWriteGpa":                      (*Hypervisor).writeGPA,
	"HvCallTranslateVirtualAddress":       (*Hypervisor).translateVirtualAddress,
	"HvCallInstallIntercept":              (*Hypervisor).installIntercept,
	"HvCallAssertVirtualInterrupt":        (*Hypervisor).assertVirtualInterrupt,
	"HvCallClearVirtualInterrupt":         (*Hypervisor).clearVirtualInterrupt,
	"HvCallCreatePort":                    (*Hypervisor).createPort,
	"HvCallDeletePort":                    (*Hypervisor).deletePort,
	"HvCallConnectPort":                   (*Hypervisor).connectPort,
	"HvCallDisconnectPort":                (*Hypervisor).disconnectPort,
	"HvCallGetPortProperty":               (*Hypervisor).getPortProperty,
	"HvCallSetPortProperty":               (*Hypervisor).setPortProperty,
	"HvCallPostMessage":                   (*Hypervisor).postMessage,
	"HvCallSignalEvent":                   (*Hypervisor).signalEvent,
	"HvCallGetLogicalProcessorRunTime":    (*Hypervisor).getLogicalProcessorRunTime,
	"HvCallNotifyLongSpinWait":            (*Hypervisor).notifyLongSpinWait,
	"HvCallParkLogicalProcessors":         (*Hypervisor).parkLogicalProcessors,
	"HvCallSwitchVirtualAddressSpace":     (*Hypervisor).switchVirtualAddressSpace,
	"HvCallFlushVirtualAddressSpace":      (*Hypervisor).flushVirtualAddressSpace,
	"HvCallFlushVirtualAddressList":       (*Hypervisor).flushVirtualAddressList,
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

var versions = map[string]*version{}

func init() {
	versions["wdk-2013"] = buildVersion("wdk-2013", &hv.Encoding, uint64(hv.X64HypercallInputReservedMask), hv.Hypercalls[:], wdkModel(), wdkUnmodelled)
	versions["tlfs"] = buildVersion("tlfs", &tlfs.Encoding, uint64(tlfs.HypercallInputReservedMask), tlfs.Hypercalls[:], tlfsModel(), tlfsUnmodelled)
}

func wdkModel() map[string]modelled {
	m := map[string]modelled{}
	for name, h := range wdkCalls {
		m[name] = modelled{h: h}
	}
	return m
}

// buildVersion joins a version's descriptors with the handlers. A call the
// sim models must be one of the version's; every other call gets a reason.
func buildVersion(name string, enc *hvcall.Encoding, reserved uint64, table []abi.Hypercall, model map[string]modelled, why map[string]string) *version {
	v := &version{name: name, enc: enc, reserved: reserved, calls: map[uint16]*callEntry{}, table: table, unmodelled: map[string]string{}}
	for i := range table {
		d := &table[i]
		m, ok := model[d.Name]
		switch {
		case ok && !d.Incomplete:
			v.calls[d.Code] = &callEntry{d: d, h: m.h, adapt: m.adapt}
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

// Versions lists the ABI versions the sim can be created for.
func Versions() []string {
	var out []string
	for n := range versions {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Calls returns the names of the hypercalls the sim models for a version, in
// the version's registry order, and for each call it does not model the
// reason.
func Calls(versionName string) (modelled []string, unmodelled map[string]string, err error) {
	v := versions[versionName]
	if v == nil {
		return nil, nil, fmt.Errorf("sim: unknown version %q (have %v)", versionName, Versions())
	}
	for _, d := range v.table {
		if v.calls[d.Code] != nil && v.calls[d.Code].d.Name == d.Name {
			modelled = append(modelled, d.Name)
		}
	}
	unmodelled = map[string]string{}
	for k, s := range v.unmodelled {
		unmodelled[k] = s
	}
	return modelled, unmodelled, nil
}

// Version returns the ABI version the hypervisor answers with.
func (h *Hypervisor) Version() string { return h.ver.name }
