package sim

import "testing"

// Every call a version's model or reason table names is a call of that
// version's registry table: buildVersion looks the names up from the table,
// so a misspelt or removed name would drop its handler (or reason) silently.
func TestModelNamesAreCalls(t *testing.T) {
	for _, tc := range []struct {
		version string
		model   map[string]modelled
		why     map[string]string
	}{{"wdk-2013", wdkModel(), wdkUnmodelled}, {"tlfs", tlfsModel(), tlfsUnmodelled}} {
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
		}
	}
}
