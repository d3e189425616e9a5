#!/usr/bin/env python3
"""Runs a third-party Nostr relay on 127.0.0.1 for brotr's tests, loaded with events.

    relay.py nostr-relay --events FILE [--max-limit N] [--workdir DIR]
    relay.py nostr-sdk   --events FILE [--workdir DIR]

The relays are the unmodified PyPI packages that `packaging/install-deps.sh --test`
installs into .testbed/venv: nostr-relay 1.14 and the LocalRelay of nostr-sdk 0.45.1.
FILE holds NIP-01 events as JSON lines. When the relay serves every event of FILE, the
script prints one line, `ready ws://127.0.0.1:PORT COUNT`, and then keeps the relay up
until its standard input closes (the test that started it is done or died) or it gets
SIGTERM. Every failure is printed as `error: ...` with exit status 1.
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


child = None  # the relay's own process, when it runs in one


def fail(message):
    print(f"error: {message}", flush=True)
    stop_child()
    os._exit(1)


async def served_ids(url, filters, timeout=60):
    """The ids of the events the relay returns for a REQ, read until EOSE."""
    import websockets

    async with websockets.connect(url, max_size=None, open_timeout=timeout) as ws:
        await ws.send(json.dumps(["REQ", "count", *filters]))
        seen = set()
        async with asyncio.timeout(timeout):
            while True:
                message = json.loads(await ws.recv())
                if message[0] == "EVENT":
                    seen.add(message[2]["id"])
                elif message[0] in ("EOSE", "CLOSED"):
                    return seen


async def missing_events(url, lines, until_inclusive):
    """How many events of the file the relay does not serve, read a window of seconds at a
    time (both relays cap what one REQ returns; no test second holds more than that cap)."""
    by_second = {}
    for line in lines:
        event = json.loads(line)
        by_second.setdefault(event["created_at"], set()).add(event["id"])
    missing = 0
    seconds = sorted(by_second)
    # One REQ per window of seconds small enough to stay under the cap.
    window, count = [], 0
    for second in seconds + [None]:
        if second is not None and count + len(by_second[second]) <= 400:
            window.append(second)
            count += len(by_second[second])
            continue
        if window:
            expected = set().union(*(by_second[s] for s in window))
            until = window[-1] if until_inclusive else window[-1] + 1
            missing += len(expected - await served_ids(url, [{"since": window[0], "until": until, "limit": 500}]))
        window, count = ([second], len(by_second[second])) if second is not None else ([], 0)
    return missing


def wait_for_port(port, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            fail(f"the relay exited with status {process.returncode} before listening (see its log)")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    fail(f"the relay did not listen on 127.0.0.1:{port} within {timeout} s")


def wait_for_stdin_to_close():
    while sys.stdin.read(1):
        pass


def stop_child():
    if child is not None and child.poll() is None:
        child.terminate()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()


def run_nostr_relay(args, lines):
    workdir = os.path.abspath(args.workdir or tempfile.mkdtemp(prefix="nostr-relay-"))
    os.makedirs(workdir, exist_ok=True)
    port = free_port()
    config = os.path.join(workdir, "config.yaml")
    # Validators: signatures only. The defaults also reject events older than a year and
    # kind 1/7 events with many p tags, and test corpora have both.
    with open(config, "w") as f:
        f.write(
            f"""DEBUG: false
storage:
  sqlalchemy.url: sqlite+aiosqlite:///{workdir}/nostr.sqlite3
  validators:
    - nostr_relay.validators.is_signed
verification:
  nip05_verification: disabled
gunicorn:
  bind: 127.0.0.1:{port}
  workers: 1
  loglevel: warning
  reload: false
authentication:
  enabled: false
max_limit: {args.max_limit}
hellthread_limit: 0
relay_name: brotr testbed
relay_description: nostr-relay 1.14 for brotr's tests
"""
        )
    binary = os.path.join(os.path.dirname(sys.executable), "nostr-relay")
    global child
    log = open(os.path.join(workdir, "relay.log"), "w")
    # The relay creates its tables when it starts serving; the events are loaded after that.
    child = subprocess.Popen([binary, "-c", config, "serve"], stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    wait_for_port(port, child)
    load = subprocess.run([binary, "-c", config, "load", args.events], capture_output=True, text=True)
    if load.returncode != 0:
        fail(f"nostr-relay load failed: {load.stderr.strip()[-500:]}")
    url = f"ws://127.0.0.1:{port}"
    missing = asyncio.run(missing_events(url, lines, until_inclusive=False))
    if missing:
        fail(f"nostr-relay serves {missing} fewer events than loaded")
    print(f"ready {url} {len(lines)}", flush=True)
    wait_for_stdin_to_close()


async def run_nostr_sdk(args, lines):
    import nostr_sdk
    import websockets

    port = free_port()
    # The default rate limit (60 events a minute per connection) would make loading take
    # an hour; the hard cap of 500 events per filter stays as it is.
    relay = (
        nostr_sdk.LocalRelayBuilder()
        .addr("127.0.0.1")
        .port(port)
        .rate_limit(nostr_sdk.RateLimit(max_reqs=1000, notes_per_minute=1_000_000))
        .build()
    )
    await relay.run()
    url = f"ws://127.0.0.1:{port}"
    wait_for_port(port, None)
    async with websockets.connect(url, max_size=None) as ws:
        pending = {json.loads(line)["id"] for line in lines}
        for line in lines:
            await ws.send('["EVENT",' + line + "]")
        async with asyncio.timeout(300):
            while pending:
                message = json.loads(await ws.recv())
                if message[0] == "OK":
                    if not message[2]:
                        fail(f"LocalRelay refused {message[1]}: {message[3]}")
                    pending.discard(message[1])
    missing = await missing_events(url, lines, until_inclusive=True)
    if missing:
        fail(f"LocalRelay serves {missing} fewer events than published")
    print(f"ready {url} {len(lines)}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, wait_for_stdin_to_close)
    relay.shutdown()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("relay", choices=["nostr-relay", "nostr-sdk"])
    parser.add_argument("--events", required=True, help="NIP-01 events as JSON lines")
    parser.add_argument("--max-limit", type=int, default=500, help="nostr-relay's max_limit")
    parser.add_argument("--workdir", help="where nostr-relay keeps its database and log")
    args = parser.parse_args()
    try:
        with open(args.events) as f:
            lines = [line.strip() for line in f if line.strip()]
    except OSError as error:
        fail(f"cannot read {args.events}: {error}")
    if not lines:
        fail(f"{args.events} holds no events")
    signal.signal(signal.SIGTERM, lambda *_: (stop_child(), os._exit(0)))
    try:
        if args.relay == "nostr-relay":
            run_nostr_relay(args, lines)
        else:
            asyncio.run(run_nostr_sdk(args, lines))
    except Exception as error:  # a clear line for the test log, not a traceback alone
        fail(f"{type(error).__name__}: {error}")
    finally:
        stop_child()


if __name__ == "__main__":
    main()
