#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# stage-gcc.sh OUTDIR [STAMP]: the smallest copy of Debian's C toolchain that
# compiles and links a C program using <stdio.h>, <stdlib.h>, <string.h> and
# <unistd.h>, laid out as a sysroot: OUTDIR/usr/bin/{gcc,as,ld},
# OUTDIR/usr/lib/gcc/x86_64-linux-gnu/N/ (cc1, collect2, crt*.o, libgcc, the
# LTO plugin that gcc insists ld loads),
# OUTDIR/usr/lib/x86_64-linux-gnu (crt1.o, libc's link-time files) and only
# the headers those four pull in. The hwkvm VM has no toolchain, and the
# whole of gcc and /usr/include (~400 MB) would not fit its memory.
#
# Used as `PATH=OUTDIR/usr/bin:$PATH OUTDIR/usr/bin/gcc --sysroot=OUTDIR`:
# gcc finds cc1 and collect2 next to itself (it is relocatable), `as` and
# `ld` on PATH, and headers, crt files and libraries under the sysroot,
# never in the machine's /usr.
# Does nothing (and makes an empty OUTDIR) where gcc is not Debian's
# x86-64 gcc. Touches STAMP, if given, when done.
set -eu
out=$1
stamp=${2:-}
rm -rf "$out"
mkdir -p "$out"
[ -z "$stamp" ] || trap 'rc=$?; [ "$rc" -ne 0 ] || touch "$stamp"' EXIT
command -v gcc >/dev/null 2>&1 || exit 0
triplet=x86_64-linux-gnu
[ "$(gcc -dumpmachine)" = "$triplet" ] || exit 0
ver=$(gcc -dumpversion)
gccdir=/usr/lib/gcc/$triplet/$ver
multi=/usr/lib/$triplet
[ -x "$gccdir/cc1" ] && [ -e "$multi/crt1.o" ] || exit 0

mkdir -p "$out/usr/bin" "$out$gccdir" "$out$multi" "$out/usr/lib64"
# Merged /usr, as on Debian: libc.so names /lib/... and /lib64/... paths,
# which ld looks up under the sysroot.
ln -s usr/lib "$out/lib"
ln -s usr/lib64 "$out/lib64"

cp -L "$(command -v gcc)" "$out/usr/bin/gcc"
cp -L "$(command -v as)" "$out/usr/bin/as"
cp -L "$(command -v ld)" "$out/usr/bin/ld"
for f in cc1 collect2 crtbegin.o crtbeginS.o crtend.o crtendS.o libgcc.a \
	libgcc_eh.a libgcc_s.so liblto_plugin.so lto-wrapper; do
	cp -L "$gccdir/$f" "$out$gccdir/"
done
for f in crt1.o Scrt1.o crti.o crtn.o libc.so libc_nonshared.a libc.so.6 \
	libgcc_s.so.1; do
	cp -L "$multi/$f" "$out$multi/"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$out/usr/lib64/"

# The headers: exactly those a probe including the four needs, found by
# gcc itself (-M lists every file included), with and without
# optimisation (-O2 pulls in glibc's inline versions, <bits/stdio.h>).
probe='#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>'
for o in -O0 -O2; do
	echo "$probe" | gcc "$o" -M -x c -
done | sed 's/^[^:]*://; s/\\$//' | tr ' ' '\n' | grep '^/' | sort -u | while read -r h; do
	mkdir -p "$out$(dirname "$h")"
	cp -L "$h" "$out$h"
done
