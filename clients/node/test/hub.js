'use strict'
// hub.js — test helper: a real plugin_exporter hub ([dialin], TLS on
// 127.0.0.1, a free port, a temporary directory with a fresh self-signed
// certificate), HTTPS GETs against it, and waiting for a condition.

const { spawn, execFileSync } = require('child_process')
const crypto = require('crypto')
const fs = require('fs')
const https = require('https')
const net = require('net')
const os = require('os')
const path = require('path')

const BUILD_DIR = process.env.PE_BUILD_DIR || path.join(__dirname, '../../../build')
const EXPORTER = process.env.PE_EXPORTER || path.join(BUILD_DIR, 'plugin_exporter')
const PLUGIN_DIR = process.env.PE_PLUGIN_DIR || path.join(BUILD_DIR, 'plugins')

function freePort () {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

async function waitFor (what, fn, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (e) {
      if (Date.now() > end) throw e
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1']
const openssl = args => execFileSync('openssl', args, { stdio: 'ignore' })

// A self-signed certificate (the hub's, or a CA) and its key, as PEM files.
function selfSigned (key, cert, subject, ...extra) {
  openssl(['req', '-x509', ...EC_KEY, '-subj', subject, ...extra, '-keyout', key, '-out', cert])
}

// A client certificate (SAN DNS:<san>) signed by the CA ca.pem/ca.key in
// `dir`, for an agent identified by certificate: { cert, key } PEM paths.
function clientCert (dir, san) {
  const p = name => path.join(dir, name)
  openssl(['req', '-new', ...EC_KEY, '-subj', `/CN=${san}`, '-keyout', p(`${san}.key`), '-out', p(`${san}.csr`)])
  fs.writeFileSync(p(`${san}.ext`), `subjectAltName=DNS:${san}\nextendedKeyUsage=clientAuth\n`)
  openssl(['x509', '-req', '-in', p(`${san}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'),
    '-CAcreateserial', '-days', '1', '-extfile', p(`${san}.ext`), '-out', p(`${san}.pem`)])
  return { cert: p(`${san}.pem`), key: p(`${san}.key`) }
}

class Hub {
  // tokens: [{ id, secret, aliases }]; clients: [{ san, aliases }], agents
  // identified by a client certificate (hub.agentPki has one for each san).
  static async start (tokens, clients = []) {
    const hub = new Hub()
    hub.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pe-dialin-node-'))
    hub.cert = path.join(hub.dir, 'hub.pem')
    hub.key = path.join(hub.dir, 'hub.key')
    selfSigned(hub.key, hub.cert, '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1')
    hub.ca = fs.readFileSync(hub.cert)
    const spki = new crypto.X509Certificate(hub.ca).publicKey.export({ type: 'spki', format: 'der' })
    hub.pin = 'sha256:' + crypto.createHash('sha256').update(spki).digest('base64')
    hub.port = await freePort()
    hub.address = `127.0.0.1:${hub.port}`
    // One CA signs every certificate agent's certificate; the hub trusts it.
    const clientCa = clients.length ? path.join(hub.dir, 'ca.pem') : null
    if (clientCa) selfSigned(path.join(hub.dir, 'ca.key'), clientCa, '/CN=agents CA')
    hub.agentPki = Object.fromEntries(clients.map(c => [c.san, clientCert(hub.dir, c.san)]))
    const config = path.join(hub.dir, 'hub.toml')
    fs.writeFileSync(config, `
[web]
listen_addresses = []
[[web.listener]]
address = "127.0.0.1:${hub.port}"
[web.listener.tls]
cert_file = "${hub.cert}"
key_file = "${hub.key}"
` + (clientCa ? `client_auth_type = "VerifyClientCertIfGiven"
client_ca_file = "${clientCa}"
` : '') + `[dialin]
hello_timeout = "2s"
` + tokens.map(t => `[[dialin.token]]
id = "${t.id}"
secret = "${t.secret}"
aliases = ${JSON.stringify(t.aliases)}
`).join('') + clients.map(c => `[[dialin.client]]
san = "${c.san}"
aliases = ${JSON.stringify(c.aliases)}
`).join(''))
    hub.logPath = path.join(hub.dir, 'hub.log')
    const log = fs.openSync(hub.logPath, 'w')
    hub.proc = spawn(EXPORTER, [`--config.file=${config}`, `--plugin.dir=${PLUGIN_DIR}`],
      { stdio: ['ignore', log, log] })
    fs.closeSync(log)
    await waitFor('the hub listening', () => new Promise(resolve => {
      const s = net.connect(hub.port, '127.0.0.1', () => { s.destroy(); resolve(true) })
      s.on('error', () => resolve(false))
    }))
    return hub
  }

  get (urlPath, headers = {}) {
    return new Promise((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: this.port, path: urlPath, ca: this.ca, headers }, res => {
        const chunks = []
        res.on('data', c => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
      }).on('error', reject)
    })
  }

  log () {
    return fs.readFileSync(this.logPath, 'utf8')
  }

  async stop () {
    if (this.proc.exitCode === null) {
      const exited = new Promise(resolve => this.proc.once('exit', resolve))
      this.proc.kill('SIGTERM')
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10000)
      await exited
      clearTimeout(timer)
    }
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}

module.exports = { Hub, waitFor }
