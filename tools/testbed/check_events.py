"""Parses and verifies Nostr events with nostr-sdk, a library independent of brotr.

Reads one event JSON per line from the file named as the argument (stdin without one) and prints, per event, one JSON line:
{"id", "kind", "verified", "tags", "profile_name"} (profile_name for kind 0 only,
read with nostr-sdk's Metadata). An event nostr-sdk cannot parse gives {"error": ...}.
"""

import json
import sys

import nostr_sdk


def tag_list(event) -> list:
    tags = event.tags()
    return tags.to_vec() if hasattr(tags, "to_vec") else list(tags)


def check(line: str) -> dict:
    try:
        event = nostr_sdk.Event.from_json(line)
    except Exception as error:  # nostr-sdk raises its own error types
        return {"error": str(error)}
    result = {
        "id": event.id().to_hex(),
        "kind": event.kind().as_u16(),
        "verified": event.verify(),
        "tags": [tag.to_vec() for tag in tag_list(event)],
    }
    if result["kind"] == 0:
        result["profile_name"] = nostr_sdk.Metadata.from_json(event.content()).as_record().name
    return result


def main() -> None:
    source = open(sys.argv[1], encoding="utf-8") if len(sys.argv) > 1 else sys.stdin
    for line in source:
        if line.strip():
            print(json.dumps(check(line)), flush=True)


if __name__ == "__main__":
    main()
