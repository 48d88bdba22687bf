#!/bin/sh
# Installs the Debian packages the test suite talks to, when they are missing.
# CI runs as root on Debian; elsewhere it only says what is missing.
#
# SoftHSM2 (softhsm2) and OpenSC's pkcs11-tool (opensc) back the PKCS#11
# root tests. They are required unless KEYCASK_SKIP_HSM=1 says explicitly
# to skip the HSM tests (CI never sets it).
set -eu
need=""
command -v openssl >/dev/null 2>&1 || need="$need openssl"
command -v zsh >/dev/null 2>&1 || need="$need zsh"           # the zsh completion test
command -v fish >/dev/null 2>&1 || need="$need fish"         # the fish completion test
if [ "${KEYCASK_SKIP_HSM:-}" != 1 ]; then
    softhsm=""
    for lib in /usr/lib/softhsm/libsofthsm2.so \
               /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
               /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so \
               /usr/local/lib/softhsm/libsofthsm2.so; do
        [ -e "$lib" ] && softhsm=$lib
    done
    { [ -n "$softhsm" ] && command -v softhsm2-util >/dev/null 2>&1; } || need="$need softhsm2"
    command -v pkcs11-tool >/dev/null 2>&1 || need="$need opensc"
fi
command -v script >/dev/null 2>&1 || need="$need bsdutils"   # a pseudo-terminal for `destroy` confirmation and PIN prompt tests
command -v python3 >/dev/null 2>&1 || need="$need python3 python3-pip"  # contrib/recover.py (tests/recovery.rs)
if [ -n "$need" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "test-deps: installing$need" >&2
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
        need=""
    fi
fi
# contrib/recover.py needs Python's `cryptography`, and `argon2-cffi` for
# passphrase roots (tests/recovery.rs runs it): from PyPI when missing.
if [ -z "$need" ] && ! python3 -c 'import cryptography, argon2' >/dev/null 2>&1; then
    echo "test-deps: installing the Python packages cryptography and argon2-cffi" >&2
    python3 -m pip install --quiet cryptography argon2-cffi 2>/dev/null ||
        python3 -m pip install --quiet --break-system-packages cryptography argon2-cffi ||
        { echo "test-deps: the tests need: python3 -m pip install cryptography argon2-cffi" >&2; exit 1; }
fi
[ -n "$need" ] || exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-deps: installing$need" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
else
    echo "test-deps: the tests need:$need (apt-get install$need)" >&2
    case "$need" in
        *softhsm2*|*opensc*)
            echo "test-deps: or skip the HSM tests explicitly with KEYCASK_SKIP_HSM=1" >&2 ;;
    esac
    exit 1
fi
