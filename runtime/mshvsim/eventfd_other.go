//go:build amd64 && !unix

package mshvsim

// signal does nothing where there are no eventfds.
func signal(int) {}
