#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# The recording listener of scripts/topology.sh (topo_listen): listens on
# ADDR:PORT and writes one line per event to LOG, line-buffered, so a test
# can grep what arrived while it runs.
#
#   listener.py LOG ADDR PORT [--tcp] [--udp] [--raw IFACE] [--mark REGEX]
#                             [--greet TEXT] [--answer TEXT]
#
#   --tcp, --udp   the protocols to listen on (at least one)
#   --raw IFACE    also an AF_PACKET receiver on IFACE (frames the host
#                  sends itself are skipped); needs --mark
#   --mark REGEX   record only what matches REGEX in each datagram, segment
#                  or frame (one line per match); without it the data is
#                  recorded whole, non-printable bytes as \xNN
#   --greet TEXT   TCP: send TEXT and a newline on accept, then half-close
#   --answer TEXT  TCP: read once, then close; when that data had
#                  something to record, send TEXT and a newline first
#                  (without --answer a connection is read until EOF)
#
# LOG lines: "ready" once every socket listens, then
#   accept SRC          a TCP connection from SRC was accepted
#   tcp SRC DATA        DATA arrived on a TCP connection from SRC
#   udp SRC DATA        a datagram from SRC carried DATA
#   raw DATA            a frame on IFACE carried DATA
import argparse
import re
import select
import socket

PACKET_OUTGOING = 4
ETH_P_ALL = 3


def printable(data):
    return "".join(chr(b) if 32 <= b < 127 and b != 92 else "\\x%02x" % b
                   for b in data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("addr")
    ap.add_argument("port", type=int)
    ap.add_argument("--tcp", action="store_true")
    ap.add_argument("--udp", action="store_true")
    ap.add_argument("--raw")
    ap.add_argument("--mark")
    ap.add_argument("--greet")
    ap.add_argument("--answer")
    a = ap.parse_args()
    if not (a.tcp or a.udp):
        ap.error("--tcp, --udp or both")
    if a.raw and not a.mark:
        ap.error("--raw needs --mark")
    mark = re.compile(a.mark.encode()) if a.mark else None

    def records(data):
        if mark is None:
            return [printable(data)] if data else []
        return [printable(m) for m in mark.findall(data)]

    out = open(a.log, "a", buffering=1)
    socks = []
    tcp = udp = raw = None
    if a.udp:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind((a.addr, a.port))
        socks.append(udp)
    if a.tcp:
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.bind((a.addr, a.port))
        tcp.listen(64)
        socks.append(tcp)
    if a.raw:
        raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        raw.bind((a.raw, 0))
        socks.append(raw)
    out.write("ready\n")
    conns = {}
    while True:
        ready, _, _ = select.select(socks + list(conns), [], [])
        for s in ready:
            if s is udp:
                data, src = udp.recvfrom(65535)
                for r in records(data):
                    out.write("udp %s %s\n" % (src[0], r))
            elif s is tcp:
                c, src = tcp.accept()
                conns[c] = src[0]
                out.write("accept %s\n" % src[0])
                if a.greet is not None:
                    try:
                        c.sendall(a.greet.encode() + b"\n")
                        c.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
            elif s is raw:
                data, sll = raw.recvfrom(65535)
                if sll[2] == PACKET_OUTGOING:
                    continue
                for r in records(data):
                    out.write("raw %s\n" % r)
            else:
                try:
                    data = s.recv(65535)
                except OSError:
                    data = b""
                got = records(data)
                for r in got:
                    out.write("tcp %s %s\n" % (conns[s], r))
                if data and a.answer is None:
                    continue	# until EOF
                if got and a.answer is not None:
                    try:
                        s.sendall(a.answer.encode() + b"\n")
                    except OSError:
                        pass
                del conns[s]
                s.close()


if __name__ == "__main__":
    main()
