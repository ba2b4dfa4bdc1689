# tests/browser/lib.sh - sourced first by every browser runner (run.sh,
# admin.sh, figures.sh, passkeys.sh, oidc.sh) with its BIN argument:
# tests/lib.sh, and Chromium's presence checked.  tests/browser/demo.sh
# adds the demo programme served with web/.
BIN=${1:-$BIN}
export BIN
. tests/lib.sh
if [ ! -x /usr/bin/chromium ]; then
	echo "not ok 1 - /usr/bin/chromium is missing (Debian package chromium; make test installs it as root)"
	exit 1
fi
