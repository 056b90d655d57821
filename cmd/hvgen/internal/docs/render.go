package docs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"slices"
	"strings"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/naming"
	"github.com/hvgen/hvgen/templates"
)

// Page is what a page template gets.
type Page struct {
	Title string
	Root  string // relative path to the site root: "" or "../"
	Site  *Site
	Call  *Call
	Type  *TypePage
	Rows  []Row
}

// HTML renders the site: file path -> content.
func HTML(s *Site) (map[string][]byte, error) {
	pages := map[string]string{}
	for _, c := range s.Hypercalls {
		pages[c.Name] = c.Slug + ".html"
	}
	for _, t := range s.Types {
		pages[t.Name] = t.Slug + ".html"
	}
	tmpl, err := template.New("docs").Funcs(template.FuncMap{
		// Layout tables appear only on pages one level below the root.
		"root": func() string { return "../" },
		"svg":  func(s string) template.HTML { return template.HTML(s) }, // drawn by bytesDiagram/bitsDiagram, escaped there
		// anchor makes an id of a label: "tlfs (arm64)" -> "tlfs-arm64".
		"anchor": func(s string) string {
			return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '(' || r == ')' }), "-")
		},
		"goName":  naming.Go,
		"goField": naming.Field,
		"refs":    splitRefs,
		// ref shows a reference, linked to its public source where it has one.
		"ref": func(r string) template.HTML {
			code := "<code>" + template.HTMLEscapeString(r) + "</code>"
			if u := refURL(r); u != "" {
				return template.HTML(`<a class="ref" href="` + template.HTMLEscapeString(u) + `">` + code + `</a>`)
			}
			return template.HTML(code)
		},
		"link": func(item string) template.HTML {
			if p, ok := pages[item]; ok {
				return template.HTML(fmt.Sprintf(`<a href="%s">%s</a>`, template.HTMLEscapeString(p), template.HTMLEscapeString(item)))
			}
			return template.HTML("<code>" + template.HTMLEscapeString(item) + "</code>")
		},
	}).ParseFS(templates.FS, "docs_html.tmpl")
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	render := func(file, name string, p *Page) error {
		p.Site = s
		if strings.Contains(file, "/") {
			p.Root = "../"
		}
		var b bytes.Buffer
		if err := tmpl.ExecuteTemplate(&b, name, p); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		out[file] = b.Bytes()
		return nil
	}
	for _, r := range []struct{ file, tmpl, title string }{
		{"index.html", "index", "Hyper-V ABI"}, {"hypercalls.html", "hypercalls", "Hypercalls"}, {"types.html", "types", "Types"},
		{"eventlog.html", "eventlog", "Event-log entry types"}, {"stats.html", "stats", "Statistics counters"},
		{"versions.html", "versions", "Versions"},
	} {
		if err := render(r.file, r.tmpl, &Page{Title: r.title}); err != nil {
			return nil, err
		}
	}
	if err := render("statuses.html", "rows", &Page{Title: "Status codes", Rows: s.Statuses}); err != nil {
		return nil, err
	}
	if err := render("constants.html", "rows", &Page{Title: "Constants", Rows: s.Constants}); err != nil {
		return nil, err
	}
	if len(s.Ioctls) > 0 {
		if err := render("ioctls.html", "ioctls", &Page{Title: "Ioctl requests"}); err != nil {
			return nil, err
		}
	}
	for _, c := range s.Hypercalls {
		if err := render(c.Slug+".html", "call", &Page{Title: c.Name, Call: c}); err != nil {
			return nil, err
		}
	}
	for _, t := range s.Types {
		if err := render(t.Slug+".html", "type", &Page{Title: t.Name, Type: t}); err != nil {
			return nil, err
		}
	}
	for _, f := range []string{"docs_style.css", "docs_search.js"} {
		data, err := fs.ReadFile(templates.FS, f)
		if err != nil {
			return nil, err
		}
		out[strings.TrimPrefix(f, "docs_")] = data
	}
	idx, err := searchIndex(s)
	if err != nil {
		return nil, err
	}
	out["search-index.js"] = idx
	return out, nil
}

// indexEntry is one search entry: ABI name, Go name, C name when it is not
// the ABI name, kind, number (or null) and page.
type indexEntry struct {
	N string  `json:"n"`
	G string  `json:"g,omitempty"`
	C string  `json:"c,omitempty"`
	K string  `json:"k"`
	V *uint64 `json:"v"`
	U string  `json:"u"`
	R string  `json:"r,omitempty"` // the versions that have the item
}

// searchIndex is a script defining window.HVGEN_INDEX (a script, not JSON
// fetched at run time, so that the site works from file://). Each name is
// listed once per page: a type's variants share their fields and values.
func searchIndex(s *Site) ([]byte, error) {
	var es []indexEntry
	seen := map[[2]string]bool{} // name, page
	add := func(e indexEntry) {
		k := [2]string{e.N, e.U}
		if seen[k] {
			return
		}
		seen[k] = true
		if e.C == e.N {
			e.C = ""
		}
		es = append(es, e)
	}
	num := func(v uint64) *uint64 { return &v }
	hexNum := func(s string) *uint64 {
		var v uint64
		if _, err := fmt.Sscanf(s, "0x%x", &v); err == nil {
			return num(v)
		}
		return nil
	}
	for _, c := range s.Hypercalls {
		k := "hypercall"
		if strings.Contains(c.Slug, c.Name+"-") {
			k += " (" + c.Versions + ")" // one page per variant
		}
		add(indexEntry{N: c.Name, G: c.GoName, C: c.CName, K: k, V: num(c.Hypercall.Code), U: c.Slug + ".html", R: c.Versions})
	}
	for _, t := range s.Types {
		add(indexEntry{N: t.Name, G: t.Variants[0].GoName, C: t.Variants[0].CName, K: "type (" + string(t.Variants[0].Kind) + ")", U: t.Slug + ".html", R: typeVersions(t)})
	}
	for _, x := range s.Ioctls {
		var req *uint64
		if v := hexNum(x.Requests); v != nil {
			req = v
		}
		add(indexEntry{N: x.Name, G: x.GoName, K: "ioctl", V: req, U: "ioctls.html#" + x.Name, R: x.Versions})
	}
	for _, t := range s.Types {
		for _, v := range t.Variants {
			for _, f := range v.Rows {
				if f.Notes != "padding" && !strings.HasPrefix(f.Name, "(") {
					g := ""
					if f.GoName != "" {
						g = v.GoName + "." + f.GoName
					}
					add(indexEntry{N: t.Name + "." + f.Name, G: g, K: "member of " + t.Name, U: t.Slug + ".html", R: v.Versions})
				}
			}
			for _, val := range v.Values {
				add(indexEntry{N: val.Name, G: val.GoName, C: val.CName, K: "value of " + t.Name, V: hexNum(val.Value), U: t.Slug + ".html#" + val.Name, R: v.Versions})
			}
		}
	}
	for _, r := range s.Statuses {
		add(indexEntry{N: r.Name, G: r.GoName, C: r.CName, K: "status", V: hexNum(r.Value), U: "statuses.html#" + r.Name, R: r.Versions})
	}
	for _, r := range s.Constants {
		add(indexEntry{N: r.Name, G: r.GoName, C: r.CName, K: "constant", V: hexNum(r.Value), U: "constants.html#" + r.Name, R: r.Versions})
	}
	for _, g := range s.Events {
		for _, e := range g.Entries {
			add(indexEntry{N: e.Name, G: naming.Go(e.Name), K: "event-log entry", V: num(e.ID), U: "eventlog.html#" + e.Name, R: g.Versions})
		}
	}
	data, err := json.Marshal(es)
	if err != nil {
		return nil, err
	}
	return append(append([]byte("window.HVGEN_INDEX = "), data...), ";\n"...), nil
}

// typeVersions lists the versions of every variant of a type, in order.
func typeVersions(t *TypePage) string {
	var vs []string
	for _, v := range t.Variants {
		for _, x := range v.Type.Versions {
			if !slices.Contains(vs, x) {
				vs = append(vs, x)
			}
		}
	}
	return strings.Join(vs, ", ")
}
