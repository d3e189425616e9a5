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

if ! command -v swift >/dev/null 2>&1; then
  echo "install-deps: no 'swift' on PATH. Install the Swift 6 toolchain from https://www.swift.org/install/linux/" >&2
  exit 1
fi
