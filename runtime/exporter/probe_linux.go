//go:build linux

package exporter

import "syscall"

// debugfsMagic is the file system type statfs reports for debugfs
// (DEBUGFS_MAGIC, include/uapi/linux/magic.h:12 @ 05909cd9a0c8).
const debugfsMagic = 0x64626720

// isDebugfs reports whether dir is on a debugfs mount.
func isDebugfs(dir string) (bool, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return false, err
	}
	return uint64(st.Type) == debugfsMagic, nil
}
