#!/bin/sh
# deps.sh - installs the Debian packages raslog needs when any is missing.
# As root it runs apt-get; otherwise it lists what to install and fails.
set -eu
PKGS="build-essential pkg-config sqlite3 libsqlite3-dev libsodium-dev libmicrohttpd-dev
libjansson-dev libcurl4-openssl-dev libinih-dev libcmocka-dev clang libclang-rt-14-dev curl wrk
chromium openssl valgrind python3 python3-aiosmtpd procps xxd
libhpdf-dev libcsv-dev libqrencode-dev fonts-dejavu-core poppler-utils zlib1g-dev
golang-go golang-golang-x-mod-dev libfido2-dev libcbor-dev libssl-dev libpq-dev postgresql"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
# Node.js may come from elsewhere than Debian (it does on CI images); only
# ask Debian for it when no node/npm is on the PATH at all.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "raslog: missing Debian packages:$missing" >&2
	echo "raslog: run 'sudo apt-get install$missing' or run make as root" >&2
	exit 1
fi
echo "raslog: installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq $missing >/dev/null
