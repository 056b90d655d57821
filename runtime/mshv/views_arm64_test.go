package mshv

import "github.com/hvgen/hvgen/generated/linux70"

// messageViews is empty on arm64: the registry has no arm64 payload views.
var messageViews []struct {
	typ  linux70.MessageType
	kind Kind
	c    string
}

// viewsOK lists the kinds whose view of m is given: none on arm64.
func viewsOK(*Message) []Kind { return nil }
