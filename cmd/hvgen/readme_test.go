package main

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// readmeMax is the most README.md may hold: a newcomer reads it in minutes,
// and the guides in docs/ hold the rest.
const readmeMax = 15 * 1024

// guides are the guides README.md must link to, one per topic.
var guides = []string{
	"docs/commands.md",        // every command and flag, exit codes, output files
	"docs/generated-go.md",    // generated Go, go generate, use from another module
	"docs/hypercalls.md",      // hypercalls, the runtime, the simulator
	"docs/vmm.md",             // the mshv VMM path
	"docs/recording.md",       // event logs, statistics, recordings
	"docs/exporter.md",        // the Prometheus exporter
	"docs/diff-and-import.md", // ABI diff and C header import
	"docs/registry.md",        // what the registry covers, the JSON export
	"spec/README.md",          // the registry format
	"docs/performance.md",     // benchmarks
}

// docSection returns the text of one "## title" section of a Markdown file
// of the repository (a path from its root), up to the next "## " heading.
func docSection(t *testing.T, file, title string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../..", file))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "\n## "+title+"\n")
	if i < 0 {
		t.Fatalf("%s has no section %q", file, title)
	}
	s = s[i+len("\n## "+title+"\n"):]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	return s
}

// Every command has a row in the commands table of docs/commands.md, a line
// in main.go's package comment with the summary hvgen -h prints, and a line
// in hvgen -h.
func TestCommandsDocumented(t *testing.T) {
	data, err := os.ReadFile("../../docs/commands.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	pkgDoc := string(src[:strings.Index(string(src), "\npackage main")])
	_, _, help := runCLI("-h")
	for _, c := range commands {
		if !strings.Contains(string(data), "\n| [`"+c.name+"`](#hvgen-"+c.name+") | "+c.summary+" |\n") {
			t.Errorf("docs/commands.md's commands table has no row for %s with its summary %q", c.name, c.summary)
		}
		if !regexp.MustCompile(`(?m)^//\t` + c.name + ` +` + regexp.QuoteMeta(c.summary) + `$`).MatchString(pkgDoc) {
			t.Errorf("main.go's package comment does not list %q with its summary %q", c.name, c.summary)
		}
		if !regexp.MustCompile(`(?m)^\t` + c.name + ` +` + regexp.QuoteMeta(c.summary) + `$`).MatchString(help) {
			t.Errorf("hvgen -h does not list %s", c.name)
		}
	}
}

// TestCommandsReference: docs/commands.md and hvgen <command> -h agree. Each
// command's section starts with the synopsis -h prints, has a table row for
// every flag -h lists, and no row for a flag the command does not have.
func TestCommandsReference(t *testing.T) {
	flagLine := regexp.MustCompile(`^  -([A-Za-z0-9-]+)`)
	cellFlag := regexp.MustCompile("`-([A-Za-z0-9-]+)")
	for _, c := range commands {
		sec := docSection(t, "docs/commands.md", "hvgen "+c.name)
		_, _, help := runCLI(c.name, "-h")
		synopsis, flagText, _ := strings.Cut(help, "\n\n")
		if !strings.HasPrefix(sec, "\n```text\n"+synopsis+"\n```\n") {
			t.Errorf("docs/commands.md section hvgen %s does not start with the synopsis of -h:\n%s", c.name, synopsis)
		}
		// The flags of the section's table: those in each row's first cell.
		var rows []string
		for _, l := range strings.Split(sec, "\n") {
			if cell, ok := strings.CutPrefix(l, "| `-"); ok {
				cell, _, _ = strings.Cut("`-"+cell, " |")
				for _, m := range cellFlag.FindAllStringSubmatch(cell, -1) {
					rows = append(rows, m[1])
				}
			}
		}
		var flags []string
		for _, l := range strings.Split(flagText, "\n") {
			if m := flagLine.FindStringSubmatch(l); m != nil {
				flags = append(flags, m[1])
				if !slices.Contains(rows, m[1]) {
					t.Errorf("docs/commands.md section hvgen %s has no row for -%s", c.name, m[1])
				}
			}
		}
		if len(flags) == 0 {
			t.Errorf("hvgen %s -h lists no flags:\n%s", c.name, help)
		}
		for _, r := range rows {
			if !slices.Contains(flags, r) {
				t.Errorf("docs/commands.md section hvgen %s has a row for -%s, which hvgen %s -h does not list", c.name, r, c.name)
			}
		}
	}
}

// Each command's -h starts with its synopsis, and a flag's placeholder (the
// back-quoted word of its usage) is one word: a bool flag shows none, so a
// back-quoted phrase in a bool flag's usage would read as a value.
func TestHelpFlagPlaceholders(t *testing.T) {
	for _, c := range commands {
		code, _, help := runCLI(c.name, "-h")
		if code != 0 {
			t.Errorf("hvgen %s -h: exit %d", c.name, code)
		}
		if !strings.HasPrefix(help, "usage: hvgen "+c.name) {
			t.Errorf("hvgen %s -h does not start with its synopsis:\n%s", c.name, help)
		}
		for _, l := range strings.Split(help, "\n") {
			if !strings.HasPrefix(l, "  -") {
				continue
			}
			if f := strings.Fields(l); len(f) > 2 {
				t.Errorf("hvgen %s -h: flag line %q: placeholder %q is not one word", c.name, l, strings.Join(f[1:], " "))
			}
		}
	}
	_, _, help := runCLI("exporter", "-h")
	if strings.Contains(help, "  -backend sim\n") {
		t.Error("hvgen exporter -h shows -backend's placeholder as the value sim")
	}
}

// The default output directory of hvgen docs is free in a checkout, so
// "hvgen docs" at the repository root works (docs/ holds the guides and the
// Grafana dashboard, which hvgen docs would refuse to write over).
func TestDocsDefaultOutFree(t *testing.T) {
	_, _, help := runCLI("docs", "-h")
	m := regexp.MustCompile(`-out dir\n.*\(default "([^"]+)"\)`).FindStringSubmatch(help)
	if m == nil {
		t.Fatalf("hvgen docs -h shows no default for -out:\n%s", help)
	}
	if _, err := os.Stat(filepath.Join("../..", m[1])); err == nil {
		t.Errorf("hvgen docs writes to %s by default, a directory the repository already has", m[1])
	}
}

// The README's repository table names every top-level directory and every
// package under runtime/ and cmd/hvgen/internal/.
func TestRepositoryTable(t *testing.T) {
	table := docSection(t, "README.md", "Repository")
	rows := map[string]string{}
	for _, l := range strings.Split(table, "\n") {
		if m := regexp.MustCompile("^\\| `([^`]+)` \\| (.*) \\|$").FindStringSubmatch(l); m != nil {
			rows[m[1]] = m[2]
		}
	}
	top, err := os.ReadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range top {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		found := false
		for path := range rows {
			found = found || strings.HasPrefix(path, e.Name()+"/")
		}
		if !found {
			t.Errorf("README repository table has no row for %s/", e.Name())
		}
	}
	for _, c := range []struct{ row, dir string }{{"cmd/hvgen/", "internal"}, {"runtime/", "../../runtime"}} {
		pkgs, err := os.ReadDir(c.dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkgs {
			if p.IsDir() && !strings.Contains(rows[c.row], "`"+p.Name()+"`") {
				t.Errorf("README repository row %s does not name package %s", c.row, p.Name())
			}
		}
	}
}

// TestReadmeAndGuides: README.md stays short and links to a guide per
// topic, and every relative link of README.md, docs/*.md and spec/README.md
// reaches a file that exists and, with a #fragment, a heading in it.
func TestReadmeAndGuides(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(readme) > readmeMax {
		t.Errorf("README.md is %d bytes, more than %d: move detail into a guide in docs/", len(readme), readmeMax)
	}
	for _, g := range guides {
		if !strings.Contains(string(readme), "]("+g+")") {
			t.Errorf("README.md does not link to the guide %s", g)
		}
	}
	files := []string{"README.md", "spec/README.md"}
	docs, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		files = append(files, "docs/"+filepath.Base(d))
	}
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join("../..", f))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(withoutCode(string(data)), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, frag, _ := strings.Cut(target, "#")
			if file == "" {
				file = f
			} else {
				file = path.Join(path.Dir(f), file)
			}
			text, err := os.ReadFile(filepath.Join("../..", file))
			if err != nil {
				t.Errorf("%s links to %s, which does not exist", f, target)
				continue
			}
			if frag != "" && !slices.Contains(anchors(string(text)), frag) {
				t.Errorf("%s links to %s: %s has no heading with the anchor #%s", f, target, file, frag)
			}
		}
	}
}

// withoutCode drops fenced code blocks and code spans, where a "](" is code.
func withoutCode(s string) string {
	var b strings.Builder
	fenced := false
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			b.WriteString(regexp.MustCompile("`[^`]*`").ReplaceAllString(l, "``") + "\n")
		}
	}
	return b.String()
}

// anchors are the fragment names GitHub gives a Markdown file's headings:
// lower case, punctuation other than - and _ dropped, spaces as -.
func anchors(md string) []string {
	var out []string
	for _, l := range strings.Split(withoutCode(md), "\n") {
		title, ok := strings.CutPrefix(strings.TrimLeft(l, "#"), " ")
		if !ok || !strings.HasPrefix(l, "#") {
			continue
		}
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		out = append(out, b.String())
	}
	return out
}

// TestReadmeGoExample: the Go lines README.md and docs/generated-go.md show
// for the generated packages are one block, and every statement of it is in
// generated/wdk2013's Example, which runs.
func TestReadmeGoExample(t *testing.T) {
	const start = "```go\nimport hv \"github.com/hvgen/hvgen/generated/wdk2013\"\n"
	var blocks []string
	for _, f := range []string{"README.md", "docs/generated-go.md"} {
		data, err := os.ReadFile(filepath.Join("../..", f))
		if err != nil {
			t.Fatal(err)
		}
		_, rest, ok := strings.Cut(string(data), start)
		if !ok {
			t.Fatalf("%s shows no go block importing generated/wdk2013", f)
		}
		block, _, _ := strings.Cut(rest, "```\n")
		blocks = append(blocks, block)
	}
	if blocks[0] != blocks[1] {
		t.Errorf("README.md and docs/generated-go.md show different code:\n%s\n%s", blocks[0], blocks[1])
	}
	example, err := os.ReadFile("../../generated/wdk2013/example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(string(example), "\nfunc Example() {\n")
	body, _, _ = strings.Cut(body, "\n}\n")
	for _, l := range strings.Split(blocks[0], "\n") {
		code, _, _ := strings.Cut(l, "//")
		if code = strings.TrimSpace(code); code != "" && !strings.Contains(body, "\t"+code+"\n") {
			t.Errorf("generated/wdk2013's Example does not run %q", code)
		}
	}
}
