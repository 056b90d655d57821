package main

import (
	"flag"
	"fmt"
	"strings"
)

// The flags of every command follow the same rules (docs/commands.md,
// "Flags"): -format picks the output format, -o names an output file and
// -out an output directory, and a list flag takes comma-separated values
// and may be repeated. A renamed flag keeps its old spelling for one
// release (deprecatedFlag).

// listFlag is a list flag: comma-separated values, spaces around them
// dropped, and the flag may be repeated (the values add up). A default is
// replaced by the first value given on the command line.
type listFlag struct {
	items []string
	given bool
}

// newList defines a list flag on fs with the given default values.
func newList(fs *flag.FlagSet, name, usage string, defaults ...string) *listFlag {
	l := &listFlag{items: defaults}
	fs.Var(l, name, usage)
	return l
}

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(l.items, ",")
}

func (l *listFlag) Set(v string) error {
	if !l.given {
		l.items, l.given = nil, true
	}
	l.items = append(l.items, list(v)...)
	return nil
}

// deprecatedFlag is the old spelling of a renamed flag, kept for one
// release: it does what the new spelling does and says so on stderr, once.
type deprecatedFlag struct {
	fs      *flag.FlagSet
	name    string // the old name
	use     string // what to write instead, as "-format json"
	isBool  bool
	set     func(string) error
	noticed bool
}

// deprecated defines the old spelling name on fs. A bool flag has no
// placeholder; any other names its value's placeholder (as "list"). set
// applies each value it is given (for a bool, "true" or "false").
func deprecated(fs *flag.FlagSet, name, use, placeholder string, set func(string) error) {
	d := &deprecatedFlag{fs: fs, name: name, use: use, isBool: placeholder == "", set: set}
	usage := "deprecated spelling of " + use + " (it goes in the next release)"
	if placeholder != "" {
		usage = "deprecated spelling of " + use + ", taking the same `" + placeholder + "` (it goes in the next release)"
	}
	fs.Var(d, name, usage)
}

func (d *deprecatedFlag) String() string   { return "" }
func (d *deprecatedFlag) IsBoolFlag() bool { return d.isBool }

func (d *deprecatedFlag) Set(v string) error {
	if !d.noticed {
		d.noticed = true
		fmt.Fprintf(d.fs.Output(), "hvgen %s: -%s is deprecated and goes in the next release: use %s\n", d.fs.Name(), d.name, d.use)
	}
	return d.set(v)
}
