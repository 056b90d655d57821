#!/bin/sh
# import-linux.sh imports the Microsoft hypervisor headers of a Linux kernel
# tree and the mshv driver's user interface (include/uapi/linux/mshv.h: its
# ioctl requests and argument structs) into the registry: one
# spec/linux_<header>.yaml file per header, every item cited as
# <path>:<line> @ <revision>, and spec/linux_import.txt listing what the
# import left out and why. spec/linux_mshv_driver.yaml (what the driver does
# with each ioctl and pass-through hypercall) is written by hand from
# drivers/hv/mshv_root_main.c and is not touched.
#
# Usage: spec/import-linux.sh KERNEL_DIR VERSION REVISION...
#
#   KERNEL_DIR  a directory holding include/hyperv/*.h and include/uapi/linux/mshv.h
#               (a kernel checkout or a copy)
#   VERSION     the registry version the items belong to (declared in spec/versions.yaml)
#   REVISION    the commit the headers come from, or HEADER=COMMIT for a header
#               taken from its own commit (include/hyperv/hvgdk.h=946661e3...)
#
# CI never runs this (it has no kernel tree): the YAML it writes is committed
# and is what the tests read. The header text itself never enters the
# repository, only names, values, layouts and file:line citations.
set -eu
if [ $# -lt 3 ]; then
	sed -n '2,23p' "$0" >&2
	exit 2
fi
root=$1
version=$2
shift 2
cd "$(dirname "$0")/.."
set -- $(for r in "$@"; do printf -- '-commit %s ' "$r"; done)
go run ./cmd/hvgen import -prelude linux -version "$version" -root "$root" -conventions tlfs,wdk-2013 "$@" \
	-out spec -prefix linux_ \
	include/hyperv/hvgdk_mini.h include/hyperv/hvgdk.h include/hyperv/hvgdk_ext.h \
	include/hyperv/hvhdk_mini.h include/hyperv/hvhdk.h include/uapi/linux/mshv.h 2>spec/linux_import.txt || {
	cat spec/linux_import.txt >&2
	exit 1
}
tail -n 1 spec/linux_import.txt
