// Package generated holds the Go packages hvgen generates from the registry in
// spec/, one per ABI version: wdk2013 (the 2013 WDK reference), tlfs (the
// current TLFS) and linux70 (the Linux kernel's hypervisor headers), and the
// committed diff reports between them. Run "go generate ./generated" after
// changing spec/; a test in cmd/hvgen fails when these are stale.
package generated

//go:generate go run ../cmd/hvgen gen -spec ../spec -version wdk-2013 -pkg wdk2013 -out wdk2013
//go:generate go run ../cmd/hvgen gen -spec ../spec -version tlfs -pkg tlfs -out tlfs
//go:generate go run ../cmd/hvgen gen -spec ../spec -version linux-7.0 -pkg linux70 -out linux70
//go:generate go run ../cmd/hvgen diff -spec ../spec -from wdk-2013 -to tlfs -format markdown -fail-on none -o abi-diff-wdk-2013-tlfs.md
//go:generate go run ../cmd/hvgen diff -spec ../spec -from tlfs -to linux-7.0 -format markdown -fail-on none -o abi-diff-tlfs-linux-7.0.md
//go:generate go run ../cmd/hvgen diff -spec ../spec -from wdk-2013 -to linux-7.0 -format markdown -fail-on none -o abi-diff-wdk-2013-linux-7.0.md
