// Package abi holds the descriptor types that hvgen's generated packages fill
// in and the runtime reads: one table of hypercalls, event-log entry types and
// statistics groups per ABI version. The descriptors are plain data so that
// code written against them works for every version.
package abi

// Hypercall describes one hypercall of an ABI version.
type Hypercall struct {
	Name           string // the HV_CALL_CODE name, e.g. "HvCallMapStatsPage"
	Code           uint16
	Rep            bool // takes a list of rep elements
	Fast           bool // may use the register (fast) calling convention
	VariableHeader bool // accepts a variable-size input header
	InputSize      uint32
	OutputSize     uint32
	InputElemSize  uint32 // rep input element size; 0 when none
	OutputElemSize uint32 // rep output element size; 0 when none
	Statuses       []uint16
	// Incomplete is set when the registry does not yet hold the call's
	// parameter layouts; the sizes above are then unknown (zero).
	Incomplete bool
	// Passthrough is the set of file descriptor kinds from which the
	// version's driver (linux-7.0: the Linux mshv driver's MSHV_ROOT_HVCALL)
	// passes the call through to the hypervisor; zero when it refuses the
	// call. A backend over that driver refuses the others before any ioctl.
	Passthrough FdSet
	// Async is set when the driver treats the call as asynchronous: it
	// waits for the hypervisor to complete a pending call itself, and only
	// from a partition's fd.
	Async bool
}

// FdSet is a set of the kinds of file descriptor a driver's interface hands
// out: the device itself, a partition, a virtual processor.
type FdSet uint8

// The file descriptor kinds.
const (
	FdSystem    FdSet = 1 << iota // the device (/dev/mshv)
	FdPartition                   // a partition's fd (MSHV_CREATE_PARTITION returns it)
	FdVP                          // a virtual processor's fd (MSHV_CREATE_VP returns it)
)

// Has reports whether the set holds every kind of k.
func (s FdSet) Has(k FdSet) bool { return s&k == k && k != 0 }

// String names the kinds in the set: "partition|vp", or "none".
func (s FdSet) String() string {
	var out string
	for i, n := range [...]string{"system", "partition", "vp"} {
		if s&(1<<i) != 0 {
			if out != "" {
				out += "|"
			}
			out += n
		}
	}
	if out == "" {
		return "none"
	}
	return out
}

// IoctlDir is the direction of an ioctl's argument, as Linux encodes it in
// the request number's top two bits.
type IoctlDir uint8

// The directions: none (_IO), write (_IOW: the caller hands the argument to
// the driver), read (_IOR: the driver fills it in), and both (_IOWR).
const (
	IoctlNone      IoctlDir = 0
	IoctlWrite     IoctlDir = 1
	IoctlRead      IoctlDir = 2
	IoctlReadWrite IoctlDir = 3
)

// Ioctl describes one ioctl request of a driver's interface.
type Ioctl struct {
	Name    string // the header's name, e.g. "MSHV_CREATE_PARTITION"
	Request uint32 // the request number on this architecture
	Dir     IoctlDir
	Type    uint8  // the request's type (the driver's magic number)
	Nr      uint8  // the request's number within its type
	Arg     string // the argument type's ABI name; "" for none
	ArgSize uint32 // its size on this architecture
	Fds     FdSet  // the file descriptor kinds that accept the request
}

// EventEntry describes one event-log entry type.
type EventEntry struct {
	Name   string // e.g. "HV_TR_HC_HYPERCALL"
	ID     uint16 // the entry header's Type
	Group  string // the source group, e.g. "Hypercall"
	Mask   uint64 // the group's enable mask
	Params []string
	// PayloadSize is the size of the parameters after the entry header.
	PayloadSize uint32
}

// StatsGroupType is a statistics group header's Type, unique within the
// page of one stats object. A generated package's StatisticsGroupType is an
// alias of it, so its group-id constants (StatisticsGroupVpaID, ...) are
// StatsGroupType constants.
type StatsGroupType uint16

// StatsGroup describes one statistics counter group.
type StatsGroup struct {
	Name    string         // e.g. "HV_STATISTICS_TYPE_VPA"
	ID      StatsGroupType // the group header's Type; valid only when HasID
	HasID   bool           // false when the reference gives no id
	Major   uint16         // the version the registry describes; valid only when HasID
	Minor   uint16
	Object  uint32 // the HV_STATS_OBJECT_TYPE whose pages carry it
	Release bool   // release-specific rather than architectural
	// Flat is set when the page has no group headers: the page is one array
	// of 64-bit counters and a counter's Index is its slot in the page.
	Flat     bool
	Counters []Counter
}

// Counter describes one 64-bit counter: its slot in the group (slot 0 is the
// group header), what kind of value it holds and in which unit.
type Counter struct {
	Index int
	Name  string
	Label string
	Arch  string // the architectures with the counter at Index ("x64", "arm64", comma-separated); empty: all
	Kind  CounterKind
	Unit  CounterUnit
	// Reserved marks a placeholder slot the source names but gives no
	// meaning.
	Reserved bool
	Doc      string // what the counter counts, in the registry's words
}

// CounterKind says how a counter's value moves; empty when the registry
// does not say.
type CounterKind string

// The counter kinds a statistics group of the registry gives its counters.
const (
	KindCounter CounterKind = "counter" // only grows while the object exists
	KindGauge   CounterKind = "gauge"   // a level that may go up and down, or an id
)

// CounterUnit is the unit of a counter's value; empty when the registry
// does not say.
type CounterUnit string

// The counter units a statistics group of the registry gives its counters.
const (
	Unit100ns CounterUnit = "100ns" // time in units of 100 nanoseconds
	UnitOne   CounterUnit = "1"     // a number of events or things
	UnitPages CounterUnit = "pages" // a number of hypervisor pages (4 KiB)
	UnitRaw   CounterUnit = "raw"   // the source gives no unit
)
