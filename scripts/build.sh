#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# build.sh — configure and build.  Idempotent.
#   build/       the normal build: runsk, the static runsk for the hwkvm
#                suite, test programs
#   build-asan/  AddressSanitizer + UBSan, used only for the unit tests;
#                only their executables are built here (a sanitized build
#                cannot link the static runsk)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

configured() { [ -f "$1/meson-private/coredata.dat" ]; }

configured build || meson setup build
meson compile -C build

configured build-asan ||
	meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
# The files of the targets the unit tests depend on, relative to build-asan.
unit_targets=$(meson introspect --tests --targets build-asan | python3 -c '
import json, os, sys
info = json.load(sys.stdin)
files = {t["id"]: t["filename"] for t in info["targets"]}
want = set()
for t in info["tests"]:
    if any(s.split(":")[-1] == "unit" for s in t["suite"]):
        for dep in t["depends"]:
            want.update(files.get(dep, []))
print("\n".join(sorted(os.path.relpath(f, "build-asan") for f in want)))
')
if [ -n "$unit_targets" ]; then
	# shellcheck disable=SC2086 # one target per word
	ninja -C build-asan $unit_targets
fi
