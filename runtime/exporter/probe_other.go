//go:build !linux

package exporter

import "errors"

// isDebugfs cannot tell: debugfs is Linux's.
func isDebugfs(string) (bool, error) { return false, errors.New("debugfs is Linux's") }
