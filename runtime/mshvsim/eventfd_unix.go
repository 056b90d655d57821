//go:build amd64 && unix

package mshvsim

import "syscall"

// signal adds 1 to an eventfd's counter, as eventfd_signal does.
func signal(fd int) {
	var one = [8]byte{1}
	syscall.Write(fd, one[:]) // a full counter or a closed fd is the VMM's to see
}
