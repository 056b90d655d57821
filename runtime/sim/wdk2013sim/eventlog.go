//go:build amd64 || arm64

package wdk2013sim

import (
	"context"
	"time"

	"github.com/hvgen/hvgen/generated/wdk2013"
	"github.com/hvgen/hvgen/runtime/sim/internal/engine"
)

// EventLog is the simulated hypervisor's event log: the buffer groups the
// event-log calls set up, the events the hypervisor logs into them, and the
// buffers-ready messages it posts to the root partition. It has a lock of
// its own: events are logged while calls run.
type EventLog struct{ e *engine.EventLog }

// EventLog returns the hypervisor's event log.
func (h *Hypervisor) EventLog() *EventLog { return &EventLog{e: h.e.EventLog()} }

// TSCFrequency is the TSC frequency the event log's TSC time basis counts at.
func (h *Hypervisor) TSCFrequency() uint64 { return h.e.TSCFrequency() }

// Log records one event of a type from a logical processor, as the
// hypervisor would when the source is enabled. It returns false when the
// event is not recorded: logging of the type is off (no group or no source
// enabled), the entry is larger than a buffer, or no buffer is free (then it
// is counted in the next buffer's EventsLost).
func (l *EventLog) Log(t wdk2013.EventLogType, lp int, entry wdk2013.EntryType, context uint32, params ...uint64) bool {
	return l.e.Log(uint32(t), lp, uint16(entry), context, params...)
}

// Buffer returns a copy of an event-log buffer's memory, or nil.
func (l *EventLog) Buffer(t wdk2013.EventLogType, index wdk2013.EventLogBufferIndex) []byte {
	return l.e.Buffer(uint32(t), uint32(index))
}

// PendingLost returns the events lost that no buffer header reports yet
// (they go into the EventsLost of the next buffer to become in use).
func (l *EventLog) PendingLost(t wdk2013.EventLogType) uint64 { return l.e.PendingLost(uint32(t)) }

// NextMessage waits for the next buffers-ready message posted to the root
// partition, or returns false when none is pending and wait is false.
func (l *EventLog) NextMessage(wait bool) (wdk2013.EventLogMessagePayload, bool) {
	t, i, ok := l.e.NextMessage(wait)
	return wdk2013.EventLogMessagePayload{EventLogType: wdk2013.EventLogType(t), BufferIndex: wdk2013.EventLogBufferIndex(i)}, ok
}

// Stream logs events of the documented entry types (wdk2013.EventEntries,
// each with as many parameters as it documents) at about perSecond events a
// second, spread over the logical processors, until ctx is done. It advances
// the reference time with the events and returns how many were logged and
// how many were not (logging off, or no free buffer).
func (l *EventLog) Stream(ctx context.Context, t wdk2013.EventLogType, perSecond int, seed uint64) (logged, dropped int) {
	return l.e.Stream(ctx, uint32(t), perSecond, seed)
}

// Source logs events of the documented entry types in simulated time: each
// Next moves the reference time on by 1/perSecond of a second and logs one
// event there, so a run is as fast as the CPU allows and the same seed gives
// the same events.
type Source struct{ s *engine.Source }

// NewSource starts a source of perSecond events per simulated second.
func (l *EventLog) NewSource(t wdk2013.EventLogType, perSecond int, seed uint64) *Source {
	return &Source{s: l.e.NewSource(uint32(t), perSecond, seed)}
}

// Next logs the next event and says whether it was recorded.
func (s *Source) Next() bool { return s.s.Next() }

// Elapsed is the simulated time since the source started.
func (s *Source) Elapsed() time.Duration { return s.s.Elapsed() }

// Logged counts the events Next recorded.
func (s *Source) Logged() int { return s.s.Logged }

// Dropped counts the events Next did not record (see EventLog.Log).
func (s *Source) Dropped() int { return s.s.Dropped }
