'use strict'
// frames.js — the agent's side of the dial-in frame codec
// (docs/dialin-protocol.md): the hello it sends, the hub's accepted /
// refused / scrape frames it reads (checked as the protocol says: unknown
// members ignored, wrong types and ranges refused), and the binary response
// (4-byte big-endian header length + JSON header + body bytes as they are).

const PROTOCOL_VERSION = 1
const SUBPROTOCOL = 'plugin-exporter-dialin.v1'
const MAX_CONTROL_BYTES = 64 * 1024
const MAX_ID = 2 ** 53 - 1

function hello ({ token, alias, hostname, service, labels }) {
  return JSON.stringify({
    type: 'hello',
    version: PROTOCOL_VERSION,
    token: token || undefined, // absent: the client certificate identifies the agent
    alias,
    hostname: hostname || '',
    service: service || '',
    labels: labels || {}
  })
}

// A text frame from the hub: { type: 'accepted' | 'refused' | 'scrape', ... }.
// Throws an Error saying what is wrong when it is not one.
function decodeHubFrame (data, isBinary) {
  if (isBinary) throw new Error('the hub sent a binary message; only responses are binary')
  const text = data.toString('utf8')
  if (Buffer.byteLength(text) > MAX_CONTROL_BYTES) throw new Error('control frame over 64 KiB')
  let f
  try {
    f = JSON.parse(text)
  } catch (e) {
    throw new Error(`not JSON: ${e.message}`)
  }
  if (f === null || typeof f !== 'object' || Array.isArray(f)) throw new Error('not a JSON object')
  const str = (k, required) => {
    if (f[k] === undefined || f[k] === null) {
      if (required) throw new Error(`missing ${k}`)
      return ''
    }
    if (typeof f[k] !== 'string') throw new Error(`${k} must be a string`)
    return f[k]
  }
  const int = (k, min, max) => {
    if (!Number.isInteger(f[k]) || f[k] < min || f[k] > max) {
      throw new Error(`${k} must be an integer from ${min} to ${max}`)
    }
    return f[k]
  }
  switch (f.type) {
    case 'accepted':
      return { type: 'accepted', alias: str('alias', true) }
    case 'refused':
      return {
        type: 'refused',
        code: int('code', 400, 599),
        reason: str('reason', true),
        message: str('message', false)
      }
    case 'scrape': {
      const id = int('id', 0, MAX_ID)
      if (typeof f.timeout_s !== 'number' || !(f.timeout_s > 0) || f.timeout_s > 3600) {
        throw new Error('timeout_s must be a number above 0 and at most 3600')
      }
      let collectors = []
      if (f.collector !== undefined && f.collector !== null) {
        if (!Array.isArray(f.collector) || f.collector.some(c => typeof c !== 'string')) {
          throw new Error('collector must be an array of strings')
        }
        collectors = f.collector
      }
      return {
        type: 'scrape',
        id,
        timeoutS: f.timeout_s,
        accept: str('accept', false),
        acceptEncoding: str('accept_encoding', false),
        collectors
      }
    }
    default:
      throw new Error(`unknown frame type ${JSON.stringify(f.type)}`)
  }
}

// The binary response to scrape `id`.
function response (id, status, headers, body) {
  const header = Buffer.from(JSON.stringify({ type: 'response', id, status, headers }))
  const length = Buffer.alloc(4)
  length.writeUInt32BE(header.length)
  return Buffer.concat([length, header, Buffer.isBuffer(body) ? body : Buffer.from(body)])
}

module.exports = { PROTOCOL_VERSION, SUBPROTOCOL, hello, decodeHubFrame, response }
