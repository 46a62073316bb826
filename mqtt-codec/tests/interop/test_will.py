"""Wills: published when the connection is lost, not after a normal DISCONNECT."""

import signal

import pytest

from mqtt_clients import assert_quiet, mosquitto_pub

VERSIONS = ["3.1.1", "5.0"]


@pytest.mark.parametrize("will_qos", [0, 1, 2])
@pytest.mark.parametrize("version", VERSIONS)
def test_will_on_socket_close(paho, version, will_qos):
    watcher = paho("5.0" if version == "3.1.1" else "3.1.1")
    watcher.subscribe("will/#", qos=2)
    dying = paho(version, client_id="dying", will=("will/dying", b"gone \x00\xff", will_qos, False))
    dying.drop()  # socket closed without DISCONNECT
    m = watcher.get()
    assert (m.topic, m.payload, m.qos, m.retain) == ("will/dying", b"gone \x00\xff", will_qos, False)
    assert_quiet(watcher)


@pytest.mark.parametrize("version", VERSIONS)
def test_retained_will(paho, version):
    live = paho(version)
    live.subscribe("will/retained", qos=1)
    dying = paho(version, will=("will/retained", b"offline", 1, True))
    dying.drop()
    assert live.get().payload == b"offline"  # the will is out; now it is retained
    watcher = paho(version)
    watcher.subscribe("will/retained", qos=1)  # subscribes after the fact: retained copy
    m = watcher.get()
    assert (m.payload, m.retain) == (b"offline", True)


@pytest.mark.parametrize("version", VERSIONS)
def test_will_on_kill_9(broker, paho, mosq_sub, version):
    """mosquitto_sub with a will, killed with SIGKILL: the kernel closes its socket."""
    watcher = paho(version)
    watcher.subscribe("will/+", qos=1)
    victim = mosq_sub("anything", version=version, client_id="victim",
                      extra=["--will-topic", "will/victim", "--will-payload", "victim died", "--will-qos", "1"])
    victim.stop(signal.SIGKILL)
    m = watcher.get()
    assert (m.topic, m.payload, m.qos) == ("will/victim", b"victim died", 1)
    assert_quiet(watcher)


@pytest.mark.parametrize("version", VERSIONS)
def test_no_will_on_normal_disconnect(broker, paho, mosq_sub, version):
    watcher = paho(version)
    watcher.subscribe("will/#", qos=1)
    polite = paho(version, will=("will/polite", b"should not appear", 1, False))
    polite.disconnect()
    # mosquitto_sub -C 1 disconnects normally (DISCONNECT 0x00) after one message. (Ended by a
    # signal it would send 5.0 DISCONNECT 0x04 "with will message", and rightly get its will.)
    msub = mosq_sub("trigger", version=version, extra=["-C", "1", "--will-topic", "will/mosq",
                                                       "--will-payload", "should not appear"])
    mosquitto_pub(broker.port, "trigger", "bye", version=version)
    assert msub.get().payload == b"bye"
    assert msub.wait_exit() == 0
    # mosquitto_pub with a will: publishes and disconnects normally.
    mosquitto_pub(broker.port, "will/marker", "marker", version=version, qos=1,
                  extra=["--will-topic", "will/pub", "--will-payload", "should not appear"])
    m = watcher.get()
    assert (m.topic, m.payload) == ("will/marker", b"marker")
    assert_quiet(watcher)


def test_v5_disconnect_with_will_message(paho):
    """5.0 DISCONNECT reason 0x04 asks for the will to be published."""
    from paho.mqtt.reasoncodes import ReasonCode
    from paho.mqtt.packettypes import PacketTypes

    watcher = paho("5.0")
    watcher.subscribe("will/#", qos=1)
    c = paho("5.0", will=("will/asked", b"as requested", 1, False))
    c.client.disconnect(reasoncode=ReasonCode(PacketTypes.DISCONNECT, "Disconnect with will message"))
    assert c.disconnected.wait(10)
    m = watcher.get()
    assert (m.topic, m.payload) == ("will/asked", b"as requested")
