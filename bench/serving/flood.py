"""flood.py — the attackers of bench/serving: thousands of idle TCP
connections, slowloris clients and idle TLS connections, each set run in its
own process so that the client measuring latency never waits for them (for
the GIL or otherwise).

Clients come from many loopback source addresses (127.1.0.0/16 for idle
connections, 127.3.0.0/16 for slowloris), as attackers on many machines: the
server caps connections per client address (max_connections_per_client,
default 64). A connection the server closes is opened again, as an attacker
keeping up the pressure would, at most `rate` opens per second.
"""
import collections
import contextlib
import errno
import multiprocessing
import os
import resource
import selectors
import socket
import ssl
import threading
import time

PER_ADDRESS = 40  # idle connections per source address (below the default cap of 64)
SLOW_REQUEST = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
SLOW_TRICKLE = b"X-Slow-Header: one-byte-at-a-time\r\n"  # never the blank line ending headers


def raise_nofile(n):
    """Raises this process' RLIMIT_NOFILE to at least n (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= n:
        return
    if hard != resource.RLIM_INFINITY and hard < n:
        hard = n  # needs root (CAP_SYS_RESOURCE); raises otherwise
    resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))


def idle_source(i):
    k = i // PER_ADDRESS
    return f"127.1.{k // 250}.{k % 250 + 1}"


def slow_source(i):
    return f"127.3.{i // 250}.{i % 250 + 1}"


# Shared counters (multiprocessing.Array indices).
IDLE_UP, SLOW_UP, IDLE_CLOSED, SLOW_CLOSED, CONNECT_FAILED, FIRST_OPENED = range(6)


class _Slot:
    __slots__ = ("kind", "index", "sock", "connected", "since", "sent", "ever")

    def __init__(self, kind, index):
        self.kind, self.index = kind, index
        self.sock, self.connected, self.since, self.sent, self.ever = None, False, 0.0, 0, False


def _flood_main(port, idle, slow, trickle_s, rate, counters, ready, stop):
    sel = selectors.DefaultSelector()
    slots = [_Slot("idle", i) for i in range(idle)] + [_Slot("slow", i) for i in range(slow)]
    pending = collections.deque(reversed(slots))  # to open; pop() from the right
    budget, last = 0.0, time.monotonic()
    next_trickle = last + trickle_s
    next_check = last + 1

    def drop(slot, closed_by_server):
        with contextlib.suppress(Exception):
            sel.unregister(slot.sock)
        with contextlib.suppress(OSError):
            slot.sock.close()
        if slot.connected:
            counters[IDLE_UP if slot.kind == "idle" else SLOW_UP] -= 1
        if closed_by_server:
            counters[IDLE_CLOSED if slot.kind == "idle" else SLOW_CLOSED] += 1
        else:
            counters[CONNECT_FAILED] += 1
        slot.sock, slot.connected, slot.sent = None, False, 0
        pending.appendleft(slot)

    def open_slot(slot):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((idle_source(slot.index) if slot.kind == "idle" else slow_source(slot.index), 0))
            err = s.connect_ex(("127.0.0.1", port))
        except OSError as e:
            err = e.errno
        slot.sock, slot.since = s, time.monotonic()
        if err not in (0, errno.EINPROGRESS):
            with contextlib.suppress(OSError):
                s.close()
            slot.sock = None
            counters[CONNECT_FAILED] += 1
            pending.appendleft(slot)
            return
        sel.register(s, selectors.EVENT_WRITE, slot)

    def connected(slot):
        slot.connected = True
        counters[IDLE_UP if slot.kind == "idle" else SLOW_UP] += 1
        if not slot.ever:
            slot.ever = True
            counters[FIRST_OPENED] += 1
            if counters[FIRST_OPENED] == len(slots):
                ready.set()
        sel.modify(slot.sock, selectors.EVENT_READ, slot)
        if slot.kind == "slow":
            try:
                slot.sock.send(SLOW_REQUEST)
            except OSError:
                drop(slot, True)

    while not stop.is_set():
        now = time.monotonic()
        budget = min(budget + (now - last) * rate, rate)
        last = now
        while pending and budget >= 1:
            budget -= 1
            open_slot(pending.pop())
        for key, mask in sel.select(timeout=0.05):
            slot = key.data
            if not slot.connected:
                err = slot.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    drop(slot, False)
                else:
                    connected(slot)
                continue
            try:
                data = slot.sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:  # EOF or reset: the server closed it
                drop(slot, True)
        if now >= next_trickle:
            next_trickle = now + trickle_s
            for slot in slots:
                if slot.kind == "slow" and slot.connected:
                    try:
                        slot.sock.send(SLOW_TRICKLE[slot.sent % len(SLOW_TRICKLE):][:1])
                        slot.sent += 1
                    except OSError:
                        drop(slot, True)
        # Connects that never complete (a full accept queue) are retried.
        if now >= next_check:
            next_check = now + 1
            for key in list(sel.get_map().values()):
                slot = key.data
                if not slot.connected and now - slot.since > 10:
                    drop(slot, False)
    for slot in slots:
        if slot.sock is not None:
            with contextlib.suppress(OSError):
                slot.sock.close()


class Flood:
    """`idle` silent connections and `slow` slowloris clients (one header byte
    every `trickle_s` seconds) against 127.0.0.1:port, kept up until stop().
    Not thread-safe: one owner starts, reads and stops it."""

    def __init__(self, port, idle, slow=0, trickle_s=2.0, rate=5000):
        raise_nofile(idle + slow + 1024)
        self.counters = multiprocessing.Array("q", 6, lock=False)
        self.ready = multiprocessing.Event()
        self._stop = multiprocessing.Event()
        self.process = multiprocessing.Process(
            target=_flood_main, args=(port, idle, slow, trickle_s, rate, self.counters, self.ready,
                                      self._stop), daemon=True)
        self.process.start()

    def wait_ready(self, timeout):
        """True once every connection was established at least once."""
        return self.ready.wait(timeout)

    def stats(self):
        c = self.counters
        return {"idle_up": c[IDLE_UP], "slow_up": c[SLOW_UP], "idle_closed": c[IDLE_CLOSED],
                "slow_closed": c[SLOW_CLOSED], "connect_failed": c[CONNECT_FAILED],
                "opened_once": c[FIRST_OPENED]}

    def stop(self):
        self._stop.set()
        self.process.join(30)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)


def _tls_main(port, count, cafile, threads, done, ready, stop):
    ctx = ssl.create_default_context(cafile=cafile)
    held, lock = [], threading.Lock()

    def opener(first):
        for i in range(first, count, threads):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(30)
            try:
                s.bind((idle_source(i), 0))
                s.connect(("127.0.0.1", port))
                t = ctx.wrap_socket(s, server_hostname="127.0.0.1")  # handshake completes here
            except OSError:
                s.close()
                continue
            with lock:
                held.append(t)
                done.value += 1

    workers = [threading.Thread(target=opener, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    ready.set()
    stop.wait()
    for t in held:
        with contextlib.suppress(OSError):
            t.close()


class TlsIdle:
    """`count` TLS connections to 127.0.0.1:port whose handshake completed,
    then silent, held until stop(). Not thread-safe (one owner)."""

    def __init__(self, port, count, cafile, threads=8):
        raise_nofile(count + 1024)
        self.done = multiprocessing.Value("q", 0, lock=False)
        self.ready = multiprocessing.Event()
        self._stop = multiprocessing.Event()
        self.process = multiprocessing.Process(
            target=_tls_main, args=(port, count, cafile, threads, self.done, self.ready, self._stop),
            daemon=True)
        self.process.start()

    def wait_ready(self, timeout):
        return self.ready.wait(timeout)

    def stop(self):
        self._stop.set()
        self.process.join(30)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))
