#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# stage-python.sh OUTDIR [STAMP]: a copy of Debian's python3 (the binary and its
# standard library, less tests, GUI and packaging tools) laid out as
# OUTDIR/usr/{bin,lib}, so that the interpreter run from there finds its
# library by its own path: the hwkvm VM has no /usr/lib/python3.*.
# Does nothing (and makes an empty OUTDIR) where python3 is not Debian's.
# Touches STAMP, if given, when done.
set -eu
out=$1
stamp=${2:-}
rm -rf "$out"
mkdir -p "$out"
[ -z "$stamp" ] || trap 'rc=$?; [ "$rc" -ne 0 ] || touch "$stamp"' EXIT
py=$(readlink -f /usr/bin/python3 2>/dev/null) || exit 0
ver=${py##*/}
[ -x "$py" ] && [ -d "/usr/lib/$ver" ] || exit 0
mkdir -p "$out/usr/bin" "$out/usr/lib"
cp "$py" "$out/usr/bin/"
(cd /usr/lib && tar cf - --exclude=__pycache__ --exclude="$ver/test" \
	--exclude="$ver/idlelib" --exclude="$ver/tkinter" --exclude="$ver/ensurepip" \
	--exclude="$ver/lib2to3" --exclude="$ver/pydoc_data" --exclude="$ver/site-packages" \
	--exclude="$ver/dist-packages" --exclude="$ver/turtledemo" --exclude="$ver/config-*" \
	"$ver") | tar xf - -C "$out/usr/lib"
