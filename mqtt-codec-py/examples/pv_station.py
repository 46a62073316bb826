"""The photovoltaic example of MQTT's classic introduction, on mqtt_codec and plain sockets.

A station publishes ``PV/sunshine`` (true/false) and ``PV/data`` (kW); a charger subscribes to
``PV/sunshine`` and starts charging while the sun shines; a dashboard subscribes to ``PV/#``
and shows everything. Each is a client of its own against any broker:

    python pv_station.py HOST PORT [--readings N] [--mqtt 3.1.1|5] [--timeout SECONDS]

The run is bounded: the station sends N readings, the others stop after the last one (or at
the timeout), and the exit status is 0 only if everyone received what was sent.
"""

from __future__ import annotations

import argparse
import math
import socket
import sys
import threading
import time
from typing import Any, Callable, List, Optional

from mqtt_codec import (
    ConnAck,
    Connect,
    Decoder,
    Disconnect,
    Packet,
    ProtocolVersion,
    PubAck,
    Publish,
    QoS,
    SubAck,
    Subscribe,
)


class Client:
    """A tiny blocking MQTT client: CONNECT, SUBSCRIBE, PUBLISH at QoS 0/1, receive."""

    def __init__(self, host: str, port: int, client_id: str, version: ProtocolVersion, timeout: float) -> None:
        self.version = version
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.decoder = Decoder(version, role="client")
        self.pending: List[Packet] = []
        self.next_id = 0
        self.send(Connect(client_id=client_id, protocol_version=version, keep_alive=60))
        connack = self.receive()
        if not isinstance(connack, ConnAck) or connack.reason_code != 0:
            raise ConnectionError(f"{client_id}: broker refused: {connack!r}")

    def send(self, packet: Packet) -> None:
        self.sock.sendall(packet.encode(self.version))

    def receive(self) -> Packet:
        """The next packet from the broker (socket.timeout when none comes in time)."""
        while not self.pending:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("broker closed the connection")
            self.pending += self.decoder.feed(data)
        return self.pending.pop(0)

    def packet_id(self) -> int:
        self.next_id = self.next_id % 65535 + 1
        return self.next_id

    def subscribe(self, topic_filter: str, qos: QoS) -> None:
        self.send(Subscribe(packet_id=self.packet_id(), subscriptions=[(topic_filter, qos)]))
        while not isinstance(self.receive(), SubAck):
            pass

    def publish(self, topic: str, payload: str, qos: QoS, retain: bool = False) -> None:
        pid = self.packet_id() if qos else None
        self.send(Publish(topic=topic, payload=payload, qos=qos, packet_id=pid, retain=retain))
        if qos == QoS.AT_LEAST_ONCE:
            while not isinstance(self.receive(), PubAck):
                pass

    def messages(self) -> Publish:
        """The next PUBLISH, acknowledged if it needs it (QoS 2 is not requested here)."""
        while True:
            packet = self.receive()
            if isinstance(packet, Publish):
                if packet.qos == QoS.AT_LEAST_ONCE and packet.packet_id is not None:
                    self.send(PubAck(packet_id=packet.packet_id))
                return packet

    def close(self) -> None:
        try:
            self.send(Disconnect())
        finally:
            self.sock.close()


def station(client: Client, readings: int) -> None:
    """Publishes a day's sunshine and power curve in `readings` steps."""
    sunny: Optional[bool] = None
    for i in range(readings):
        kw = max(0.0, 5.0 * math.sin(math.pi * (i + 0.5) / readings) - 1.0)
        if (kw > 0) != sunny:
            sunny = kw > 0
            client.publish("PV/sunshine", "true" if sunny else "false", QoS.AT_LEAST_ONCE, retain=True)
        client.publish("PV/data", f"{kw:.2f}", QoS.AT_LEAST_ONCE)
    client.publish("PV/data", "end", QoS.AT_LEAST_ONCE)
    client.publish("PV/sunshine", "end", QoS.AT_LEAST_ONCE)


def charger(client: Client, log: List[str]) -> None:
    """Charges the car while the sun shines."""
    while True:
        msg = client.messages()
        if msg.payload == b"end":
            return
        state = "charging" if msg.payload == b"true" else "idle"
        log.append(f"charger: sunshine={msg.payload.decode()} -> {state}")


def dashboard(client: Client, log: List[str]) -> None:
    """Shows every PV message until both end markers have arrived."""
    ends = 0
    while ends < 2:
        msg = client.messages()
        if msg.payload == b"end":
            ends += 1
        log.append(f"dashboard: {msg.topic} = {msg.payload.decode()}")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--readings", type=int, default=12)
    parser.add_argument("--mqtt", choices=["3.1.1", "5"], default="5")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for any packet")
    args = parser.parse_args(argv)
    version = ProtocolVersion.V5 if args.mqtt == "5" else ProtocolVersion.V3_1_1
    suffix = f"{time.monotonic_ns() % 1_000_000}"

    charger_client = Client(args.host, args.port, f"pv-charger-{suffix}", version, args.timeout)
    dashboard_client = Client(args.host, args.port, f"pv-dashboard-{suffix}", version, args.timeout)
    station_client = Client(args.host, args.port, f"pv-station-{suffix}", version, args.timeout)
    charger_client.subscribe("PV/sunshine", QoS.AT_LEAST_ONCE)
    dashboard_client.subscribe("PV/#", QoS.AT_LEAST_ONCE)

    charger_log: List[str] = []
    dashboard_log: List[str] = []
    errors: List[BaseException] = []

    def guarded(fn: Callable[..., None], *a: Any) -> None:
        try:
            fn(*a)
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [
        threading.Thread(target=guarded, args=(charger, charger_client, charger_log)),
        threading.Thread(target=guarded, args=(dashboard, dashboard_client, dashboard_log)),
    ]
    for t in threads:
        t.start()
    station(station_client, args.readings)
    for t in threads:
        t.join(timeout=args.timeout * 2)
    for c in (station_client, charger_client, dashboard_client):
        c.close()
    # The retained sunshine flag is cleared so that the next run starts clean.
    cleaner = Client(args.host, args.port, f"pv-cleaner-{suffix}", version, args.timeout)
    cleaner.publish("PV/sunshine", "", QoS.AT_LEAST_ONCE, retain=True)
    cleaner.close()

    for line in dashboard_log + charger_log:
        print(line)
    data = [line for line in dashboard_log if "PV/data" in line and not line.endswith("end")]
    ok = not errors and len(data) == args.readings and any("charging" in line for line in charger_log)
    if errors:
        print(f"error: {errors[0]!r}", file=sys.stderr)
    print(f"pv_station: {len(data)} readings shown, {len(charger_log)} sunshine changes: {'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
