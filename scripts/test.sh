#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# test.sh — install what is missing, build, and run every test suite:
#   unit                      from build-asan (ASan + UBSan)
#   guest, integration, hwkvm from build (hwkvm boots QEMU/TCG VMs: minutes)
# Extra arguments go to both `meson test` runs (e.g. --verbose).
# Exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh
bash scripts/build.sh

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
failed=()

# run NAME MESON-TEST-ARGS...: run and keep meson's output for the summary.
run() {
	local name=$1
	shift
	echo "==> $name"
	if ! meson test --print-errorlogs "$@" 2>&1 | tee "$logs/$name"; then
		failed+=("$name")
	fi
}

echo "==> format"
bash scripts/check-format.sh || failed+=(format)

run unit -C build-asan --suite unit --num-processes "$(nproc)" "$@"
run suites -C build --suite guest --suite integration --suite hwkvm \
	--num-processes 2 "$@"

# meson's summary block: "Ok: 12", "Fail: 0", ...
counts() {
	awk '/^(Ok|Expected Fail|Fail|Unexpected Pass|Skipped|Timeout): +[0-9]/ {
		n = $NF; sub(/: +[0-9]+ *$/, "")
		if (n > 0) { printf "%s%s %d", sep, $0, n; sep = ", " }
	}' "$logs/$1"
}
echo
echo "==> summary"
echo "unit (build-asan):              $(counts unit)"
echo "guest+integration+hwkvm (build): $(counts suites)"
# One plain closing line over both runs: "N passed, N failed".
total() {
	awk -v want="$1" '$0 ~ "^(" want "): +[0-9]" { n += $NF } END { print n + 0 }' \
		"$logs"/unit "$logs"/suites
}
echo "tests: $(total 'Ok') passed, $(total 'Fail|Timeout|Unexpected Pass') failed"
if [ ${#failed[@]} -ne 0 ]; then
	echo "FAILED: ${failed[*]}"
	exit 1
fi
echo "all passed"
