//go:build !linux

package exporter

import "errors"

// OpenMshv fails: the mshv driver is Linux's.
func OpenMshv(parts []MshvPartition) (Source, error) {
	return nil, errors.New("the mshv backend needs Linux (the mshv driver on a root partition)")
}
