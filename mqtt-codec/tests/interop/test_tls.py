"""MQTT over TLS (--tls-listen) and WebSocket over TLS (--wss-listen), with certificates made
here by openssl: mosquitto_pub/mosquitto_sub with --cafile, client certificates with
--tls-ca and --require-certificate, and paho over wss."""

import ssl
import subprocess

import pytest

from conftest import free_port
from mqtt_clients import PahoClient

OPENSSL_CONF = """[req]
distinguished_name = dn
[dn]
[server]
subjectAltName = IP:127.0.0.1,DNS:localhost
extendedKeyUsage = serverAuth
[client]
extendedKeyUsage = clientAuth
"""


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by it."""
    d = tmp_path_factory.mktemp("pki")
    (d / "openssl.cnf").write_text(OPENSSL_CONF)

    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=test CA", "-config", "openssl.cnf",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    for name, subj in [("server", "/CN=127.0.0.1"), ("client", "/CN=device-1")]:
        run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
            "-subj", subj, "-config", "openssl.cnf")
        # Extensions make the certificates X.509 v3, which webpki requires.
        ext = ["-extfile", "openssl.cnf", "-extensions", name]
        run("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", *ext)
    return d


def tls_args(pki, *extra):
    return ("--tls-cert", str(pki / "server.pem"), "--tls-key", str(pki / "server.key"), *extra)


def mosq(tool, port, pki, *args, client_cert=False):
    cmd = [tool, "-h", "127.0.0.1", "-p", str(port), "--cafile", str(pki / "ca.pem"), *args]
    if client_cert:
        cmd += ["--cert", str(pki / "client.pem"), "--key", str(pki / "client.key")]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=20)


@pytest.mark.parametrize("version", ["mqttv311", "mqttv5"])
def test_mosquitto_clients_over_tls(start_broker, pki, version):
    port = free_port()
    start_broker("--tls-listen", f"127.0.0.1:{port}", *tls_args(pki))
    sub = subprocess.Popen(
        ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "--cafile", str(pki / "ca.pem"),
         "-V", version, "-t", "tls/#", "-C", "1", "-W", "10", "-v"],
        stdout=subprocess.PIPE, text=True)
    # mosquitto_sub subscribes before we publish: retry the publish until it is received.
    out = ""
    for _ in range(50):
        assert mosq("mosquitto_pub", port, pki, "-V", version, "-t", "tls/x", "-m", "secret").returncode == 0
        try:
            out, _ = sub.communicate(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            continue
    assert out.strip() == "tls/x secret"


def test_client_certificates_are_required_when_asked(start_broker, pki):
    port = free_port()
    start_broker("--tls-listen", f"127.0.0.1:{port}",
                 *tls_args(pki, "--tls-ca", str(pki / "ca.pem"), "--require-certificate"))
    assert mosq("mosquitto_pub", port, pki, "-t", "t", "-m", "x", client_cert=True).returncode == 0
    assert mosq("mosquitto_pub", port, pki, "-t", "t", "-m", "x").returncode != 0


def test_paho_over_websocket_over_tls(start_broker, pki):
    port = free_port()
    b = start_broker("--wss-listen", f"127.0.0.1:{port}", *tls_args(pki))
    c = PahoClient(port, version="5.0", websocket_path="/mqtt", connect=False)
    c.client.tls_set(ca_certs=str(pki / "ca.pem"), cert_reqs=ssl.CERT_REQUIRED)
    c.connect()
    tcp = PahoClient(b.port, version="3.1.1")
    try:
        c.subscribe("wss/#", qos=1)
        tcp.publish("wss/x", b"over wss", qos=1)
        assert c.get().payload == b"over wss"
    finally:
        c.close()
        tcp.close()
