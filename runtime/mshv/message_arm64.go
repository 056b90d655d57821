package mshv

import "github.com/hvgen/hvgen/generated/linux70"

// viewOf returns the kind of a message type: the registry's linux-7.0
// version has no arm64 payload views yet, so every message but an empty
// one is a raw payload (KindOther).
func viewOf(t linux70.MessageType) (Kind, uintptr) {
	if t == linux70.HvmsgNone {
		return KindNone, 0
	}
	return KindOther, 0
}
