"""--acl FILE in mosquitto's acl_file syntax: a denied subscription fails in SUBACK (3.1.1:
0x80, 5.0: 0x87), a denied publish is not delivered (5.0 QoS 1: PUBACK 0x87)."""

import signal

import pytest

from mqtt_clients import assert_quiet, mosquitto_pub

ACL = """\
# clients without a user name
topic readwrite public/#
topic read readonly/#
topic write writeonly/#
topic deny public/secret

user alice
topic readwrite alice/#
topic read public/#

# everyone: their own subtree
pattern readwrite clients/%c/#
"""

VERSIONS = ["3.1.1", "5.0"]


@pytest.fixture
def acl_broker(start_broker, tmp_path):
    path = tmp_path / "acl"
    path.write_text(ACL)
    return start_broker("--acl", str(path))


def failure(version):
    return 0x87 if version == "5.0" else 0x80


@pytest.mark.parametrize("version", VERSIONS)
def test_denied_subscription_fails_in_suback(acl_broker, paho, version):
    c = paho(version, port=acl_broker.port, client_id="dev1")
    codes = c.subscribe("public/#", "readonly/#", "writeonly/#", "private/x", "alice/x", "#",
                        "clients/dev1/#", "clients/dev2/#", qos=1)
    f = failure(version)
    assert [rc.value for rc in codes] == [1, 1, f, f, f, f, 1, f]


@pytest.mark.parametrize("qos", [0, 1, 2])
@pytest.mark.parametrize("version", VERSIONS)
def test_denied_publish_not_delivered(acl_broker, paho, version, qos):
    sub = paho(version, port=acl_broker.port)
    sub.subscribe("public/#", "readonly/#", qos=2)
    pub = paho(version, port=acl_broker.port)
    for topic in ["readonly/a", "public/secret", "private/x"]:
        pub.publish(topic, b"denied", qos=qos, wait=False)
    pub.publish("public/ok", b"allowed", qos=qos)  # same connection: processed after the denied ones
    m = sub.get()
    assert (m.topic, m.payload) == ("public/ok", b"allowed")
    assert_quiet(sub)


def test_denied_publish_v5_puback_not_authorized(acl_broker, paho):
    pub = paho("5.0", port=acl_broker.port)
    assert pub.publish("readonly/a", b"x", qos=1).value == 0x87
    # Allowed, and nobody subscribed: 0x10 No matching subscribers, as mosquitto answers.
    assert pub.publish("public/a", b"x", qos=1).value == 0x10


def test_user_section_and_patterns(acl_broker, paho):
    anon = paho("3.1.1", port=acl_broker.port)
    anon.subscribe("public/#", qos=1)
    alice = paho("5.0", port=acl_broker.port, username="alice", client_id="alice-laptop")
    codes = alice.subscribe("alice/#", "public/#", "readonly/#", "clients/alice-laptop/#", qos=1)
    assert [rc.value for rc in codes] == [1, 1, 0x87, 1]
    # alice may read public/# but not write it.
    assert alice.publish("public/from-alice", b"no", qos=1).value == 0x87
    alice.publish("alice/notes", b"mine", qos=1)
    alice.publish("clients/alice-laptop/status", b"up", qos=1)
    got = sorted((m.topic, m.payload) for m in alice.get_n(2))
    assert got == [("alice/notes", b"mine"), ("clients/alice-laptop/status", b"up")]
    anon.publish("public/news", b"for all", qos=1)
    assert alice.get().payload == b"for all"
    assert anon.get().payload == b"for all"
    assert_quiet(anon, alice)


@pytest.mark.parametrize("version", ["3.1", "3.1.1", "5.0"])
def test_acl_with_mosquitto_clients(acl_broker, mosq_sub, version):
    denied = mosq_sub("private/#", version=version, qos=1, port=acl_broker.port)
    assert denied.granted == [0x87 if version == "5.0" else 0x80]
    denied.stop()
    sub = mosq_sub("public/#", version=version, qos=1, port=acl_broker.port)
    assert sub.granted == [1]
    mosquitto_pub(acl_broker.port, "public/secret", "denied", version=version, qos=1, check=False)
    mosquitto_pub(acl_broker.port, "public/fine", "allowed", version=version, qos=1)
    m = sub.get()
    assert (m.topic, m.payload) == ("public/fine", b"allowed")
    assert_quiet(sub)


def test_sighup_reloads_the_acl_and_keeps_it_when_the_file_is_broken(start_broker, tmp_path,
                                                                     paho):
    # mosquitto reloads its ACL and password file on SIGHUP; so does this broker, for the
    # clients connected already too, and a file that no longer parses changes nothing.
    path = tmp_path / "acl"
    path.write_text("topic readwrite public/#\n")
    b = start_broker("--acl", str(path), "--log-level", "info")
    c = paho("5.0", port=b.port)
    assert [rc.value for rc in c.subscribe("private/x", qos=1)] == [0x87]
    assert c.publish("public/a", b"x", qos=1).value == 0x10
    path.write_text("topic readwrite private/#\n")
    b.proc.send_signal(signal.SIGHUP)
    b.wait_for_log("access control reloaded")
    assert [rc.value for rc in c.subscribe("private/x", qos=1)] == [1]
    assert c.publish("public/a", b"x", qos=1).value == 0x87
    path.write_text("nonsense line\n")
    b.proc.send_signal(signal.SIGHUP)
    b.wait_for_log("stay as they were")
    assert c.publish("private/x", b"still allowed", qos=1).value == 0
    assert c.get().payload == b"still allowed"
    assert b.alive()
