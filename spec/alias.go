package spec

import (
	"slices"

	"gopkg.in/yaml.v3"
)

// Alias says that an item of some versions is what other versions name
// differently: the kernel headers' HVCALL_MAP_STATS_PAGE is the documents'
// HvCallMapStatsPage. Entries are explicit (reviewed, never derived by
// similarity); Check makes sure both names exist.
type Alias struct {
	Item        // Name: the item as Versions spell it
	Of   string // the same item as other versions spell it
}

func (d *decoder) alias(n *yaml.Node, area string) *Alias {
	m := d.mapping(n, "alias", keys("of!")...)
	if m == nil {
		return nil
	}
	a := &Alias{Item: d.item(n, m, "alias", area)}
	a.Of = d.name(m["of"], "alias "+a.Name+" of")
	return a
}

// itemKind names the kind of item a name is in a view ("" when none).
func itemKind(r *Registry, name string) string {
	switch {
	case slices.ContainsFunc(r.Hypercalls, func(x *Hypercall) bool { return x.Name == name }):
		return "hypercall"
	case slices.ContainsFunc(r.Types, func(x *Type) bool { return x.Name == name }):
		return "type"
	case slices.ContainsFunc(r.Statuses, func(x *Status) bool { return x.Name == name }):
		return "status"
	case slices.ContainsFunc(r.Constants, func(x *Constant) bool { return x.Name == name }):
		return "constant"
	}
	return ""
}

// checkAliases: an alias names an item of each of its versions, and the
// same kind of item in at least one other version.
func checkAliases(r *Registry, errs *ErrorList) {
	for _, a := range r.Aliases {
		var kind string
		for _, v := range a.Versions {
			k := itemKind(r.View(v), a.Name)
			if k == "" {
				errs.Add(a.Pos, "alias %s: no such item in version %s", a.Name, v)
			}
			kind = k
		}
		if kind == "" {
			continue
		}
		found := false
		for _, v := range r.VersionNames() {
			if !slices.Contains(a.Versions, v) && itemKind(r.View(v), a.Of) == kind {
				found = true
			}
		}
		if !found {
			errs.Add(a.Pos, "alias %s: no %s %s in any other version", a.Name, kind, a.Of)
		}
	}
}

// AliasOf returns what other versions call an item of version v, or "".
func (r *Registry) AliasOf(v, name string) string {
	for _, a := range r.Aliases {
		if a.Name == name && a.In(v) {
			return a.Of
		}
	}
	return ""
}

// WithAliases returns a copy of a version view in which every item its
// aliases name carries the other versions' name instead (HVCALL_MAP_STATS_PAGE
// becomes HvCallMapStatsPage), and every reference to it follows, so that a
// comparison with a documented version pairs the two spellings. An alias whose
// other name the view already uses is not applied. Members keep their names.
func (r *Registry) WithAliases() *Registry {
	to := map[string]string{}
	taken := map[string]bool{}
	eachItem(r, func(it *Item) { taken[it.Name] = true })
	for _, a := range r.Aliases {
		if !taken[a.Of] {
			to[a.Name] = a.Of
		}
	}
	if len(to) == 0 {
		return r
	}
	ren := func(n string) string {
		if m, ok := to[n]; ok {
			return m
		}
		return n
	}
	out := *r
	out.Types = nil
	for _, t := range r.Types {
		out.Types = append(out.Types, renameType(t, ren))
	}
	out.Hypercalls = nil
	for _, h := range r.Hypercalls {
		c := *h
		c.Name, c.Input, c.Output, c.InputRep, c.OutputRep = ren(h.Name), ren(h.Input), ren(h.Output), ren(h.InputRep), ren(h.OutputRep)
		out.Hypercalls = append(out.Hypercalls, &c)
	}
	out.Statuses = nil
	for _, s := range r.Statuses {
		c := *s
		c.Name = ren(s.Name)
		out.Statuses = append(out.Statuses, &c)
	}
	out.Constants = nil
	for _, k := range r.Constants {
		c := *k
		c.Name, c.Type = ren(k.Name), ren(k.Type)
		out.Constants = append(out.Constants, &c)
	}
	out.Aliases = nil
	return &out
}

func renameType(t *Type, ren func(string) string) *Type {
	c := *t
	c.Name, c.Base = ren(t.Name), ren(t.Base)
	c.Fields = nil
	for _, f := range t.Fields {
		g := *f
		g.Type = ren(f.Type)
		if f.Nested != nil {
			g.Nested = renameType(f.Nested, ren)
		}
		c.Fields = append(c.Fields, &g)
	}
	c.Bits = nil
	for _, b := range t.Bits {
		x := *b
		x.Type = ren(b.Type)
		c.Bits = append(c.Bits, &x)
	}
	return &c
}
