#!/usr/bin/env python3
"""A stand-in for systemd's notification socket, for tests (Node cannot open AF_UNIX datagram sockets).

Binds an AF_UNIX SOCK_DGRAM socket at argv[1], prints "LISTENING" once bound, then one JSON line per
datagram: {"t": <monotonic seconds>, "pid": <sender pid or null>, "fields": {"READY": "1", ...}}.
Like systemd, it closes every file descriptor passed with SCM_RIGHTS, which completes an
sd_notify_barrier() (systemd-notify >= 246 sends BARRIER=1 with a pipe fd and waits for it to close).
Exits when stdin is closed (unless --no-stdin is given after the path) or on SIGTERM.
"""
import array
import json
import os
import select
import signal
import socket
import struct
import sys
import time


def main() -> int:
    path = sys.argv[1]
    watch_stdin = "--no-stdin" not in sys.argv[2:]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("LISTENING", flush=True)
    fd_size = array.array("i").itemsize
    ucred_size = struct.calcsize("3i")
    cmsg_space = socket.CMSG_SPACE(ucred_size) + socket.CMSG_SPACE(16 * fd_size)
    while True:
        ready, _, _ = select.select([sock, sys.stdin] if watch_stdin else [sock], [], [])
        if watch_stdin and sys.stdin in ready:
            if not sys.stdin.buffer.read1(4096):
                return 0
        if sock not in ready:
            continue
        data, ancdata, _flags, _addr = sock.recvmsg(65536, cmsg_space)
        pid = None
        for level, ctype, cdata in ancdata:
            if level == socket.SOL_SOCKET and ctype == socket.SCM_RIGHTS:
                fds = array.array("i")
                fds.frombytes(cdata[: len(cdata) - (len(cdata) % fd_size)])
                for fd in fds:
                    os.close(fd)
            elif level == socket.SOL_SOCKET and ctype == socket.SCM_CREDENTIALS:
                pid = struct.unpack("3i", cdata[:ucred_size])[0]
        fields = {}
        for line in data.decode("utf-8", "replace").split("\n"):
            if "=" in line:
                k, v = line.split("=", 1)
                fields[k] = v
        print(json.dumps({"t": time.monotonic(), "pid": pid, "fields": fields}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
