// Package stats reads hypervisor statistics pages in place. A page is laid
// out one of two ways, and the ABI version's descriptors (a generated
// StatsGroups table) say which:
//
//   - grouped (the 2013 reference's "Format of Statistics Pages"): a
//     sequence of groups, each an 8-byte header (type, version, length) and
//     its 64-bit counters, ended by an all-zero header;
//   - flat (linux-7.0's hv_stats_page, abi.StatsGroup.Flat): one array of
//     64-bit counters, counter i in slot i, with no headers.
//
// Parse checks the page against its layout once and indexes the groups (a
// flat page is one group, of type FlatGroup); counters are then read in
// O(1) by group type and slot, atomically, since the hypervisor updates them
// while the page is mapped. Group types and slots are the generated
// constants (wdk2013.StatisticsGroupVpaID, linux70.VPCountersVPTotalRunTime).
//
// The zero Page, and a nil one, has no groups: every read reports that the
// counter is missing.
package stats

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/hvgen/hvgen/runtime/abi"
)

// PageSize is the size of a statistics page.
const PageSize = 4096

const headerSize = 8

// FlatGroup is the type of the one group of a flat page. No grouped page
// has a group of this type (type 0 ends a grouped page's list), so code
// that walks Page.Groups reads both layouts alike.
const FlatGroup abi.StatsGroupType = 0

// CorruptError is a page whose bytes break the format.
type CorruptError struct {
	Offset int
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("stats: page byte %#x: %s", e.Offset, e.Reason)
}

// ErrIncompatible is wrapped by errors for a group whose version the
// descriptor does not accept (a different major version, or an older minor).
var ErrIncompatible = errors.New("stats: incompatible group version")

// Object is the type of a stats object identifier: a generated package's
// StatsObjectType (HV_STATS_OBJECT_TYPE), such as wdk2013.StatsObjectVP. A
// bare integer does not satisfy it (it has no String method), so a page is
// never parsed against a number whose meaning the caller did not name.
type Object interface {
	~uint32
	String() string
}

// Group is one group found on a page.
type Group struct {
	Type         abi.StatsGroupType // e.g. wdk2013.StatisticsGroupVpaID; FlatGroup on a flat page
	Major, Minor uint16             // the version in the group header (0.0 on a flat page)
	Offset       int                // byte offset of the group header (0 on a flat page: slot 0 is no counter)
	NumCounters  int                // the 64-bit counters after the header: slots 1 to NumCounters
	Desc         *abi.StatsGroup    // the descriptor of the group; nil when the version has none

	// Deprecated: Counters is NumCounters, under the name it had before
	// Page.Counters returned a group's counters; it goes in the next release.
	Counters int
}

// Page is an indexed statistics page.
type Page struct {
	mem    []byte
	Groups []Group
	flat   bool
	byType [16]int8 // group type -> index+1 in Groups, for the small types pages use
	other  map[abi.StatsGroupType]int
}

// Parse indexes a page. known are the descriptors of the ABI version (a
// generated StatsGroups table): when one of them lays the object's page out
// flat, the page is read flat; otherwise its group headers are walked, and
// a group they describe must have the same major version and at least their
// minor one. A mapped page is page-aligned and read in place; page memory
// that is not 8-byte aligned is copied first (the Page then reads the copy).
func Parse[O Object](page []byte, object O, known []abi.StatsGroup) (*Page, error) {
	if uintptr(unsafe.Pointer(unsafe.SliceData(page)))%8 != 0 {
		words := make([]uint64, (len(page)+7)/8)
		aligned := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(words))), len(page))
		copy(aligned, page)
		page = aligned
	}
	if len(page) < headerSize {
		return nil, &CorruptError{Offset: 0, Reason: fmt.Sprintf("%d bytes, shorter than a group header", len(page))}
	}
	for i := range known {
		if d := &known[i]; d.Flat && d.Object == uint32(object) {
			return parseFlat(page, d)
		}
	}
	p := &Page{mem: page}
	for off := 0; ; {
		if off+headerSize > len(page) {
			return nil, &CorruptError{Offset: off, Reason: "no end-of-list header before the end of the page"}
		}
		typ := abi.StatsGroupType(le16(page[off:]))
		minor, major := le16(page[off+2:]), le16(page[off+4:])
		length := int(le16(page[off+6:]))
		if typ == 0 && minor == 0 && major == 0 && length == 0 {
			break
		}
		switch {
		case length%8 != 0:
			return nil, &CorruptError{Offset: off, Reason: fmt.Sprintf("group %d length %d not a multiple of 8", typ, length)}
		case off+headerSize+length > len(page):
			return nil, &CorruptError{Offset: off, Reason: fmt.Sprintf("group %d of %d bytes runs past the page", typ, length)}
		case p.index(typ) >= 0:
			return nil, &CorruptError{Offset: off, Reason: fmt.Sprintf("group %d appears twice", typ)}
		}
		g := Group{Type: typ, Major: major, Minor: minor, Offset: off, NumCounters: length / 8, Counters: length / 8}
		for i := range known {
			if d := &known[i]; d.HasID && d.Object == uint32(object) && d.ID == typ {
				g.Desc = d
				if major != d.Major || minor < d.Minor {
					return nil, fmt.Errorf("%w: group %s (type %d) is version %d.%d, this build reads %d.%d",
						ErrIncompatible, d.Name, typ, major, minor, d.Major, d.Minor)
				}
			}
		}
		p.add(g)
		off += headerSize + length
	}
	return p, nil
}

// parseFlat indexes a flat page: one group over the whole page, whose
// descriptor's counters must all have their slot on it.
func parseFlat(page []byte, d *abi.StatsGroup) (*Page, error) {
	n := len(page)/8 - 1
	for _, c := range d.Counters {
		if c.Index < 1 || c.Index > n {
			return nil, &CorruptError{Offset: 8 * max(c.Index, 0), Reason: fmt.Sprintf("a flat page of %d bytes has no slot %d for counter %s of %s", len(page), c.Index, c.Name, d.Name)}
		}
	}
	p := &Page{mem: page, flat: true}
	p.add(Group{Type: FlatGroup, NumCounters: n, Counters: n, Desc: d})
	return p, nil
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }

func (p *Page) add(g Group) {
	p.Groups = append(p.Groups, g)
	if int(g.Type) < len(p.byType) {
		p.byType[g.Type] = int8(len(p.Groups))
		return
	}
	if p.other == nil {
		p.other = map[abi.StatsGroupType]int{}
	}
	p.other[g.Type] = len(p.Groups) - 1
}

func (p *Page) index(typ abi.StatsGroupType) int {
	if p == nil {
		return -1
	}
	if int(typ) < len(p.byType) {
		return int(p.byType[typ]) - 1
	}
	if i, ok := p.other[typ]; ok {
		return i
	}
	return -1
}

// Flat reports whether the page is laid out flat (one array of counters).
func (p *Page) Flat() bool { return p != nil && p.flat }

// Counter reads counter slot (1-based, slot 0 is the header) of the group of
// that type (FlatGroup on a flat page). ok is false when the page has no
// such group or the group has fewer counters (an older minor version).
func (p *Page) Counter(typ abi.StatsGroupType, slot int) (v uint64, ok bool) {
	i := p.index(typ)
	if i < 0 || slot < 1 || slot > p.Groups[i].NumCounters {
		return 0, false
	}
	return atomic.LoadUint64((*uint64)(unsafe.Pointer(&p.mem[p.Groups[i].Offset+8*slot]))), true
}

// Counters is one group's counters in place, for reading many of them with
// one group lookup. The zero Counters has none.
type Counters struct {
	words []uint64 // the group's 64-bit slots; slot 0 is the header
}

// Counters returns the counters of the group of that type (FlatGroup on a
// flat page); ok is false when the page has no such group (the zero
// Counters then has none).
func (p *Page) Counters(typ abi.StatsGroupType) (c Counters, ok bool) {
	i := p.index(typ)
	if i < 0 {
		return Counters{}, false
	}
	// Parse checked that the header and NumCounters slots lie inside the
	// page and the page is 8-byte aligned; group offsets are multiples of 8.
	g := &p.Groups[i]
	return Counters{words: unsafe.Slice((*uint64)(unsafe.Pointer(&p.mem[g.Offset])), g.NumCounters+1)}, true
}

// Group returns the counters of the group of that type.
//
// Deprecated: use Counters, the same method named for what it returns; Group
// goes in the next release.
func (p *Page) Group(typ abi.StatsGroupType) (c Counters, ok bool) { return p.Counters(typ) }

// Len is the number of counters (the highest valid slot).
func (c Counters) Len() int { return max(len(c.words)-1, 0) }

// Load reads counter slot (1..Len) atomically; ok is false outside that range.
func (c Counters) Load(slot int) (v uint64, ok bool) {
	if slot < 1 || slot >= len(c.words) {
		return 0, false
	}
	return atomic.LoadUint64(&c.words[slot]), true
}

// Snapshot is a copy of a page's counters at a moment. The zero Snapshot
// has no counters.
type Snapshot struct {
	Time time.Time
	page *Page
}

// Snapshot copies the counters now.
func (p *Page) Snapshot(now time.Time) Snapshot {
	if p == nil || len(p.mem) < 8 {
		return Snapshot{Time: now}
	}
	mem := make([]uint64, len(p.mem)/8)
	for i := range mem {
		mem[i] = atomic.LoadUint64((*uint64)(unsafe.Pointer(&p.mem[8*i])))
	}
	cp := *p
	cp.mem = unsafe.Slice((*byte)(unsafe.Pointer(&mem[0])), len(mem)*8)
	return Snapshot{Time: now, page: &cp}
}

// Counter reads a counter of the snapshot.
func (s Snapshot) Counter(typ abi.StatsGroupType, slot int) (uint64, bool) {
	return s.page.Counter(typ, slot)
}

// Rate is a counter's change per second from prev to s; ok is false when the
// counter is missing from either or no time passed.
func (s Snapshot) Rate(prev Snapshot, typ abi.StatsGroupType, slot int) (float64, bool) {
	a, ok1 := prev.Counter(typ, slot)
	b, ok2 := s.Counter(typ, slot)
	dt := s.Time.Sub(prev.Time).Seconds()
	if !ok1 || !ok2 || dt <= 0 {
		return 0, false
	}
	return float64(b-a) / dt, true
}
