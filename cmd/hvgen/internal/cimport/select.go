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
// codes and ioctls). A name of the form TYPE.VALUE keeps one value of the C
// enumeration TYPE, written as a constant of that type: the way to take a
// few enumerators from headers whose enumeration the registry already
// declares, shorter, from another source. A name the headers do not define
// is an error; so is a name the import left out, and the error says why.
func Select(r *Result, names []string) (*Selection, error) {
	want := map[string]bool{}
	var values []string
	for _, n := range names {
		if strings.Contains(n, ".") {
			values = append(values, n)
			continue
		}
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
	for _, n := range values {
		cs, why := enumValue(r.Types, n)
		if why != "" {
			missing = append(missing, fmt.Sprintf("%s (%s)", n, why))
			continue
		}
		sel.Constants = append(sel.Constants, cs...)
		found[n] = true
		for _, c := range cs {
			want[c.Name] = true // a user of its type, as a selected item is
		}
	}
	for _, n := range names {
		if found[n] || slices.Contains(missing, n) || strings.Contains(n, ".") {
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
	taken := map[string]bool{} // enumerators selected alone, as constants
	for _, n := range values {
		_, val, _ := strings.Cut(n, ".")
		taken[val] = true
	}
	for _, t := range r.Types {
		if !inClosure[t.Name] {
			continue
		}
		if t.Kind == spec.KindEnum && slices.ContainsFunc(t.Values, func(v *spec.Value) bool { return taken[v.Name] }) {
			// The enumeration is checked without the values written as
			// constants, which would otherwise be declared twice.
			c := *t
			c.Values = slices.DeleteFunc(slices.Clone(t.Values), func(v *spec.Value) bool { return taken[v.Name] })
			t = &c
		}
		closure.Types = append(closure.Types, t)
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

// enumValue turns the enumerator VALUE of the enumeration TYPE (name is
// TYPE.VALUE) into a constant of that type, one per architecture where the
// enumeration differs and gives it a different number; why says what is
// missing when there is none.
func enumValue(types []*spec.Type, name string) (cs []*spec.Constant, why string) {
	typ, val, _ := strings.Cut(name, ".")
	var enums []*spec.Type
	for _, t := range types {
		if t.Name == typ {
			if t.Kind != spec.KindEnum {
				return nil, fmt.Sprintf("%s is a %s, not an enumeration", typ, t.Kind)
			}
			enums = append(enums, t)
		}
	}
	if len(enums) == 0 {
		return nil, "the headers define no enumeration " + typ
	}
	for _, t := range enums {
		i := slices.IndexFunc(t.Values, func(v *spec.Value) bool { return v.Name == val })
		if i < 0 {
			continue
		}
		v := t.Values[i]
		if j := slices.IndexFunc(cs, func(c *spec.Constant) bool { return *c.Value == v.Value }); j >= 0 {
			cs[j].Arch = append(cs[j].Arch, t.Arch...) // the same number on another architecture
			continue
		}
		n := v.Value
		ref := ""
		if len(t.Refs) > 0 {
			ref = refAt(t.Refs[0], v.Pos.Line)
		}
		cs = append(cs, &spec.Constant{Item: spec.Item{Name: val, Versions: t.Versions, Refs: []string{ref}, Pos: v.Pos,
			Doc: fmt.Sprintf("Value %s of enumeration %s (C enum), imported alone as a constant of that type.", val, words(typ))},
			Value: &n, Type: typ, Arch: slices.Clone(t.Arch)})
	}
	if len(cs) == 0 {
		return nil, fmt.Sprintf("enumeration %s has no value %s", typ, val)
	}
	for _, c := range cs {
		slices.Sort(c.Arch)
		if len(c.Arch) == len(spec.Arches) {
			c.Arch = nil // every architecture: no restriction
		}
	}
	return cs, ""
}

// refAt is a type's citation (file:line @ commit, possibly after a
// repository) moved to another line of the same file.
func refAt(ref string, line int) string {
	head, rev, hasRev := strings.Cut(ref, " @ ")
	i := strings.LastIndex(head, ":")
	if i < 0 || line <= 0 {
		return ref
	}
	out := fmt.Sprintf("%s:%d", head[:i], line)
	if hasRev {
		out += " @ " + rev
	}
	return out
}
