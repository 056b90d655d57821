// Package verify holds checks of hvgen's output by tools other than hvgen:
// go/types lays out the generated Go packages for each supported
// architecture, gcc compiles the generated C header, and both are compared
// with the layouts hvgen exports. It also runs the README's quick start and the
// guides' downstream recipes. It has no API, and is a module of its own: run
// "cd verify && go test ./...".
package verify
