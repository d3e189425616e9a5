#!/usr/bin/env bash
# Installs what brotr needs on Debian 12 (bookworm) and newer, and only what is missing:
# safe to run any number of times.
#
#   packaging/install-deps.sh          build and run dependencies
#   packaging/install-deps.sh --test   the same, plus what the test suite uses
#
# The Swift 6 toolchain itself is not a Debian package: install it from swift.org
# (https://www.swift.org/install/linux/) and put `swift` on PATH.
set -euo pipefail

packages=(
  pkg-config          # locates the C libraries for SwiftPM's system-library targets
  libsecp256k1-dev    # BIP-340 Schnorr signatures (schnorrsig + extrakeys modules)
  liblz4-dev          # LZ4 frames: the segment file format
  libmaxminddb-dev    # GeoLite2 lookups for the NIP-66 geo check
  libsqlite3-dev      # the SQLite index (through GRDB)
  libssl-dev          # TLS for relay connections
)
if [ "${1:-}" = "--test" ]; then
  packages+=(
    lz4               # `lz4 -t` checks segment files in tests
    python3           # fixture generators (tools/fixtures) and third-party test relays
    python3-venv
    systemd           # `systemd-analyze verify` checks the packaged unit
    passwd            # useradd and groupadd, copied into the throwaway root of the .deb test
    binutils          # strip, for packaging/build-deb.sh
  )
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Third-party relays and test helpers, unmodified from PyPI, in a virtualenv of the
# checkout (.testbed/venv): nostr-relay 1.14 and nostr-sdk 0.45.1 (rust-nostr's
# LocalRelay), which tools/testbed/relay.py runs on 127.0.0.1; dnslib (a DNS server for
# the monitor's dns check); maxminddb-geolite2 (a GeoLite2-City database), mmdb-writer and
# maxminddb (an ASN database written and read back) for the geo and net checks; and in a
# virtualenv of its own (its dependencies are many), schemathesis, which checks the REST
# API against its OpenAPI document.
if [ "${1:-}" = "--test" ]; then
  root="$(cd "$(dirname "$0")/.." && pwd)"
  venv="$root/.testbed/venv"
  want="nostr-relay==1.14 nostr-sdk==0.45.1 dnslib==0.9.26 maxminddb-geolite2==2018.703 mmdb-writer==0.2.7 maxminddb==3.2.0"
  check='import importlib.metadata as m, sys
want = dict(p.split("==") for p in sys.argv[1].split())
sys.exit(any(m.version(name) != version for name, version in want.items()))'
  if ! "$venv/bin/python" -c "$check" "$want" 2>/dev/null; then
    echo "install-deps: installing $want into $venv"
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check $want
    "$venv/bin/python" -c "$check" "$want"
  fi
  st="$root/.testbed/schemathesis"
  if ! "$st/bin/python" -c "$check" "schemathesis==4.32.5" 2>/dev/null; then
    echo "install-deps: installing schemathesis==4.32.5 into $st"
    [ -x "$st/bin/pip" ] || python3 -m venv "$st"
    "$st/bin/pip" install --quiet --disable-pip-version-check schemathesis==4.32.5
    "$st/bin/python" -c "$check" "schemathesis==4.32.5"
  fi
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "install-deps: no 'swift' on PATH. Install the Swift 6 toolchain from https://www.swift.org/install/linux/" >&2
  exit 1
fi
