// Package verify holds checks of hvgen's output by tools other than hvgen:
// go/types lays out the generated Go packages for each supported
// architecture, gcc compiles the generated C header, and both are compared
// with the layouts hvgen exports. It has no API; run "go test ./verify".
package verify
