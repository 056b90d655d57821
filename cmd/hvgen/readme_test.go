package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeSection returns the README's text from the heading "## title" to the
// next "## " heading.
func readmeSection(t *testing.T, title string) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "\n## "+title+"\n")
	if i < 0 {
		t.Fatalf("README.md has no section %q", title)
	}
	s = s[i+len("\n## "+title+"\n"):]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	return s
}

// Every command has a row in the README's commands table, a line in main.go's
// package comment with the summary hvgen -h prints, and a line in hvgen -h.
func TestCommandsDocumented(t *testing.T) {
	table := readmeSection(t, "Commands")
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	pkgDoc := string(src[:strings.Index(string(src), "\npackage main")])
	_, _, help := runCLI("-h")
	for _, c := range commands {
		if !strings.Contains(table, "\n| `hvgen "+c.name) {
			t.Errorf("README commands table has no row for hvgen %s", c.name)
		}
		if !regexp.MustCompile(`(?m)^//\t` + c.name + ` +` + regexp.QuoteMeta(c.summary) + `$`).MatchString(pkgDoc) {
			t.Errorf("main.go's package comment does not list %q with its summary %q", c.name, c.summary)
		}
		if !regexp.MustCompile(`(?m)^\t` + c.name + ` +` + regexp.QuoteMeta(c.summary) + `$`).MatchString(help) {
			t.Errorf("hvgen -h does not list %s", c.name)
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
// "hvgen docs" at the repository root works (docs/ holds the Grafana
// dashboard, which hvgen docs would refuse to write over).
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
	table := readmeSection(t, "Repository")
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
