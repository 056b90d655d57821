package layout

import (
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/hvgen/hvgen/spec"
)

// ABI is a registry that passed every check hvgen check makes, laid out on
// every architecture: the resolved model each emitter reads. Load, LoadDir
// and Resolve are the only ways to make one, so an ABI is always one that
// hvgen check accepts. Nothing in it is modified after Resolve returns; the
// spec items it points to are shared and must not be changed by its users.
type ABI struct {
	// Registry is every item of every version, as decoded and checked.
	Registry *spec.Registry
	versions []*Version
}

// Version is one ABI version of a resolved registry: its items (a view of
// the registry) and their layout on each architecture.
type Version struct {
	Name     string
	Registry *spec.Registry // the version's view: only its items
	Layout   Results        // by spec.Arches name
}

// Load reads the registry files of the sources (the first a registry, the
// others overlays on top of it), checks them and lays out every version on
// every architecture: exactly what hvgen check does. The error is a
// spec.ErrorList naming every problem (file:line:col), or an I/O error.
func Load(srcs ...spec.Source) (*ABI, error) {
	r, err := spec.LoadSources(srcs...)
	var list spec.ErrorList
	if err != nil && !errors.As(err, &list) {
		return nil, err
	}
	if r == nil {
		return nil, list.Sort()
	}
	return resolve(r, list)
}

// LoadDir is Load of one registry directory.
func LoadDir(dir string) (*ABI, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", dir)
	}
	return Load(spec.Source{FS: os.DirFS(dir), Prefix: dir})
}

// Resolve checks a registry assembled in memory (by an importer, say) as
// Load checks one read from files, and lays it out.
func Resolve(r *spec.Registry) (*ABI, error) {
	var list spec.ErrorList
	spec.Check(r, &list)
	return resolve(r, list)
}

// resolve lays out a decoded registry; errs are the problems already found
// (the layout's are added, and any makes the whole an error).
func resolve(r *spec.Registry, errs spec.ErrorList) (*ABI, error) {
	a := &ABI{Registry: r}
	for _, v := range r.VersionNames() {
		view := r.View(v)
		res := Results{}
		for _, arch := range Arches {
			l, e := compute(view, arch, false) // undefined types: spec.Check reports them
			res[arch.Name] = l
			errs = append(errs, e...)
		}
		a.versions = append(a.versions, &Version{Name: v, Registry: view, Layout: res})
	}
	if len(errs) > 0 {
		return nil, errs.Sort()
	}
	return a, nil
}

// Versions returns every version, in the registry's order.
func (a *ABI) Versions() []*Version { return slices.Clone(a.versions) }

// Version returns the named version, or nil.
func (a *ABI) Version(name string) *Version {
	for _, v := range a.versions {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// Type returns the layout of a type of the version on an architecture (a
// spec.Arches name), or nil: opaque types and types declared for other
// architectures only have none.
func (v *Version) Type(arch, name string) *Type {
	if r := v.Layout[arch]; r != nil {
		return r.Types[name]
	}
	return nil
}

// Subset returns the selected part of the version (spec.Registry.Subset),
// with the layouts of what it keeps. The layouts are the version's own:
// selecting never changes a layout.
func (v *Version) Subset(sel spec.Selection) (*Version, error) {
	sub, err := v.Registry.Subset(sel)
	if err != nil {
		return nil, err
	}
	return &Version{Name: v.Name, Registry: sub, Layout: v.Layout}, nil
}

// WithAliases returns the version with its items named by the registry's
// aliases (spec.Registry.WithAliases), laid out under those names, so that
// it compares with a version written from another source.
func (v *Version) WithAliases() (*Version, error) {
	av := v.Registry.WithAliases()
	if av == v.Registry {
		return v, nil
	}
	res := Results{}
	var errs spec.ErrorList
	for _, arch := range Arches {
		l, e := compute(av, arch, true)
		res[arch.Name] = l
		errs = append(errs, e...)
	}
	if len(errs) > 0 {
		return nil, errs.Sort()
	}
	return &Version{Name: v.Name, Registry: av, Layout: res}, nil
}
