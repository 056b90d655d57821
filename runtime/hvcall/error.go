package hvcall

import (
	"errors"
	"fmt"
)

// Errors returned before any hypercall is made.
var (
	ErrInputTooLarge  = errors.New("hvcall: input parameters do not fit a page")
	ErrOutputTooLarge = errors.New("hvcall: output parameters do not fit a page")
	ErrBadRepList     = errors.New("hvcall: rep lists do not match the rep count")
	ErrNotRep         = errors.New("hvcall: rep elements passed to a simple hypercall")
	ErrHeaderTooLarge = errors.New("hvcall: variable header too large for the input value")
	ErrIncomplete     = errors.New("hvcall: the registry has no parameter layout for this hypercall")
	ErrShortInput     = errors.New("hvcall: input parameters shorter than the call's input block (nil?)")
	ErrShortOutput    = errors.New("hvcall: output buffer shorter than the call's output block (nil?)")
)

// ErrOutputListShort is returned when a call's output list was too short for
// what the hypervisor returned; the call took effect and the list holds the
// first elements.
var ErrOutputListShort = errors.New("hvcall: output list shorter than what the hypervisor returned")

// ErrNoProgress is returned when the hypervisor reports success for a rep
// call without completing any further rep; issuing it again would loop.
var ErrNoProgress = errors.New("hvcall: rep call returned without progress")

// Error is a hypercall that failed with a status other than success.
type Error struct {
	Call      string // the HV_CALL_CODE name
	Status    error  // the version's status value; errors.Is/As reach it
	Rep       int    // index of the rep element that failed; -1 for a simple call
	Completed int    // rep elements completed before the failure
	Reps      int    // rep elements requested
}

func (e *Error) Error() string {
	if e.Rep < 0 {
		return fmt.Sprintf("%s: %v", e.Call, e.Status)
	}
	return fmt.Sprintf("%s: rep %d of %d (%d completed): %v", e.Call, e.Rep, e.Reps, e.Completed, e.Status)
}

// Unwrap returns the status.
func (e *Error) Unwrap() error { return e.Status }
