'use strict'
// agent.test.js — the Node agent against a real plugin_exporter hub (TLS on
// loopback): registration with a pinned hub key and with a CA, scrapes of
// prom-client's registry and of a getMetrics function through the hub
// (gzip passed through), the dht-prom-client event names, refusals (wrong
// secret 401, alias of another token 409, wrong pin: firewall-block),
// close() leaving the agent listed but 503, reconnecting by itself after
// the connection is lost, and an agent identified by a client certificate.

const { test, before, after } = require('node:test')
const assert = require('node:assert')
const { once } = require('events')
const fs = require('fs')
const zlib = require('zlib')
const promClient = require('prom-client')
const DhtPromClient = require('..')
const { Hub, waitFor } = require('./hub')

const SECRET_A = 'node-secret-a-0123456789'
const SECRET_B = 'node-secret-b-0123456789'
let hub
const clients = []

function client (...args) {
  const c = new DhtPromClient(...args)
  clients.push(c)
  return c
}

before(async () => {
  hub = await Hub.start([
    { id: 'a', secret: SECRET_A, aliases: ['node-*'] },
    { id: 'b', secret: SECRET_B, aliases: ['*'] }
  ], [{ san: 'node-agent.test', aliases: ['cert-1'] }])
})

after(async () => {
  await Promise.all(clients.map(c => c.close()))
  await hub.stop()
})

async function sd () {
  const r = await hub.get('/agents/sd')
  assert.strictEqual(r.status, 200)
  return Object.fromEntries(JSON.parse(r.body).map(t => [t.labels.instance, t]))
}

test('prom-client registry, pinned hub: registered, listed and scraped through the hub', { timeout: 20000 }, async () => {
  const gauge = new promClient.Gauge({ name: 'node_agent_test_value', help: 'A test gauge.' })
  gauge.set(42)
  const events = []
  const c = client(promClient, hub.address, hub.pin, 'node-1', `a.${SECRET_A}`, 'checkout',
    { hostname: 'host-node-1', labels: { site: 'berlin' } })
  for (const name of ['register-alias-success', 'connection-open', 'metrics-request', 'metrics-success']) {
    c.on(name, () => events.push(name))
  }
  const registered = once(c, 'register-alias-success')
  await c.ready()
  await registered
  assert.strictEqual(c.registered, true)

  const target = (await sd())['node-1']
  assert.deepStrictEqual(target.labels, {
    __metrics_path__: '/agents/node-1/metrics',
    instance: 'node-1',
    hostname: 'host-node-1',
    service: 'checkout',
    site: 'berlin'
  })
  const r = await hub.get('/agents/node-1/metrics', { 'X-Prometheus-Scrape-Timeout-Seconds': '5' })
  assert.strictEqual(r.status, 200, r.body.toString())
  assert.match(r.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  assert.match(r.body.toString(), /^node_agent_test_value 42$/m)
  // gzip end to end: the agent compresses, the hub passes it through.
  const z = await hub.get('/agents/node-1/metrics', { 'Accept-Encoding': 'gzip' })
  assert.strictEqual(z.headers['content-encoding'], 'gzip')
  assert.match(zlib.gunzipSync(z.body).toString(), /^node_agent_test_value 42$/m)
  assert.deepStrictEqual([...new Set(events)].sort(),
    ['connection-open', 'metrics-request', 'metrics-success', 'register-alias-success'])
})

test('getMetrics function, hub verified by CA file', { timeout: 20000 }, async () => {
  const c = client(() => '# TYPE fn_metric gauge\nfn_metric 7\n', hub.address, null, 'node-2',
    `a.${SECRET_A}`, 'fn', { ca: hub.ca })
  const registered = once(c, 'register-alias-success')
  await c.ready()
  await registered
  const r = await hub.get('/agents/node-2/metrics')
  assert.strictEqual(r.status, 200)
  assert.strictEqual(r.body.toString(), '# TYPE fn_metric gauge\nfn_metric 7\n')
  // The defaults: hostname os.hostname(), no extra labels.
  assert.deepStrictEqual((await sd())['node-2'].labels, {
    __metrics_path__: '/agents/node-2/metrics',
    instance: 'node-2',
    hostname: require('os').hostname(),
    service: 'fn'
  })
  // A scrape naming collectors is 400: this agent has none to select.
  assert.strictEqual((await hub.get('/agents/node-2/metrics?collector=x')).status, 400)
})

test('a failing getMetrics is a 500 for the scraper and a metrics-error event', { timeout: 20000 }, async () => {
  const c = client(async () => { throw new Error('source down') }, hub.address, hub.pin, 'node-3',
    `a.${SECRET_A}`, 'fn')
  const registered = once(c, 'register-alias-success')
  await c.ready()
  await registered
  const failed = once(c, 'metrics-error')
  const r = await hub.get('/agents/node-3/metrics')
  assert.strictEqual(r.status, 500)
  assert.match(r.body.toString(), /source down/)
  const [{ error }] = await failed
  assert.strictEqual(error.message, 'source down')
})

test('wrong secret: register-alias-error 401, logged by the hub', { timeout: 20000 }, async () => {
  const c = client(promClient, hub.address, hub.pin, 'node-9', 'a.not-the-secret-at-all', 'x')
  const refused = once(c, 'register-alias-error')
  await c.ready()
  const [error] = await refused
  assert.strictEqual(error.code, 401)
  assert.strictEqual(error.reason, 'bad_token')
  await c.close()
  assert.ok(!('node-9' in await sd()))
  assert.match(hub.log(), /reason=bad_token/)
})

test('alias bound to another token: register-alias-error 409', { timeout: 20000 }, async () => {
  const c = client(promClient, hub.address, hub.pin, 'node-1', `b.${SECRET_B}`, 'x')
  const refused = once(c, 'register-alias-error')
  await c.ready()
  const [error] = await refused
  assert.strictEqual(error.code, 409)
  await c.close()
  assert.strictEqual((await hub.get('/agents/node-1/metrics')).status, 200)
})

test('wrong hub pin: firewall-block, no hello sent', { timeout: 20000 }, async () => {
  const c = client(promClient, hub.address, 'sha256:' + '00'.repeat(32), 'node-7', `a.${SECRET_A}`, 'x')
  const blocked = once(c, 'firewall-block')
  let registered = false
  c.on('register-alias-success', () => { registered = true })
  await c.ready()
  const [event] = await blocked
  assert.match(event.reason, /hubPin/)
  await c.close()
  assert.strictEqual(registered, false)
  assert.ok(!('node-7' in await sd()))
})

test('close(): the agent stays listed, scrapes answer 503', { timeout: 20000 }, async () => {
  const c = client(promClient, hub.address, hub.pin, 'node-5', `a.${SECRET_A}`, 'x')
  const registered = once(c, 'register-alias-success')
  await c.ready()
  await registered
  const closed = once(c, 'connection-close')
  await c.close()
  await closed
  await waitFor('503 after close', async () => (await hub.get('/agents/node-5/metrics')).status === 503)
  assert.ok('node-5' in await sd())
})

test('a lost connection is dialled again (backoff from minBackoffMs)', { timeout: 20000 }, async () => {
  const c = client(promClient, hub.address, hub.pin, 'node-6', `a.${SECRET_A}`, 'x',
    { minBackoffMs: 100, maxBackoffMs: 500 })
  const registered = once(c, 'register-alias-success')
  await c.ready()
  await registered
  const again = once(c, 'register-alias-success')
  c._ws.terminate() // the network drops the connection
  await again
  await waitFor('scraped again', async () => (await hub.get('/agents/node-6/metrics')).status === 200)
})

test('client certificate, no token: registered as cert:<san> and scraped', { timeout: 20000 }, async () => {
  const pki = hub.agentPki['node-agent.test']
  const c = client(() => '# TYPE cert_agent_up gauge\ncert_agent_up 1\n', hub.address, hub.pin,
    'cert-1', null, 'x', { cert: fs.readFileSync(pki.cert), key: fs.readFileSync(pki.key) })
  const registered = once(c, 'register-alias-success')
  await c.ready()
  await registered
  const r = await hub.get('/agents/cert-1/metrics')
  assert.strictEqual(r.status, 200)
  assert.match(r.body.toString(), /cert_agent_up 1/)
  assert.match(hub.log(), /msg="agent registered" alias=cert-1 token=cert:node-agent\.test/)
  assert.throws(() => new DhtPromClient(() => '', hub.address, hub.pin, 'x', null, 'x'),
    /give a secret/)
  assert.throws(() => new DhtPromClient(() => '', hub.address, hub.pin, 'x', null, 'x',
    { cert: 'pem' }), /go together/)
})
