#!/usr/bin/env python3
"""Memory per idle connection: our reference broker and Debian's mosquitto, in one run.

    python3 benches/broker/idle_memory.py [--clients 2000] [--broker-bin PATH] [--mosquitto PATH]

For each broker (a fresh process on 127.0.0.1 and a free port): its resident memory
(VmRSS, /proc) once it listens, then N MQTT 3.1.1 clients connect over TCP (CONNECT with
keep alive 600 s, clean session, each waits for its CONNACK) and subscribe to a topic of
their own (`dev/<n>/cmd`, the usual device shape), and stay idle; after a settling pause
the resident memory again. Printed: both figures, and (after - before) / N, the memory each
idle connection costs. Only the standard library: the clients are plain sockets, so the
load generator itself is the same for both brokers.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Tuple

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def wait_listening(port: int, proc: subprocess.Popen, deadline_s: float = 20.0) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"broker exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("broker did not listen")


def mqtt_string(s: str) -> bytes:
    b = s.encode()
    return len(b).to_bytes(2, "big") + b


def remaining_length(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def packet(first: int, body: bytes) -> bytes:
    return bytes([first]) + remaining_length(len(body)) + body


def connect_packet(client_id: str) -> bytes:
    # MQTT 3.1.1, clean session, keep alive 600 s.
    body = mqtt_string("MQTT") + bytes([4, 0x02]) + (600).to_bytes(2, "big") + mqtt_string(client_id)
    return packet(0x10, body)


def subscribe_packet(packet_id: int, topic: str) -> bytes:
    return packet(0x82, packet_id.to_bytes(2, "big") + mqtt_string(topic) + bytes([1]))


def read_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise RuntimeError("connection closed")
        data += chunk
    return data


def open_clients(port: int, n: int) -> List[socket.socket]:
    socks = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(connect_packet(f"idle-{i}"))
        connack = read_exactly(s, 4)
        if connack[0] != 0x20 or connack[3] != 0:
            raise RuntimeError(f"client {i}: CONNACK {connack.hex()}")
        s.sendall(subscribe_packet(1, f"dev/{i}/cmd"))
        suback = read_exactly(s, 5)
        if suback[0] != 0x90:
            raise RuntimeError(f"client {i}: SUBACK {suback.hex()}")
        socks.append(s)
    return socks


def measure(name: str, cmd: List[str], port: int, n: int, settle_s: float) -> Tuple[int, int]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socks: List[socket.socket] = []
    try:
        wait_listening(port, proc)
        time.sleep(settle_s)
        before = rss_kib(proc.pid)
        socks = open_clients(port, n)
        time.sleep(settle_s)
        after = rss_kib(proc.pid)
        return before, after
    finally:
        for s in socks:
            s.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=2000)
    ap.add_argument("--broker-bin", default=str(ROOT / "target/release/examples/broker"))
    ap.add_argument("--mosquitto", default=shutil.which("mosquitto") or "/usr/sbin/mosquitto")
    ap.add_argument("--settle", type=float, default=1.0, help="seconds to wait before reading memory")
    args = ap.parse_args()

    rows = []
    port = free_port()
    ours = [args.broker_bin, "--listen", f"127.0.0.1:{port}"]
    rows.append(("mqtt-codec broker",) + measure("ours", ours, port, args.clients, args.settle))

    mosquitto: Optional[str] = args.mosquitto if os.path.exists(args.mosquitto) else None
    if mosquitto:
        port = free_port()
        with tempfile.TemporaryDirectory() as d:
            conf = Path(d) / "mosquitto.conf"
            conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_connections -1\n")
            cmd = [mosquitto, "-c", str(conf)]
            rows.append(("mosquitto",) + measure("mosquitto", cmd, port, args.clients, args.settle))
    else:
        print("mosquitto not found: only our broker measured", file=sys.stderr)

    print(f"| broker | RSS listening | RSS with {args.clients} idle clients | per idle connection |")
    print("|---|---:|---:|---:|")
    for name, before, after in rows:
        per = (after - before) * 1024 / args.clients
        print(f"| {name} | {before / 1024:.1f} MiB | {after / 1024:.1f} MiB | {per / 1024:.2f} KiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
