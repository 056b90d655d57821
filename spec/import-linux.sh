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
#
# The committed linux-7.0 files were written from the torvalds/linux files
# at these commits (the newest stored versions that could be read):
#   spec/import-linux.sh DIR linux-7.0 \
#     include/hyperv/hvgdk_mini.h=cf82dd5ea958 include/hyperv/hvgdk.h=946661e3bef8 \
#     include/hyperv/hvgdk_ext.h=8e73eeb41ac4 include/hyperv/hvhdk_mini.h=41362886881f \
#     include/hyperv/hvhdk.h=df40f32c87be include/uapi/linux/mshv.h=3ab7ae8e07f8
# (full hashes: cf82dd5ea95815e6c0612b61118d2358ef5c05b0,
# 946661e3bef8efa11ba8079d4ebafe6fc3b0aaad, 8e73eeb41ac4cad04c651839fcf692a7e14a8abb,
# 41362886881f6af28fdf416be662c02968c37d81, df40f32c87be64c96ee974573968592e147a4ded,
# 3ab7ae8e07f888f223027f0ef84d33e43919ad55). The x64 intercept message
# payloads these headers lack are imported from another tree by
# spec/import-linux-intercepts.sh, and the x64 register names by
# spec/import-linux-registers.sh.
set -eu
if [ $# -lt 3 ]; then
	sed -n '2,35p' "$0" >&2
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
summary=$(tail -n 1 spec/linux_import.txt)
echo "also: spec/linux_intercepts.yaml (the x64 intercept message payloads, which these headers do not define) is not from them: spec/import-linux-intercepts.sh imports it from lantianyu/linux include/uapi/hyperv @ dfb0e4721532, and spec/linux_intercepts_import.txt is its report" >>spec/linux_import.txt
echo "$summary"
