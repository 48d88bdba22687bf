#!/bin/sh
# Unlock latency per root kind: the same command on a small keyring whose
# root is a passphrase (Argon2id), a key file, or an AES-256 key in a PKCS#11
# token (SoftHSM2, a token of the benchmark's own in a temporary folder).
# The command is `wrap` of 16 bytes (it unlocks, unwraps one key version and
# writes nothing); `list` (no unlock) shows the start-up every row pays.
set -eu
: "${KEYCASK:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

module=""
for lib in /usr/lib/softhsm/libsofthsm2.so \
           /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
           /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so \
           /usr/local/lib/softhsm/libsofthsm2.so; do
    [ -e "$lib" ] && module=$lib
done

printf 'a passphrase for the benchmark\n' > "$work/pass"
printf '1234\n' > "$work/pin"
chmod 600 "$work/pass" "$work/pin"
"$KEYCASK" --keyring "$work/pp.json" init --passphrase-file "$work/pass" >/dev/null
"$KEYCASK" --keyring "$work/kf.json" init --root "keyfile:$work/kf.key" >/dev/null
if [ -n "$module" ] && command -v softhsm2-util >/dev/null 2>&1; then
    mkdir "$work/tokens"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
        "$work/tokens" > "$work/softhsm2.conf"
    export SOFTHSM2_CONF="$work/softhsm2.conf"
    softhsm2-util --init-token --free --label bench --pin 1234 --so-pin 5678 >/dev/null
    "$KEYCASK" --keyring "$work/hsm.json" init \
        --root "pkcs11:token=bench;object=bench-root?module-path=$module&pin-source=file:$work/pin" >/dev/null
fi

head -c 16 /dev/urandom > "$work/small"
for ring in pp kf hsm; do
    [ -e "$work/$ring.json" ] || continue
    "$KEYCASK" --keyring "$work/$ring.json" --passphrase-file "$work/pass" keygen data >/dev/null
done
# hyperfine sends each command's stdout to /dev/null (not a terminal), and
# -N runs it without a shell, so start-up is all the overhead there is.
cmd() { echo "$KEYCASK --keyring $work/$1.json --passphrase-file $work/pass wrap -k data $work/small"; }
what="wrap of 16 bytes"

set -- -n "list (no unlock: start-up and reading the keyring only)" "$KEYCASK --keyring $work/kf.json list"
set -- "$@" -n "$what, key-file root" "$(cmd kf)"
set -- "$@" -n "$what, passphrase root (Argon2id m=64 MiB t=3 p=1)" "$(cmd pp)"
if [ -e "$work/hsm.json" ]; then
    set -- "$@" -n "$what, PKCS#11 root (SoftHSM2, AES-GCM in the token)" "$(cmd hsm)"
fi
hyperfine -N --style none --warmup 5 --runs 40 --export-markdown "$work/unlock.md" "$@" >/dev/null

echo "## Unlock latency per root kind"
echo
echo "One command ($what, read-only) on a one-key keyring; the root is unlocked once per"
echo "command. The PKCS#11 row loads the module, opens a session, logs in, finds"
echo "the key and has the token unwrap the KEK (then logs out and closes)."
echo "On a shared, busy machine the Min column is the cleanest figure."
if [ ! -e "$work/hsm.json" ]; then
    echo
    echo "SoftHSM2 is not installed here: no PKCS#11 row (apt-get install softhsm2)."
fi
echo
cat "$work/unlock.md"
