#!/usr/bin/env python3
"""Reconciles a set of events with a relay through rust-nostr's NIP-77 client (nostr-sdk
0.45.1, installed into .testbed/venv by `packaging/install-deps.sh --test`), as an
independent initiator for brotr's responder.

    negentropy_client.py ws://127.0.0.1:PORT < items

Each line of standard input is one item of the local set, `CREATED_AT HEX_ID`. The filter
is everything. A dry run: ids only, no events fetched or sent. Prints one JSON object,
{"have": [...], "need": [...]}: the ids only this side holds, and the ids only the relay
holds. Every failure is printed as `error: ...` with exit status 1.
"""

import asyncio
import json
import sys
from datetime import timedelta

from nostr_sdk import Client, EventId, Filter, NegentropyItem, RelayUrl, SyncOptions, Timestamp


async def main(url):
    items = []
    for line in sys.stdin:
        created_at, hex_id = line.split()
        items.append(NegentropyItem(id=EventId.parse(hex_id), timestamp=Timestamp.from_secs(int(created_at))))
    client = Client()
    relay_url = RelayUrl.parse(url)
    await client.add_relay(relay_url)
    await client.connect(timedelta(seconds=10))
    relay = await client.relay(relay_url)
    if relay is None:
        raise RuntimeError(f"no relay {url} in the client")
    opts = SyncOptions().dry_run().initial_timeout(timedelta(seconds=10))
    summary = await asyncio.wait_for(relay.sync(Filter(), items, opts), timeout=60)
    print(json.dumps({"have": [i.to_hex() for i in summary.local], "need": [i.to_hex() for i in summary.remote]}), flush=True)
    await client.shutdown()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: negentropy_client.py RELAY_URL < items", file=sys.stderr)
        sys.exit(64)
    try:
        asyncio.run(main(sys.argv[1]))
    except Exception as error:  # everything the caller must see, in one line
        print(f"error: {type(error).__name__}: {error}", flush=True)
        sys.exit(1)
