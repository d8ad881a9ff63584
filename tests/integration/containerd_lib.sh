# SPDX-License-Identifier: Apache-2.0
# Shared by containerd.sh and cri.sh, sourced after lib.sh (which sets $tmp),
# with $bb (a static busybox) and $sock (containerd's socket) set: an image
# built without network, a containerd started on a config of our own, and
# the checks that nothing is left behind. POSIX sh (busybox sh in the VM).

default_image_config='{"Env":["PATH=/bin","GREETING=hello from the image"],"WorkingDir":"/work","Cmd":["sh"]}'
# mkimage OUT NAME [CONFIG [FILE...]]: an OCI image layout tar of busybox,
# named NAME, its image config's "config" object CONFIG (JSON; default: an
# env, a cwd and Cmd sh, which containerd.sh checks), with each FILE (a
# path in the image) an empty file.
mkimage() {
	w=$tmp/img
	rm -rf "$w"
	mkdir -p "$w/rootfs/bin" "$w/rootfs/etc" "$w/rootfs/work" "$w/rootfs/tmp" "$w/oci/blobs/sha256"
	out=$1 name=$2 cfg=${3:-$default_image_config}
	shift 2
	[ $# -eq 0 ] || shift
	for f in "$@"; do : >"$w/rootfs$f"; done
	cp "$bb" "$w/rootfs/bin/busybox"
	for a in sh echo cat sleep pwd env ls id true uname hostname; do ln -s busybox "$w/rootfs/bin/$a"; done
	(cd "$w/rootfs" && tar -cf "$w/layer.tar" .)
	l=$(blob "$w/layer.tar")
	printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"$cfg" "$l" >"$w/config.json"
	cf=$(blob "$w/config.json")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
		"$cf" "$(size "$cf")" "$l" "$(size "$l")" >"$w/manifest.json"
	m=$(blob "$w/manifest.json")
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
		"$m" "$(size "$m")" "$name" "${name##*:}" >"$w/oci/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$w/oci/oci-layout"
	(cd "$w/oci" && tar -cf "$out" oci-layout index.json blobs)
}
# blob FILE: move FILE into the layout under its digest, print the digest.
blob() {
	d=$(sha256sum "$1" | cut -d' ' -f1)
	mv "$1" "$tmp/img/oci/blobs/sha256/$d"
	echo "$d"
}
size() { wc -c <"$tmp/img/oci/blobs/sha256/$1" | tr -d ' '; }

# start_containerd CONFIG: start containerd in the background ($cpid), its
# log in $tmp/containerd.log; wait (60 s) until it answers on $sock.
start_containerd() {
	containerd --config "$1" >"$tmp/containerd.log" 2>&1 &
	cpid=$!
	for _ in $(seq 1 120); do
		ctr --address "$sock" version >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	ctr --address "$sock" version >/dev/null 2>&1
}

# check_nothing_left RUNSK RUNROOT STATEDIR: no runsk state in RUNROOT (the
# runc shim's --root for runsk), no shim, runsk or gofer process, no mount
# under STATEDIR (containerd's state: rootfs and shm mounts).
check_nothing_left() {
	# A shim exits a moment after its container is removed.
	for _ in $(seq 1 20); do
		ps -e -o comm | grep -q '^containerd-shim' || break
		sleep 0.5
	done
	left=$(ls -A "$2" 2>/dev/null)
	if [ -z "$left" ]; then ok "no runsk state left in $2"; else fail "runsk state left: $left"; fi
	# By command name (the scripts' own arguments name runsk too; a gofer is
	# runsk re-executed through /proc/self/exe: "exe"), and only this
	# containerd's: their arguments name its runsk root or its directory
	# (the shim's -address, the gofer's rootfs). Other tests may be running
	# runsk beside this one.
	# A runsk the shim ran as it ended (delete --force) may be exiting still:
	# what is left after 10 s is left for good.
	rname=$(basename "$1" | cut -c1-15)
	for _ in $(seq 1 20); do
		procs=$(R=$2 D=$(dirname "$3") ps -e -o pid=,ppid=,comm=,args= | awk -v r="$rname" '
			($3 == r || $3 == "exe" || $3 ~ /^containerd-shim/) &&
			(index($0, ENVIRON["R"]) || index($0, ENVIRON["D"])) { print }')
		[ -n "$procs" ] || break
		echo "# still running: $procs"
		sleep 0.5
	done
	if [ -z "$procs" ]; then ok "no shim or runsk process left"; else fail "processes left: $procs"; fi
	if ! grep -q "$3" /proc/mounts; then ok "no rootfs mount left"; else fail "mounts left: $(grep "$3" /proc/mounts)"; fi
}
