// MQTT.js (npm `mqtt`, the usual client of Node.js and browsers) against the broker: one
// subscriber and one publisher, MQTT 3.1, 3.1.1 or 5.0, over TCP or WebSocket. The
// subscriber takes a retained message and a message at each QoS; in 5.0 the publisher
// sends properties and a topic alias, and the subscriber must get them back with the
// topic spelled out. Prints one JSON line (what arrived) and exits 0 only when it is all
// as expected. Run by test_mqttjs.py:
//
//   node mqttjs_client.js URL VERSION     (URL: mqtt://host:port or ws://host:port/path)

const mqtt = require('mqtt');

const [url, versionArg] = process.argv.slice(2);
const version = { '3.1': 3, '3.1.1': 4, '5.0': 5 }[versionArg];
const v5 = version === 5;
const tag = `js-${versionArg}-${process.pid}`;
const base = `mqttjs/${tag}`;

function options(clientId) {
  return {
    protocolVersion: version,
    protocolId: version === 3 ? 'MQIsdp' : 'MQTT',
    clientId,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...(v5 ? { properties: { topicAliasMaximum: 5 } } : {}),
  };
}

function fail(why) {
  console.error(`FAIL: ${why}`);
  process.exit(1);
}

async function main() {
  const sub = await mqtt.connectAsync(url, options(`${tag}-sub`));
  const pub = await mqtt.connectAsync(url, options(`${tag}-pub`));
  const arrived = [];
  sub.on('message', (topic, payload, packet) => {
    const props = packet.properties || {};
    arrived.push({
      topic,
      payload: payload.toString(),
      qos: packet.qos,
      retain: packet.retain,
      user: props.userProperties || null,
      contentType: props.contentType || null,
    });
  });

  await pub.publishAsync(`${base}/kept`, 'retained', { qos: 1, retain: true });
  const granted = await sub.subscribeAsync(`${base}/#`, { qos: 2 });
  if (granted.length !== 1 || granted[0].qos !== 2) fail(`SUBACK ${JSON.stringify(granted)}`);

  const sent = [];
  for (const qos of [0, 1, 2]) {
    const topic = `${base}/q${qos}`;
    const extra = v5
      ? { properties: { userProperties: { site: 'roof' }, contentType: 'text/plain', topicAlias: 1 } }
      : {};
    await pub.publishAsync(topic, `hello ${qos}`, { qos, ...extra });
    sent.push({ topic, payload: `hello ${qos}`, qos });
  }

  const deadline = Date.now() + 5000;
  while (arrived.length < 4 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  console.log(JSON.stringify(arrived));

  const kept = arrived.find((m) => m.topic === `${base}/kept`);
  if (!kept || kept.payload !== 'retained' || !kept.retain) fail('the retained message');
  for (const s of sent) {
    const m = arrived.find((a) => a.topic === s.topic);
    if (!m) fail(`nothing on ${s.topic}`);
    if (m.payload !== s.payload || m.qos !== s.qos || m.retain) fail(`${s.topic}: ${JSON.stringify(m)}`);
    if (v5 && (m.contentType !== 'text/plain' || !m.user || m.user.site !== 'roof')) {
      fail(`${s.topic}: properties ${JSON.stringify(m)}`);
    }
  }
  if (arrived.length !== 4) fail(`${arrived.length} messages, not 4`);

  // Clear the retained message, then leave with DISCONNECT.
  await pub.publishAsync(`${base}/kept`, '', { qos: 1, retain: true });
  await sub.endAsync();
  await pub.endAsync();
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
