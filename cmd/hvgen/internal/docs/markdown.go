package docs

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"

	"github.com/hvgen/hvgen/cmd/hvgen/internal/naming"
	"github.com/hvgen/hvgen/templates"
)

// svgStyle makes a diagram stand alone (Markdown shows it as an image, away
// from the HTML site's stylesheet).
const svgStyle = `<style>rect{stroke:#aab}.f0{fill:#cfe3ff}.f1{fill:#d6f5d6}.f2{fill:#ffe8c7}.f3{fill:#f1d9ff}` +
	`.rsv{fill:#e4e6ea;stroke-dasharray:3 2}text{font:12px monospace;fill:#1d2330}.lbl{text-anchor:middle}.off,.tick{fill:#5b6475;font-size:11px}</style>`

// Markdown renders the site as Markdown files with relative links.
func Markdown(s *Site) (map[string][]byte, error) {
	pages := map[string]string{}
	for _, c := range s.Hypercalls {
		pages[c.Name] = c.Slug + ".md"
	}
	for _, t := range s.Types {
		pages[t.Name] = t.Slug + ".md"
	}
	svgName := func(name, versions string) string {
		return name + "-" + strings.NewReplacer(", ", "-", " ", "").Replace(versions) + ".svg"
	}
	tmpl, err := template.New("docs").Funcs(template.FuncMap{
		"lower":   strings.ToLower,
		"cell":    func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ") },
		"indent":  func(d int) string { return strings.Repeat("&nbsp;&nbsp;", d) },
		"svgfile": svgName,
		"refs":    splitRefs,
		// ref shows a reference, linked to its public source where it has one.
		"ref": func(r string) string {
			if u := refURL(r); u != "" {
				return "[`" + r + "`](" + u + ")"
			}
			return "`" + r + "`"
		},
		"goName":  naming.Go,
		"goField": naming.Field,
		"link": func(item string) string {
			if p, ok := pages[item]; ok {
				return "[" + item + "](" + p + ")"
			}
			return "`" + item + "`"
		},
	}).ParseFS(templates.FS, "docs_md.tmpl")
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
		{"index.md", "index", ""}, {"hypercalls.md", "hypercalls", ""}, {"types.md", "types", ""},
		{"eventlog.md", "eventlog", ""}, {"stats.md", "stats", ""}, {"versions.md", "versions", ""},
	} {
		if err := render(r.file, r.tmpl, &Page{}); err != nil {
			return nil, err
		}
	}
	if err := render("statuses.md", "rows", &Page{Title: "Status codes", Rows: s.Statuses}); err != nil {
		return nil, err
	}
	if err := render("constants.md", "rows", &Page{Title: "Constants", Rows: s.Constants}); err != nil {
		return nil, err
	}
	if len(s.Ioctls) > 0 {
		if err := render("ioctls.md", "ioctls", &Page{}); err != nil {
			return nil, err
		}
	}
	for _, c := range s.Hypercalls {
		if err := render(c.Slug+".md", "call", &Page{Call: c}); err != nil {
			return nil, err
		}
	}
	for _, t := range s.Types {
		if err := render(t.Slug+".md", "type", &Page{Type: t}); err != nil {
			return nil, err
		}
		for _, v := range t.Variants {
			if v.SVG != "" {
				svg := strings.Replace(v.SVG, ">", ">"+svgStyle, 1)
				out["types/"+svgName(v.Name, v.Versions)] = []byte(svg)
			}
		}
	}
	return out, nil
}
