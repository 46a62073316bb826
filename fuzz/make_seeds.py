#!/usr/bin/env python3
"""Regenerates fuzz/corpus/<target>/ seeds from the spec's hex vectors in
mqtt-codec/tests/vectors.rs (checklist §5), adding each target's input prefix."""
import hashlib, os, re, struct
here = os.path.dirname(os.path.abspath(__file__))
src = open(os.path.join(here, "..", "mqtt-codec", "tests", "vectors.rs")).read()
vecs = []
for m in re.finditer(r'"((?:[0-9A-F]{2} )+[0-9A-F]{2})"', src):
    b = bytes.fromhex(m.group(1))
    if b not in vecs:
        vecs.append(b)
def put(target, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb").write(data)
connects = [v for v in vecs if v[0] >> 4 == 1]
for v in vecs:
    level = 5 if any(v[i:i+5] == b"MQTT\x05" for i in range(len(v))) else 4
    # roundtrip / ffi: selector byte = version (0 unknown, 1 3.1, 2 3.1.1, 3 5.0) + role bits
    sels = [0] if v[0] >> 4 == 1 else [2, 3, 1]
    for s in sels:
        put("roundtrip", bytes([s]) + v)
        put("ffi", bytes([s | 0x80]) + v)
    put("differential", bytes([0]) + v)
    put("differential", bytes([1]) + v)
    # decode_stream: limit byte, 8-byte chunk seed, stream
    put("decode_stream", bytes([0x80]) + struct.pack("<Q", 0x0123456789ABCDEF) + v + v)
for c in connects:
    rest = b"".join(v for v in vecs if v[0] >> 4 in (3, 8, 10, 12, 14))[:400]
    put("decode_stream", bytes([0xFF]) + struct.pack("<Q", 7) + c + rest)
# structured and broker read arbitrary::Unstructured: any bytes work as seeds.
for i in range(8):
    put("structured", hashlib.sha256(b"s%d" % i).digest() * 4)
    put("broker", hashlib.sha256(b"b%d" % i).digest() * 8)
# topic: FILTER 0xFF NAME
for f, n in [("sport/tennis/+", "sport/tennis/player1"), ("sport/#", "sport"), ("#", "$SYS/x"),
             ("+/monitor/Clients", "$SYS/monitor/Clients"), ("$share/g/a/+", "a/b"), ("+/+", "/finance"),
             ("/+", "/finance"), ("a/b#", "a/b"), ("$share//a", "a"), ("$share/g", "g"), ("+", "")]:
    put("topic", f.encode() + b"\xff" + n.encode())
