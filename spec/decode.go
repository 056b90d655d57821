package spec

import (
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder turns yaml.v3 nodes into model values, recording every problem with
// its position instead of stopping at the first.
type decoder struct {
	file string
	errs *ErrorList
}

func (d *decoder) pos(n *yaml.Node) Pos { return Pos{File: d.file, Line: n.Line, Col: n.Column} }

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	d.errs.Add(d.pos(n), format, args...)
}

// mapping returns the keys of a mapping node, rejecting unknown and repeated
// keys and reporting missing required ones (required keys end in "!").
func (d *decoder) mapping(n *yaml.Node, what string, keys ...string) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s: expected a mapping, found %s", what, kindName(n))
		return nil
	}
	allowed := map[string]bool{}
	var required []string
	for _, k := range keys {
		if name, ok := strings.CutSuffix(k, "!"); ok {
			allowed[name] = true
			required = append(required, name)
		} else {
			allowed[k] = true
		}
	}
	m := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !allowed[k.Value]:
			d.errorf(k, "%s: unknown key %q (allowed: %s)", what, k.Value, strings.Join(sortedKeys(allowed), ", "))
		case m[k.Value] != nil:
			d.errorf(k, "%s: key %q repeated", what, k.Value)
		default:
			m[k.Value] = v
		}
	}
	for _, k := range required {
		if m[k] == nil {
			d.errorf(n, "%s: missing required key %q", what, k)
		}
	}
	return m
}

func (d *decoder) str(n *yaml.Node, what string) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.errorf(n, "%s: expected a string, found %s", what, kindName(n))
		return ""
	}
	return n.Value
}

// text is prose (a doc, a note, a condition). A plain YAML scalar ends at
// " #", the rest of the line being a comment: such a text lost its tail, so it
// is an error that says to quote it.
func (d *decoder) text(n *yaml.Node, what string) string {
	s := d.str(n, what)
	if n != nil && n.Kind == yaml.ScalarNode && n.LineComment != "" && n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 {
		d.errorf(n, "%s: the text stops at %q, which YAML reads as a comment; quote the value", what, n.LineComment)
	}
	return s
}

// texts is a string or a list of strings of prose (see text).
func (d *decoder) texts(n *yaml.Node, what string) []string {
	if n != nil && n.Kind == yaml.SequenceNode {
		var out []string
		for _, e := range n.Content {
			if s := d.text(e, what); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	if s := d.text(n, what); s != "" {
		return []string{s}
	}
	return nil
}

// name is a string that must be a C-style identifier.
func (d *decoder) name(n *yaml.Node, what string) string {
	s := d.str(n, what)
	if n != nil && s != "" && !isIdent(s) {
		d.errorf(n, "%s: %q is not an identifier", what, s)
	}
	return s
}

func (d *decoder) uint(n *yaml.Node, what string) (uint64, bool) {
	if n == nil {
		return 0, false
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		d.errorf(n, "%s: expected a non-negative integer, found %s", what, describe(n))
		return 0, false
	}
	v, err := strconv.ParseUint(n.Value, 0, 64)
	if err != nil {
		d.errorf(n, "%s: %q is not a non-negative 64-bit integer", what, n.Value)
		return 0, false
	}
	return v, true
}

func (d *decoder) int(n *yaml.Node, what string) (int64, bool) {
	v, ok := d.uint(n, what)
	if ok && v > 1<<62 {
		d.errorf(n, "%s: %d is too large", what, v)
		return 0, false
	}
	return int64(v), ok
}

func (d *decoder) optInt(n *yaml.Node, what string) *int64 {
	if n == nil {
		return nil
	}
	if v, ok := d.int(n, what); ok {
		return &v
	}
	return nil
}

func (d *decoder) bool(n *yaml.Node, what string) bool {
	if n == nil {
		return false
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		d.errorf(n, "%s: expected true or false, found %s", what, describe(n))
		return false
	}
	return n.Value == "true"
}

// strs accepts one string or a list of strings.
func (d *decoder) strs(n *yaml.Node, what string) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		if s := d.str(n, what); s != "" {
			return []string{s}
		}
		return nil
	}
	var out []string
	for _, e := range d.seq(n, what) {
		if s := d.str(e, what); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (d *decoder) seq(n *yaml.Node, what string) []*yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "%s: expected a list, found %s", what, kindName(n))
		return nil
	}
	return n.Content
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return "a scalar"
}

func describe(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return strconv.Quote(n.Value)
	}
	return kindName(n)
}

func isIdent(s string) bool {
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
