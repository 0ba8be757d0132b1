#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Inject NMIs into a QEMU guest through its QMP socket until QEMU exits.

Usage: qmp-nmi.py SOCKET INTERVAL_SECONDS [LOG MARKER]

run.sh --nmi starts this next to QEMU (-qmp unix:SOCKET,server=on,wait=off).
It connects to the socket, waits until the console LOG contains MARKER (an
NMI during early boot, before the kernel has its IDT, resets the guest),
then sends "inject-nmi" every INTERVAL seconds and prints how many it sent
when QEMU goes away.
"""
import json
import socket
import sys
import time


def main():
    path = sys.argv[1]
    interval = float(sys.argv[2]) if len(sys.argv) > 2 else 0.05
    log = sys.argv[3] if len(sys.argv) > 4 else None
    marker = sys.argv[4].encode() if len(sys.argv) > 4 else None
    sock = None
    for _ in range(200):
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(path)
            break
        except OSError:
            sock.close()
            sock = None
            time.sleep(0.05)
    if sock is None:
        print("qmp-nmi: cannot connect to %s" % path, file=sys.stderr)
        return 1
    f = sock.makefile("rw")

    def command(name):
        f.write(json.dumps({"execute": name}) + "\n")
        f.flush()
        while True:
            line = f.readline()
            if not line:
                raise EOFError
            msg = json.loads(line)
            if "return" in msg or "error" in msg:
                return msg

    sent = 0
    try:
        f.readline()  # greeting
        command("qmp_capabilities")
        while log:
            try:
                with open(log, "rb") as lf:
                    if marker in lf.read():
                        break
            except OSError:
                pass
            time.sleep(0.1)
            command("query-status")  # raises EOFError once QEMU is gone
        while True:
            reply = command("inject-nmi")
            if "error" in reply:
                print("qmp-nmi: %s" % reply["error"], file=sys.stderr)
                return 1
            sent += 1
            time.sleep(interval)
    except (EOFError, OSError, ValueError):
        pass
    print("qmp-nmi: %d NMIs injected" % sent, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
