//go:build linux

package mshv

import (
	"errors"
	"os"
	"testing"

	hv "github.com/hvgen/hvgen/generated/tlfs"
)

func TestOpenWithoutDevice(t *testing.T) {
	if _, err := os.Stat(DevicePath); err == nil {
		t.Log("this machine has " + DevicePath)
		return
	}
	if _, err := Open(&hv.Encoding); !errors.Is(err, ErrNoDevice) {
		t.Errorf("Open = %v, want ErrNoDevice", err)
	}
}
