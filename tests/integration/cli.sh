#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# cli.sh RUNSK: bad input on the command line and bad programs get a
# non-zero status and one line naming the problem, never a crash.
set -u
. "$(dirname "$0")/lib.sh"
runsk=$1

expect_status 2 "runsk with no command" "$runsk"
expect_status 2 "unknown command" "$runsk" frobnicate
expect_err_line "unknown command frobnicate" "unknown command"
expect_status 2 "do without a program" "$runsk" do
expect_status 2 "do --cpus 0" "$runsk" do --cpus 0 /bin/true
expect_err_line "cpus" "do --cpus 0"
expect_status 2 "do --memory junk" "$runsk" do --memory lots /bin/true
expect_err_line "memory" "do --memory junk"
expect_status 2 "do --bogus" "$runsk" do --bogus /bin/true
expect_err_line "unknown flag --bogus" "do --bogus"
expect_status 0 "runsk --version" "$runsk" --version
grep -q "^runsk version" "$tmp/out" && ok "--version prints the version" ||
	fail "--version printed: $(cat "$tmp/out")"
expect_status 0 "help syscalls" "$runsk" help syscalls
grep -q "^  1 write .*full" "$tmp/out" && ok "help syscalls lists write as full" ||
	fail "help syscalls has no 'write ... full' line"

expect_status 125 "do of a missing program" "$runsk" do /no/such/program
expect_err_line "/no/such/program" "do of a missing program"

printf 'echo this is a text file\n' >"$tmp/text"
chmod +x "$tmp/text"
expect_status 125 "do of a text file" "$runsk" do "$tmp/text"
expect_err_line "not an x86-64 ELF" "do of a text file"

head -c 200 /bin/busybox >"$tmp/truncated"
chmod +x "$tmp/truncated"
expect_status 125 "do of a truncated ELF" "$runsk" do "$tmp/truncated"
expect_err_line "not an x86-64 ELF" "do of a truncated ELF"

# An ELF for another machine: busybox with e_machine patched to AArch64.
{ head -c 18 /bin/busybox; printf '\267\000'; tail -c +21 /bin/busybox; } >"$tmp/arm"
chmod +x "$tmp/arm"
expect_status 125 "do of an ELF for another machine" "$runsk" do "$tmp/arm"
expect_err_line "not an x86-64 ELF" "do of an ELF for another machine"

finish
