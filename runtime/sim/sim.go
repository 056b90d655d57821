// Package sim is an in-process simulated Microsoft hypervisor: a
// hvcall.Backend per partition that answers with the encoding, call codes,
// statuses and parameter layouts of one ABI version, and implements the calls
// it models faithfully (the checks on the caller, its privileges, the memory
// pools, the parameters and reserved fields, in the order the reference
// pages list them). Every other call code gets
// HV_STATUS_INVALID_HYPERCALL_CODE, never a silent success.
//
// # One package per version
//
// Each ABI version is served by its own package, whose API uses that
// version's generated types and nothing else:
//
//   - wdk2013sim: the 2013 WDK reference (generated/wdk2013), with the
//     event log (buffer groups, buffers-ready messages, lost-event counting)
//     and the 2013 statistics pages;
//   - tlfssim: the current TLFS (generated/tlfs);
//   - linux70sim: the Linux kernel's headers (generated/linux70), the calls
//     the mshv driver issues for a VMM, in linux-7.0's layouts (creation
//     flags and isolation properties, GPA map flags, 2 MB pages, statistics
//     pages the hypervisor places).
//
// Each has New(Config), a Hypervisor, its Partitions and their VPs, and
// Calls, which lists the calls the package models and, for the others,
// why not (hvgen simulate -list-calls -version V prints the same). Identifiers
// are the version's types where the version has them (a partition is a
// wdk2013.PartitionID in wdk2013sim, a plain uint64 in linux70sim, whose
// headers declare no type for it).
//
// # Design
//
// One engine (runtime/sim/internal/engine, not importable) does the work on
// plain values: partitions, VPs, pools, GPA spaces, ports, intercepts,
// interrupts, statistics pages and event logs, each a type of its own that
// the engine's Hypervisor composes, with the engine's lock (and the event
// log its own, so that logging never waits for a hypercall). It is one
// hypervisor whatever ABI version a caller speaks: its register names and
// partition property codes are those any version of the registry names,
// and its statuses carry the hypervisor's numbers (the same in every
// version that names them). Its handlers
// read the 2013 parameter layouts; a version whose layout differs has an
// adapt step per call that checks that version's own reserved and
// must-be-zero fields first, then rewrites its input into the 2013 layout
// and passes on what the 2013 layout cannot carry (linux-7.0's creation
// flags, say). So each call's behaviour is written once, and each version's
// differences sit in one table of adapt steps (engine/tlfs.go,
// engine/linux70.go) that a reviewer can hold against its registry.
//
// The per-version packages are thin typed facades over the engine,
// generated from one template (runtime/sim/internal/facadegen: go generate
// ./runtime/sim) so that they cannot drift apart, plus a hand-written file
// each for what only that version has (wdk2013sim.EventLog; linux70sim's
// creation flags and VP extension). A generator was chosen over generic
// types because a generic facade would show users type parameters and
// aliases instead of a greppable, documented method set per version.
//
// This package holds what every version shares: Config, the counters the
// simulated machine keeps (VPCounters, PartitionCounters, LPTimes), the
// flat statistics-page description (FlatCounter), and the engine's choices
// that callers size pools with (EventLogPoolPages, StatsPagePoolPages).
//
// A simulated Hypervisor is safe for concurrent use: each partition's
// backend may be called from many goroutines (each with its own
// hvcall.Caller), while events are logged and time advances.
package sim

// Config sets up a simulated machine.
type Config struct {
	LogicalProcessors int    // default 4
	RootPoolPages     int    // pages in the root partition's memory pool; default 4096
	TimeBasisTSCHz    uint64 // TSC frequency of the event log's TSC time basis; default 1 GHz
	// Limit is the implementation limit past which calls fail with
	// HV_STATUS_NO_RESOURCES: on partitions, active partitions and VPs
	// (counted system-wide), and on the ports and the connections of one
	// partition; default 1024.
	Limit int
	// FlatStats, when set, lays every statistics page out flat (see
	// FlatCounter) with these counters instead of the 2013 groups.
	FlatStats []FlatCounter
	Seed      uint64 // picks how fast each flat-page counter moves
}

// FlatCounter is one counter of a flat statistics page. A flat page is the
// layout of the linux-7.0 hv_stats_page: one array of 64-bit counters where
// counter i is slot i, with no group headers. With Config.FlatStats every
// page is laid out that way, whatever version the calls are.
type FlatCounter struct {
	Object uint32 // the HV_STATS_OBJECT_TYPE value whose pages have it
	Index  int    // its slot, 1 to 511
	Name   string
	Kind   FlatKind
}

// FlatKind says how a flat-page counter moves.
type FlatKind uint8

// How flat-page counters move. Every value is a function of the seed, the
// object and the reference time since the object was created, so two runs
// that advance time alike see the same numbers; except the counters that
// show the simulated machine's state (run time, hypercalls, intercepts,
// VPs, pages), which show it whatever their kind.
const (
	FlatEvents FlatKind = iota // counts events: grows at 1 to 20000 per second
	FlatTime                   // counts 100 ns units: grows by 1/65536 to 1/1024 of the time passed
	FlatGauge                  // a level: a value below 1000, unless the sim knows the real one
	// FlatZero is a level the sim does not model and that a random value
	// would make implausible (pages mapped with large pages, device pages):
	// zero, unless the sim knows the real one.
	FlatZero
)

// VPCounters are what the sim counted for a VP: its run time (100 ns
// units, moved by Advance), the hypercalls its partition issued through it
// and the intercepts it took. They feed the VP statistics pages.
type VPCounters struct {
	RunTime, Hypercalls, Intercepts uint64
}

// PartitionCounters are what the sim counted for a partition: the hooks the
// statistics pages read (a partition's pages count its VPs, its GPA pages
// and its pool; a VP's, see VPCounters).
type PartitionCounters struct {
	Hypercalls    uint64 // hypercalls the partition issued
	VPs           int
	MappedPages   int // GPA pages a parent mapped into it
	PoolAvailable int
	PoolInUse     int
}

// LPTimes are a logical processor's times, in 100 ns units.
type LPTimes struct {
	Run        uint64 // running VPs (their hypervisor time included)
	Hypervisor uint64 // in the hypervisor on the VPs' behalf
}

// The simulated hypervisor's choices of what objects take from a memory
// pool, where the reference says only that they take pages.
const (
	// GroupPoolPages is what initializing an event-log buffer group takes
	// from the root's pool for its bookkeeping.
	GroupPoolPages = 1
	// BufferMapPoolPages is what mapping an event-log buffer takes.
	BufferMapPoolPages = 1
	// StatsPagePoolPages is what mapping one statistics page takes from the
	// caller's pool.
	StatsPagePoolPages = 1
	// PartitionPoolPages is what creating a partition takes from its
	// creator's pool, InitializePoolPages what initializing it takes from
	// its own, VPPoolPages what a VP takes from its partition's.
	PartitionPoolPages  = 1
	InitializePoolPages = 1
	VPPoolPages         = 1
	// RegionPages is how many GPA pages share one page-table page, which
	// mapping takes from the target's pool while any page of the region is
	// mapped.
	RegionPages = 512
)

// EventLogPoolPages is how many pages of the root's memory pool an event-log
// group of that many buffers, each of that many pages, takes once every
// buffer is created and mapped: the group's bookkeeping, the buffers'
// pages, and each mapping's bookkeeping.
func EventLogPoolPages(buffers, pages int) int {
	return GroupPoolPages + buffers*(pages+BufferMapPoolPages)
}
