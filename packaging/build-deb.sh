#!/bin/sh
# Builds a Debian package of brotr for this machine's architecture (dpkg-deb only).
#
#   packaging/build-deb.sh [--binary PATH] [--version V] [--memory-max SIZE] [--out DIR] [--fast]
#
# Without --binary, the release binary is built with the Swift runtime linked in
# (`--static-swift-stdlib`, in .build-deb/swift, apart from the development builds) and
# stripped, so that the machine it is installed on needs no Swift toolchain. --binary
# packages a binary built elsewhere as it is (tests use it). --version defaults to
# BrotrVersion.current; --memory-max (512M) is the unit's MemoryMax. Prints the path of
# the .deb. --fast compresses with gzip -1 instead of xz (tests package a debug binary).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
binary=""
version=""
memory_max="512M"
out="$root/.build-deb"
compression="-Zxz"
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary="$2"; shift 2 ;;
        --version) version="$2"; shift 2 ;;
        --memory-max) memory_max="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --fast) compression="-Zgzip -z1"; shift ;;
        *) echo "usage: $0 [--binary PATH] [--version V] [--memory-max SIZE] [--out DIR] [--fast]" >&2; exit 64 ;;
    esac
done
if [ -z "$version" ]; then
    version=$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' "$root/Sources/Archive/BrotrVersion.swift")
fi
case "$memory_max" in
    *[!0-9KMGT%]* | "") echo "error: --memory-max takes a size such as 512M or 1G" >&2; exit 64 ;;
esac
arch=$(dpkg --print-architecture)

if [ -z "$binary" ]; then
    echo "building the release binary with the Swift runtime linked in (about 10 minutes on 2 cores)" >&2
    (cd "$root" && swift build -c release --product brotr --static-swift-stdlib --scratch-path "$root/.build-deb/swift" >&2)
    binary="$root/.build-deb/swift/release/brotr"
    strip_binary=yes
else
    strip_binary=no
fi
[ -x "$binary" ] || { echo "error: no executable at $binary" >&2; exit 1; }

stage="$out/stage/brotr_${version}_${arch}"
rm -rf "$stage"
mkdir -p "$stage/DEBIAN"
install -D -m 0755 "$binary" "$stage/usr/bin/brotr"
if [ "$strip_binary" = yes ]; then strip --strip-unneeded "$stage/usr/bin/brotr"; fi
install -D -m 0644 "$root/config/brotr.yaml" "$stage/etc/brotr/brotr.yaml"
mkdir -p "$stage/lib/systemd/system"
sed "s/@MEMORY_MAX@/$memory_max/" "$root/packaging/debian/brotr.service" > "$stage/lib/systemd/system/brotr.service"
chmod 0644 "$stage/lib/systemd/system/brotr.service"
for doc in README.md docs/operations.md docs/sync.md docs/data-directory.md; do
    install -D -m 0644 "$root/$doc" "$stage/usr/share/doc/brotr/$(basename "$doc")"
done
for script in postinst prerm postrm; do
    install -m 0755 "$root/packaging/debian/$script" "$stage/DEBIAN/$script"
done
echo /etc/brotr/brotr.yaml > "$stage/DEBIAN/conffiles"

size=$(du -sk "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: brotr
Version: $version
Architecture: $arch
Maintainer: brotr developers <brotr@localhost>
Installed-Size: $size
Depends: libc6, libgcc-s1, libstdc++6, zlib1g, libsqlite3-0, liblz4-1, libsecp256k1-1, libmaxminddb0, passwd
Section: net
Priority: optional
Description: Nostr relay observatory and event archive in one process
 brotr discovers Nostr relays, validates them, runs NIP-11 and NIP-66 health
 checks and publishes them, archives relay events with completeness-verified
 sync (NIP-77 where relays speak it), computes analytics, and serves them over
 a REST API and a NIP-90 DVM. Storage is embedded: SQLite beside append-only
 LZ4 segments in /var/lib/brotr.
CONTROL

deb="$out/brotr_${version}_${arch}.deb"
# shellcheck disable=SC2086 # two words when --fast
dpkg-deb --root-owner-group $compression --build "$stage" "$deb" >&2
echo "$deb"
