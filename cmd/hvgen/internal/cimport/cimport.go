// Package cimport reads C headers and turns the ABI facts they declare into
// registry items (spec's data model): integer #defines (call codes, status
// values, other constants), Linux ioctl request macros, enums, structs,
// unions, bitfields and typedefs.
//
// Layouts come from a C front end (modernc.org/cc/v4 with the target's ABI
// layout rules, bit-fields and packed attributes included), never from our
// own arithmetic; Check then asks the registry's layout engine to agree. A
// construct the registry cannot express is reported with its file:line and
// left out, never approximated.
//
// The pipeline is Parse (one architecture) -> Merge (per-architecture items
// where the architectures differ) -> Check -> WriteYAML.
package cimport

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hvgen/hvgen/spec"
)

// Config says what to import for one architecture.
type Config struct {
	Arch    string            // a spec.Arches name: x64 or arm64
	Root    string            // directory the header paths are relative to (refs name them so)
	Files   []string          // headers to import, relative to Root
	Include []string          // extra include directories, relative to Root ("" is Root itself)
	Prelude string            // C text read before the headers: kernel-C macros and types
	Stubs   map[string]string // system headers (<linux/types.h>) and their stand-in text
	// Defines are extra NAME or NAME=VALUE macros; ARCH:NAME[=VALUE] (a
	// spec.Arches name, "arm64:__ARM64__") defines one for that
	// architecture's run only.
	Defines []string
	Version string // the ABI version the items belong to
	Commit  string // source revision named in every ref ("include/x.h:12 @ Commit")
	// Repo names the repository the headers come from ("owner/name"), for
	// headers that are not the Linux kernel's: every ref then starts with it
	// ("owner/name include/x.h:12 @ Commit").
	Repo string
	// Commits gives a header its own revision (headers taken from different
	// commits), by the path as in Files; the others cite Commit.
	Commits map[string]string
	// Timeout bounds the C front end's run (DefaultTimeout when zero).
	Timeout time.Duration
	// Conventions are the calling conventions the documents give the calls
	// an alias table pairs with the headers' call codes, by call code name.
	Conventions map[string]*Convention
}

// Convention is how a document describes a call the headers name: the
// headers give no calling convention, so an import may take it over from
// the documented call a reviewed alias pairs with the call code.
type Convention struct {
	DocCall, DocVersion       string // the documented call and the version describing it
	Rep, Fast, VariableHeader bool
	Input, Output             bool     // the documented call has a fixed block on that side
	InputRep, OutputRep       bool     // the documented call has a rep list on that side
	Inputs, Outputs           []string // header types the aliases pair with its documented blocks
}

// Problem is something in a header the import left out, and why.
type Problem struct {
	File string
	Line int
	Msg  string
	Name string // the item the problem is about, when it names one (the C name)
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg) }

// Result is what one import produced.
type Result struct {
	Types      []*spec.Type
	Constants  []*spec.Constant
	Statuses   []*spec.Status
	Hypercalls []*spec.Hypercall
	Ioctls     []*spec.Ioctl
	Skipped    []Problem
	// Layout is the C front end's layout of each imported struct and union
	// on each architecture, to check the registry's engine against.
	Layout map[string]map[string]*CLayout // arch -> type name -> layout
}

// CLayout is the C compiler's view of one aggregate: size, alignment and the
// offset and size of every named member, by dotted path through named nested
// members (anonymous ones are flattened, as C11 does).
type CLayout struct {
	Size, Align    int64
	Offsets, Sizes map[string]int64
}

// SortSkipped orders the problems by file and line.
func (r *Result) SortSkipped() {
	sort.SliceStable(r.Skipped, func(i, j int) bool {
		a, b := r.Skipped[i], r.Skipped[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
}

// ref is an item's citation: file:line @ commit.
func (c *Config) ref(file string, line int) string {
	s := fmt.Sprintf("%s:%d", file, line)
	if c.Repo != "" {
		s = c.Repo + " " + s
	}
	if rev := c.Commits[file]; rev != "" {
		s += " @ " + rev
	} else if c.Commit != "" {
		s += " @ " + c.Commit
	}
	return s
}

// words turns a C name into lower-case words for a description.
func words(name string) string {
	name = strings.Trim(name, "_")
	for _, p := range []string{"hv_", "HV_"} {
		name = strings.TrimPrefix(name, p)
	}
	return strings.ToLower(strings.ReplaceAll(name, "_", " "))
}
