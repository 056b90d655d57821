package cimport

import (
	"fmt"
	"strconv"
	"strings"

	"modernc.org/cc/v4"

	"github.com/hvgen/hvgen/spec"
)

// ioctlDirs maps Linux's request macros to the registry's directions
// (spec.IoctlDirs).
var ioctlDirs = map[string]string{"_IO": "none", "_IOR": "read", "_IOW": "write", "_IOWR": "readwrite"}

// ioctl reads a #define whose value is one of Linux's request macros,
// NAME = _IOW(TYPE, NR, ARG): handled is false when it is not one; an ioctl
// that cannot be expressed is reported and left out (nil).
func (v *converter) ioctl(m *macro) (x *spec.Ioctl, handled bool) {
	toks := m.m.ReplacementList()
	if len(toks) == 0 {
		return nil, false
	}
	dir, ok := ioctlDirs[toks[0].SrcStr()]
	if !ok {
		return nil, false
	}
	args, ok := macroArgs(toks[1:])
	want := 3
	if dir == "none" {
		want = 2
	}
	if !ok || len(args) != want {
		v.skip(m.file, m.line, "#define %s: %s with %d arguments, not %d", m.name, toks[0].SrcStr(), len(args), want)
		return nil, true
	}
	x = &spec.Ioctl{Item: v.item(m.name, m.file, m.line, ""), Dir: dir}
	for i, p := range []*uint64{&x.Magic, &x.Nr} {
		n, err := v.integer(args[i])
		if err != nil {
			v.skip(m.file, m.line, "#define %s: the request's %s: %v", m.name, [...]string{"type", "number"}[i], err)
			return nil, true
		}
		*p = n
	}
	if dir != "none" {
		arg, err := v.argType(args[2], m.line)
		if err != nil {
			v.skip(m.file, m.line, "#define %s: argument: %v", m.name, err)
			return nil, true
		}
		x.Arg = arg
	}
	if val, ok := unsignedValue(m.m.Value()); ok {
		x.Request = &val // as the C front end computes it (the prelude's _IOC)
	}
	x.Doc = fmt.Sprintf("Ioctl request %s (the header's %s", words(strings.TrimPrefix(m.name, "MSHV_")), toks[0].SrcStr())
	if x.Arg != "" {
		x.Doc += " with a " + x.Arg
	}
	x.Doc += ")."
	return x, true
}

// macroArgs splits the tokens "( a , b , c )" of a macro call into its
// arguments, each as source text.
func macroArgs(toks []cc.Token) ([]string, bool) {
	if len(toks) < 2 || toks[0].SrcStr() != "(" || toks[len(toks)-1].SrcStr() != ")" {
		return nil, false
	}
	var args []string
	var cur []string
	depth := 0
	for _, t := range toks[1 : len(toks)-1] {
		s := t.SrcStr()
		switch {
		case s == "(":
			depth++
		case s == ")":
			depth--
		case s == "," && depth == 0:
			args = append(args, strings.Join(cur, " "))
			cur = nil
			continue
		}
		cur = append(cur, s)
	}
	return append(args, strings.Join(cur, " ")), depth == 0
}

// integer is an integer literal or the name of an integer macro.
func (v *converter) integer(s string) (uint64, error) {
	if n, err := strconv.ParseUint(strings.TrimRight(s, "uUlL"), 0, 64); err == nil {
		return n, nil
	}
	if m, ok := v.ast.Macros[s]; ok {
		if n, ok := unsignedValue(m.Value()); ok {
			return n, nil
		}
	}
	return 0, fmt.Errorf("%q is neither an integer nor an integer macro", s)
}

// argType names the registry type of a request's argument: struct TAG,
// union TAG, or a typedef or primitive name.
func (v *converter) argType(s string, line int) (string, error) {
	f := strings.Fields(s)
	switch {
	case len(f) == 2 && (f[0] == "struct" || f[0] == "union"):
		if n, ok := v.tags[f[0]+" "+f[1]]; ok && v.names[n] {
			return n, nil
		}
		return "", fail(line, "%s is not imported", s)
	case len(f) == 1:
		if p, ok := primitiveNames[f[0]]; ok {
			return p, nil
		}
		if v.names[f[0]] {
			return f[0], nil
		}
	}
	return "", fail(line, "%q is not a type the import knows", s)
}
