// Package facades renders the per-version packages of runtime/sim from one
// template: the data (Versions, one row per ABI version, naming the Go type
// of each concept in that version's generated package) and Render, a pure
// function from them to file contents.
package facades

import (
	"bytes"
	_ "embed"
	"go/format"
	"text/template"
)

// Version is one facade package: the ABI version it serves and the Go type
// its generated package gives each concept ("uint64" and the like where the
// version declares no type).
type Version struct {
	Package string // Go package name, and its directory under runtime/sim
	Name    string // the registry's version name
	Gen     string // the generated package's name (its import path is under generated/)

	PartitionID     string // a partition id
	VPIndex         string // a VP index
	GPAPage         string // a GPA page number
	Privileges      string // an HV_PARTITION_PRIVILEGE_MASK
	InterceptType   string // HV_INTERCEPT_TYPE
	InterceptAccess string // HV_INTERCEPT_ACCESS_MASK_* bits
	InterruptType   string // HV_INTERRUPT_TYPE
	InterruptVector string // HV_INTERRUPT_VECTOR
	StatsObjectType string // HV_STATS_OBJECT_TYPE
	RegisterName    string // HV_REGISTER_NAME
	RegisterValue   string // HV_REGISTER_VALUE
}

// Versions are the facades, one per version the engine answers for.
var Versions = []Version{{
	Package: "wdk2013sim", Name: "wdk-2013", Gen: "wdk2013",
	PartitionID: "wdk2013.PartitionID", VPIndex: "wdk2013.VPIndex", GPAPage: "wdk2013.GPAPageNumber",
	Privileges: "wdk2013.PartitionPrivilegeMask", InterceptType: "wdk2013.InterceptType",
	InterceptAccess: "wdk2013.InterceptAccessTypeMask", InterruptType: "wdk2013.InterruptType",
	InterruptVector: "wdk2013.InterruptVector", StatsObjectType: "wdk2013.StatsObjectType",
	RegisterName: "wdk2013.RegisterName", RegisterValue: "wdk2013.RegisterValue",
}, {
	Package: "tlfssim", Name: "tlfs", Gen: "tlfs",
	PartitionID: "tlfs.PartitionID", VPIndex: "tlfs.VPIndex", GPAPage: "tlfs.GPAPageNumber",
	Privileges: "tlfs.PartitionPrivilegeMask", InterceptType: "tlfs.InterceptType",
	InterceptAccess: "tlfs.InterceptAccessTypeMask", InterruptType: "tlfs.InterruptType",
	InterruptVector: "tlfs.InterruptVector", StatsObjectType: "tlfs.StatsObjectType",
	RegisterName: "tlfs.RegisterName", RegisterValue: "tlfs.RegisterValue",
}, {
	// The kernel headers declare no types for ids, indexes, page numbers,
	// privilege masks, access masks or vectors: plain integers.
	Package: "linux70sim", Name: "linux-7.0", Gen: "linux70",
	PartitionID: "uint64", VPIndex: "uint32", GPAPage: "uint64",
	Privileges: "uint64", InterceptType: "linux70.InterceptType",
	InterceptAccess: "uint32", InterruptType: "linux70.InterruptType",
	InterruptVector: "uint32", StatsObjectType: "linux70.StatsObjectType",
	RegisterName: "linux70.RegisterName", RegisterValue: "linux70.RegisterValue",
}}

//go:embed facade.go.tmpl
var facadeTemplate string

var tmpl = template.Must(template.New("facade").Parse(facadeTemplate))

// Render returns each facade's generated file, by its path under
// runtime/sim (wdk2013sim/zfacade.go, ...).
func Render() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, v := range Versions {
		var b bytes.Buffer
		if err := tmpl.Execute(&b, v); err != nil {
			return nil, err
		}
		src, err := format.Source(b.Bytes())
		if err != nil {
			return nil, err
		}
		out[v.Package+"/zfacade.go"] = src
	}
	return out, nil
}
