//go:build !unix

package main

import "os"

// mapFile reads the whole file where mmap is not available.
func mapFile(path string) ([]byte, func(), error) {
	data, err := os.ReadFile(path)
	return data, func() {}, err
}
