package gogen

import (
	"testing"

	"github.com/hvgen/hvgen/spec"
)

// Every counter kind and unit the registry allows has its runtime/abi
// constant, so the generated StatsGroups carry each counter's kind and unit.
func TestCounterKindsAndUnits(t *testing.T) {
	for _, k := range spec.CounterKinds {
		if counterKinds[k] == "" {
			t.Errorf("counter kind %q has no abi constant", k)
		}
	}
	for _, u := range spec.CounterUnits {
		if counterUnits[u] == "" {
			t.Errorf("counter unit %q has no abi constant", u)
		}
	}
	if len(counterKinds) != len(spec.CounterKinds) || len(counterUnits) != len(spec.CounterUnits) {
		t.Errorf("constants for %d kinds and %d units; the registry allows %d and %d", len(counterKinds), len(counterUnits), len(spec.CounterKinds), len(spec.CounterUnits))
	}
}
