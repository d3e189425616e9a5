#!/bin/sh
# What brotr costs on this machine: the size of the binary, and the resident memory of
# `brotr serve` when idle (an empty archive, no relays, every stage at its defaults but
# the built-in seed list, which would reach out to public relays).
#
#   packaging/footprint.sh [BINARY]     (default: the packaged build, else the release build)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
binary="${1:-}"
if [ -z "$binary" ]; then
    for candidate in "$root/.build-deb/stage/"*/usr/bin/brotr "$root/.build/release/brotr"; do
        if [ -x "$candidate" ]; then binary="$candidate"; break; fi
    done
fi
[ -n "$binary" ] && [ -x "$binary" ] || { echo "error: no brotr binary: build one, or name it" >&2; exit 1; }

size=$(stat -c %s "$binary")
echo "binary: $binary"
echo "size: $size bytes ($((size / 1048576)) MiB), $(uname -m)"

data=$(mktemp -d)
port=$((20000 + $$ % 20000))
printf 'seeder:\n  builtin: false\nhttp:\n  listen: 127.0.0.1:%s\n' "$port" > "$data/brotr.yaml"
"$binary" serve --data "$data" 2>"$data/serve.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null; rm -rf "$data"' EXIT
# Each stage runs its first (empty) cycle, then waits: 15 s is past the start-up.
sleep 15
kill -0 "$pid" 2>/dev/null || { echo "error: brotr serve exited: $(tail -3 "$data/serve.log")" >&2; exit 1; }
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
echo "idle RSS after 15 s: $((rss / 1024)) MiB (peak $((hwm / 1024)) MiB)"
kill -TERM "$pid"
wait "$pid" && echo "SIGTERM: exit 0"
