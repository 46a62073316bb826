"""Who may connect: --password-file in mosquitto's format, made by Debian's mosquitto_passwd,
and --allow-anonymous, with clients nobody here wrote."""

import subprocess

import pytest

from mqtt_clients import MOSQ_VERSIONS, PahoClient


@pytest.fixture
def auth_broker(start_broker, tmp_path):
    pwfile = tmp_path / "passwords"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(pwfile), "alice", "wonderland"], check=True)
    return start_broker("--password-file", str(pwfile), "--allow-anonymous", "false")


def pub(port: int, version: str, *auth: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-V", MOSQ_VERSIONS[version],
         "-t", "auth/t", "-m", "x", "-q", "1", *auth],
        capture_output=True, text=True, timeout=20,
    )


@pytest.mark.parametrize("version", ["3.1.1", "5.0"])
def test_mosquitto_pub_with_a_user_from_mosquitto_passwd(auth_broker, version):
    assert pub(auth_broker.port, version, "-u", "alice", "-P", "wonderland").returncode == 0
    wrong = pub(auth_broker.port, version, "-u", "alice", "-P", "looking-glass")
    assert wrong.returncode != 0
    assert "password" in (wrong.stderr + wrong.stdout).lower() or "not authorised" in (wrong.stderr + wrong.stdout).lower()
    anonymous = pub(auth_broker.port, version)
    assert anonymous.returncode != 0


def test_paho_sees_the_reason_codes(auth_broker):
    ok = PahoClient(auth_broker.port, version="5.0", connect=False, username="alice")
    ok.client.username_pw_set("alice", "wonderland")
    ok.connect()
    ok.close()
    bad = PahoClient(auth_broker.port, version="5.0", connect=False)
    bad.client.username_pw_set("alice", "nope")
    bad.client.connect("127.0.0.1", auth_broker.port)
    bad.client.loop_start()
    assert bad.connected.wait(10)
    assert bad.connack[1] == 0x86
    bad.close()
