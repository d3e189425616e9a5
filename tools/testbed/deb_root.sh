#!/bin/sh
# Makes a throwaway root directory that `dpkg --root DIR` can install brotr's package into:
# an empty dpkg database, the programs brotr's maintainer scripts run (they run chrooted
# there) with the libraries they load, and users and groups files holding root alone.
#
#   tools/testbed/deb_root.sh DIR [BINARY]
#
# The packages brotr depends on are recorded as installed, with this machine's versions
# (their libraries are here, and with BINARY those it loads are copied in, so that it
# runs chrooted).
# No container engine and no network: programs are copied from this machine. Swift reads
# a program's arguments from /proc: mount proc on DIR/proc before running one chrooted.
set -eu
dir="$1"
binary=""
[ -z "${2:-}" ] || binary=$(readlink -f "$2")
mkdir -p "$dir"
cd "$dir"
mkdir -p bin sbin usr/bin usr/sbin lib lib64 etc tmp run var/lib/dpkg/info var/lib/dpkg/updates var/lib/dpkg/triggers var/log
chmod 1777 tmp
: > var/lib/dpkg/status
: > var/lib/dpkg/available

copy() {
    src=$(command -v "$1")
    real=$(readlink -f "$src")
    mkdir -p ".$(dirname "$src")"
    cp -f "$real" ".$src"
    # The libraries it loads, at the paths the loader looks for them.
    ldd "$real" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' | while read -r lib; do
        mkdir -p ".$(dirname "$lib")"
        [ -e ".$lib" ] || cp -fL "$lib" ".$lib"
    done
}
mkdir -p dev
[ -e dev/null ] || mknod -m 0666 dev/null c 1 3
for tool in sh cat rm rmdir mkdir chown chmod ls getent groupadd useradd nologin; do
    case "$(command -v "$tool" || true)" in
        /*) copy "$tool" ;;
        *) echo "error: $tool is not installed here" >&2; exit 1 ;;
    esac
done
[ -e bin/sh ] || ln -s "$(command -v sh)" bin/sh
# For `systemd-analyze verify --root`: the unit's ExecReload program, and the targets and
# slices a service is ordered against.
cp -f /bin/kill bin/kill
mkdir -p lib/systemd/system proc
cp -a /lib/systemd/system/*.target /lib/systemd/system/*.slice lib/systemd/system/
if [ -n "$binary" ]; then
    ldd "$binary" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' | while read -r lib; do
        mkdir -p ".$(dirname "$lib")"
        [ -e ".$lib" ] || cp -fL "$lib" ".$lib"
    done
fi

for package in libc6 libgcc-s1 libstdc++6 zlib1g libsqlite3-0 liblz4-1 libsecp256k1-1 libmaxminddb0 passwd; do
    arch=$(dpkg-query -W -f '${Architecture}' "$package")
    dpkg-query -W -f 'Package: ${Package}\nStatus: install ok installed\nPriority: optional\nSection: libs\nMaintainer: ${Maintainer}\nArchitecture: ${Architecture}\nMulti-Arch: ${Multi-Arch}\nVersion: ${Version}\nDescription: ${binary:Summary}\n\n' "$package:$arch" >> var/lib/dpkg/status
    : > "var/lib/dpkg/info/$(dpkg-query -W -f '${binary:Package}' "$package:$arch").list"
done

printf 'root:x:0:0:root:/root:/bin/sh\n' > etc/passwd
printf 'root:x:0:\n' > etc/group
printf 'root:*:19000:0:99999:7:::\n' > etc/shadow
printf 'root:*::\n' > etc/gshadow
chmod 0640 etc/shadow etc/gshadow
printf 'passwd: files\ngroup: files\nshadow: files\n' > etc/nsswitch.conf
cp /etc/login.defs etc/login.defs
mkdir -p etc/default
[ -e /etc/default/useradd ] && cp /etc/default/useradd etc/default/useradd
echo "$dir"
