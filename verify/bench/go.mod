module github.com/hvgen/hvgen/verify/bench

go 1.26.8

require github.com/hvgen/hvgen v0.0.0

require (
	github.com/kaitai-io/kaitai_struct_go_runtime v0.11.0
	golang.org/x/text v0.28.0 // indirect
)

replace github.com/hvgen/hvgen => ../..
