package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/layout"
	"github.com/hvgen/hvgen/spec"
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
	dirs specDirs
}

func (rf *registryFlags) register(fs *flag.FlagSet) {
	fs.Var(&rf.dirs, "spec", "registry `dir`ectory; repeat to add overlay directories on top (default ./spec, or the registry built into hvgen when ./spec does not exist)")
}

// load reads and checks the registry, layouts included. Registry errors are
// printed to stderr, one per line, and turned into exit status 1.
func (rf *registryFlags) load(stderr io.Writer) (*spec.Registry, error) {
	var r *spec.Registry
	var err error
	dirs := rf.dirs
	switch {
	case len(dirs) > 0:
		r, err = spec.LoadDirs(dirs...)
	default:
		if st, serr := os.Stat("spec"); serr == nil && st.IsDir() {
			r, err = spec.LoadDir("spec")
		} else {
			r, err = spec.Load(spec.Embedded(), "(built-in)")
		}
	}
	var list spec.ErrorList
	if err != nil && !errors.As(err, &list) {
		return nil, err
	}
	if r != nil {
		list = append(list, layout.Check(r)...)
		list = list.Sort()
	}
	if len(list) > 0 {
		for _, e := range list {
			fmt.Fprintln(stderr, e)
		}
		fmt.Fprintf(stderr, "%d error(s)\n", len(list))
		return nil, exitError(1)
	}
	return r, nil
}

// view returns one version's view, or a usage error naming the versions.
func view(r *spec.Registry, v string) (*spec.Registry, error) {
	if !slices.Contains(r.VersionNames(), v) {
		return nil, usageError{fmt.Sprintf("unknown version %q (the registry has %s)", v, strings.Join(r.VersionNames(), ", "))}
	}
	return r.View(v), nil
}

var _ fs.FS = spec.Embedded()
