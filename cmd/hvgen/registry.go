package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hvgen/hvgen/spec"
	"github.com/hvgen/hvgen/spec/layout"
)

// specDirs is the repeatable -spec flag: a registry directory, then overlays.
type specDirs []string

func (s *specDirs) String() string { return strings.Join(*s, ",") }
func (s *specDirs) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// registryFlags are the flags every command that reads the registry takes.
type registryFlags struct {
	dirs     specDirs
	overlays specDirs
}

func (rf *registryFlags) register(fs *flag.FlagSet) {
	fs.Var(&rf.dirs, "spec", "registry `dir`ectory; repeat to add overlay directories on top (default ./spec, or the registry built into hvgen when ./spec does not exist)")
	fs.Var(&rf.overlays, "overlay", "`dir`ectory of extra registry files (a downstream module's own types and hypercalls) loaded on top of the registry; repeatable")
}

// load reads, checks and lays out the registry (layout.Load: what hvgen
// check does). Registry errors are printed to stderr, one per line, and
// turned into exit status 1.
func (rf *registryFlags) load(stderr io.Writer) (*layout.ABI, error) {
	var srcs []spec.Source
	dirs := rf.dirs
	if len(dirs) == 0 {
		if st, serr := os.Stat("spec"); serr == nil && st.IsDir() {
			dirs = specDirs{"spec"}
		} else {
			srcs = append(srcs, spec.Source{FS: spec.Embedded(), Prefix: "(built-in)"})
		}
	}
	for _, d := range append(dirs, rf.overlays...) {
		if d == "" {
			// An empty value (an unset variable in a script) names nothing.
			return nil, usageError{"-spec and -overlay: want a directory, not an empty name"}
		}
		st, serr := os.Stat(d)
		if serr != nil {
			return nil, serr
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("%s: not a directory", d)
		}
		srcs = append(srcs, spec.Source{FS: os.DirFS(d), Prefix: d})
	}
	a, err := layout.Load(srcs...)
	var list spec.ErrorList
	if err != nil && !errors.As(err, &list) {
		return nil, err
	}
	if len(list) > 0 {
		for _, e := range list {
			fmt.Fprintln(stderr, e)
		}
		fmt.Fprintf(stderr, "%d error(s)\n", len(list))
		return nil, exitError(1)
	}
	return a, nil
}

// view returns one version, or a usage error naming the versions.
func view(a *layout.ABI, v string) (*layout.Version, error) {
	if ver := a.Version(v); ver != nil {
		return ver, nil
	}
	names := a.Registry.VersionNames()
	return nil, usageError{fmt.Sprintf("unknown version %q (the registry has %s)", v, strings.Join(names, ", "))}
}
