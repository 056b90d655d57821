package exporter

import (
	"errors"
	"fmt"
)

// Object names one statistics object.
type Object struct {
	Type      uint32 // the HV_STATS_OBJECT_TYPE value
	Partition uint64 // partition and VP objects
	Index     uint32 // the LP or VP index
}

// A Source is a hypervisor whose statistics pages the exporter reads.
type Source interface {
	// Objects appends the objects that exist now to buf.
	Objects(buf []Object) ([]Object, error)
	// Page returns the object's mapped page, mapping it on first use. The
	// memory stays the hypervisor's: the collector reads it in place. An
	// error should be a *PageError.
	Page(o Object) ([]byte, error)
	// Release unmaps the page of an object that is gone.
	Release(o Object)
	// Close unmaps every page.
	Close() error
}

// Reasons a page could not be read, the values of the error metric's reason
// label.
const (
	ReasonMap      = "map"      // mapping the page failed
	ReasonUnmapped = "unmapped" // the page went away (the object vanished while mapped)
	ReasonCorrupt  = "corrupt"  // the page is not a page
	ReasonList     = "list"     // the source could not list its objects
)

// PageError is a page the source could not provide.
type PageError struct {
	Reason string
	Err    error
}

func (e *PageError) Error() string { return e.Reason + ": " + e.Err.Error() }
func (e *PageError) Unwrap() error { return e.Err }

// reasonOf is the reason label for err.
func reasonOf(err error) string {
	if pe, ok := errors.AsType[*PageError](err); ok {
		return pe.Reason
	}
	return ReasonMap
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
		return fmt.Sprintf("partition %d", o.Partition)
	case k == kindVP:
		return fmt.Sprintf("partition %d vp %d", o.Partition, o.Index)
	}
	return "hypervisor"
}
