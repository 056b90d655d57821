package gogen

import (
	"strings"
	"testing"

	"github.com/hvgen/hvgen/spec/layout"
)

// TestDeprecatedAliases: names the previous naming rule gave and the current
// one changed are kept as deprecated aliases of the new names, computed from
// the rule (naming.Previous), for the kinds Go can alias.
func TestDeprecatedAliases(t *testing.T) {
	abi, err := layout.LoadDir("../../../../spec")
	if err != nil {
		t.Fatal(err)
	}
	files, err := Generate(abi.Version("wdk-2013"), Options{Package: "wdk2013", Version: "wdk-2013", Command: "test"})
	if err != nil {
		t.Fatal(err)
	}
	src := string(files["zdeprecated.go"])
	for _, want := range []string{
		"type EventlogType = EventLogType",                       // HV_EVENTLOG_TYPE
		"type NotifyLongSpinwaitInput = NotifyLongSpinWaitInput", // HV_INPUT_NOTIFY_LONG_SPINWAIT
		"const X64MSRGuestOsID = X64MSRGuestOSID",                // OS, an initialism now
		"// Deprecated: use EventLogType.",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("zdeprecated.go lacks %q", want)
		}
	}
	if strings.Contains(src, "EventLogBufferStateStandby =") {
		t.Error("an alias for a name that did not change")
	}
}
