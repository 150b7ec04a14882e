#!/usr/bin/python3
"""dialin_agent.py — a dial-in agent in ~100 lines of Python (standard
library + python3-websockets from Debian), proving docs/dialin-protocol.md
is simple: it connects to a plugin_exporter hub over wss://, registers an
alias, and answers each scrape with the metrics text of a file (re-read per
scrape) or of a URL it fetches. Reconnects with full-jitter backoff.

  dialin_agent.py --hub wss://hub:9777/agents/connect --ca hub-ca.pem \\
      (--token ID.SECRET | --cert agent.pem --key agent.key) \\
      --alias edge-1 --service pos --label site=berlin \\
      (--metrics-file FILE | --metrics-url http://127.0.0.1:9100/metrics)

With --cert and --key the agent presents that client certificate; without
a token the hub identifies it by the certificate's SAN ([[dialin.client]]).

Exit codes: 0 after SIGINT/SIGTERM, 2 when the hub refused the hello and
--exit-on-refusal was given (tests use it).
"""
import argparse
import asyncio
import gzip
import json
import random
import signal
import socket
import ssl
import struct
import sys
import urllib.request

import websockets


def metrics_body(args, accept_encoding):
    """The metrics text, gzip-compressed when the hub's scraper accepts it."""
    if args.metrics_url:
        with urllib.request.urlopen(args.metrics_url, timeout=10) as r:
            body, ctype = r.read(), r.headers.get("Content-Type", "text/plain; version=0.0.4")
    else:
        with open(args.metrics_file, "rb") as f:
            body, ctype = f.read(), "text/plain; version=0.0.4; charset=utf-8"
    headers = {"Content-Type": ctype}
    if "gzip" in accept_encoding:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    return 200, headers, body


def response_frame(rid, status, headers, body):
    """A response: 4-byte big-endian header length, JSON header, body."""
    header = json.dumps({"type": "response", "id": rid, "status": status,
                         "headers": headers}).encode()
    return struct.pack(">I", len(header)) + header + body


async def answer(ws, args, request):
    try:
        status, headers, body = await asyncio.wait_for(
            asyncio.to_thread(metrics_body, args, request.get("accept_encoding", "")),
            request["timeout_s"])
    except Exception as e:  # noqa: BLE001 — any failure is the scrape's answer
        status, headers, body = 503, {"Content-Type": "text/plain"}, f"{e}\n".encode()
    await ws.send(response_frame(request["id"], status, headers, body))


async def session(args, tls):
    hello = {"type": "hello", "version": 1, "alias": args.alias,
             "hostname": args.hostname, "service": args.service,
             "labels": dict(kv.split("=", 1) for kv in args.label)}
    if args.token:  # absent: the client certificate identifies the agent
        hello["token"] = args.token
    async with websockets.connect(args.hub, ssl=tls, ping_interval=args.ping_interval,
                                  ping_timeout=args.ping_interval,
                                  max_size=16 << 20) as ws:
        await ws.send(json.dumps(hello))
        reply = json.loads(await ws.recv())
        if reply.get("type") != "accepted":
            print(f"dialin_agent: refused: {reply}", file=sys.stderr, flush=True)
            return reply
        print(f"dialin_agent: registered as {args.alias}", file=sys.stderr, flush=True)
        tasks = set()
        async for message in ws:
            request = json.loads(message)
            if request.get("type") == "scrape":
                task = asyncio.create_task(answer(ws, args, request))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
    return None


async def main(args):
    tls = None
    if args.hub.startswith("wss://"):
        tls = ssl.create_default_context(cafile=args.ca)
        if args.cert:
            tls.load_cert_chain(args.cert, args.key)
    attempt = 0
    while True:
        try:
            refused = await session(args, tls)
            if refused and args.exit_on_refusal:
                return 2
            attempt = 0 if refused is None else attempt + 1
        except (OSError, websockets.WebSocketException, asyncio.TimeoutError) as e:
            print(f"dialin_agent: connection lost: {e}", file=sys.stderr, flush=True)
            attempt += 1
        # Full jitter: a random wait up to min(60 s, 1 s * 2^attempt).
        await asyncio.sleep(random.uniform(0, min(60.0, 2.0 ** attempt)))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hub", required=True)
    p.add_argument("--ca", help="CA file that signed the hub's certificate")
    p.add_argument("--token", help="<id>.<secret> (optional with --cert: the token decides)")
    p.add_argument("--cert", help="client certificate (PEM, chain after it) for wss://")
    p.add_argument("--key", help="the client certificate's private key (PEM)")
    p.add_argument("--alias", required=True)
    p.add_argument("--hostname", default=socket.gethostname())
    p.add_argument("--service", default="")
    p.add_argument("--label", action="append", default=[], help="name=value (repeatable)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--metrics-file")
    src.add_argument("--metrics-url")
    p.add_argument("--ping-interval", type=float, default=20.0)
    p.add_argument("--exit-on-refusal", action="store_true")
    args = p.parse_args()
    if bool(args.cert) != bool(args.key):
        p.error("--cert and --key go together")
    if not args.token and not args.cert:
        p.error("give --token, or --cert and --key")
    if args.cert and not args.hub.startswith("wss://"):
        p.error("--cert needs a wss:// hub")
    return args


if __name__ == "__main__":
    arguments = parse_args()
    loop = asyncio.new_event_loop()
    main_task = loop.create_task(main(arguments))
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, main_task.cancel)
    try:
        sys.exit(loop.run_until_complete(main_task) or 0)
    except asyncio.CancelledError:
        sys.exit(0)
