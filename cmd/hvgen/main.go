// Command hvgen reads the Hyper-V hypervisor ABI registry (spec/) and checks it,
// generates Go bindings and C headers from it, imports C headers into it,
// exports it as JSON, renders and diffs it, and runs the simulated hypervisor
// whose recordings and statistics pages it decodes and exports.
//
// Usage:
//
//	hvgen <command> [flags]
//
// The commands are:
//
//	check     validate the registry and its layouts
//	gen       generate a Go package or a C header for one ABI version
//	export    write the resolved ABI as JSON
//	import    read C headers and write their ABI items as registry YAML
//	docs      render the ABI as a static HTML site or as Markdown
//	diff      compare two ABI versions or two registries and classify the changes
//	simulate  run the simulated hypervisor and write event-log and statistics dumps
//	dump      decode an event-log or statistics dump to text or JSON lines
//	exporter  serve the hypervisor's statistics pages as Prometheus metrics
//	version   print hvgen's module version and the registry's ABI versions
//
// Run "hvgen <command> -h" for a command's flags. Exit status: 0 on success, 1
// when the registry has errors or a command fails, 2 on a usage error, 3 when
// hvgen diff finds changes of the class -fail-on names.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"check", "validate the registry and its layouts", runCheck},
	{"gen", "generate a Go package or a C header for one ABI version", runGen},
	{"export", "write the resolved ABI as JSON", runExport},
	{"import", "read C headers and write their ABI items as registry YAML", runImport},

	{"docs", "render the ABI as a static HTML site or as Markdown", runDocs},
	{"diff", "compare two ABI versions or two registries and classify the changes", runDiff},
	{"simulate", "run the simulated hypervisor and write event-log and statistics dumps", runSimulate},
	{"dump", "decode an event-log or statistics dump to text or JSON lines", runDump},
	{"exporter", "serve the hypervisor's statistics pages as Prometheus metrics", runExporter},
	{"version", "print hvgen's module version and the registry's ABI versions", runVersion},
}

// usageError makes hvgen exit with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitError carries an exit status for an error already reported.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 2 && args[0] == "help" {
		return run([]string{args[1], "-h"}, stdout, stderr) // "hvgen help gen" is "hvgen gen -h"
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], stdout, stderr)
		var ue usageError
		var ee exitError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "hvgen %s: %s\nRun 'hvgen %s -h' for usage.\n", c.name, ue.msg, c.name)
			return 2
		case errors.As(err, &ee):
			return int(ee)
		default:
			fmt.Fprintf(stderr, "hvgen %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "hvgen: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "hvgen checks the Hyper-V hypervisor ABI registry and generates code, docs and reports from it.\n\nUsage:\n\n\thvgen <command> [flags]\n\nCommands:\n\n")
	for _, c := range commands {
		fmt.Fprintf(w, "\t%-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'hvgen <command> -h' for a command's flags.\n")
}

// newFlags makes a subcommand's flag set whose -h output names the command.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: hvgen %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags and turns flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return exitError(2) // the flag package already printed the problem and usage
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}
