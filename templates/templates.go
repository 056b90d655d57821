// Package templates holds the text templates of hvgen's non-Go outputs,
// embedded so that an installed hvgen binary carries them.
package templates

import "embed"

// FS holds every template file of this directory.
//
//go:embed *.tmpl *.css *.js
var FS embed.FS
