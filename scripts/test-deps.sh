#!/bin/sh
# Installs the Debian packages the test suite talks to, when they are missing.
# CI runs as root on Debian; elsewhere it only says what is missing.
set -eu
need=""
command -v openssl >/dev/null 2>&1 || need="$need openssl"
command -v script >/dev/null 2>&1 || need="$need bsdutils"   # a pseudo-terminal for `destroy` confirmation tests
[ -n "$need" ] || exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-deps: installing$need" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
else
    echo "test-deps: the tests need:$need (apt-get install$need)" >&2
    exit 1
fi
