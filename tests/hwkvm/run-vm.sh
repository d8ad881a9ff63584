#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# run-vm.sh — run a payload against hardware-style KVM (kvm_amd on an emulated
# AMD CPU with SVM and nested paging) inside a throwaway QEMU/TCG virtual
# machine.  See KVM-HOSTS.md §2 for why: our machines have no VMX/SVM, so this
# is how we exercise the hardware-KVM code paths (TCG emulates SVM, not VMX).
#
#   run-vm.sh [OPTIONS] FILE... -- CMD [ARG...]
#
# Every FILE (a file or a directory) is copied into the guest's /payload under
# its base name.  CMD — a path relative to /payload (or absolute in the guest)
# — is then run with /payload as working directory, stdin from /dev/null, and
# ARGs passed through unchanged.  Dynamically linked ELF files in the payload
# get their shared libraries copied to the same paths in the guest.
#
# The guest console goes to stdout as is (no prefixes); this script's own
# messages go to stderr, prefixed "run-vm:".
#
# Exit status: the status of CMD, or
#     2  usage error or a missing host package (named in the message)
#     3  /dev/kvm absent in the guest after loading the modules
#   124  timeout
#   125  no result marker (guest panicked, QEMU failed to start, ...)
#
# Options (defaults in brackets):
#   --npt=1|0        kvm_amd nested paging; 0 gives shadow paging [1]
#   --cpu=MODEL      QEMU -cpu [EPYC-Rome,+svm,+npt]
#   --smp=N          guest CPUs [1]. With 2, the nested guest froze for good
#                    (soft lockups on both CPUs, QEMU spinning) once in every
#                    few dozen KVM VM creations, with our reference kvmtest as
#                    well as runsk, on our 2-core hosts; with 1 it has not.
#   --mem=SIZE       guest memory [1G]
#   --timeout=SECS   hard limit on the whole QEMU run [540]
#   --kver=VERSION   guest kernel; needs /boot/vmlinuz-VERSION and its modules
#                    [the newest installed]
#   --append=ARGS    extra guest kernel command line
#   --log=FILE       also save the console output to FILE
#   --keep           keep the work directory (initramfs tree) and print it
#
# The uncompressed vmlinux (booted through its PVH entry: no in-guest
# decompression, ~10 s saved per boot under TCG) is cached in
# $SENTRY_KVM_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/sentry-kvm, else
# /tmp/sentry-kvm-cache.
set -euo pipefail
export LC_ALL=C   # ldd, grep -P, and a "." in $EPOCHREALTIME
PATH=$PATH:/usr/sbin:/sbin   # modprobe, for users whose PATH lacks them

PROG='run-vm'
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() { echo "$PROG: $*" >&2; exit 2; }
note() { echo "$PROG: $*" >&2; }

usage() {
	sed -n '4,/^set -euo/{ /^set/d; s/^# \{0,1\}//; p; }' "${BASH_SOURCE[0]}" >&2
	exit 2
}

# ---------------------------------------------------------------- options ---

npt=1 cpu='EPYC-Rome,+svm,+npt' smp=1 mem=1G timeout_s=540 kver='' append='' log='' keep=0
files=() cmd=() seen_sep=0

optval() { # optval NAME "$1" "$2": value of --name=V or --name V; sets $shift_n
	local name=$1 arg=$2
	if [[ $arg == --$name=* ]]; then
		val=${arg#--"$name"=} shift_n=1
	else
		[ $# -ge 3 ] || die "--$name needs a value"
		val=$3 shift_n=2
	fi
}

while [ $# -gt 0 ]; do
	if [ $seen_sep = 1 ]; then
		cmd+=("$1"); shift; continue
	fi
	shift_n=1
	case $1 in
	--) seen_sep=1 ;;
	--npt|--npt=*)         optval npt "$@"; npt=$val ;;
	--cpu|--cpu=*)         optval cpu "$@"; cpu=$val ;;
	--smp|--smp=*)         optval smp "$@"; smp=$val ;;
	--mem|--mem=*)         optval mem "$@"; mem=$val ;;
	--timeout|--timeout=*) optval timeout "$@"; timeout_s=$val ;;
	--kver|--kver=*)       optval kver "$@"; kver=$val ;;
	--append|--append=*)   optval append "$@"; append=$val ;;
	--log|--log=*)         optval log "$@"; log=$val ;;
	--keep)                keep=1 ;;
	-h|--help)             usage ;;
	-*)                    die "unknown option $1 (see --help)" ;;
	*)                     files+=("$1") ;;
	esac
	shift "$shift_n"
done

[ ${#cmd[@]} -ge 1 ] || die "no command: usage: $0 [OPTIONS] FILE... -- CMD [ARG...]"
[[ $npt =~ ^[01]$ ]] || die "--npt must be 0 or 1, not '$npt'"
[[ $smp =~ ^[1-9][0-9]*$ ]] || die "--smp must be a positive number, not '$smp'"
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die "--timeout must be a positive number of seconds"

# ------------------------------------------------------- host requirements ---

need_cmd() { # need_cmd COMMAND PACKAGE
	command -v "$1" >/dev/null 2>&1 ||
		die "$1 not found: install the Debian package $2 (scripts/setup.sh does)"
}
need_cmd qemu-system-x86_64 qemu-system-x86
need_cmd cpio cpio
need_cmd modprobe kmod
need_cmd xz xz-utils
need_cmd timeout coreutils

busybox=
for b in /bin/busybox /usr/bin/busybox; do
	[ -x "$b" ] && { busybox=$b; break; }
done
[ -n "$busybox" ] || die "busybox not found: install the Debian package busybox-static"
# ldd lists "lib => path" lines for dynamic executables only.
if [[ $(ldd "$busybox" 2>&1 || true) == *'=>'* ]]; then
	die "$busybox is dynamically linked: install the Debian package busybox-static"
fi

if [ -z "$kver" ]; then
	for m in $(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -rV); do
		[ -r "/boot/vmlinuz-$m" ] && { kver=$m; break; }
	done
	[ -n "$kver" ] || die "no Linux kernel with modules in /boot: install the Debian package linux-image-amd64"
fi
kernel=/boot/vmlinuz-$kver
[ -r "$kernel" ] || die "$kernel not readable: install the Debian package linux-image-$kver"
[ -d "/lib/modules/$kver" ] || die "/lib/modules/$kver missing: install the Debian package linux-image-$kver"

# ----------------------------------------------------- vmlinux (PVH boot) ---

cache_dir() {
	local d
	for d in ${SENTRY_KVM_CACHE:+"$SENTRY_KVM_CACHE"} \
		 "${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/sentry-kvm" \
		 /tmp/sentry-kvm-cache; do
		if mkdir -p "$d" 2>/dev/null && [ -w "$d" ]; then
			echo "$d"; return 0
		fi
	done
	return 1
}

# extract_vmlinux BZIMAGE OUT: find the compressed payload in a bzImage by its
# magic and decompress it; succeed only if the result is an ELF file.
extract_vmlinux() {
	local bz=$1 out=$2 magic dec off
	for magic in '\xfd7zXZ\x00:xz -dcq --single-stream' \
		     '\x28\xb5\x2f\xfd:zstd -dcq' \
		     '\x1f\x8b\x08:gzip -dcq'; do
		dec=${magic#*:} magic=${magic%%:*}
		command -v "${dec%% *}" >/dev/null 2>&1 || continue
		for off in $(LC_ALL=C grep -obUaP "$magic" "$bz" | head -3 | cut -d: -f1); do
			tail -c +$((off + 1)) "$bz" | $dec > "$out" 2>/dev/null || true
			if [ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; then
				return 0
			fi
		done
	done
	rm -f "$out"
	return 1
}

boot_kernel=$kernel
if cache=$(cache_dir); then
	vmlinux=$cache/vmlinux-$kver-$(stat -c %s-%Y "$kernel")
	if [ ! -s "$vmlinux" ]; then
		tmp=$(mktemp "$cache/.vmlinux.XXXXXX")
		if extract_vmlinux "$kernel" "$tmp"; then
			chmod 644 "$tmp"
			mv -f "$tmp" "$vmlinux"   # atomic: parallel runs may race here
		else
			rm -f "$tmp"
			note "could not extract vmlinux from $kernel; booting the bzImage (slower)"
		fi
	fi
	[ -s "$vmlinux" ] && boot_kernel=$vmlinux
else
	note "no writable cache directory; booting the bzImage (slower)"
fi

# -------------------------------------------------------------- initramfs ---

work=$(mktemp -d "${TMPDIR:-/tmp}/sentry-kvm-vm.XXXXXX")
# shellcheck disable=SC2317 # called by the trap
cleanup() { if [ "$keep" = 1 ]; then note "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp,hwkvm/modules,payload}
cp "$busybox" "$root/bin/busybox"
cp "$HERE/init" "$root/init"
chmod 755 "$root/init" "$root/bin/busybox"

# kvm_amd and what it depends on, in load order (irqbypass kvm ccp kvm-amd),
# decompressed so that busybox insmod needs no decompressor.
: > "$root/hwkvm/modules.order"
deps=$(modprobe -S "$kver" --show-depends kvm_amd 2>&1) ||
	die "modprobe cannot resolve kvm_amd for $kver: $deps"
# shellcheck disable=SC2013 # module paths have no blanks
for path in $(awk '$1 == "insmod" { print $2 }' <<<"$deps"); do
	name=$(basename "$path"); name=${name%%.ko*}
	case $path in
	*.ko.xz)  xz -dcq "$path" ;;
	*.ko.zst) need_cmd zstd zstd; zstd -dcq "$path" ;;
	*.ko.gz)  gzip -dcq "$path" ;;
	*)        cat "$path" ;;
	esac > "$root/hwkvm/modules/$name.ko"
	case $name in
	kvm-amd|kvm_amd) echo "$name npt=$npt" ;;
	*)               echo "$name" ;;
	esac >> "$root/hwkvm/modules.order"
done

# copy_libs ELF: copy the shared libraries of a dynamic ELF to the same paths.
copy_libs() {
	local lib
	for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*' || true); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

for f in "${files[@]}"; do
	[ -e "$f" ] || die "payload file $f does not exist"
	dest=$root/payload/$(basename "$f")
	[ -e "$dest" ] && die "two payload files are named $(basename "$f")"
	cp -a "$f" "$dest"
	find "$dest" -type f -perm -u+x -print0 | while IFS= read -r -d '' x; do
		[ "$(head -c 4 "$x" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] && copy_libs "$x"
		true
	done
done

# The command, as a script: each argument single-quoted for the guest's sh.
quote() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
run=${cmd[0]}
case $run in
/*) ;;
*)  [ -e "$root/payload/$run" ] || die "command $run is not in the payload (files: ${files[*]:-none})"
    chmod +x "$root/payload/$run"
    run=./$run ;;
esac
{
	echo "cd /payload || exit 126"
	printf 'exec'
	printf ' %s' "$(quote "$run")"
	for a in "${cmd[@]:1}"; do printf ' %s' "$(quote "$a")"; done
	echo
} > "$root/hwkvm/cmd"

# A per-run nonce in the result marker, so that no payload output can fake it.
nonce=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
echo "$nonce" > "$root/hwkvm/nonce"

# Uncompressed: decompressing in the guest costs more than it saves under TCG.
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) > "$work/initrd.cpio"

# -------------------------------------------------------------------- run ---

note "linux $kver, cpu $cpu, kvm_amd npt=$npt, smp $smp, mem $mem, timeout ${timeout_s}s"
console=$work/console.log
# Drop the noise that says nothing about the payload: TCG's list of CPU model
# features it cannot emulate (printed per vCPU) and the kernel's power-off line.
quiet_sed='/warning: TCG doesn.t support requested feature/d; /^\[ *[0-9.]*\] reboot: Power down$/d'
start=$EPOCHREALTIME
set +e
timeout -k 5 "$timeout_s" qemu-system-x86_64 \
	-accel tcg -machine pc -cpu "$cpu" -smp "$smp" -m "$mem" \
	-kernel "$boot_kernel" -initrd "$work/initrd.cpio" \
	-append "console=ttyS0 panic=-1 quiet loglevel=4 rdinit=/init $append" \
	-display none -nodefaults -serial stdio -monitor none -nic none -no-reboot \
	</dev/null 2>&1 | sed -u -e 's/\r$//' -e "$quiet_sed" | tee -p "$console"
qemu_rc=${PIPESTATUS[0]}
set -e
secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
[ -n "$log" ] && cp "$console" "$log"

if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	note "TIMEOUT: killed the VM after ${timeout_s}s"
	exit 124
fi
result=$(sed -n "s/.*HWKVM-RESULT $nonce \([a-z]*=[0-9a-z]*\).*/\1/p" "$console" | tail -1)
case $result in
rc=*)
	note "payload exit status ${result#rc=} (${secs}s)"
	exit "${result#rc=}" ;;
status=nokvm)
	note "no /dev/kvm in the guest after loading kvm_amd (${secs}s)"
	exit 3 ;;
*)
	note "no result marker: the guest crashed or QEMU failed (qemu exit $qemu_rc, ${secs}s)"
	exit 125 ;;
esac
