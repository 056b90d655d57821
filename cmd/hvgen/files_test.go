package main

import (
	"os"
	"testing"
)

// writeTestFile writes a fixture file, failing the test if it cannot.
func writeTestFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// readTestFile reads a file the test made, failing the test if it cannot.
func readTestFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
