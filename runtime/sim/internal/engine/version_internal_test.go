package engine

import (
	"testing"

	hv "github.com/hvgen/hvgen/generated/wdk2013"
)

// Every call a version's model or reason table names is a call of that
// version's registry table, and every model has a handler: buildVersion
// looks the names up from the table, so a misspelt or removed name would
// drop its handler (or reason) silently.
func TestModelNamesAreCalls(t *testing.T) {
	for _, tc := range []struct {
		version string
		model   map[string]model
		why     map[string]string
	}{{"wdk-2013", wdkModel(), wdkUnmodelled}, {"tlfs", tlfsModel(), tlfsUnmodelled}, {"linux-7.0", linuxModel(), linuxUnmodelled}} {
		v := versions[tc.version]
		names := map[string]bool{}
		for _, d := range v.table {
			names[d.Name] = true
		}
		for n, m := range tc.model {
			if !names[n] {
				t.Errorf("%s: modelled call %s is not in the version's table", tc.version, n)
			}
			if m.h == nil {
				t.Errorf("%s: modelled call %s has no handler", tc.version, n)
			}
		}
		for n := range tc.why {
			if !names[n] {
				t.Errorf("%s: unmodelled call %s is not in the version's table", tc.version, n)
			}
			if _, ok := tc.model[n]; ok {
				t.Errorf("%s: %s is both modelled and given a reason", tc.version, n)
			}
		}
	}
}

// TestStatusNumbersAgree: the engine answers with the hypervisor's status
// numbers (the 2013 reference's); every version that names one of the
// statuses a handler returns gives it the same number, so a version's
// Status type reads the answer right.
func TestStatusNumbersAgree(t *testing.T) {
	returned := []hv.Status{hv.StatusSuccess, hv.StatusInvalidHypercallCode, hv.StatusInvalidHypercallInput,
		hv.StatusInvalidAlignment, hv.StatusInvalidParameter, hv.StatusAccessDenied, hv.StatusInvalidPartitionState,
		hv.StatusOperationDenied, hv.StatusUnknownProperty, hv.StatusPropertyValueOutOfRange, hv.StatusInsufficientMemory,
		hv.StatusPartitionTooDeep, hv.StatusInvalidPartitionID, hv.StatusInvalidVPIndex, hv.StatusInvalidPortID,
		hv.StatusInvalidConnectionID, hv.StatusInsufficientBuffers, hv.StatusNotAcknowledged, hv.StatusAcknowledged,
		hv.StatusInvalidSynicState, hv.StatusObjectInUse, hv.StatusNoResources}
	for _, name := range Versions() {
		v := versions[name]
		for _, st := range returned {
			other := v.enc.Status(uint16(st))
			if s, ok := other.(interface{ String() string }); ok && known(s.String()) && s.String() != st.String() {
				t.Errorf("%s: status %#x is %s there, %s in the engine", name, uint16(st), s, st)
			}
		}
	}
}
