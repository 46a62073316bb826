"""A subscriber that stops reading: the others are not stalled, and the QoS 1 messages it was
sent are not silently lost while it stays connected (either they all arrive, or the broker
closes the connection and the persistent session redelivers them)."""

import select
import socket
import time

import pytest

from mqtt_clients import TIMEOUT, parse_publish

N = 4000
PAYLOAD = 1000


@pytest.mark.parametrize("version,flags", [
    # Either version: --max-inflight (100) in flight, the rest queued (a 5.0 client without
    # a Receive Maximum is held to it too); --max-queued makes room for all of them.
    ("5.0", ["--max-queued", "5000"]),
    ("3.1.1", ["--max-queued", "5000"]),
])
def test_slow_subscriber_loses_no_qos1_message(start_broker, paho, raw, version, flags):
    port = start_broker(*flags).port
    kw = {"clean": False, "session_expiry": 300 if version == "5.0" else None}
    slow = raw(port=port, rcvbuf=4096)
    slow.connect(version, "slowpoke", **kw)
    slow.subscribe(version, 1, "slow/t", 1)
    fast = paho(version, port=port)
    fast.subscribe("slow/t", qos=1)

    pub = paho(version, port=port)
    infos = [pub.publish("slow/t", b"%06d" % i + b"." * (PAYLOAD - 6), qos=1, wait=False) for i in range(N)]
    for info in infos:
        info.wait_for_publish(TIMEOUT)
        assert info.is_published()
    # The one that reads gets everything while the other one does not read at all.
    assert len(fast.get_n(N, timeout=30)) == N

    # Now the slow one reads (and acknowledges) what it was sent.
    seen: set[int] = set()
    reconnects = 0
    deadline = time.monotonic() + 60
    while len(seen) < N and time.monotonic() < deadline:
        try:
            p = slow.read_packet(timeout=5)
        except socket.timeout:
            break
        if p is None:  # closed by the broker as a slow consumer: resume the session
            reconnects += 1
            assert reconnects <= 3, "closed again and again"
            slow = raw(port=port)
            ack = slow.connect(version, "slowpoke", **kw)
            assert ack.body[0] & 1, "session lost"
            continue
        if p.type != 3:
            continue
        topic, pid, payload, dup = parse_publish(p, version)
        seen.add(int(payload[:6]))
        slow.send(bytes([0x40, 2, pid >> 8, pid & 0xFF]))
    missing = N - len(seen)
    assert missing == 0, (f"{missing} of {N} PUBACKed QoS 1 messages never reached the slow subscriber "
                          f"(reconnects: {reconnects}); first missing: {sorted(set(range(N)) - seen)[:5]}")


@pytest.mark.parametrize("version", ["5.0", "3.1.1"])
def test_a_burst_past_the_write_limit_reaches_a_client_that_reads_it(start_broker, paho, raw, version):
    # --max-queued 100 bounds what waits for one socket at 400 KB; a new subscription's
    # retained messages (1.5 MB at QoS 1) go out at once, faster than any socket takes
    # them. A client reading them is not a slow consumer: it gets its SUBACK and all of
    # them, on the same connection.
    port = start_broker("--max-queued", "100").port
    pub = paho(version, port=port)
    count, size = 15, 100_000
    for i in range(count):
        pub.publish(f"burst/{i}", b"%03d" % i + b"." * (size - 3), qos=1, retain=True)
    sub = raw(port=port)
    sub.connect(version, "burst-reader")
    sub.subscribe(version, 1, "burst/#", 1)
    seen = set()
    while len(seen) < count:
        p = sub.read_packet(timeout=10)
        assert p is not None, f"closed after {len(seen)} of {count} retained messages"
        if p.type != 3:
            continue
        topic, pid, payload, dup = parse_publish(p, version)
        seen.add(int(payload[:3]))
        sub.send(bytes([0x40, 2, pid >> 8, pid & 0xFF]))
    assert seen == set(range(count))


def test_a_client_that_does_not_read_is_not_read_either(start_broker, raw):
    # --max-queued 16 bounds what waits for one socket at 64 KB. A client that sends
    # PINGREQs and reads none of the PINGRESPs is read only until that much waits: then its
    # own sends back up (they do not pile up as answers in the broker). Once it reads, the
    # broker reads it again, and every PINGREQ is answered, on the same connection.
    port = start_broker("--max-queued", "16").port
    c = raw(port=port, rcvbuf=4096)
    c.connect("3.1.1", "no-reader")
    c.sock.setblocking(False)
    chunk = bytes([0xC0, 0x00]) * 32768
    sent, deadline = 0, time.monotonic() + 3
    while time.monotonic() < deadline and sent < 64 << 20:
        try:
            sent += c.sock.send(chunk[sent % len(chunk):])
        except BlockingIOError:
            time.sleep(0.01)
    assert sent < 32 << 20, f"{sent} bytes of PINGREQs taken from a client that reads nothing"
    # Half a PINGREQ may have gone: its second byte goes once the broker reads again, which
    # it does once this client reads.
    owed = sent % 2
    got, deadline = 0, time.monotonic() + 20
    while got < sent + owed and time.monotonic() < deadline:
        readable, writable, _ = select.select([c.sock], [c.sock] if owed else [], [], 0.5)
        if writable:
            try:
                owed -= c.sock.send(b"\x00")
                sent += 1
            except BlockingIOError:
                pass
        if readable:
            data = c.sock.recv(1 << 20)
            assert data, f"closed after {got} of {sent} bytes of PINGRESPs"
            assert set(data) <= {0xD0, 0x00}
            got += len(data)
    assert got == sent and not owed, f"{got} of {sent} bytes of PINGRESPs"
