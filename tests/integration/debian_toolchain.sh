#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# debian_toolchain.sh RUNSK: perl -e with fork and wait; Debian's gcc
# (cc1, as, collect2, ld) compiling and running a hello world, and make -j2
# of a small tree, all inside the sandbox.
# Same output and status under `runsk do` as natively (debian_lib.sh).
set -u
. "$(dirname "$0")/lib.sh"
runsk=$1
. "$(dirname "$0")/debian_lib.sh"

# perl: fork, exit statuses, wait.
status 0 "perl -e with fork and wait" "$(prog perl)" -e '
my @kids;
for my $n (1 .. 3) {
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	exit $n if $pid == 0;
	push @kids, $pid;
}
my $sum = 0;
for (@kids) { waitpid($_, 0) == $_ or die; $sum += $? >> 8; }
print "sum $sum, wait ", wait(), "\n";'

# gcc: compile, assemble, link and run inside the sandbox; then make -j2.
# In the VM gcc is the sysroot that hwkvm/stage-gcc.sh staged next to us
# (tests/integration/meson.build).
if [ -x "$here/gccroot/usr/bin/gcc" ]; then
	ccpath=$here/gccroot/usr/bin:$PATH
	cc="$here/gccroot/usr/bin/gcc --sysroot=$here/gccroot"
else
	ccpath=$PATH
	cc=/usr/bin/gcc
fi
mkdir -p "$tmp/cc"
cat >"$tmp/cc/hello.c" <<'C'
#include <stdio.h>
int main(void)
{
	printf("hello from gcc, %d\n", 6 * 7);
	return 3;
}
C
cat >"$tmp/cc/main.c" <<'C'
#include <stdio.h>
int twice(int x);
int main(void)
{
	printf("twice 21 is %d\n", twice(21));
	return 0;
}
C
printf 'int twice(int x)\n{\n\treturn 2 * x;\n}\n' >"$tmp/cc/twice.c"
printf 'prog: main.o twice.o\n\t$(CC) -o $@ main.o twice.o\n%%.o: %%.c\n\t$(CC) -c -o $@ $<\n' \
	>"$tmp/cc/Makefile"
# Each run builds in a directory of its own: the sandboxed run must not
# find the native run's objects up to date.
status 3 "gcc: compile and run a hello world" "$bash" -c '
export PATH='"$ccpath"'; d=$(mktemp -d); cd "$d" && '"$cc"' -O2 -o hello '"$tmp"'/cc/hello.c && ./hello'
status 0 "make -j2 of a small tree" "$bash" -c '
export PATH='"$ccpath"'; d=$(mktemp -d); cp '"$tmp"'/cc/main.c '"$tmp"'/cc/twice.c '"$tmp"'/cc/Makefile "$d" &&
'"$(prog make)"' -s -j2 -C "$d" CC="'"$cc"'" && "$d"/prog && '"$(prog make)"' -C "$d" CC="'"$cc"'" | sed "s|$d|DIR|"'
finish
