package cimport

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hvgen/hvgen/spec"
)

// Selection is the part of an import a user asked for by name (hvgen import
// -only): a header set taken from another source may define many items the
// registry already has from its own headers, and only some are wanted.
type Selection struct {
	// Result holds the selected items, every architecture's variant of each,
	// and the problems reported for them.
	Result *Result
	// Closure is Result plus every type the selected items use, directly or
	// through other types, with the C front end's layouts of its aggregates:
	// what Check needs to lay the selected items out.
	Closure *Result
	// Uses names the types the selected items use that are not selected,
	// each with the selected items that use it: the registry the items are
	// written into must declare them (with the same layout, which hvgen check
	// verifies through the offsets and sizes the items state).
	Uses map[string][]string
}

// Select keeps the items named in names (types, constants, statuses, call
// codes and ioctls). A name the headers do not define is an error; so is a
// name the import left out, and the error says why.
func Select(r *Result, names []string) (*Selection, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	found := map[string]bool{}
	keep := func(n string) bool {
		if want[n] {
			found[n] = true
			return true
		}
		return false
	}
	sel := &Result{Layout: map[string]map[string]*CLayout{}}
	for _, t := range r.Types {
		if keep(t.Name) {
			sel.Types = append(sel.Types, t)
		}
	}
	for _, c := range r.Constants {
		if keep(c.Name) {
			sel.Constants = append(sel.Constants, c)
		}
	}
	for _, s := range r.Statuses {
		if keep(s.Name) {
			sel.Statuses = append(sel.Statuses, s)
		}
	}
	for _, h := range r.Hypercalls {
		if keep(h.Name) {
			sel.Hypercalls = append(sel.Hypercalls, h)
		}
	}
	for _, x := range r.Ioctls {
		if keep(x.Name) {
			sel.Ioctls = append(sel.Ioctls, x)
		}
	}
	for _, p := range r.Skipped {
		if want[p.Name] {
			sel.Skipped = append(sel.Skipped, p)
		}
	}
	var missing []string
	for _, n := range names {
		if found[n] || slices.Contains(missing, n) {
			continue
		}
		why := "the headers do not define it"
		for _, p := range r.Skipped {
			if p.Name == n {
				why = "the import left it out: " + p.String()
				break
			}
		}
		missing = append(missing, fmt.Sprintf("%s (%s)", n, why))
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("-only: %d name(s) not imported: %s", len(missing), strings.Join(missing, "; "))
	}

	// The closure: the selected items and the types they reach.
	byName := map[string][]*spec.Type{}
	for _, t := range r.Types {
		byName[t.Name] = append(byName[t.Name], t)
	}
	uses := map[string][]string{}
	inClosure := map[string]bool{}
	var queue []string
	reach := func(user, typ string) {
		if typ == "" || spec.Primitive(typ) != nil || byName[typ] == nil {
			return
		}
		if !want[typ] && !slices.Contains(uses[typ], user) {
			uses[typ] = append(uses[typ], user)
		}
		if !inClosure[typ] {
			inClosure[typ] = true
			queue = append(queue, typ)
		}
	}
	for _, t := range sel.Types {
		inClosure[t.Name] = true
		queue = append(queue, t.Name)
	}
	for _, c := range sel.Constants {
		reach(c.Name, c.Type)
	}
	for _, h := range sel.Hypercalls {
		for _, t := range []string{h.Input, h.Output, h.InputRep, h.OutputRep} {
			reach(h.Name, t)
		}
	}
	for _, x := range sel.Ioctls {
		reach(x.Name, x.Arg)
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, t := range byName[n] {
			for _, u := range typeRefs(t) {
				reach(n, u)
			}
		}
	}
	// The report names the types the selected items use directly: the
	// registry's declarations of those declare what they use in turn.
	for typ, users := range uses {
		var direct []string
		for _, u := range users {
			if want[u] {
				direct = append(direct, u)
			}
		}
		if len(direct) == 0 {
			delete(uses, typ)
			continue
		}
		sort.Strings(direct)
		uses[typ] = direct
	}
	closure := &Result{Constants: sel.Constants, Statuses: sel.Statuses, Hypercalls: sel.Hypercalls, Ioctls: sel.Ioctls,
		Layout: map[string]map[string]*CLayout{}}
	for _, t := range r.Types {
		if inClosure[t.Name] {
			closure.Types = append(closure.Types, t)
		}
	}
	for a, byType := range r.Layout {
		sel.Layout[a] = map[string]*CLayout{}
		closure.Layout[a] = map[string]*CLayout{}
		for n, l := range byType {
			if inClosure[n] {
				closure.Layout[a][n] = l
			}
			if want[n] {
				sel.Layout[a][n] = l
			}
		}
	}
	return &Selection{Result: sel, Closure: closure, Uses: uses}, nil
}

// typeRefs lists the type names a type's declaration uses: its base, its
// members' types (through inline aggregates) and its bit ranges' types.
func typeRefs(t *spec.Type) []string {
	out := []string{t.Base}
	for _, b := range t.Bits {
		out = append(out, b.Type)
	}
	for _, f := range t.Fields {
		out = append(out, f.Type)
		if f.Nested != nil {
			out = append(out, typeRefs(f.Nested)...)
		}
	}
	return out
}
