'use strict'
// index.js — DhtPromClient for plugin_exporter hubs: an agent that dials out
// over wss:// to a hub's /agents/connect, registers an alias (with hostname,
// service and labels) under a token, and answers the scrapes the hub forwards
// with prom-client's metrics (docs/dialin-protocol.md). Its constructor and
// events mirror dht-prom-client's, so an app moves by changing the import and
// the scraper arguments (hub address and pin instead of DHT and scraper key).
//
// One connection at a time; scrapes on it may overlap. Reconnects with
// full-jitter exponential backoff; pings keep NAT state, and a connection
// silent for two ping intervals is dropped and dialled again.

const { EventEmitter } = require('events')
const crypto = require('crypto')
const os = require('os')
const zlib = require('zlib')
const WebSocket = require('ws')
const frames = require('./lib/frames')

function normalisePin (pin) {
  if (pin == null || pin === '') return null
  if (Buffer.isBuffer(pin)) return pin
  let s = String(pin).trim()
  if (s.startsWith('sha256:')) s = s.slice(7)
  const raw = /^[0-9a-fA-F]{64}$/.test(s) ? Buffer.from(s, 'hex') : Buffer.from(s, 'base64')
  if (raw.length !== 32) throw new Error('hubPin must be sha256:<base64 or hex of 32 bytes>')
  return raw
}

// SHA-256 of the hub certificate's SubjectPublicKeyInfo (what hub_pin and
// `openssl pkey -pubin -outform der | openssl dgst -sha256` name), or null.
function spkiSha256 (socket) {
  const cert = socket && socket.getPeerCertificate ? socket.getPeerCertificate() : null
  if (!cert || !cert.raw) return null
  const spki = new crypto.X509Certificate(cert.raw).publicKey.export({ type: 'spki', format: 'der' })
  return crypto.createHash('sha256').update(spki).digest()
}

function hubUrl (address) {
  if (/^wss?:\/\//.test(address)) return address
  return `wss://${address}/agents/connect`
}

class DhtPromClient extends EventEmitter {
  // promClient | getMetrics: a prom-client module (its default register is
  // scraped) or a function returning the metrics text (or a promise of it).
  // hubAddress: "host:port" or a full "wss://host:port/agents/connect".
  // hubPin: "sha256:<base64|hex>" of the hub's SubjectPublicKeyInfo, or null
  // to verify the hub's certificate against opts.ca (or the system CAs).
  // secret: the agent token "<id>.<secret>" the hub's [[dialin.token]] knows,
  // or null with opts.cert/opts.key: the client certificate identifies the
  // agent ([[dialin.client]] on the hub).
  constructor (getMetrics, hubAddress, hubPin, alias, secret, service, {
    registerIntervalMs = 60 * 60 * 1000,
    hostname = os.hostname(),
    labels = {},
    ca = null,
    cert = null,
    key = null,
    pingIntervalMs = 20000,
    minBackoffMs = 1000,
    maxBackoffMs = 60000
  } = {}) {
    super()
    const isPromClient = getMetrics != null && getMetrics.register?.metrics != null
    this.promClient = isPromClient ? getMetrics : null
    this.getMetrics = isPromClient
      ? getMetrics.register.metrics.bind(getMetrics.register)
      : getMetrics
    if (typeof this.getMetrics !== 'function') {
      throw new Error('the first argument must be prom-client or a function returning metrics')
    }
    this.contentType = isPromClient
      ? getMetrics.register.contentType
      : 'text/plain; version=0.0.4; charset=utf-8'
    this.url = hubUrl(hubAddress)
    this.hubPin = normalisePin(hubPin)
    this.alias = alias
    this.secret = secret
    this.service = service
    this.hostname = hostname
    this.labels = labels
    this.ca = ca
    if ((cert == null) !== (key == null)) throw new Error('opts.cert and opts.key go together')
    if (secret == null && cert == null) {
      throw new Error('give a secret (agent token), or opts.cert and opts.key')
    }
    this.cert = cert
    this.key = key
    // Kept for dht-prom-client compatibility: a registration here lasts as
    // long as its connection, so nothing is re-sent on a timer.
    this.registerIntervalMs = registerIntervalMs
    this.pingIntervalMs = pingIntervalMs
    this.minBackoffMs = minBackoffMs
    this.maxBackoffMs = maxBackoffMs
    this.registered = false
    this.closing = false
    this.opened = false
    this.closed = false
    this._ws = null
    this._attempt = 0
    this._uid = 0
    this._retryTimer = null
    this._pingTimer = null
    this._firstAttempt = null
  }

  // Starts dialling; resolves when the first attempt has ended (registered,
  // or refused / failed: see the events; attempts go on with backoff).
  ready () {
    if (!this._firstAttempt) {
      this.opened = true
      this._firstAttempt = new Promise(resolve => { this._firstAttemptDone = resolve })
      this._connect()
    }
    return this._firstAttempt
  }

  // Stops dialling and closes the connection; resolves once it is closed.
  async close () {
    this.closing = true
    clearTimeout(this._retryTimer)
    clearInterval(this._pingTimer)
    const ws = this._ws
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise(resolve => {
        ws.once('close', resolve)
        ws.close(1000, 'agent closing')
        setTimeout(() => { ws.terminate(); resolve() }, 2000).unref()
      })
    }
    this._endFirstAttempt()
    this.closed = true
  }

  _endFirstAttempt () {
    if (this._firstAttemptDone) {
      this._firstAttemptDone()
      this._firstAttemptDone = null
    }
  }

  _connect () {
    if (this.closing) return
    const uid = String(++this._uid)
    const options = { maxPayload: 64 * 1024, handshakeTimeout: 10000 }
    if (this.hubPin) {
      // The pin, not a CA, vouches for the hub: checked before the hello.
      options.rejectUnauthorized = false
    } else if (this.ca) {
      options.ca = this.ca
    }
    if (this.cert) {
      options.cert = this.cert
      options.key = this.key
    }
    const ws = new WebSocket(this.url, frames.SUBPROTOCOL, options)
    this._ws = ws
    let remotePublicKey = null
    let lastHeard = Date.now()
    let helloSent = false

    ws.on('open', () => {
      remotePublicKey = spkiSha256(ws._socket)
      const remoteAddress = ws._socket ? `${ws._socket.remoteAddress}:${ws._socket.remotePort}` : ''
      if (this.hubPin && (!remotePublicKey || !crypto.timingSafeEqual(remotePublicKey, this.hubPin))) {
        this.emit('firewall-block', { uid, remotePublicKey, remoteAddress, reason: 'hub key does not match hubPin' })
        ws.terminate()
        return
      }
      this.emit('connection-open', { uid, remotePublicKey, remoteAddress })
      ws.send(frames.hello({
        token: this.secret,
        alias: this.alias,
        hostname: this.hostname,
        service: this.service,
        labels: this.labels
      }))
      helloSent = true
      this._pingTimer = setInterval(() => {
        if (Date.now() - lastHeard > 2 * this.pingIntervalMs) {
          ws.terminate() // silent for two intervals: lost
          return
        }
        ws.ping()
      }, this.pingIntervalMs)
    })
    ws.on('pong', () => { lastHeard = Date.now() })
    ws.on('ping', () => { lastHeard = Date.now() })
    ws.on('message', (data, isBinary) => {
      lastHeard = Date.now()
      let frame
      try {
        frame = frames.decodeHubFrame(data, isBinary)
      } catch (error) {
        this.emit('connection-error', { uid, error, remotePublicKey })
        ws.close(1008, 'invalid frame')
        return
      }
      if (frame.type === 'accepted') {
        this.registered = true
        this._attempt = 0
        this.emit('register-alias-success', { updated: true, alias: frame.alias })
        this._endFirstAttempt()
      } else if (frame.type === 'refused') {
        const error = new Error(`hub refused alias ${this.alias}: ${frame.code} ${frame.reason}` +
          (frame.message ? ` (${frame.message})` : ''))
        error.code = frame.code
        error.reason = frame.reason
        this.emit('register-alias-error', error)
        this._endFirstAttempt()
      } else if (frame.type === 'scrape') {
        this._scrape(ws, uid, remotePublicKey, frame)
      }
    })
    ws.on('error', error => {
      this.emit('connection-error', { uid, error, remotePublicKey })
    })
    ws.on('close', (code, reason) => {
      clearInterval(this._pingTimer)
      const wasRegistered = this.registered
      this.registered = false
      if (helloSent || wasRegistered) {
        this.emit('connection-close', { uid, remotePublicKey, code, reason: reason.toString() })
      }
      if (this._ws === ws) this._ws = null
      this._endFirstAttempt()
      if (this.closing) return
      // Full jitter: a random wait in [0, min(max, min · 2^attempt)].
      const cap = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** this._attempt)
      this._attempt = Math.min(this._attempt + 1, 30)
      this._retryTimer = setTimeout(() => this._connect(), Math.random() * cap)
    })
  }

  async _scrape (ws, uid, remotePublicKey, req) {
    this.emit('metrics-request', { uid, id: req.id, remotePublicKey })
    let status = 200
    let headers = { 'Content-Type': this.contentType }
    let body
    try {
      if (req.collectors.length > 0) {
        status = 400
        body = 'this agent has no collectors to select\n'
        headers = { 'Content-Type': 'text/plain; charset=utf-8' }
      } else {
        let timer
        const timeout = new Promise((resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`metrics took over ${req.timeoutS} s`)), req.timeoutS * 1000)
        })
        try {
          body = await Promise.race([Promise.resolve(this.getMetrics()), timeout])
        } finally {
          clearTimeout(timer)
        }
        body = Buffer.from(String(body))
        if (/\bgzip\b/.test(req.acceptEncoding)) {
          body = zlib.gzipSync(body)
          headers['Content-Encoding'] = 'gzip'
        }
      }
    } catch (error) {
      status = 500
      headers = { 'Content-Type': 'text/plain; charset=utf-8' }
      body = `metrics failed: ${error.message}\n`
      this.emit('metrics-error', { uid, id: req.id, error, remotePublicKey })
    }
    if (ws.readyState !== WebSocket.OPEN) return
    ws.send(frames.response(req.id, status, headers, body), { binary: true })
    if (status === 200) this.emit('metrics-success', { uid, id: req.id, remotePublicKey })
  }
}

module.exports = DhtPromClient
