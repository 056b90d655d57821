package generated

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// ident is an exported identifier a generated package declares, with the
// struct it is a member of ("" for package-level names and methods).
type ident struct {
	name, pkg, scope string
}

// generatedIdents parses the generated files of the three packages (not the
// deprecated aliases, which keep the previous spellings on purpose).
func generatedIdents(t *testing.T) []ident {
	t.Helper()
	var out []ident
	for _, pkg := range []string{"wdk2013", "tlfs", "linux70"} {
		files, err := filepath.Glob(filepath.Join(pkg, "z*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no generated files (%v)", pkg, err)
		}
		fset := token.NewFileSet()
		for _, name := range files {
			if strings.HasPrefix(filepath.Base(name), "zdeprecated") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			add := func(id *ast.Ident, scope string) {
				if id != nil && id.IsExported() {
					out = append(out, ident{id.Name, pkg, scope})
				}
			}
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					add(d.Name, "")
				case *ast.GenDecl:
					for _, s := range d.Specs {
						switch s := s.(type) {
						case *ast.TypeSpec:
							add(s.Name, "")
							if st, ok := s.Type.(*ast.StructType); ok {
								for _, fl := range st.Fields.List {
									for _, n := range fl.Names {
										add(n, pkg+"."+s.Name.Name)
									}
								}
							}
						case *ast.ValueSpec:
							for _, n := range s.Names {
								add(n, "")
							}
						}
					}
				}
			}
		}
	}
	return out
}

// goWords splits a Go identifier into its words: before a capital that
// follows a lower-case letter or a digit, and before the last capital of a
// run that starts a new word (GPAPage: GPA Page).
func goWords(s string) []string {
	rs := []rune(s)
	var out []string
	start := 0
	for i := 1; i < len(rs); i++ {
		prev, cur, next := rs[i-1], rs[i], rune(0)
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		if (unicode.IsLower(prev) || unicode.IsDigit(prev)) && unicode.IsUpper(cur) ||
			unicode.IsUpper(prev) && unicode.IsUpper(cur) && unicode.IsLower(next) {
			out = append(out, string(rs[start:i]))
			start = i
		}
	}
	return append(out, string(rs[start:]))
}

// TestOneSpelling: the generated packages write each concept one way. Two
// identifiers that differ only in case (EventlogType, EventLogType), and a
// word written elsewhere as several (Spinwait, Spin Wait), are two
// spellings of the same words; the naming rule (cmd/hvgen/internal/naming)
// must give one. Letters that one struct uses for two members (the VMCS's
// VpId and Vpid) are two names the registry keeps apart, and runs with a
// one-letter word (RegisterSCet: S CET) are words of their own.
func TestOneSpelling(t *testing.T) {
	ids := generatedIdents(t)
	apart := map[string]bool{} // letters one struct spells two ways
	byScope := map[string]map[string]string{}
	for _, id := range ids {
		if id.scope == "" {
			continue
		}
		if byScope[id.scope] == nil {
			byScope[id.scope] = map[string]string{}
		}
		k := strings.ToLower(id.name)
		if s, ok := byScope[id.scope][k]; ok && s != id.name {
			apart[k] = true
		}
		byScope[id.scope][k] = id.name
	}
	// Whole identifiers.
	spellings := map[string]map[string]string{} // lower case -> spelling -> where
	// Words: the letters of a word or run of words -> its spellings.
	words := map[string]map[string]string{}
	note := func(m map[string]map[string]string, key, spelling, where string) {
		if m[key] == nil {
			m[key] = map[string]string{}
		}
		if _, ok := m[key][spelling]; !ok {
			m[key][spelling] = where
		}
	}
	for _, id := range ids {
		where := id.pkg + "." + id.name
		note(spellings, strings.ToLower(id.name), id.name, where)
		ws := goWords(id.name)
		for i := range ws {
			for k := 1; k <= 3 && i+k <= len(ws); k++ {
				run := ws[i : i+k]
				if k > 1 && slices.ContainsFunc(run, func(w string) bool { return len(w) < 2 }) {
					continue
				}
				note(words, strings.ToLower(strings.Join(run, "")), strings.Join(run, " "), where)
			}
		}
	}
	report := func(what string, m map[string]map[string]string, same func(a, b string) bool) {
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if apart[k] || len(m[k]) < 2 {
				continue
			}
			var all []string
			for s := range m[k] {
				all = append(all, s)
			}
			sort.Strings(all)
			for _, s := range all[1:] {
				if !same(all[0], s) {
					t.Errorf("%s %q spelled two ways: %s (%s) and %s (%s)", what, k, all[0], m[k][all[0]], s, m[k][s])
				}
			}
		}
	}
	report("identifier", spellings, func(a, b string) bool { return a == b })
	// A run of words is the same spelling when its letters are written
	// alike; where the words split is only how goWords reads the case.
	report("words", words, func(a, b string) bool { return strings.ReplaceAll(a, " ", "") == strings.ReplaceAll(b, " ", "") })
}
