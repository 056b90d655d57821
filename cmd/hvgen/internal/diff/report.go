package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Summary counts changes by class. Undescribed differences are counted apart:
// they are gaps in one side's source, not changes.
type Summary struct {
	Incompatible int `json:"incompatible"`
	Compatible   int `json:"compatible"`
	Doc          int `json:"documentation"`
	Undescribed  int `json:"undescribed"`
}

// Summarize counts the changes.
func Summarize(changes []Change) Summary {
	var s Summary
	for _, c := range changes {
		switch c.Class {
		case Incompatible:
			s.Incompatible++
		case Compatible:
			s.Compatible++
		case Undescribed:
			s.Undescribed++
		default:
			s.Doc++
		}
	}
	return s
}

// FailOn is the set of classes that fail a run (-fail-on).
type FailOn map[Class]bool

// ParseFailOn reads -fail-on: a comma-separated list of classes, each of
// incompatible, compatible or doc meaning that class or a worse one, and
// undescribed meaning that class only; or none.
func ParseFailOn(s string) (FailOn, error) {
	f := FailOn{}
	if s == "none" {
		return f, nil
	}
	for _, name := range strings.Split(s, ",") {
		c, ok := ParseClass(strings.TrimSpace(name))
		if !ok {
			return nil, fmt.Errorf("-fail-on %q: want a comma-separated list of incompatible, compatible, doc and undescribed, or none", s)
		}
		if c == Undescribed {
			f[c] = true
			continue
		}
		for w := c; w <= Incompatible; w++ {
			f[w] = true
		}
	}
	return f, nil
}

// Fails reports whether any change is of a failing class.
func (f FailOn) Fails(changes []Change) bool {
	return slices.ContainsFunc(changes, func(c Change) bool { return f[c.Class] })
}

// Report is what the writers render: the changes listed, and the counts of
// every change found, so that a report restricted to some classes (-only)
// still says how many of the others there are.
type Report struct {
	From, To string
	Summary  Summary  // of every change found
	Only     []Class  // the classes listed; nil: all
	Changes  []Change // the changes listed
}

// NewReport makes the report of the changes between from and to, listing
// those of the given classes only (all when none is given).
func NewReport(from, to string, changes []Change, only ...Class) *Report {
	r := &Report{From: from, To: to, Summary: Summarize(changes), Changes: changes}
	if len(only) > 0 {
		r.Only, r.Changes = only, Only(changes, only...)
	}
	return r
}

// listed says which classes a restricted report lists.
func (r *Report) listed() string {
	if r.Only == nil {
		return ""
	}
	var names []string
	for _, c := range r.Only {
		names = append(names, c.String())
	}
	return " (listed here: " + strings.Join(names, ", ") + ")"
}

// Write renders the report in a format: text, json or markdown; summary
// selects the short form (see writeSummary).
func (r *Report) Write(w io.Writer, format string, summary bool) error {
	switch {
	case summary:
		return r.writeSummary(w, format)
	case format == "text":
		return r.writeText(w)
	case format == "json":
		return r.writeJSON(w)
	case format == "markdown":
		return r.writeMarkdown(w)
	}
	return fmt.Errorf("report format %q: want text, json or markdown", format)
}

// Only keeps the changes of the given classes.
func Only(changes []Change, classes ...Class) []Change {
	var out []Change
	for _, c := range changes {
		if slices.Contains(classes, c.Class) {
			out = append(out, c)
		}
	}
	return out
}

// line is the summary line both text and Markdown reports start with.
func (s Summary) line() string {
	return fmt.Sprintf("%d incompatible, %d compatible, %d documentation-only changes; %d undescribed (not in one side's source)", s.Incompatible, s.Compatible, s.Doc, s.Undescribed)
}

// split separates the changes from the undescribed differences.
func split(changes []Change) (real, undescribed []Change) {
	for _, c := range changes {
		if c.Class == Undescribed {
			undescribed = append(undescribed, c)
		} else {
			real = append(real, c)
		}
	}
	return real, undescribed
}

// mdLine is the Markdown summary line.
func (s Summary) mdLine() string {
	return fmt.Sprintf("**%d incompatible**, %d compatible, %d documentation-only; %d undescribed (one source does not describe the item)", s.Incompatible, s.Compatible, s.Doc, s.Undescribed)
}

// writeText writes the report for people: grouped by item, old -> new; the
// undescribed differences follow in a section of their own.
func (r *Report) writeText(w io.Writer) error {
	fmt.Fprintf(w, "%s -> %s: %s%s\n", r.From, r.To, r.Summary.line(), r.listed())
	real, undescribed := split(r.Changes)
	textChanges(w, real)
	if len(undescribed) > 0 {
		fmt.Fprintf(w, "\nUndescribed: what one side's source does not describe (not changes of the ABI)\n")
		textChanges(w, undescribed)
	}
	return nil
}

func textChanges(w io.Writer, changes []Change) {
	last := ""
	for _, c := range changes {
		if c.Item != last {
			fmt.Fprintf(w, "\n%s", c.Item)
			if len(c.Affects) > 0 {
				fmt.Fprintf(w, "  (used by %s)", strings.Join(c.Affects, ", "))
			}
			fmt.Fprintln(w)
			last = c.Item
		}
		fmt.Fprintf(w, "  %-13s %-26s %s\n", c.Class, c.Kind, describe(c))
	}
}

func describe(c Change) string {
	var b strings.Builder
	if c.Arch != "" {
		b.WriteString("[" + c.Arch + "] ")
	}
	if c.Path != "" {
		b.WriteString(c.Path + "  ")
	}
	switch {
	case c.Old != "" && c.New != "":
		fmt.Fprintf(&b, "%s -> %s", c.Old, c.New)
	case c.Old != "":
		b.WriteString(c.Old)
	case c.New != "":
		b.WriteString(c.New)
	}
	return strings.TrimSpace(b.String())
}

// jsonChange is a change in the JSON report.
type jsonChange struct {
	Class string `json:"class"`
	Change
}

// writeJSON writes the report for tools: {schema, from, to, summary,
// changes}, every old and new value a string (docs/diff-and-import.md).
func (r *Report) writeJSON(w io.Writer) error {
	out := struct {
		Schema  int          `json:"schema"`
		From    string       `json:"from"`
		To      string       `json:"to"`
		Summary Summary      `json:"summary"`
		Only    []string     `json:"only,omitempty"`
		Changes []jsonChange `json:"changes"`
	}{Schema: 2, From: r.From, To: r.To, Summary: r.Summary, Changes: []jsonChange{}}
	for _, c := range r.Only {
		out.Only = append(out.Only, c.String())
	}
	for _, c := range r.Changes {
		out.Changes = append(out.Changes, jsonChange{Class: c.Class.String(), Change: c})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeMarkdown writes the report as a pull-request comment; the undescribed
// differences follow in a table of their own.
func (r *Report) writeMarkdown(w io.Writer) error {
	fmt.Fprintf(w, "### ABI changes: `%s` → `%s`\n\n%s%s.\n", r.From, r.To, r.Summary.mdLine(), r.listed())
	real, undescribed := split(r.Changes)
	mdTable(w, real)
	if len(undescribed) > 0 {
		fmt.Fprintf(w, "\n#### Undescribed\n\nWhat one side's source does not describe: not changes of the ABI.\n")
		mdTable(w, undescribed)
	}
	return nil
}

func mdTable(w io.Writer, changes []Change) {
	if len(changes) == 0 {
		return
	}
	fmt.Fprintf(w, "\n| class | item | change | old | new | used by |\n|---|---|---|---|---|---|\n")
	for _, c := range changes {
		item := "`" + c.Item + "`"
		if c.Path != "" {
			item += " `." + c.Path + "`"
		}
		if c.Arch != "" {
			item += " (" + c.Arch + " only)"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", c.Class, item, c.Kind, mdCell(c.Old), mdCell(c.New), mdCell(strings.Join(c.Affects, ", ")))
	}
}

func mdCell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}
