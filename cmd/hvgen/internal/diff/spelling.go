package diff

import (
	"maps"
	"slices"
	"strings"

	"github.com/hvgen/hvgen/spec"
)

// Two sources of different kinds spell the same names differently: the
// documents write members and enum values in CamelCase (PartitionId,
// HvStatsObjectVp), the kernel headers in snake case (partition_id,
// HV_STATS_OBJECT_VP). Inside an item the registry's aliases pair (see
// NewAliasedSide), members, bit ranges and enum values are matched by their
// folded names first (fold: drop the underscores, lower the case); a name
// that folds to the same as exactly one unmatched name of the other side, and
// no other, is the same member. Whatever the rule leaves unmatched goes
// through the usual rename detection (same bytes, same number) and is
// reported as it is between any two versions. No similarity scores.

// TwoSpellings reports whether two version views are written from sources
// of different kinds (documents against headers): there the diff names items
// by the aliases by default.
func TwoSpellings(a, b *spec.Registry) bool {
	kind := func(view *spec.Registry) string {
		if len(view.Versions) == 1 && view.Versions[0].Source != nil {
			return view.Versions[0].Source.Kind
		}
		return ""
	}
	ka, kb := kind(a), kind(b)
	return ka != "" && kb != "" && ka != kb
}

// fold is a name with underscores removed, in lower case: the spelling the
// two conventions share.
func fold(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, "_", ""))
}

// respell returns n with the keys of its unmatched entries renamed to the
// key of o they fold to, when exactly one unmatched key on each side has that
// folded form; set(x, key) gives an entry its new name. o and n are not
// modified.
func respell[T any](o, n map[string]T, set func(T, string) T) map[string]T {
	gone, added := map[string][]string{}, map[string][]string{}
	for k := range o {
		if _, ok := n[k]; !ok {
			gone[fold(k)] = append(gone[fold(k)], k)
		}
	}
	for k := range n {
		if _, ok := o[k]; !ok {
			added[fold(k)] = append(added[fold(k)], k)
		}
	}
	out := make(map[string]T, len(n))
	for _, k := range slices.Sorted(maps.Keys(n)) {
		v := n[k]
		if g, a := gone[fold(k)], added[fold(k)]; len(g) == 1 && len(a) == 1 && a[0] == k {
			k, v = g[0], set(v, g[0])
		}
		out[k] = v
	}
	return out
}

// foldPaths is respell for member paths: each path component is matched in
// its parent, outermost first, so that doorbell_connection_info.trigger_value
// becomes DoorbellConnectionInfo.TriggerValue.
func foldPaths(o, n map[string]*member) map[string]*member {
	for depth := 0; ; depth++ {
		// The members at this depth, keyed by their whole path; respell within a
		// parent by folding the last component only (the parents already agree).
		level := func(m map[string]*member) map[string]map[string]*member {
			out := map[string]map[string]*member{}
			for p, x := range m {
				if strings.Count(p, ".") == depth {
					par := parent(p)
					if out[par] == nil {
						out[par] = map[string]*member{}
					}
					out[par][p] = x
				}
			}
			return out
		}
		lo, ln := level(o), level(n)
		if len(ln) == 0 {
			return n
		}
		renamed := map[string]string{} // new path -> old path
		for par, nm := range ln {
			om := lo[par]
			r := respell(om, nm, func(x *member, _ string) *member { return x })
			for p, x := range r {
				for q, y := range nm {
					if y == x && q != p {
						renamed[q] = p
					}
				}
			}
		}
		if len(renamed) > 0 {
			next := make(map[string]*member, len(n))
			for p, x := range n {
				q := p
				for from, to := range renamed {
					if p == from || strings.HasPrefix(p, from+".") {
						q = to + p[len(from):]
					}
				}
				c := *x
				c.path = q
				next[q] = &c
			}
			n = next
		}
	}
}

// sameSpelling reports whether two member type names are the same type in two
// spellings: equal, or both the same primitive under typedefs (alias types),
// or an enum over it (the kernel's u32 for the documents' HV_REGISTER_NAME),
// BOOLEAN being UINT8.
func sameSpelling(oldReg, newReg *spec.Registry, a, b string) bool {
	pa, pb := primitiveOf(oldReg, a), primitiveOf(newReg, b)
	return a == b || pa != "" && samePrimitive(pa, pb)
}

// samePrimitive: the documents' BOOLEAN is the headers' u8 (UINT8 once
// imported); every other primitive is spelled alike by both.
func samePrimitive(a, b string) bool {
	byte := func(p string) string {
		if p == "BOOLEAN" {
			return "UINT8"
		}
		return p
	}
	return byte(a) == byte(b)
}

// primitiveOf follows alias types and enum bases down to a primitive ("" when the type is not
// one).
func primitiveOf(r *spec.Registry, name string) string {
	for range 16 { // alias chains are short; the bound keeps a cycle from hanging
		if spec.Primitive(name) != nil {
			return name
		}
		t := r.Type(name)
		if t == nil || t.Kind != spec.KindAlias && t.Kind != spec.KindEnum && t.Kind != spec.KindFlags {
			return ""
		}
		name = t.Base
	}
	return ""
}
