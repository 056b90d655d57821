package mshvsim

import (
	"syscall"
	"testing"

	"github.com/hvgen/hvgen/generated/linux70"
)

// TestErrno: the statuses map to errnos as the kernel's hv_status_infos
// table does (its first entry for a status wins: INVALID_LP_INDEX and
// INVALID_REGISTER_VALUE are listed twice, EINVAL first).
func TestErrno(t *testing.T) {
	for _, c := range []struct {
		st   linux70.Status
		want syscall.Errno
	}{
		{linux70.StatusSuccess, 0},
		{linux70.StatusInvalidHypercallCode, syscall.EINVAL},
		{linux70.StatusInvalidHypercallInput, syscall.EINVAL},
		{linux70.StatusInvalidParameter, syscall.EINVAL},
		{linux70.StatusInvalidPartitionID, syscall.EINVAL},
		{linux70.StatusInvalidVPIndex, syscall.EINVAL},
		{linux70.StatusInvalidPortID, syscall.EINVAL},
		{linux70.StatusInvalidConnectionID, syscall.EINVAL},
		{linux70.StatusInvalidLPIndex, syscall.EINVAL},
		{linux70.StatusInvalidRegisterValue, syscall.EINVAL},
		{linux70.StatusInsufficientMemory, syscall.ENOMEM},
		{linux70.StatusAccessDenied, syscall.EIO},
		{linux70.StatusInvalidPartitionState, syscall.EIO},
		{0xffff, syscall.EIO},
	} {
		if got := errno(c.st); got != c.want {
			t.Errorf("errno(%v) = %v, want %v", c.st, got, c.want)
		}
	}
}
