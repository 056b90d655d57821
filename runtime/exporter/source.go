package exporter

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Object names one statistics object.
type Object struct {
	Type      uint32 // ObjectHypervisor, ObjectLP, ObjectPartition or ObjectVP
	Partition uint64 // partition and VP objects: the partition id, or SelfPartition
	Index     uint32 // the LP or VP index
}

// SelfPartition is the partition id of a partition that knows itself only
// as itself: HV_PARTITION_ID_SELF (all ones; linux-7.0's
// include/hyperv/hvgdk_mini.h, in the registry). The kernel's debugfs tree
// names an L1VH host's own partition "self" (drivers/hv/mshv_debugfs.c:411-412
// @ d4eb7b2da66c), and its metrics carry partition="self".
const SelfPartition = ^uint64(0)

// A Source is a hypervisor whose statistics the collector reads: it lists
// the objects that exist and reads each one's counters into a Values, from
// the object's statistics page or from the kernel's debugfs file.
type Source interface {
	// Objects appends the objects that exist now to buf. On an error the
	// objects appended are still read, and no object is released.
	Objects(buf []Object) ([]Object, error)
	// Read reads the object's counters into v (v.Page or v.Text). An error
	// should be a *ReadError; what v took before it is still served.
	Read(o Object, v *Values) error
	// Release forgets an object the last listing left out (a page source
	// unmaps its page).
	Release(o Object)
	// Close releases everything.
	Close() error
}

// Reasons an object could not be read, the values of the error metric's
// reason label.
const (
	ReasonList       = "list"       // the source could not list its objects (object="all")
	ReasonMap        = "map"        // mapping the page failed
	ReasonUnmapped   = "unmapped"   // the page went away (the object vanished while mapped)
	ReasonCorrupt    = "corrupt"    // the page is not a page, or its groups do not parse
	ReasonVanished   = "vanished"   // the object's file went away between the listing and the read
	ReasonPermission = "permission" // the file may not be read (EACCES: not root)
	ReasonRead       = "read"       // reading the file failed otherwise
	ReasonTruncated  = "truncated"  // the file ends in the middle of a line
	ReasonMalformed  = "malformed"  // a line is not "Name: value"
)

// PageReasons and FileReasons are the reasons a page source and a file
// source give; the collector serves each at 0 from the first scrape.
var (
	PageReasons = []string{ReasonMap, ReasonUnmapped, ReasonCorrupt}
	FileReasons = []string{ReasonVanished, ReasonPermission, ReasonRead, ReasonTruncated, ReasonMalformed}
)

// A Reasoner is a Source that says which error reasons it gives; the
// collector serves those at 0 before any happens. A Source that is no
// Reasoner gets every reason.
type Reasoner interface {
	Reasons() []string
}

// ReadError is an object whose counters could not be read, or not all.
type ReadError struct {
	Reason string
	Err    error
}

func (e *ReadError) Error() string { return e.Reason + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e *ReadError) Unwrap() error { return e.Err }

// reasonsOf are the reasons of the read errors in err (joined or not), each
// once; an error that is no *ReadError counts as ReasonRead.
func reasonsOf(err error, buf []string) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			buf = reasonsOf(e, buf)
		}
		return buf
	}
	r := ReasonRead
	var re *ReadError
	if errors.As(err, &re) {
		r = re.Reason
	}
	if !slices.Contains(buf, r) {
		buf = append(buf, r)
	}
	return buf
}

// String names the object as log lines do.
func (o Object) String() string {
	k, ok := kindOf(o.Type)
	switch {
	case !ok:
		return fmt.Sprintf("object type %#x", o.Type)
	case k == kindLP:
		return fmt.Sprintf("lp %d", o.Index)
	case k == kindPartition:
		return "partition " + partitionLabel(o.Partition)
	case k == kindVP:
		return fmt.Sprintf("partition %s vp %d", partitionLabel(o.Partition), o.Index)
	}
	return "hypervisor"
}

// Values takes one object's counter values at a scrape: from its
// statistics page in memory (Page) or from the lines the kernel's debugfs
// file prints (Text). The collector hands one to Source.Read.
type Values struct {
	t  *Table
	k  kind
	st *objState
}

// Page reads the object's counters from its statistics page, a flat page
// or one of groups as the table says, in place: the hypervisor may write
// it while it is read. The page must be 4096 bytes, 8-byte aligned.
func (v *Values) Page(page []byte) error {
	t, k, st := v.t, v.k, v.st
	slots := t.slots[k]
	if t.grouped {
		if !st.layout.holds(page) {
			if err := st.layout.locate(page, t, k); err != nil {
				return &ReadError{Reason: ReasonCorrupt, Err: err}
			}
		}
		slots = st.layout.slots
	}
	if err := walk(page, slots, t.scales[k], st.values); err != nil {
		return &ReadError{Reason: ReasonCorrupt, Err: err}
	}
	for _, i := range st.layout.missing {
		st.values[i] = math.NaN() // no value: the page lacks the counter's group
	}
	st.decoded = true
	return nil
}

// Text reads the object's counters from data, the contents of the kernel's
// debugfs file for the object (named file, for errors): one "Name: value"
// line per counter, the name padded with spaces, the value in decimal
// (drivers/hv/mshv_debugfs.c:51 @ d4eb7b2da66c and the three other show
// functions). A name the table does not know is kept as an unknown counter;
// a malformed line is skipped and a last line without its newline dropped,
// each reported once in a joined error naming file:line; every other line
// is taken.
func (v *Values) Text(file string, data []byte) error {
	t, k, st := v.t, v.k, v.st
	for i := range st.values {
		st.values[i] = math.NaN()
	}
	st.unknown = st.unknown[:0]
	var malformed, truncated error
	for line := 1; len(data) > 0; line++ {
		nl := bytes.IndexByte(data, '\n')
		if nl < 0 {
			truncated = &ReadError{Reason: ReasonTruncated, Err: fmt.Errorf("%s:%d: the file ends in the middle of a line (%q)", file, line, clip(data))}
			break
		}
		l := data[:nl]
		data = data[nl+1:]
		name, value, ok := parseLine(l)
		if !ok {
			if malformed == nil {
				malformed = &ReadError{Reason: ReasonMalformed, Err: fmt.Errorf("%s:%d: not a \"Name: value\" line: %q", file, line, clip(l))}
			}
			continue
		}
		st.decoded = true
		if i, ok := t.byName[k][string(name)]; ok {
			st.values[i] = float64(value) * t.scales[k][i]
			continue
		}
		if t.reserved[k][string(name)] {
			continue
		}
		st.unknown = append(st.unknown, unknownValue{name: string(name), value: float64(value)})
	}
	return errors.Join(malformed, truncated)
}

// clip shortens a line for an error message.
func clip(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

// parseLine splits one line of a debugfs statistics file, "Name: value" with
// the name padded by spaces to the column of its object type, into the name
// and the value. The name is one or more printable ASCII characters other
// than space and colon; the value one to twenty decimal digits that fit in
// 64 bits, after ": ".
func parseLine(l []byte) (name []byte, value uint64, ok bool) {
	i := 0
	for i < len(l) && l[i] > ' ' && l[i] < 0x7f && l[i] != ':' {
		i++
	}
	if i == 0 {
		return nil, 0, false
	}
	name = l[:i]
	for i < len(l) && l[i] == ' ' {
		i++
	}
	if i+2 > len(l) || l[i] != ':' || l[i+1] != ' ' {
		return nil, 0, false
	}
	digits := l[i+2:]
	if len(digits) == 0 || len(digits) > 20 {
		return nil, 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return nil, 0, false
		}
		d := uint64(c - '0')
		if value > (math.MaxUint64-d)/10 {
			return nil, 0, false
		}
		value = value*10 + d
	}
	return name, value, true
}

// partitionLabel is a partition's label value: its id, or self.
func partitionLabel(id uint64) string {
	if id == SelfPartition {
		return "self"
	}
	return fmt.Sprint(id)
}

// unknownValue is a counter a file has and the table does not.
type unknownValue struct {
	name  string
	value float64
}
