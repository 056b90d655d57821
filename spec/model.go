// Package spec loads the hvgen registry into a plain data model and checks it.
//
// The registry is a directory of YAML files, one per area of the ABI. Each file
// lists items (types, constants, statuses, hypercalls, event-log groups,
// statistics groups, ioctls, aliases); each item has its ABI name, the versions
// that have it, a description and the reference it comes from (ref). Every
// problem is reported with its file:line. The full format is defined in
// spec/README.md in hvgen's repository.
//
// The model is produced once by Load and never modified afterwards: every later
// stage (layout, emitters, export, diff) reads it.
package spec

import "slices"

// Pos is a position in a registry file.
type Pos struct {
	File      string
	Line, Col int
}

// Item is what every registry item has.
type Item struct {
	Name     string
	Versions []string // ABI versions that have the item
	Doc      string
	Refs     []string // reference pages, relative to the reference root
	Area     string   // the area of the file that declares the item
	Pos      Pos
}

// In reports whether the item belongs to ABI version v.
func (it *Item) In(v string) bool { return slices.Contains(it.Versions, v) }

// Kind is the kind of a type.
type Kind string

// Type kinds.
const (
	KindPrimitive Kind = "primitive" // built in: UINT8 ... INT64, BOOLEAN
	KindAlias     Kind = "alias"
	KindStruct    Kind = "struct"
	KindUnion     Kind = "union"
	KindEnum      Kind = "enum"
	KindFlags     Kind = "flags"
	KindBitfield  Kind = "bitfield"
	// KindOpaque is a type the reference names without members we can lay
	// out: it is carried for its name and description only, has no size,
	// and nothing may use it as a field or parameter type.
	KindOpaque Kind = "opaque"
)

// Type is a named ABI type, or an inline nested aggregate or bitfield (then
// Name is empty and the type lives in a Field's Nested).
type Type struct {
	Item
	Kind   Kind
	Base   string   // alias, enum, flags, bitfield: the underlying type
	Size   *int64   // struct, union: the size the reference states, if any
	Packed bool     // struct, union (also inline ones): members are not aligned (C __attribute__((packed)))
	Fields []*Field // struct, union
	Values []*Value // enum, flags
	Bits   []*Bit   // bitfield
	Role   string   // bitfield: hypercall_input or hypercall_output (see Roles)
	Arch   []string // the architectures declaring the type this way (see Arches); empty: all
}

// Arches are the architectures the hypervisor defines. A type declared
// differently for one of them has one item per architecture, each naming its
// arch; every other item holds for both.
var Arches = []string{"x64", "arm64"}

// OnArch reports whether the type holds on architecture a.
func (t *Type) OnArch(a string) bool { return len(t.Arch) == 0 || slices.Contains(t.Arch, a) }

// Field is a member of a struct or union.
type Field struct {
	Name     string // empty for an anonymous nested struct or union
	Type     string // a type name; for an inline bitfield, its container; empty when Nested is a struct or union
	Nested   *Type  // inline struct, union or bitfield
	Count    int64  // fixed array length; 0 when not an array
	Flexible bool   // trailing variable-length array
	Offset   *int64 // stated offset, if any
	Size     *int64 // stated size, if any
	Reserved bool
	Padding  bool
	Doc      string
	Pos      Pos
}

// Value is an enumeration or flag value.
type Value struct {
	Name  string
	Value uint64
	Alias bool // another name for a value already listed (e.g. a ...Maximum marker)
	Doc   string
	Pos   Pos
}

// Bit is a range of bits inside a bitfield's integer.
type Bit struct {
	Name     string
	Bit      int
	Width    int
	Type     string // optional: the enum or alias the bits hold
	Role     string // in a hypercall_input/output type: which field of the value this is
	Reserved bool
	Doc      string
	Pos      Pos
}

// Constant is a named number.
type Constant struct {
	Item
	Value *uint64  // nil when the reference names the constant without a value
	Type  string   // optional
	Arch  []string // the architectures that define it so (a header's #if branches); empty: all
}

// OnArch reports whether the constant holds on architecture a.
func (c *Constant) OnArch(a string) bool { return len(c.Arch) == 0 || slices.Contains(c.Arch, a) }

// Status is an HV_STATUS code.
type Status struct {
	Item
	Value *uint64 // nil when no reference gives a number
}

// Hypercall is one hypercall.
type Hypercall struct {
	Item
	Code           uint64
	Rep            bool
	Fast           bool
	VariableHeader bool
	Input          string // fixed input header type
	Output         string // fixed output type
	InputRep       string // rep input element type
	OutputRep      string // rep output element type
	Access         *Access
	Statuses       []*CallStatus
	Incomplete     string // what is not transcribed yet; generators emit no wrapper
	// Passthrough is what a driver that forwards hypercalls for its users
	// (the Linux mshv driver's MSHV_ROOT_HVCALL) does with the call, from the
	// version's driver entry for it (Driver); nil when there is none.
	Passthrough *Driver
}

// Driver is what a driver does with one of its ioctls or one hypercall it
// forwards for its users (a driver entry, written by hand from the driver's
// source): the file descriptor kinds (FdKinds) that accept the ioctl or pass
// the hypercall through, and for a hypercall whether the driver treats it as
// asynchronous (it completes a call the hypervisor answers as pending
// itself). Load links each entry to the ioctl or hypercall of the same name
// in its versions (Ioctl.Fds, Hypercall.Passthrough).
type Driver struct {
	Item
	Fds   []string
	Async bool
}

// FdKinds are the kinds of file descriptor a driver's ioctls and
// pass-through hypercalls are issued on: the device itself (system, the
// Linux mshv driver's /dev/mshv), a partition, and a virtual processor.
var FdKinds = []string{"system", "partition", "vp"}

// Ioctl directions, as Linux's _IO, _IOR, _IOW and _IOWR macros give them:
// read is the driver writing the argument for the caller, write the caller
// handing it to the driver.
var IoctlDirs = []string{"none", "read", "write", "readwrite"}

// Ioctl is one request of a driver's ioctl interface, defined by one of
// Linux's _IO/_IOR/_IOW/_IOWR macros: its direction, type (the driver's
// magic number), number, argument type and the file descriptor kinds that
// accept it. The request number itself is computed from these and the
// argument's size on each architecture (package layout); Request is the
// number the source states, when it gives one, checked against that.
type Ioctl struct {
	Item
	Dir     string   // one of IoctlDirs
	Magic   uint64   // the macro's type argument (8 bits)
	Nr      uint64   // the macro's number argument (8 bits)
	Arg     string   // the argument type; empty for dir none
	Fds     []string // FdKinds that accept the request (stated, or from the version's driver entry)
	FdRefs  []string // where the driver entry found the fds (file:line @ commit)
	Request *uint64  // the stated request number, if any
	Arch    []string // the architectures that define it so; empty: all
}

// OnArch reports whether the ioctl holds on architecture a.
func (x *Ioctl) OnArch(a string) bool { return len(x.Arch) == 0 || slices.Contains(x.Arch, a) }

// Access says who may make a hypercall.
type Access struct {
	Callers    []string
	Privileges []string
	Note       string
}

// Roles say which registry types are the hypercall input and output values and
// which of their bit ranges is which, so that a runtime can encode them without
// knowing each version's names.
var Roles = map[string][]string{
	"hypercall_input":  {"call_code", "fast", "variable_header_size", "nested", "rep_count", "rep_start_index"},
	"hypercall_output": {"status", "reps_completed"},
}

// requiredRoles are the bit roles a role type must have.
var requiredRoles = map[string][]string{
	"hypercall_input":  {"call_code", "fast", "rep_count", "rep_start_index"},
	"hypercall_output": {"status", "reps_completed"},
}

// Callers a hypercall may have.
var knownCallers = []string{"any", "root", "parent", "child", "self"}

// CallStatus is a status a hypercall returns and the conditions for it.
type CallStatus struct {
	Status string
	When   []string
	Pos    Pos
}

// EventGroup is an event-log source group and its entry types.
type EventGroup struct {
	Item
	Mask    uint64
	Entries []*EventEntry
}

// EventEntry is one event-log entry type.
type EventEntry struct {
	Name   string
	ID     uint64
	Doc    string
	Params []*Param
	Pos    Pos
}

// Param is one parameter of an event-log entry.
type Param struct {
	Name string
	Type string
	Doc  string
	Pos  Pos
}

// StatsGroup is a statistics counter group.
type StatsGroup struct {
	Item
	Object       string // HV_STATS_OBJECT_TYPE value name
	Class        string // architectural | release
	CounterEnum  string
	IDConst      string // the constant holding the group header's Type, if the reference has one
	VersionConst string // the constant holding the group's version (Minor in the low 16 bits)
	Layout       string // grouped (default: a group header, then the counters) or flat (the page is the counter array)
	Counters     []*Counter
}

// Stats page layouts.
const (
	LayoutGrouped = "grouped" // wdk-2013: groups, each a header and counters, ended by an empty header
	LayoutFlat    = "flat"    // linux-7.0 hv_stats_page: the page is one array of counters, slot i counter i
)

// Counter kinds and units: a counter only grows while its object exists, a
// gauge may go up and down (or is an id); a unit is 100ns (time in 100 ns
// units), 1 (a number of events or things), pages, or raw (the source gives
// none).
var (
	CounterKinds = []string{"counter", "gauge"}
	CounterUnits = []string{"100ns", "1", "pages", "raw"}
)

// Counter is one 64-bit statistics counter.
type Counter struct {
	Index     int64
	Name      string
	Label     string
	Type      string
	EnumValue string
	Kind      string   // counter (only grows) or gauge; empty when not given
	Unit      string   // one of CounterUnits; empty when not given
	Arch      []string // the architectures that have the counter at this index; empty: all
	Reserved  bool     // a placeholder slot with no meaning
	Refs      []string
	Doc       string
	Pos       Pos
}

// OnArch reports whether the counter is at its index on architecture a.
func (c *Counter) OnArch(a string) bool { return len(c.Arch) == 0 || slices.Contains(c.Arch, a) }

// Version is an ABI version.
type Version struct {
	Item
	Arch   []string // the architectures the version's documents describe; empty: all
	Source *Origin  // what the version was written from and what it leaves unsaid; nil: states everything
}

// Covers reports whether the version describes architecture a.
func (v *Version) Covers(a string) bool { return len(v.Arch) == 0 || slices.Contains(v.Arch, a) }

// Registry is the whole registry, or one version's view of it.
type Registry struct {
	Versions    []*Version
	Types       []*Type
	Constants   []*Constant
	Statuses    []*Status
	Hypercalls  []*Hypercall
	EventGroups []*EventGroup
	StatsGroups []*StatsGroup
	Aliases     []*Alias
	Ioctls      []*Ioctl
	Driver      []*Driver
}

// VersionNames returns the declared version names in order.
func (r *Registry) VersionNames() []string {
	var out []string
	for _, v := range r.Versions {
		out = append(out, v.Name)
	}
	return out
}

// View returns the part of the registry that ABI version v has. The items are
// shared with r, not copied.
func (r *Registry) View(v string) *Registry {
	return &Registry{
		Versions:    filter(r.Versions, func(x *Version) bool { return x.Name == v }),
		Types:       filter(r.Types, func(x *Type) bool { return x.In(v) }),
		Constants:   filter(r.Constants, func(x *Constant) bool { return x.In(v) }),
		Statuses:    filter(r.Statuses, func(x *Status) bool { return x.In(v) }),
		Hypercalls:  filter(r.Hypercalls, func(x *Hypercall) bool { return x.In(v) }),
		EventGroups: filter(r.EventGroups, func(x *EventGroup) bool { return x.In(v) }),
		StatsGroups: filter(r.StatsGroups, func(x *StatsGroup) bool { return x.In(v) }),
		Aliases:     filter(r.Aliases, func(x *Alias) bool { return x.In(v) }),
		Ioctls:      filter(r.Ioctls, func(x *Ioctl) bool { return x.In(v) }),
		Driver:      filter(r.Driver, func(x *Driver) bool { return x.In(v) }),
	}
}

// ForArch returns the part of a view that architecture a has: the types
// declared for other architectures only are left out. Items are shared.
func (r *Registry) ForArch(a string) *Registry {
	out := *r
	out.Types = filter(r.Types, func(t *Type) bool { return t.OnArch(a) })
	out.Constants = filter(r.Constants, func(c *Constant) bool { return c.OnArch(a) })
	out.Ioctls = filter(r.Ioctls, func(x *Ioctl) bool { return x.OnArch(a) })
	return &out
}

// ArchSpecific reports whether any type of the view is declared per
// architecture.
func (r *Registry) ArchSpecific() bool {
	return slices.ContainsFunc(r.Types, func(t *Type) bool { return len(t.Arch) > 0 })
}

// Type returns the named type of a version view, or a primitive, or nil. On a
// view holding both architectures' variants of a type it returns the first;
// use ForArch for one architecture's.
func (r *Registry) Type(name string) *Type {
	if p := Primitive(name); p != nil {
		return p
	}
	for _, t := range r.Types {
		if t.Name == name {
			return t
		}
	}
	return nil
}

func filter[T any](xs []T, keep func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}
