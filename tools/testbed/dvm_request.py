#!/usr/bin/env python3
"""Builds and signs NIP-90 job requests with nostr-sdk, a library independent of brotr,
for brotr's DVM tests.

    dvm_request.py SECRET_HEX < specs.jsonl

Each input line is a request's spec, {"tags": [[...], ...], "content": "", "kind": 5050}
(kind optional, 5050 by default). Each output line is the signed event's JSON, in order.
The test publishes them; a failure is printed as `error: ...` with exit status 1.
"""

import json
import sys

import nostr_sdk


def main() -> None:
    if len(sys.argv) != 2:
        print("error: usage: dvm_request.py SECRET_HEX < specs.jsonl", flush=True)
        sys.exit(1)
    keys = nostr_sdk.Keys.parse(sys.argv[1])
    for line in sys.stdin:
        if not line.strip():
            continue
        spec = json.loads(line)
        tags = [nostr_sdk.Tag.parse(tag) for tag in spec.get("tags", [])]
        builder = nostr_sdk.EventBuilder(nostr_sdk.Kind(spec.get("kind", 5050)), spec.get("content", "")).tags(tags)
        event = builder.finalize(keys)
        if not event.verify():
            print("error: nostr-sdk made an event that does not verify", flush=True)
            sys.exit(1)
        print(event.as_json(), flush=True)


if __name__ == "__main__":
    main()
