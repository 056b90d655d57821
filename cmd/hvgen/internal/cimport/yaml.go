package cimport

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/hvgen/hvgen/spec"
)

// File is one registry file to write: an area and the items in it.
type File struct {
	Area, Doc  string
	Types      []*spec.Type
	Constants  []*spec.Constant
	Statuses   []*spec.Status
	Hypercalls []*spec.Hypercall
	Ioctls     []*spec.Ioctl
}

// WriteYAML writes a registry file in spec/'s format.
func WriteYAML(w io.Writer, f *File) error {
	root := mapping()
	add(root, "area", str(f.Area))
	if f.Doc != "" {
		add(root, "doc", str(f.Doc))
	}
	if len(f.Types) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, t := range f.Types {
			seq.Content = append(seq.Content, typeNode(t))
		}
		add(root, "types", seq)
	}
	if len(f.Constants) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, c := range f.Constants {
			m := itemNode(&c.Item, true)
			if c.Value != nil {
				insertAfterName(m, "value", hex(*c.Value))
			}
			if c.Type != "" {
				insertAfterName(m, "type", str(c.Type))
			}
			if len(c.Arch) > 0 {
				insertAfterName(m, "arch", strs(c.Arch))
			}
			seq.Content = append(seq.Content, m)
		}
		add(root, "constants", seq)
	}
	if len(f.Statuses) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, s := range f.Statuses {
			m := itemNode(&s.Item, true)
			if s.Value != nil {
				insertAfterName(m, "value", hex(*s.Value))
			}
			seq.Content = append(seq.Content, m)
		}
		add(root, "statuses", seq)
	}
	if len(f.Hypercalls) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, h := range f.Hypercalls {
			m := itemNode(&h.Item, false)
			insertAfterName(m, "fast", boolean(h.Fast))
			kind := "simple"
			if h.Rep {
				kind = "rep"
			}
			insertAfterName(m, "kind", str(kind))
			insertAfterName(m, "code", hex(h.Code))
			if h.VariableHeader {
				add(m, "variable_header", boolean(true))
			}
			if h.Input != "" {
				add(m, "input", str(h.Input))
			}
			if h.Output != "" {
				add(m, "output", str(h.Output))
			}
			if h.InputRep != "" {
				add(m, "input_rep", str(h.InputRep))
			}
			if h.OutputRep != "" {
				add(m, "output_rep", str(h.OutputRep))
			}
			if h.Incomplete != "" {
				add(m, "incomplete", str(h.Incomplete))
			}
			seq.Content = append(seq.Content, m)
		}
		add(root, "hypercalls", seq)
	}
	if len(f.Ioctls) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, x := range f.Ioctls {
			m := itemNode(&x.Item, true)
			if len(x.Arch) > 0 {
				insertAfterName(m, "arch", strs(x.Arch))
			}
			if x.Request != nil {
				insertAfterName(m, "request", hex(*x.Request))
			}
			if len(x.Fds) > 0 {
				insertAfterName(m, "fd", strs(x.Fds))
			}
			if x.Arg != "" {
				insertAfterName(m, "arg", str(x.Arg))
			}
			insertAfterName(m, "nr", hex(x.Nr))
			insertAfterName(m, "magic", hex(x.Magic))
			insertAfterName(m, "dir", str(x.Dir))
			seq.Content = append(seq.Content, m)
		}
		add(root, "ioctls", seq)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func writeType(w io.Writer, t *spec.Type) error {
	enc := yaml.NewEncoder(w)
	if err := enc.Encode(typeNode(t)); err != nil {
		return err
	}
	return enc.Close()
}

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func flow(n *yaml.Node) *yaml.Node { n.Style = yaml.FlowStyle; return n }

func add(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, str(key), v)
}

// insertAfterName puts a key right after name (keys read name, value, ...).
func insertAfterName(m *yaml.Node, key string, v *yaml.Node) {
	c := append([]*yaml.Node{}, m.Content[:2]...)
	c = append(c, str(key), v)
	m.Content = append(c, m.Content[2:]...)
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func integer(n int64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(n, 10)}
}

func hex(n uint64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprintf("%#x", n)}
}

func boolean(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}

func strs(xs []string) *yaml.Node {
	n := flow(&yaml.Node{Kind: yaml.SequenceNode})
	for _, x := range xs {
		n.Content = append(n.Content, str(x))
	}
	return n
}

// itemNode is the keys every item has; flat items are written on one line.
func itemNode(it *spec.Item, oneLine bool) *yaml.Node {
	m := mapping()
	if oneLine {
		flow(m)
	}
	add(m, "name", str(it.Name))
	add(m, "versions", strs(it.Versions))
	add(m, "doc", str(it.Doc))
	if len(it.Refs) == 1 {
		add(m, "ref", str(it.Refs[0]))
	} else {
		add(m, "ref", strs(it.Refs))
	}
	return m
}

func typeNode(t *spec.Type) *yaml.Node {
	m := mapping()
	add(m, "name", str(t.Name))
	add(m, "kind", str(string(t.Kind)))
	if t.Base != "" {
		add(m, "base", str(t.Base))
	}
	if len(t.Arch) > 0 {
		add(m, "arch", strs(t.Arch))
	}
	add(m, "versions", strs(t.Versions))
	if t.Size != nil {
		add(m, "size", integer(*t.Size))
	}
	if t.Packed {
		add(m, "packed", boolean(true))
	}
	add(m, "doc", str(t.Doc))
	if len(t.Refs) == 1 {
		add(m, "ref", str(t.Refs[0]))
	} else if len(t.Refs) > 1 {
		add(m, "ref", strs(t.Refs))
	}
	switch t.Kind {
	case spec.KindStruct, spec.KindUnion:
		add(m, "fields", fieldsNode(t.Fields))
	case spec.KindEnum, spec.KindFlags:
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, v := range t.Values {
			vm := flow(mapping())
			add(vm, "name", str(v.Name))
			add(vm, "value", hex(v.Value))
			if v.Alias {
				add(vm, "alias", boolean(true))
			}
			if v.Doc != "" {
				add(vm, "doc", str(v.Doc))
			}
			seq.Content = append(seq.Content, vm)
		}
		add(m, "values", seq)
	case spec.KindBitfield:
		add(m, "bits", bitsNode(t.Bits))
	}
	return m
}

func bitsNode(bits []*spec.Bit) *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, b := range bits {
		bm := flow(mapping())
		add(bm, "name", str(b.Name))
		add(bm, "bit", integer(int64(b.Bit)))
		add(bm, "width", integer(int64(b.Width)))
		if b.Reserved {
			add(bm, "reserved", boolean(true))
		}
		if b.Doc != "" {
			add(bm, "doc", str(b.Doc))
		}
		seq.Content = append(seq.Content, bm)
	}
	return seq
}

func fieldsNode(fs []*spec.Field) *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, f := range fs {
		fm := mapping()
		if f.Name != "" {
			add(fm, "name", str(f.Name))
		}
		if f.Type != "" {
			add(fm, "type", str(f.Type))
		}
		if f.Nested != nil && f.Nested.Kind == spec.KindBitfield {
			add(fm, "type", str(f.Nested.Base))
		}
		if f.Count > 0 {
			add(fm, "count", integer(f.Count))
		}
		if f.Flexible {
			add(fm, "flexible", boolean(true))
		}
		if f.Offset != nil {
			add(fm, "offset", integer(*f.Offset))
		}
		if f.Reserved {
			add(fm, "reserved", boolean(true))
		}
		if f.Padding {
			add(fm, "padding", boolean(true))
		}
		if f.Doc != "" {
			add(fm, "doc", str(f.Doc))
		}
		switch {
		case f.Nested == nil:
			flow(fm)
		case f.Nested.Kind == spec.KindBitfield:
			add(fm, "bits", bitsNode(f.Nested.Bits))
		default:
			if f.Nested.Packed {
				add(fm, "packed", boolean(true))
			}
			add(fm, string(f.Nested.Kind), fieldsNode(f.Nested.Fields))
		}
		seq.Content = append(seq.Content, fm)
	}
	return seq
}
