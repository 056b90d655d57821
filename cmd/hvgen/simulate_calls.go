package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/hvgen/hvgen/runtime/sim/linux70sim"
	"github.com/hvgen/hvgen/runtime/sim/tlfssim"
	"github.com/hvgen/hvgen/runtime/sim/wdk2013sim"
)

// simVersions are the simulated hypervisor's packages, by the version they
// serve: what -calls lists.
var simVersions = map[string]func() (modelled []string, unmodelled map[string]string){
	wdk2013sim.Version: wdk2013sim.Calls,
	tlfssim.Version:    tlfssim.Calls,
	linux70sim.Version: linux70sim.Calls,
}

// callsFlags are the simulate flags that list what the sim models instead of
// running it.
type callsFlags struct {
	fs         *flag.FlagSet
	calls, all *bool
	version    *string
}

func addCallsFlags(fs *flag.FlagSet) callsFlags {
	f := callsFlags{
		fs:      fs,
		calls:   fs.Bool("list-calls", false, "print the hypercalls the sim models for -version, one name a line, and exit"),
		all:     fs.Bool("all", false, "with -list-calls, also print each call the sim does not model, as NAME: not modelled: reason"),
		version: fs.String("version", "wdk-2013", "with -list-calls, the ABI `version` whose calls to list (wdk-2013, tlfs or linux-7.0)"),
	}
	// -calls was this mode's name; gen -calls is a list of hypercalls.
	deprecated(fs, "calls", "-list-calls", "", func(v string) error { return fs.Set("list-calls", v) })
	return f
}

// run prints the list when -list-calls is set and reports whether it did.
func (f callsFlags) run(stdout io.Writer) (bool, error) {
	if !*f.calls {
		if *f.all {
			return true, usageError{"-all needs -list-calls"}
		}
		versionSet := false
		f.fs.Visit(func(fl *flag.Flag) { versionSet = versionSet || fl.Name == "version" })
		if versionSet {
			// A recording is always of the 2013 event log; say so rather
			// than ignore the flag.
			return true, usageError{"-version needs -list-calls (the simulated event log is the wdk-2013 one)"}
		}
		return false, nil
	}
	calls := simVersions[*f.version]
	if calls == nil {
		var have []string
		for v := range simVersions {
			have = append(have, v)
		}
		sort.Strings(have)
		return true, usageError{fmt.Sprintf("-version: the simulator has no version %q (have %s)", *f.version, strings.Join(have, ", "))}
	}
	modelled, unmodelled := calls()
	for _, n := range modelled {
		fmt.Fprintln(stdout, n)
	}
	if *f.all {
		var names []string
		for n := range unmodelled {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(stdout, "%s: not modelled: %s\n", n, unmodelled[n])
		}
	}
	return true, nil
}
