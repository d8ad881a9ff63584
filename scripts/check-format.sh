#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# check-format.sh [--fix]: every C file matches .clang-format (Linux style).
# Lists the files that differ and exits 1; --fix rewrites them instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v clang-format >/dev/null ||
	{ echo "check-format.sh: clang-format missing (apt-get install clang-format)" >&2; exit 2; }
# New files too: they are about to be committed.
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.c' '*.h')
if [ "${1:-}" = --fix ]; then
	clang-format -i "${files[@]}"
	exit 0
fi
bad=0
for f in "${files[@]}"; do
	if ! clang-format "$f" | cmp -s "$f" -; then
		echo "check-format.sh: $f is not formatted (scripts/check-format.sh --fix)"
		bad=1
	fi
done
exit $bad
