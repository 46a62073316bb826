"""Times mqtt_codec against the Python MQTT codecs users have today, in one run.

Run it with benches/python/run.sh, which builds mqtt_codec and installs the peers into
target/bench-python-venv. Every decoder is fed the same bytes, encoded once by mqtt_codec;
every encoder is given an already-built packet (or, for peers that have no packet object,
the arguments of their send function) and produces the same packet.

What is timed for each codec (one call = one packet):

- ours (`mqtt_codec`): `mqtt_codec.decode(data, version)`, which returns a packet object
  (a PUBLISH keeps `data` and makes its fields into Python objects when they are read;
  the other packets, and `mqtt5`'s, make theirs at decode);
  `packet.encode(version)` -> bytes; and
  "build+encode", the packet made from its constructor's arguments then encoded, as an
  application sends: the identifying fields by position and the options by keyword
  (`mqtt_codec.Publish(topic, payload, qos=..., packet_id=...)`, `PubAck(packet_id)`,
  `Subscribe(packet_id, subscriptions)`), the same arguments given the same way as to
  `mqtt5`'s constructors.
- "decode+read" (ours and `mqtt5`): decode, then read what an application reads of the
  packet: a PUBLISH's topic, payload, QoS and packet id (and, in the 5.0 case, its content
  type, message expiry and user properties), a CONNECT's client id, user name and
  password, a SUBSCRIBE's filters, a PUBACK's packet id. Ours makes a PUBLISH's fields
  into Python objects when they are read and `mqtt5` at decode, so this row compares the
  two on the same work.
- `mqtt5` (Rust, pyo3; MQTT 5.0 only): `mqtt5.read(memoryview(data))`; `packet.write()`
  (inside a lambda, as our `packet.encode(version)` is);
  build+encode is `mqtt5.PublishPacket(topic, payload, ...)` (and the other constructors)
  then `write()`.
  It is fed the 5.0 encoding of each packet and compared with ours on those same bytes.
- paho-mqtt 2.x (client side only): decode is what `Client._handle_publish` does before it
  calls back: `paho.mqtt._packet.decode_publish(...)` and the `MQTTMessage` it builds
  (`decode_puback` for PUBACK); paho reads the fixed header from the socket byte by byte
  in `_packet_read`, so it is given the packet body and its time excludes the fixed header.
  A client never receives CONNECT or SUBSCRIBE, so paho has no decoder for them. Encode is
  the client's own send path, `Client._send_publish` / `_send_connect` / `_send_subscribe`
  / `_send_puback`, on an unconnected `Client` whose `_packet_queue` returns the bytes
  instead of queueing them (paho builds the packet from the arguments: there is no packet
  object, so its construction is included).
- amqtt (3.1.1 only): `<Packet>.from_stream(BufferReader(data))`, the coroutine driven with
  `send(None)` (it never suspends on an in-memory reader, so no event loop is involved);
  `packet.to_bytes()`.
- gmqtt (client side only): decode is `MqttPackageHandler._handle_publish_packet(cmd, body)`
  with a no-op `on_message` and `_send_puback` (gmqtt parses inside its handler; like
  paho it is given the body); CONNECT, SUBSCRIBE and PUBACK have no separate decoder.
  Encode is `PublishPacket.build_package(message, protocol)` (and `LoginPackageFactor`,
  `SubscribePacket`, `CommandWithMidPacket`) with a prebuilt `gmqtt.Message`.
- mqtt-codec 1.0.2 on PyPI (kcallin, pure Python, 3.1.1 only; its sdist needs setuptools'
  2to3, and its module is also named `mqtt_codec`, so run.sh installs it apart and this
  script loads it under another name): `MqttXxx.decode(BytesIO(data))`;
  `packet.encode(BytesIO())` + `getvalue()`.

The other peers have no build+encode row: paho builds from the arguments in its encode
already, and the rest are not compared on it.

With --ours-only, only our columns are measured (run.sh uses it for the second wheel).

Each measurement: calibrate the loop count to about --target-ms (10 by default), then take the best of
--repeat loops, in ns per call, with `timeit` (`time.perf_counter_ns` underneath). The ratio
column is peer / ours: above 1 means we are faster.
"""

from __future__ import annotations

import argparse
import importlib
import io
import logging
import os
import platform
import sys
import timeit
from typing import Any, Callable, Dict, List, Optional, Tuple

Fn = Callable[[], Any]


# --- the foreign `mqtt_codec` (kcallin) under another name --------------------------------
def load_kcallin() -> Optional[Any]:
    """Imports PyPI's mqtt-codec (module `mqtt_codec`) from its own directory, then hides it
    so that `import mqtt_codec` gives ours. Its modules bound their imports at import time."""
    path = os.environ.get("KCALLIN_MQTT_CODEC_PATH")
    if not path or not os.path.isdir(os.path.join(path, "mqtt_codec")):
        return None
    saved = {k: v for k, v in sys.modules.items() if k == "mqtt_codec" or k.startswith("mqtt_codec.")}
    for k in saved:
        del sys.modules[k]
    sys.path.insert(0, path)
    try:
        packet = importlib.import_module("mqtt_codec.packet")
    finally:
        sys.path.remove(path)
        for k in [k for k in sys.modules if k == "mqtt_codec" or k.startswith("mqtt_codec.")]:
            sys.modules["kcallin_" + k] = sys.modules.pop(k)
        sys.modules.update(saved)
    return packet


kcallin = load_kcallin()

import mqtt_codec as ours  # noqa: E402  (after the foreign module of the same name)

assert hasattr(ours, "Decoder"), "imported the wrong mqtt_codec"

V311 = int(ours.ProtocolVersion.V3_1_1)
V5 = int(ours.ProtocolVersion.V5)


# --- the cases of benches/src/lib.rs ----------------------------------------------------
class Case:
    def __init__(self, name: str, kind: str, v5_only: bool, packet: Any, packet5: Any = None,
                 **info: Any) -> None:
        self.name = name
        self.kind = kind  # publish, connect, subscribe, puback
        self.v5_only = v5_only
        self.packets = {V311: packet, V5: packet5 or packet}  # our packet objects
        self.info = info
        self.bytes311 = None if v5_only else packet.encode(V311)
        self.bytes5 = self.packets[V5].encode(V5)

    def builder(self, version: int) -> Fn:
        """A function making our packet of this case from its arguments, as an application
        makes it (the arguments prepared once, and given by position or keyword as mqtt5's
        are)."""
        i = self.info
        if self.kind == "publish":
            topic, payload = i["topic"], i["payload"]
            # The keywords mqtt5 is given (mqtt5_fns): the QoS and id only when not QoS 0.
            kw: Dict[str, Any] = {}
            if i["qos"]:
                kw.update(qos=i["qos"], packet_id=i["packet_id"])
            if i["props"]:
                return lambda: ours.Publish(
                    topic, payload, **kw,
                    properties=ours.Properties(
                        payload_format_indicator=1, message_expiry_interval=60,
                        content_type="application/json", user_properties=[("site", "roof-1")]))
            return lambda: ours.Publish(topic, payload, **kw)
        if self.kind == "connect":
            cid, user, password = i["client_id"], i["username"], i["password"]
            return lambda: ours.Connect(client_id=cid, username=user, password=password,
                                        protocol_version=version)
        if self.kind == "subscribe":
            pid, filters = i["packet_id"], i["filters"]
            return lambda: ours.Subscribe(pid, [(f, 1) for f in filters])
        pid = i["packet_id"]
        return lambda: ours.PubAck(pid)


def cases() -> List[Case]:
    out = []
    for qos in (0, 1):
        for label, size in (("16B", 16), ("256B", 256), ("1KiB", 1024), ("64KiB", 65536)):
            payload = b"x" * size
            pid = 7 if qos else None
            p = ours.Publish(topic="PV/data", payload=payload, qos=qos, packet_id=pid)
            out.append(Case(f"publish_qos{qos}_{label}", "publish", False, p,
                            topic="PV/data", payload=payload, qos=qos, packet_id=pid, props=False))
    props = ours.Properties(payload_format_indicator=1, message_expiry_interval=60,
                            content_type="application/json", user_properties=[("site", "roof-1")])
    p = ours.Publish(topic="PV/data", payload=b"x" * 64, qos=1, packet_id=7, properties=props)
    out.append(Case("v5_publish_properties", "publish", True, p, topic="PV/data",
                    payload=b"x" * 64, qos=1, packet_id=7, props=True))
    c, c5 = (ours.Connect(client_id="pv-station-0042", username="station", password=b"secret",
                          protocol_version=v) for v in (V311, V5))
    out.append(Case("connect", "connect", False, c, c5, client_id="pv-station-0042",
                    username="station", password=b"secret", keep_alive=c.keep_alive,
                    clean=c.clean_start))
    filters = [f"PV/site-{i}/+/power" for i in range(10)]
    s = ours.Subscribe(packet_id=3, subscriptions=[(f, 1) for f in filters])
    out.append(Case("subscribe_10_filters", "subscribe", False, s, packet_id=3, filters=filters))
    out.append(Case("puback", "puback", False, ours.PubAck(packet_id=7), packet_id=7))
    return out


def split_fixed_header(data: bytes) -> Tuple[int, bytes]:
    i = 1
    while data[i] & 0x80:
        i += 1
    return data[0], data[i + 1:]


# --- one adapter per codec: (decode fn, encode fn) per case, or None -------------------
# Each returns (decode, encode) or (decode, encode, build+encode), checked before timing.
Pair = Tuple[Optional[Fn], ...]
OPS = ("decode", "encode", "build+encode", "decode+read")


def reader(kind: str, props: bool, mqtt5_layout: bool) -> Callable[[Any], Any]:
    """What an application reads of a decoded packet (see decode+read in the docstring):
    of ours, or with `mqtt5_layout` of an `mqtt5` packet, whose properties are attributes of
    the packet and whose SUBSCRIBE holds `topic_filters` with a `pattern`."""
    if kind == "publish":
        def read(p: Any) -> Any:
            fields = (p.topic, p.payload, p.qos, p.packet_id)
            if not props:
                return fields
            pr = p if mqtt5_layout else p.properties
            return fields + (pr.content_type, pr.message_expiry_interval, pr.user_properties)
    elif kind == "connect":
        def read(p: Any) -> Any:
            return p.client_id, p.username, p.password
    elif kind == "subscribe" and mqtt5_layout:
        def read(p: Any) -> Any:
            return [f.pattern for f in p.topic_filters]
    elif kind == "subscribe":
        def read(p: Any) -> Any:
            return [s.filter for s in p.subscriptions]
    else:
        def read(p: Any) -> Any:
            return p.packet_id
    return read


def ours_fns(case: Case, version: int) -> Pair:
    data = case.bytes5 if version == V5 else case.bytes311
    if data is None:
        return None, None
    pkt = case.packets[version]
    dec = ours.decode
    got = dec(data, version)
    assert got == pkt, (case.name, got)
    assert pkt.encode(version) == data
    build = case.builder(version)
    assert build().encode(version) == data, case.name
    read = reader(case.kind, case.info.get("props", False), mqtt5_layout=False)
    return (lambda: dec(data, version)), (lambda: pkt.encode(version)), \
        (lambda: build().encode(version)), (lambda: read(dec(data, version)))


def mqtt5_fns(case: Case) -> Pair:
    import mqtt5

    data = case.bytes5
    mv = memoryview(data)
    i = case.info
    if case.kind == "publish":
        kw: Dict[str, Any] = {}
        if i["qos"]:
            kw.update(qos=mqtt5.QoS(i["qos"]), packet_id=i["packet_id"])
        if i["props"]:
            kw.update(payload_format_indicator=1, message_expiry_interval=60,
                      content_type="application/json", user_properties=[("site", "roof-1")])
        pkt = mqtt5.PublishPacket(i["topic"], i["payload"], **kw)

        def make() -> Any:
            return mqtt5.PublishPacket(i["topic"], i["payload"], **kw)
    elif case.kind == "connect":
        # Our CONNECT carries no 5.0 properties; mqtt5's defaults match that (it writes
        # Receive Maximum and the like only when they differ from the defaults).
        def make() -> Any:
            return mqtt5.ConnectPacket(i["client_id"], username=i["username"],
                                       password=i["password"], clean_start=i["clean"],
                                       keep_alive=i["keep_alive"])
        pkt = make()
    elif case.kind == "subscribe":
        def make() -> Any:
            return mqtt5.SubscribePacket(i["packet_id"], [
                mqtt5.TopicFilter(f, max_qos=mqtt5.QoS(1), retain_as_published=False)
                for f in i["filters"]])
        pkt = make()
    else:
        def make() -> Any:
            return mqtt5.PubAckPacket(i["packet_id"])
        pkt = make()
    got, n = mqtt5.read(mv)
    assert n == len(data), (case.name, n)
    if case.kind == "publish":
        assert got.payload == i["payload"] and got.topic == i["topic"]
    read = mqtt5.read
    # Called through a lambda, as ours is (`pkt.encode(version)`): every codec's operation is
    # timed through one Python-level call of the same kind.
    enc = lambda: pkt.write()  # noqa: E731
    if enc() != data:
        diff = [j for j, (a, b) in enumerate(zip(enc(), data)) if a != b]
        NOTES.add(f"mqtt5 encodes {case.name} differently from ours "
                  f"({len(enc())} vs {len(data)} bytes, differing at offsets {diff[:4]}); "
                  f"still timed")
    fields = reader(case.kind, i.get("props", False), mqtt5_layout=True)
    if case.kind == "publish":
        assert fields(got)[:2] == (i["topic"], i["payload"]), case.name
    return (lambda: read(mv)), enc, (lambda: make().write()), (lambda: fields(read(mv)[0]))


def paho_fns(case: Case, version: int) -> Pair:
    import paho.mqtt.client as pc
    from paho.mqtt import _packet
    from paho.mqtt.properties import Properties
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.subscribeoptions import SubscribeOptions

    data = case.bytes5 if version == V5 else case.bytes311
    if data is None:
        return None, None
    proto = pc.MQTTv5 if version == V5 else pc.MQTTv311
    i = case.info
    client = pc.Client(pc.CallbackAPIVersion.VERSION2, client_id=i.get("client_id", ""),
                       protocol=proto)
    class FakeSocket:
        def close(self) -> None:
            pass

    client._sock = FakeSocket()  # "connected": the send functions check for a socket
    client._packet_queue = lambda command, packet, mid, qos, info=None: packet  # type: ignore
    cmd, body = split_fixed_header(data)
    dec: Optional[Fn] = None
    enc: Optional[Fn] = None
    if case.kind == "publish":
        def dec() -> Any:
            # Client._handle_publish up to the user callback.
            r = _packet.decode_publish(cmd, body, proto)
            m = pc.MQTTMessage(mid=r.mid, topic=r.topic)
            m.dup = r.dup
            m.qos = r.qos
            m.retain = r.retain
            m.properties = r.properties
            m.payload = r.payload
            return m
        topic = i["topic"].encode()
        payload, qos, mid = i["payload"], i["qos"], i["packet_id"] or 0
        props = None
        if i["props"]:
            props = Properties(PacketTypes.PUBLISH)
            props.PayloadFormatIndicator = 1
            props.MessageExpiryInterval = 60
            props.ContentType = "application/json"
            props.UserProperty = ("site", "roof-1")
        send = client._send_publish
        enc = lambda: send(mid, topic, payload, qos, False, False, None, props)  # noqa: E731
        m = dec()
        assert m.payload == payload and m.topic == i["topic"]
    elif case.kind == "connect":
        client.username_pw_set(i["username"], i["password"].decode())
        client._clean_session = i["clean"]
        ka = i["keep_alive"]
        send_c = client._send_connect
        enc = lambda: send_c(ka)  # noqa: E731
    elif case.kind == "subscribe":
        if version == V5:
            topics = [(f.encode(), SubscribeOptions(qos=1)) for f in i["filters"]]
        else:
            topics = [(f.encode(), 1) for f in i["filters"]]
        client._last_mid = i["packet_id"] - 1
        send_s = client._send_subscribe

        def enc() -> Any:
            client._last_mid = 2  # the next mid is 3, as in our packet
            return send_s(False, topics)[0]
    else:
        dec = lambda: _packet.decode_puback(cmd, body, proto)  # noqa: E731
        send_p = client._send_puback
        enc = lambda: send_p(7)  # noqa: E731
        assert dec().mid == 7
    if enc is not None and bytes(enc()) != data:
        NOTES.add(f"paho-mqtt encodes {case.name} differently from ours "
                  f"({len(bytes(enc()))} vs {len(data)} bytes); still timed")
    return dec, enc


def amqtt_fns(case: Case) -> Pair:
    from amqtt.adapters import BufferReader
    from amqtt.mqtt.connect import ConnectPacket, ConnectPayload, ConnectVariableHeader
    from amqtt.mqtt.puback import PubackPacket
    from amqtt.mqtt.publish import PublishPacket
    from amqtt.mqtt.subscribe import SubscribePacket

    data = case.bytes311
    if data is None:
        return None, None
    i = case.info
    cls: Any
    if case.kind == "publish":
        cls = PublishPacket
        pkt = PublishPacket.build(i["topic"], i["payload"], i["packet_id"], False, i["qos"], False)
    elif case.kind == "connect":
        cls = ConnectPacket
        vh = ConnectVariableHeader(keep_alive=i["keep_alive"])
        vh.clean_session_flag = i["clean"]
        vh.username_flag = True
        vh.password_flag = True
        pl = ConnectPayload(client_id=i["client_id"], username=i["username"],
                            password=i["password"].decode())
        pkt = ConnectPacket(variable_header=vh, payload=pl)
    elif case.kind == "subscribe":
        cls = SubscribePacket
        pkt = SubscribePacket.build([(f, 1) for f in i["filters"]], i["packet_id"])
    else:
        cls = PubackPacket
        pkt = PubackPacket.build(i["packet_id"])
    from_stream = cls.from_stream

    def dec() -> Any:
        coro = from_stream(BufferReader(data))
        try:
            coro.send(None)
        except StopIteration as done:
            return done.value
        raise RuntimeError("amqtt decoder suspended")

    got = dec()
    if case.kind == "publish":
        assert got.data == i["payload"] and got.topic_name == i["topic"], case.name
    enc = lambda: pkt.to_bytes()  # noqa: E731 (one Python-level call, as for every codec)
    if enc() != data:
        NOTES.add(f"amqtt encodes {case.name} differently from ours "
                  f"({len(enc())} vs {len(data)} bytes); still timed")
    return dec, enc


def gmqtt_fns(case: Case, version: int) -> Pair:
    import gmqtt
    from gmqtt.mqtt import package
    from gmqtt.mqtt.constants import MQTTCommands
    from gmqtt.mqtt.utils import IdGenerator

    data = case.bytes5 if version == V5 else case.bytes311
    if data is None:
        return None, None
    i = case.info

    class Proto:
        proto_ver = version
        proto_name = b"MQTT"
        id_generator = IdGenerator(max=65535)

    dec: Optional[Fn] = None
    enc: Optional[Fn] = None
    if case.kind == "publish":
        client = gmqtt.Client("bench")
        client._connection_state.protocol_version = version
        h = client._package_handler
        received: List[Any] = []
        h.on_message = lambda *a: received.append(a)  # type: ignore
        h._send_puback = lambda mid, reason_code=0: None  # type: ignore
        cmd, body = split_fixed_header(data)
        handle = h._handle_publish_packet

        def dec() -> Any:
            received.clear()
            handle(cmd, body)
            return received
        got = dec()
        assert got and got[0][0] == i["topic"] and got[0][1] == i["payload"], case.name
        kw: Dict[str, Any] = {}
        if i["props"]:
            # gmqtt cannot encode Payload Format Indicator (it logs and drops it).
            kw = dict(message_expiry_interval=60, content_type="application/json",
                      user_property=[("site", "roof-1")])
            NOTES.add("gmqtt cannot encode the Payload Format Indicator: its v5_publish_properties "
                      "encode leaves it out (2 bytes shorter)")
        msg = gmqtt.Message(i["topic"], i["payload"], qos=i["qos"], **kw)
        build = package.PublishPacket.build_package

        free = Proto.id_generator.free_id

        def enc() -> Any:
            mid, packet = build(msg, Proto)  # gmqtt takes a fresh id (1; ours has 7)
            if mid is not None:
                free(mid)
            return packet
    elif case.kind == "connect":
        build_c = package.LoginPackageFactor.build_package
        args = (i["client_id"], i["username"], i["password"].decode(), i["clean"],
                i["keep_alive"], Proto)
        enc = lambda: build_c(*args)  # noqa: E731
    elif case.kind == "subscribe":
        subs = [gmqtt.Subscription(f, qos=1) for f in i["filters"]]
        build_s = package.SubscribePacket.build_package
        free_s = Proto.id_generator.free_id

        def enc() -> Any:
            mid, packet = build_s(subs, Proto)
            free_s(mid)
            return packet
    else:
        build_p = package.CommandWithMidPacket.build_package
        puback = MQTTCommands.PUBACK
        enc = lambda: build_p(puback, 7, False, proto_ver=version)  # noqa: E731
    if enc is not None and bytes(enc()) != data:
        NOTES.add(f"gmqtt allocates its own packet id (1, ours is 7 or 3): {case.name} "
                  f"differs from ours in those bytes; still timed")
    return dec, enc


def kcallin_fns(case: Case) -> Pair:
    k = kcallin
    data = case.bytes311
    if k is None or data is None:
        return None, None
    i = case.info
    cls: Any
    if case.kind == "publish":
        cls = k.MqttPublish
        pkt = k.MqttPublish(i["packet_id"] or 0, i["topic"], i["payload"], False, i["qos"], False)
    elif case.kind == "connect":
        cls = k.MqttConnect
        pkt = k.MqttConnect(i["client_id"], i["clean"], i["keep_alive"], i["username"],
                            i["password"].decode())
    elif case.kind == "subscribe":
        cls = k.MqttSubscribe
        pkt = k.MqttSubscribe(i["packet_id"], [k.MqttTopic(f, 1) for f in i["filters"]])
    else:
        cls = k.MqttPuback
        pkt = k.MqttPuback(i["packet_id"])
    decode = cls.decode
    BytesIO = io.BytesIO
    dec = lambda: decode(BytesIO(data))  # noqa: E731

    def enc() -> bytes:
        f = BytesIO()
        pkt.encode(f)
        return f.getvalue()
    n, got = dec()
    assert n == len(data), case.name
    if case.kind == "publish":
        assert got.payload == i["payload"], case.name
    if enc() != data:
        NOTES.add(f"mqtt-codec (kcallin) encodes {case.name} differently from ours; still timed")
    return dec, enc


NOTES: set = set()


# --- timing -------------------------------------------------------------------------------
def bench(fn: Fn, target_ms: float, repeat: int) -> float:
    """Best of `repeat` loops of about `target_ms` each, ns per call."""
    t = timeit.Timer(fn)
    number = 1
    while True:  # calibrate: double until a loop takes a tenth of the target
        took = t.timeit(number)
        if took >= target_ms / 1e4:
            break
        number *= 2
    number = max(1, int(number * target_ms / 1e3 / took))
    best = min(t.repeat(repeat=repeat, number=number))
    return best / number * 1e9


def fmt_ns(ns: Optional[float]) -> str:
    if ns is None:
        return "n/a"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def fmt_ratio(peer: Optional[float], base: Optional[float]) -> str:
    if peer is None or base is None:
        return "n/a"
    return f"{peer / base:.1f}×"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target-ms", type=float, default=10.0, help="loop length (ms)")
    ap.add_argument("--repeat", type=int, default=5, help="loops; the best is kept")
    ap.add_argument("--ours-only", action="store_true", help="measure mqtt_codec alone")
    args = ap.parse_args()
    logging.disable(logging.CRITICAL)  # gmqtt logs through `logging`; keep it quiet

    # peer name -> (version its bytes are in, adapter); None version: it takes both, we
    # use 3.1.1 except for the 5.0-only case.
    peers: List[Tuple[str, Callable[[Case], Tuple[int, Pair]]]] = []
    versions: Dict[str, str] = {}

    def add(name: str, module: str, adapter: Callable[[Case], Tuple[int, Pair]]) -> None:
        try:
            m = importlib.import_module(module)
        except Exception as e:  # noqa: BLE001
            print(f"note: {name} is not available ({e}); skipped", file=sys.stderr)
            NOTES.add(f"{name}: not installed here, skipped")
            return
        del m
        peers.append((name, adapter))

    def either(f: Callable[[Case, int], Pair]) -> Callable[[Case], Tuple[int, Pair]]:
        return lambda c: (V5 if c.v5_only else V311, f(c, V5 if c.v5_only else V311))

    if not args.ours_only:
        add("mqtt5", "mqtt5", lambda c: (V5, mqtt5_fns(c)))
        add("paho-mqtt", "paho.mqtt.client", either(paho_fns))
        add("amqtt", "amqtt.mqtt.publish", lambda c: (V311, amqtt_fns(c)))
        add("gmqtt", "gmqtt", either(gmqtt_fns))
        if kcallin is not None:
            peers.append(("mqtt-codec (PyPI)", lambda c: (V311, kcallin_fns(c))))
        else:
            NOTES.add("mqtt-codec (PyPI): not installed here, skipped")
    for name, _ in peers:
        versions[name] = {"mqtt5": "5.0", "amqtt": "3.1.1",
                          "mqtt-codec (PyPI)": "3.1.1"}.get(name, "3.1.1; 5.0 for the 5.0 case")

    rows = []
    for case in cases():
        ours311 = ours_fns(case, V311)
        ours5 = ours_fns(case, V5)
        base: Dict[Tuple[int, str], Optional[float]] = {}
        for v, pair in ((V311, ours311), (V5, ours5)):
            for op, fn in zip(OPS, pair):
                base[(v, op)] = bench(fn, args.target_ms, args.repeat) if fn else None
        results: Dict[Tuple[str, str], Tuple[Optional[float], int]] = {}
        for name, adapter in peers:
            try:
                v, pair = adapter(case)
            except Exception as e:  # noqa: BLE001
                NOTES.add(f"{name} on {case.name}: {type(e).__name__}: {e}")
                continue
            for op, fn in zip(OPS, pair):
                results[(name, op)] = (bench(fn, args.target_ms, args.repeat) if fn else None, v)
        for op in OPS:
            row = [case.name, op, fmt_ns(base.get((V311, op))), fmt_ns(base.get((V5, op)))]
            for name, _ in peers:
                t, v = results.get((name, op), (None, V311))
                row += [fmt_ns(t), fmt_ratio(t, base.get((v, op)))]
            rows.append(row)
        print(f"done: {case.name}", file=sys.stderr)

    header = ["case", "op", "ours 3.1.1", "ours 5.0"]
    for name, _ in peers:
        header += [name, "ratio"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    print("Times are per packet (best of the loops). Each ratio is peer / ours on the same bytes "
          "(ours 5.0 for mqtt5 and for the 5.0 case, ours 3.1.1 otherwise); above 1× we are faster.")
    if versions:
        print("Versions: " + "; ".join(f"{n}: {v}" for n, v in versions.items()) + ".")
    if NOTES:
        print()
        for note in sorted(NOTES):
            print(f"- {note}")


if __name__ == "__main__":
    main()
