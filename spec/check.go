package spec

import (
	"fmt"
	"slices"
	"strings"
)

// Check runs the checks that need the whole registry but no layout: declared
// versions, unique names, codes and values per version, and references. Load
// calls it; layout facts (offsets, sizes, bit ranges) are checked by package
// layout.
func Check(r *Registry, errs *ErrorList) { check(r, errs, false) }

// check is Check; partial says some files of the registry did not decode, so
// that a name they would have declared may be missing: the checks that fail
// on a missing item (an undefined reference, an undeclared version, a
// required type absent) are skipped and every other check runs.
func check(r *Registry, errs *ErrorList, partial bool) {
	declared := map[string]bool{}
	for _, v := range r.Versions {
		if v.Name == "" {
			continue
		}
		if declared[v.Name] {
			errs.Add(v.Pos, "version %q declared twice", v.Name)
		}
		declared[v.Name] = true
	}
	if len(declared) == 0 && !partial {
		errs.Add(Pos{}, "no versions declared (a file needs a versions: list)")
	}
	eachItem(r, func(it *Item) {
		for _, v := range it.Versions {
			if !declared[v] && !partial {
				errs.Add(it.Pos, "%s: unknown version %q (declared: %v)", it.Name, v, r.VersionNames())
			}
		}
		if len(it.Refs) == 0 && it.Name != "" {
			errs.Add(it.Pos, "%s: ref is empty", it.Name)
		}
	})
	linkDriver(r, errs, partial)
	for _, v := range r.VersionNames() {
		checkVersion(r.View(v), v, errs, partial)
	}
	for _, v := range r.Versions {
		checkOrigin(r, v, errs)
	}
	checkAliases(r, errs)
	// A type or constant declared for an architecture belongs to versions
	// that describe it.
	archOK := func(it *Item, arch []string) {
		for _, a := range arch {
			for _, vn := range it.Versions {
				if v := r.version(vn); v != nil && !v.Covers(a) {
					errs.Add(it.Pos, "%s: declared for %s, which version %s does not describe (its arch: %s)", it.Name, a, vn, strings.Join(v.Arch, ", "))
				}
			}
		}
	}
	for _, t := range r.Types {
		archOK(&t.Item, t.Arch)
	}
	for _, k := range r.Constants {
		archOK(&k.Item, k.Arch)
	}
	for _, x := range r.Ioctls {
		archOK(&x.Item, x.Arch)
	}
}

func (r *Registry) version(name string) *Version {
	for _, v := range r.Versions {
		if v.Name == name {
			return v
		}
	}
	return nil
}

func eachItem(r *Registry, f func(*Item)) {
	for _, x := range r.Types {
		f(&x.Item)
	}
	for _, x := range r.Constants {
		f(&x.Item)
	}
	for _, x := range r.Statuses {
		f(&x.Item)
	}
	for _, x := range r.Hypercalls {
		f(&x.Item)
	}
	for _, x := range r.EventGroups {
		f(&x.Item)
	}
	for _, x := range r.StatsGroups {
		f(&x.Item)
	}
	for _, x := range r.Aliases {
		f(&x.Item)
	}
	for _, x := range r.Ioctls {
		f(&x.Item)
	}
	for _, x := range r.Driver {
		f(&x.Item)
	}
}

// versionChecker checks one version's view.
type versionChecker struct {
	r       *Registry
	v       string
	errs    *ErrorList
	partial bool // see check
}

func (c *versionChecker) add(pos Pos, format string, args ...any) {
	c.errs.Add(pos, "%s [%s]", fmt.Sprintf(format, args...), c.v)
}

// missing reports an item that is not there, unless the registry is partial
// (the item may be in a file that did not decode).
func (c *versionChecker) missing(pos Pos, format string, args ...any) {
	if !c.partial {
		c.add(pos, format, args...)
	}
}

// unique reports the second and later uses of a key.
type unique map[string]Pos

func (u unique) claim(c *versionChecker, key string, pos Pos, format string, args ...any) {
	if first, ok := u[key]; ok {
		c.add(pos, "%s (first at %s)", fmt.Sprintf(format, args...), first)
		return
	}
	u[key] = pos
}

func checkVersion(r *Registry, v string, errs *ErrorList, partial bool) {
	c := &versionChecker{r: r, v: v, errs: errs, partial: partial}
	names := unique{}
	// A type and its values claim their names on each architecture they hold
	// on, so that a type's per-architecture variants may share its name; the
	// first variant also claims it among all other names.
	perArch := map[string]unique{}
	for _, a := range Arches {
		perArch[a] = unique{}
	}
	variants := map[string]bool{}
	claim := func(arch []string, name string, pos Pos) {
		for _, a := range Arches {
			if len(arch) > 0 && !slices.Contains(arch, a) {
				continue
			}
			if first, ok := perArch[a][name]; ok {
				c.add(pos, "duplicate name %s (first at %s)", name, first)
				return
			}
			perArch[a][name] = pos
		}
		if len(arch) > 0 && variants[name] {
			return
		}
		variants[name] = len(arch) > 0
		names.claim(c, name, pos, "duplicate name %s", name)
	}
	for _, t := range r.Types {
		if Primitive(t.Name) != nil {
			c.add(t.Pos, "type %s redefines a built-in type", t.Name)
		}
		claim(t.Arch, t.Name, t.Pos)
		for _, val := range t.Values {
			claim(t.Arch, val.Name, val.Pos)
		}
	}
	for _, k := range r.Constants {
		claim(k.Arch, k.Name, k.Pos) // per-architecture variants share a name
	}
	for _, s := range r.Statuses {
		names.claim(c, s.Name, s.Pos, "duplicate name %s", s.Name)
	}
	for _, h := range r.Hypercalls {
		names.claim(c, h.Name, h.Pos, "duplicate name %s", h.Name)
	}
	for _, x := range r.Ioctls {
		claim(x.Arch, x.Name, x.Pos) // per-architecture variants share a name
	}
	groups, entries, entryIDs := unique{}, unique{}, unique{}
	for _, g := range r.EventGroups {
		groups.claim(c, g.Name, g.Pos, "duplicate eventlog group %s", g.Name)
		for _, e := range g.Entries {
			entries.claim(c, e.Name, e.Pos, "duplicate eventlog entry %s", e.Name)
			entryIDs.claim(c, fmt.Sprint(e.ID), e.Pos, "duplicate eventlog entry id %#x (%s)", e.ID, e.Name)
		}
	}
	sgroups := unique{}
	for _, g := range r.StatsGroups {
		sgroups.claim(c, g.Name, g.Pos, "duplicate stats group %s", g.Name)
	}

	roles := unique{}
	for _, t := range r.Types {
		c.checkType(t)
		if t.Role != "" {
			roles.claim(c, t.Role, t.Pos, "role %s given to %s and another type", t.Role, t.Name)
		}
	}
	c.checkConstants()
	c.checkStatuses()
	c.checkHypercalls()
	c.checkIoctls()
	c.checkEventGroups()
	c.checkStatsGroups()
}

// Integer resolves a type through aliases, enums, flags and bitfields to the
// primitive integer that holds it, or nil if it is not an integer type.
func (r *Registry) Integer(name string) *Type {
	for range 64 { // bounded: an alias cycle must not hang
		t := r.Type(name)
		switch {
		case t == nil:
			return nil
		case t.Kind == KindPrimitive:
			return t
		case t.Kind == KindAlias || t.Kind == KindEnum || t.Kind == KindFlags || t.Kind == KindBitfield:
			name = t.Base
		default:
			return nil
		}
	}
	return nil
}

// Fits reports whether v fits the integer type name.
func (r *Registry) Fits(name string, v uint64) bool {
	p := r.Integer(name)
	if p == nil {
		return false
	}
	size, _, _ := PrimitiveSize(p.Name)
	return size >= 8 || v < 1<<(8*size) // values are 64-bit; every one fits UINT64 and UINT128
}

func (c *versionChecker) ref(pos Pos, what, name string) *Type {
	if name == "" {
		return nil
	}
	t := c.r.Type(name)
	if t == nil {
		c.missing(pos, "%s: undefined type %s", what, name)
	}
	return t
}

func (c *versionChecker) integer(pos Pos, what, name string) {
	if t := c.ref(pos, what, name); t != nil && c.r.Integer(name) == nil {
		c.add(pos, "%s: %s is not an integer type", what, name)
	}
}

// word checks that a type is an integer of at most 64 bits (enums, flags and
// bitfields are held in one).
func (c *versionChecker) word(pos Pos, what, name string) {
	c.integer(pos, what, name)
	if p := c.r.Integer(name); p != nil {
		if size, _, _ := PrimitiveSize(p.Name); size > 8 {
			c.add(pos, "%s: %s is wider than 64 bits", what, name)
		}
	}
}

func (c *versionChecker) checkType(t *Type) {
	what := "type " + t.Name
	switch t.Kind {
	case KindAlias:
		c.ref(t.Pos, what+" base", t.Base)
	case KindEnum, KindFlags:
		c.word(t.Pos, what+" base", t.Base)
		seen := unique{}
		byValue := map[uint64]bool{}
		for _, v := range t.Values {
			if !v.Alias {
				byValue[v.Value] = true
			}
		}
		for _, v := range t.Values {
			if c.r.Integer(t.Base) != nil && !c.r.Fits(t.Base, v.Value) {
				c.add(v.Pos, "%s: value %s = %#x does not fit %s", what, v.Name, v.Value, t.Base)
			}
			if v.Alias {
				if !byValue[v.Value] {
					c.add(v.Pos, "%s: alias %s = %#x names no other value", what, v.Name, v.Value)
				}
				continue
			}
			seen.claim(c, fmt.Sprint(v.Value), v.Pos, "%s: duplicate value %#x (%s); mark a second name alias: true", what, v.Value, v.Name)
		}
	case KindBitfield:
		c.checkBits(t, what)
	case KindStruct, KindUnion:
		c.checkFields(t.Fields, what)
	}
}

func (c *versionChecker) checkBits(t *Type, what string) {
	c.word(t.Pos, what+" base", t.Base)
	names, roles := unique{}, unique{}
	for _, b := range t.Bits {
		names.claim(c, b.Name, b.Pos, "%s: duplicate bit name %s", what, b.Name)
		if b.Role != "" {
			if !slices.Contains(Roles[t.Role], b.Role) {
				c.add(b.Pos, "%s: bit role %q needs the type role that has it (%s has role %q)", what, b.Role, t.Name, t.Role)
			}
			roles.claim(c, b.Role, b.Pos, "%s: bit role %s given twice", what, b.Role)
		}
		if b.Type != "" {
			c.integer(b.Pos, what+" bit "+b.Name, b.Type)
		}
	}
	for _, need := range requiredRoles[t.Role] {
		if _, ok := roles[need]; !ok {
			c.add(t.Pos, "%s: role %s needs a bit range with role %s", what, t.Role, need)
		}
	}
}

func (c *versionChecker) checkFields(fields []*Field, what string) {
	names := unique{}
	var walk func(fs []*Field)
	walk = func(fs []*Field) {
		for i, f := range fs {
			if f.Name != "" {
				names.claim(c, f.Name, f.Pos, "%s: duplicate member name %s", what, f.Name)
			}
			if f.Flexible && i != len(fs)-1 {
				c.add(f.Pos, "%s: flexible array %s must be the last member", what, f.Name)
			}
			if f.Flexible && f.Count != 0 {
				c.add(f.Pos, "%s: flexible array %s has a count", what, f.Name)
			}
			switch {
			case f.Nested == nil:
				c.ref(f.Pos, what+" member "+f.Name, f.Type)
			case f.Nested.Kind == KindBitfield:
				c.checkBits(f.Nested, what+" member "+f.Name)
			case f.Name == "":
				walk(f.Nested.Fields) // anonymous members share the enclosing names
			default:
				c.checkFields(f.Nested.Fields, what+"."+f.Name)
			}
		}
	}
	walk(fields)
}

func (c *versionChecker) checkConstants() {
	for _, k := range c.r.Constants {
		what := "constant " + k.Name
		if k.Type != "" {
			c.integer(k.Pos, what, k.Type)
			if k.Value != nil && c.r.Integer(k.Type) != nil && !c.r.Fits(k.Type, *k.Value) {
				c.add(k.Pos, "%s: value %#x does not fit %s", what, *k.Value, k.Type)
			}
		}
	}
}

func (c *versionChecker) checkStatuses() {
	values := unique{}
	st := c.r.Type("HV_STATUS")
	for _, s := range c.r.Statuses {
		if s.Value == nil {
			continue
		}
		values.claim(c, fmt.Sprint(*s.Value), s.Pos, "duplicate status value %#x (%s)", *s.Value, s.Name)
		if st != nil && !c.r.Fits("HV_STATUS", *s.Value) {
			c.add(s.Pos, "status %s: value %#x does not fit HV_STATUS", s.Name, *s.Value)
		}
	}
	if len(c.r.Statuses) > 0 && st == nil {
		c.missing(c.r.Statuses[0].Pos, "statuses need the type HV_STATUS")
	}
}

func (c *versionChecker) status(name string) *Status {
	for _, s := range c.r.Statuses {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func (c *versionChecker) checkHypercalls() {
	codes := unique{}
	hasCallCode := c.r.Type("HV_CALL_CODE") != nil
	for _, h := range c.r.Hypercalls {
		what := "hypercall " + h.Name
		codes.claim(c, fmt.Sprint(h.Code), h.Pos, "duplicate call code %#04x (%s)", h.Code, h.Name)
		if !hasCallCode {
			c.missing(h.Pos, "%s: hypercalls need the type HV_CALL_CODE", what)
		} else if !c.r.Fits("HV_CALL_CODE", h.Code) {
			c.add(h.Pos, "%s: code %#x does not fit HV_CALL_CODE", what, h.Code)
		}
		for _, p := range []struct{ key, name string }{{"input", h.Input}, {"output", h.Output}} {
			if t := c.ref(h.Pos, what+" "+p.key, p.name); t != nil && t.Kind != KindStruct && t.Kind != KindUnion {
				c.add(h.Pos, "%s: %s %s is a %s, not a struct or union", what, p.key, p.name, t.Kind)
			}
		}
		c.ref(h.Pos, what+" input_rep", h.InputRep)
		c.ref(h.Pos, what+" output_rep", h.OutputRep)
		// A rep call without element types repeats over something its header
		// describes (HvCallUnmapGpaPages: a run of pages).
		hasRep := h.InputRep != "" || h.OutputRep != ""
		if !h.Rep && hasRep {
			c.add(h.Pos, "%s: a simple hypercall has no rep elements", what)
		}
		if h.Incomplete != "" && (h.Input != "" || h.Output != "" || hasRep) {
			c.add(h.Pos, "%s: incomplete but has layouts; drop incomplete", what)
		}
		if h.Access != nil {
			c.privileges(h, what)
		}
		if p := h.Passthrough; p != nil {
			if p.Async && !slices.Contains(p.Fds, "partition") {
				c.add(p.Pos, "%s: an asynchronous pass-through call is completed on a partition's fd, which its fd list lacks", what)
			}
			if len(p.Refs) == 0 {
				c.add(p.Pos, "%s: passthrough: ref is empty", what)
			}
		}
		seen := unique{}
		for _, s := range h.Statuses {
			if c.status(s.Status) == nil {
				c.missing(s.Pos, "%s: undefined status %s", what, s.Status)
			}
			seen.claim(c, s.Status, s.Pos, "%s: status %s listed twice; merge the conditions", what, s.Status)
		}
	}
}

// privileges checks that every privilege a hypercall needs is a flag of this
// version's HV_PARTITION_PRIVILEGE_MASK, spelled as the mask spells it.
func (c *versionChecker) privileges(h *Hypercall, what string) {
	if len(h.Access.Privileges) == 0 {
		return
	}
	mask := c.r.Type("HV_PARTITION_PRIVILEGE_MASK")
	if mask == nil {
		c.missing(h.Pos, "%s: privileges name flags of HV_PARTITION_PRIVILEGE_MASK, which this version does not declare", what)
		return
	}
	for _, p := range h.Access.Privileges {
		i := slices.IndexFunc(mask.Bits, func(b *Bit) bool { return b.Name == p })
		switch {
		case i < 0:
			c.add(h.Pos, "%s: privilege %s is not a flag of HV_PARTITION_PRIVILEGE_MASK", what, p)
		case mask.Bits[i].Reserved:
			c.add(h.Pos, "%s: privilege %s is a reserved range of HV_PARTITION_PRIVILEGE_MASK", what, p)
		}
	}
}

func (c *versionChecker) checkEventGroups() {
	for _, g := range c.r.EventGroups {
		for _, e := range g.Entries {
			for _, p := range e.Params {
				c.ref(p.Pos, "eventlog entry "+e.Name+" param "+p.Name, p.Type)
			}
		}
	}
}

func (c *versionChecker) enumValue(name string) (*Type, *Value) {
	for _, t := range c.r.Types {
		for _, v := range t.Values {
			if v.Name == name {
				return t, v
			}
		}
	}
	return nil, nil
}

func (c *versionChecker) checkStatsGroups() {
	for _, g := range c.r.StatsGroups {
		what := "stats group " + g.Name
		if t, _ := c.enumValue(g.Object); t == nil {
			c.missing(g.Pos, "%s: object %s is not an enumeration value", what, g.Object)
		}
		var enum *Type
		if g.CounterEnum != "" {
			enum = c.ref(g.Pos, what+" counter_enum", g.CounterEnum)
			if enum != nil && enum.Kind != KindEnum {
				c.add(g.Pos, "%s: counter_enum %s is a %s, not an enum", what, g.CounterEnum, enum.Kind)
				enum = nil
			}
		}
		for _, k := range []struct{ key, name string }{{"id_constant", g.IDConst}, {"version_constant", g.VersionConst}} {
			if k.name != "" && !slices.ContainsFunc(c.r.Constants, func(x *Constant) bool { return x.Name == k.name && x.Value != nil }) {
				c.missing(g.Pos, "%s: %s %s is not a constant with a value", what, k.key, k.name)
			}
		}
		if g.Layout == LayoutFlat {
			c.checkFlatGroup(g, what)
		}
		// Index and name are unique per architecture: a counter the two
		// builds place differently is one item per architecture.
		idx, names := map[string]unique{}, map[string]unique{}
		for _, a := range Arches {
			idx[a], names[a] = unique{}, unique{}
		}
		for _, k := range g.Counters {
			if k.Index < 1 {
				c.add(k.Pos, "%s: counter %s index %d: slot 0 is the group header", what, k.Name, k.Index)
			}
			for _, a := range Arches {
				if !k.OnArch(a) {
					continue
				}
				idx[a].claim(c, fmt.Sprint(k.Index), k.Pos, "%s: duplicate counter index %d on %s", what, k.Index, a)
				names[a].claim(c, k.Name, k.Pos, "%s: duplicate counter name %s on %s", what, k.Name, a)
			}
			c.ref(k.Pos, what+" counter "+k.Name, k.Type)
			if k.EnumValue == "" {
				continue
			}
			if enum == nil {
				c.add(k.Pos, "%s: counter %s has enum_value but the group has no counter_enum", what, k.Name)
				continue
			}
			i := slices.IndexFunc(enum.Values, func(v *Value) bool { return v.Name == k.EnumValue })
			switch {
			case i < 0:
				c.add(k.Pos, "%s: counter %s: %s is not a value of %s", what, k.Name, k.EnumValue, enum.Name)
			case enum.Values[i].Value != uint64(k.Index):
				c.add(k.Pos, "%s: counter %s: index %d but %s = %d", what, k.Name, k.Index, k.EnumValue, enum.Values[i].Value)
			}
		}
	}
}

// flatPageSlots is the number of 64-bit slots in a flat statistics page
// (a 4 KB page).
const flatPageSlots = 512

// checkFlatGroup checks a group whose page is the counter array itself: no
// header constants, a slot inside the page, a kind and unit for every counter
// (readers need them to present the raw value), and one flat group per object.
func (c *versionChecker) checkFlatGroup(g *StatsGroup, what string) {
	if g.IDConst != "" || g.VersionConst != "" {
		c.add(g.Pos, "%s: a flat group has no header, so no id_constant or version_constant", what)
	}
	for _, o := range c.r.StatsGroups {
		if o == g {
			break
		}
		if o.Layout == LayoutFlat && o.Object == g.Object {
			c.add(g.Pos, "%s: a second flat group for %s (first %s at %s)", what, g.Object, o.Name, o.Pos)
		}
	}
	var arches []string
	for _, v := range c.r.Versions {
		if v.Name == c.v {
			arches = v.Arch
		}
	}
	for _, k := range g.Counters {
		if k.Index >= flatPageSlots {
			c.add(k.Pos, "%s: counter %s index %d is past the page's %d slots", what, k.Name, k.Index, flatPageSlots)
		}
		if k.Kind == "" || k.Unit == "" {
			c.add(k.Pos, "%s: counter %s of a flat group needs kind and unit", what, k.Name)
		}
		for _, a := range k.Arch {
			if len(arches) > 0 && !slices.Contains(arches, a) {
				c.add(k.Pos, "%s: counter %s is declared for %s, which version %s does not describe", what, k.Name, a, c.v)
			}
		}
	}
}

// checkIoctls: the argument is a declared type, and on each file descriptor
// kind and architecture no two requests share a type and number.
func (c *versionChecker) checkIoctls() {
	nums := map[string]unique{}
	for _, x := range c.r.Ioctls {
		what := "ioctl " + x.Name
		if x.Arg != "" {
			if t := c.ref(x.Pos, what+" arg", x.Arg); t != nil && t.Kind == KindOpaque {
				c.add(x.Pos, "%s: arg %s is opaque (no layout, so no size for the request)", what, x.Arg)
			}
		}
		for _, a := range Arches {
			if !x.OnArch(a) {
				continue
			}
			for _, fd := range x.Fds {
				k := a + " " + fd
				if nums[k] == nil {
					nums[k] = unique{}
				}
				nums[k].claim(c, fmt.Sprintf("%#x/%#x", x.Magic, x.Nr), x.Pos, "%s: type %#x number %#x is another request's on a %s fd (%s)", what, x.Magic, x.Nr, fd, a)
			}
		}
	}
}

// linkDriver attaches each driver entry to the ioctl (its Fds) or hypercall
// (its Passthrough) of the same name in each of the entry's versions. Linking
// again (Check run twice) changes nothing.
func linkDriver(r *Registry, errs *ErrorList, partial bool) {
	for _, d := range r.Driver {
		what := "driver entry " + d.Name
		if d.Async && !slices.Contains(d.Fds, "partition") {
			errs.Add(d.Pos, "%s: an asynchronous call is completed on a partition's fd, which its fd list lacks", what)
		}
		for _, v := range d.Versions {
			view := r.View(v)
			found := false
			for _, x := range view.Ioctls {
				if x.Name != d.Name {
					continue
				}
				found = true
				switch {
				case d.Async:
					errs.Add(d.Pos, "%s: async applies to a pass-through hypercall, not to an ioctl [%s]", what, v)
				case x.Fds != nil && !slices.Equal(x.Fds, d.Fds):
					errs.Add(d.Pos, "%s: ioctl %s (at %s) states other fds, %s [%s]", what, x.Name, x.Pos, strings.Join(x.Fds, ", "), v)
				default:
					x.Fds, x.FdRefs = d.Fds, d.Refs
				}
			}
			for _, h := range view.Hypercalls {
				if h.Name != d.Name {
					continue
				}
				found = true
				if h.Passthrough != nil && h.Passthrough != d {
					errs.Add(d.Pos, "%s: hypercall %s has a second driver entry (first at %s) [%s]", what, h.Name, h.Passthrough.Pos, v)
					continue
				}
				h.Passthrough = d
			}
			if !found && !partial {
				errs.Add(d.Pos, "%s: no ioctl or hypercall of that name in version %s", what, v)
			}
		}
	}
}
