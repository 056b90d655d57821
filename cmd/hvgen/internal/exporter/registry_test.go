package exporter

import (
	"sync"
	"testing"

	"github.com/hvgen/hvgen/spec"
)

var (
	regOnce sync.Once
	reg     *spec.Registry
	regErr  error
)

// registry is the built-in registry, loaded once.
func registry(t testing.TB) *spec.Registry {
	t.Helper()
	regOnce.Do(func() { reg, regErr = spec.Load(spec.Embedded(), "(built-in)") })
	if regErr != nil {
		t.Fatal(regErr)
	}
	return reg
}
