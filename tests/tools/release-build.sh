#!/bin/bash
# tests/tools/release-build.sh - the build `make run` and `make bench` use
# (the Makefile's default: -O2, -Werror, no sanitizer) compiles and links.
# The rest of the suite runs the sanitizer build at -O1, where gcc does not
# run the analyses behind some warnings (-Wmaybe-uninitialized): a change
# could pass every test and still break `make run` on a fresh machine.
. "$(dirname "$0")/fixtures/preamble.sh"

make --no-print-directory -j1 BUILD="$tmp/release" programs >"$tmp/out" 2>&1; st=$?
[ $st = 0 ] || grep -m5 'error' "$tmp/out" | sed 's/^/# /'
tap $st "the release build (-O2 -Werror, as make run builds it) compiles and links"
[ -x "$tmp/release/bin/raslogd" ] && [ -x "$tmp/release/bin/raslog" ]; tap $? "... and makes raslogd and raslog"
"$tmp/release/bin/raslog" --help >/dev/null 2>&1; tap $? "the release raslog runs (--help)"
finish
