#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# cri_client.py: the kubelet's side of the CRI (runtime.v1), enough of it for
# cri.sh to run a pod through containerd's CRI plugin without a kubelet or
# crictl (neither is in Debian 12). grpcio (python3-grpcio) carries the calls
# as raw bytes; the protobuf messages are encoded and decoded here, by field
# number from k8s.io/cri-api's pkg/apis/runtime/v1/api.proto, only the fields
# the test uses (no generated code, no python3-protobuf).
#
#   cri_client.py --sock PATH [--pod NAME] [--logdir DIR] COMMAND ARGS...
#
# Commands (output is line oriented, for sh):
#   version                       runtime name, version and API version
#   runp HANDLER                  RunPodSandbox (network NODE: no CNI); prints its id
#   podstatus POD                 "state READY|NOTREADY", "handler H"
#   stopp POD, rmp POD            StopPodSandbox, RemovePodSandbox
#   pods                          ListPodSandbox: "ID NAME STATE" lines
#   create POD NAME IMAGE LOGPATH [-e K=V]... [--seccomp-default] -- CMD [ARG]...
#                                 CreateContainer; prints its id
#   start ID                      StartContainer
#   status ID                     "state S", "exit_code N", "reason R", "log_path P"
#   exec [-t SECS] ID -- CMD...   ExecSync: the command's stdout and stderr,
#                                 exit status the command's
#   stop [-t SECS] ID, rm ID      StopContainer, RemoveContainer
#   ps [POD]                      ListContainers: "ID NAME STATE" lines
#   image REF                     ImageStatus: the image's id, or nothing
# The pod's config (CreateContainer sends it again, as the kubelet does) is
# made from --pod (name; uid derived from it) and --logdir.
# An RPC error prints "cri_client: METHOD: CODE: DETAILS" and exits 1.
import argparse
import sys

import grpc

# --- protobuf wire format (varint and length-delimited fields only) --------

VARINT, LEN = 0, 2


def varint(n):
    if n < 0:  # int32/int64: ten bytes of two's complement
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, value):
    """One field: int -> varint, str/bytes -> length-delimited, list ->
    repeated, None -> absent. A nested message is passed as its bytes
    (msg() output), which encodes the same as a bytes field."""
    if value is None:
        return b""
    if isinstance(value, list):
        return b"".join(field(num, v) for v in value)
    if isinstance(value, bool) or isinstance(value, int):
        return varint(num << 3 | VARINT) + varint(int(value))
    if isinstance(value, str):
        value = value.encode()
    return varint(num << 3 | LEN) + varint(len(value)) + value


def msg(*fields):
    """msg((num, value), ...): a message's bytes."""
    return b"".join(field(n, v) for n, v in fields)


def string_map(num, d):
    """map<string, string>: repeated entries {1: key, 2: value}."""
    return [msg((1, k), (2, v)) for k, v in sorted(d.items())]


def decode(buf):
    """A message's fields as {num: [value, ...]}: ints for varints, bytes
    for length-delimited fields (nested messages are decoded on demand)."""
    out, i = {}, 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == VARINT:
            v, i = read_varint(buf, i)
        elif wt == LEN:
            n, i = read_varint(buf, i)
            v, i = bytes(buf[i:i + n]), i + n
        elif wt == 1:  # fixed64: not in the messages used, skipped
            v, i = None, i + 8
        elif wt == 5:  # fixed32
            v, i = None, i + 4
        else:
            raise ValueError("wire type %d at byte %d" % (wt, i))
        out.setdefault(num, []).append(v)
    return out


def read_varint(buf, i):
    n = shift = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        if not b & 0x80:
            return n, i
        shift += 7


def get(m, num, default=None):
    """The last value of field num (proto3: the last one wins)."""
    return m.get(num, [default])[-1]


def get_str(m, num):
    return get(m, num, b"").decode(errors="replace")


def get_int32(m, num):
    v = get(m, num, 0)
    return v - (1 << 64) if v >= 1 << 63 else v


# --- CRI messages ----------------------------------------------------------

NAMESPACE_NODE = 2
SANDBOX_STATES = {0: "READY", 1: "NOTREADY"}
CONTAINER_STATES = {0: "CREATED", 1: "RUNNING", 2: "EXITED", 3: "UNKNOWN"}


def pod_config(name, logdir):
    """PodSandboxConfig: metadata, log_directory, a DNS config (so that the
    CRI writes the pod's resolv.conf instead of copying the host's) and
    linux.security_context.namespace_options.network = NODE: the host's
    network, which needs no CNI plugin. No hostname, as the kubelet sends
    none for such a pod: it keeps the host's UTS namespace, where runc
    refuses to set one."""
    metadata = msg((1, name), (2, "uid-" + name), (3, "default"), (4, 0))
    dns = msg((1, ["192.0.2.53"]), (2, ["runsk.test"]))
    nsopts = msg((1, NAMESPACE_NODE))
    linux = msg((2, msg((1, nsopts))))
    return msg((1, metadata), (3, logdir), (4, dns),
               (6, string_map(6, {"runsk-test": name})), (8, linux))


class Client:
    def __init__(self, sock, timeout):
        self.channel = grpc.insecure_channel("unix://" + sock)
        self.timeout = timeout

    def call(self, service, method, request):
        path = "/runtime.v1.%s/%s" % (service, method)
        rpc = self.channel.unary_unary(path, request_serializer=None,
                                       response_deserializer=None)
        try:
            return decode(rpc(request, timeout=self.timeout))
        except grpc.RpcError as e:
            sys.stderr.write("cri_client: %s: %s: %s\n"
                             % (method, e.code().name, e.details()))
            sys.exit(1)

    def rt(self, method, request=b""):
        return self.call("RuntimeService", method, request)


def cmd_version(c, a):
    r = c.rt("Version", msg((1, "v1")))
    print("runtime_name %s" % get_str(r, 2))
    print("runtime_version %s" % get_str(r, 3))
    print("runtime_api_version %s" % get_str(r, 4))


def cmd_runp(c, a):
    r = c.rt("RunPodSandbox", msg((1, pod_config(a.pod, a.logdir)), (2, a.handler)))
    print(get_str(r, 1))


def cmd_podstatus(c, a):
    r = c.rt("PodSandboxStatus", msg((1, a.id)))
    st = decode(get(r, 1, b""))
    print("state %s" % SANDBOX_STATES.get(get(st, 3, 0), "?"))
    print("handler %s" % get_str(st, 9))


def cmd_stopp(c, a):
    c.rt("StopPodSandbox", msg((1, a.id)))


def cmd_rmp(c, a):
    c.rt("RemovePodSandbox", msg((1, a.id)))


def cmd_pods(c, a):
    r = c.rt("ListPodSandbox")
    for item in r.get(1, []):
        p = decode(item)
        md = decode(get(p, 2, b""))
        print("%s %s %s" % (get_str(p, 1), get_str(md, 1),
                            SANDBOX_STATES.get(get(p, 3, 0), "?")))


def cmd_create(c, a):
    envs = []
    for kv in a.env:
        k, _, v = kv.partition("=")
        envs.append(msg((1, k), (2, v)))
    linux = None
    if a.seccomp_default:
        # linux.security_context.seccomp: a SecurityProfile of type
        # RuntimeDefault (0, the empty message), as a pod spec's
        # seccompProfile: {type: RuntimeDefault} makes the kubelet send.
        linux = msg((2, msg((15, b""))))
    config = msg((1, msg((1, a.name), (2, 0))), (2, msg((1, a.image))),
                 (3, a.cmd[:1]), (4, a.cmd[1:]), (6, envs), (11, a.logpath),
                 (15, linux))
    r = c.rt("CreateContainer", msg((1, a.pod_id), (2, config),
                                    (3, pod_config(a.pod, a.logdir))))
    print(get_str(r, 1))


def cmd_start(c, a):
    c.rt("StartContainer", msg((1, a.id)))


def cmd_status(c, a):
    r = c.rt("ContainerStatus", msg((1, a.id)))
    st = decode(get(r, 1, b""))
    print("state %s" % CONTAINER_STATES.get(get(st, 3, 0), "?"))
    print("exit_code %d" % get_int32(st, 7))
    print("reason %s" % get_str(st, 10))
    print("log_path %s" % get_str(st, 15))


def cmd_exec(c, a):
    r = c.rt("ExecSync", msg((1, a.id), (2, a.cmd), (3, a.secs)))
    sys.stdout.buffer.write(get(r, 1, b""))
    sys.stdout.flush()
    sys.stderr.buffer.write(get(r, 2, b""))
    sys.stderr.flush()
    sys.exit(get_int32(r, 3) & 0xFF)


def cmd_stop(c, a):
    c.rt("StopContainer", msg((1, a.id), (2, a.secs)))


def cmd_rm(c, a):
    c.rt("RemoveContainer", msg((1, a.id)))


def cmd_ps(c, a):
    filt = msg((3, a.pod_id)) if a.pod_id else None
    r = c.rt("ListContainers", msg((1, filt)))
    for item in r.get(1, []):
        ct = decode(item)
        md = decode(get(ct, 3, b""))
        print("%s %s %s" % (get_str(ct, 1), get_str(md, 1),
                            CONTAINER_STATES.get(get(ct, 6, 0), "?")))


def cmd_image(c, a):
    r = c.call("ImageService", "ImageStatus", msg((1, msg((1, a.ref)))))
    img = r.get(1)
    if img:
        print(get_str(decode(img[-1]), 1))


def parse(argv):
    p = argparse.ArgumentParser(prog="cri_client.py")
    p.add_argument("--sock", required=True)
    p.add_argument("--pod", default="runsk-pod")
    p.add_argument("--logdir", default="/var/log/pods/runsk-pod")
    p.add_argument("--timeout", type=float, default=240,
                   help="seconds for each RPC (a VM under TCG is slow)")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("version").set_defaults(fn=cmd_version)
    s = sub.add_parser("runp")
    s.add_argument("handler")
    s.set_defaults(fn=cmd_runp)
    for name, fn in [("podstatus", cmd_podstatus), ("stopp", cmd_stopp),
                     ("rmp", cmd_rmp), ("start", cmd_start),
                     ("status", cmd_status), ("rm", cmd_rm)]:
        s = sub.add_parser(name)
        s.add_argument("id")
        s.set_defaults(fn=fn)
    sub.add_parser("pods").set_defaults(fn=cmd_pods)
    s = sub.add_parser("create")
    s.add_argument("pod_id")
    s.add_argument("name")
    s.add_argument("image")
    s.add_argument("logpath")
    s.add_argument("-e", dest="env", action="append", default=[])
    s.add_argument("--seccomp-default", action="store_true")
    s.add_argument("cmd", nargs="+")
    s.set_defaults(fn=cmd_create)
    for name, fn, default in [("exec", cmd_exec, 60), ("stop", cmd_stop, 0)]:
        s = sub.add_parser(name)
        s.add_argument("-t", dest="secs", type=int, default=default)
        s.add_argument("id")
        if name == "exec":
            s.add_argument("cmd", nargs="+")
        s.set_defaults(fn=fn)
    s = sub.add_parser("ps")
    s.add_argument("pod_id", nargs="?")
    s.set_defaults(fn=cmd_ps)
    s = sub.add_parser("image")
    s.add_argument("ref")
    s.set_defaults(fn=cmd_image)
    return p.parse_args(argv)


def main():
    a = parse(sys.argv[1:])
    a.fn(Client(a.sock, a.timeout), a)


if __name__ == "__main__":
    main()
