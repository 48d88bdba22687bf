#!/bin/sh
# The Transit root's unlock cost, against the other roots and against the
# peers a user would otherwise reach for, in one hyperfine run: `wrap` of 100
# bytes with a Transit root (OpenBao dev server on loopback), a key-file root
# and a passphrase root; the same 100-byte encrypt done with
# `bao write transit/encrypt/...` (the CLI) and with curl against the API.
# Skipped (with a note) when bao is not installed (make test-deps installs it).
set -eu
: "${KEYCASK:?}"
bao=$(command -v bao || true)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/keycask/openbao-2.7.2/bao"
[ -n "$bao" ] || { [ -x "$cache" ] && bao=$cache; } || true
echo "## Transit root (OpenBao on loopback)"
echo
if [ -z "$bao" ] || ! command -v curl >/dev/null 2>&1; then
    echo "OpenBao's bao (make test-deps) or curl is not installed here: not measured."
    exit 0
fi
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
"$bao" server -dev -dev-root-token-id="$token" -dev-listen-address="127.0.0.1:$port" \
    >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
VAULT_ADDR=http://127.0.0.1:$port
VAULT_TOKEN=$token
export VAULT_ADDR VAULT_TOKEN
i=0
until curl -sf "$VAULT_ADDR/v1/sys/health" >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 200 ] || { echo "bao did not start" >&2; exit 1; }
    sleep 0.05
done
"$bao" secrets enable transit >/dev/null
"$bao" write -f transit/keys/bench type=aes256-gcm96 >/dev/null

printf 'a passphrase for the benchmark\n' > "$work/pass"
chmod 600 "$work/pass"
"$KEYCASK" --keyring "$work/tr.json" init --root "transit:$VAULT_ADDR/v1/transit/keys/bench" >/dev/null
"$KEYCASK" --keyring "$work/kf.json" init --root "keyfile:$work/kf.key" >/dev/null
"$KEYCASK" --keyring "$work/pp.json" init --passphrase-file "$work/pass" >/dev/null
for ring in tr kf pp; do
    "$KEYCASK" --keyring "$work/$ring.json" --passphrase-file "$work/pass" keygen data >/dev/null
done
head -c 100 /dev/urandom > "$work/small"
b64=$(base64 -w0 < "$work/small")
printf '{"plaintext":"%s"}' "$b64" > "$work/body.json"
cmd() { echo "$KEYCASK --keyring $work/$1.json --passphrase-file $work/pass wrap -k data $work/small"; }
what="wrap of 100 bytes"
hyperfine -N --style none --warmup 5 --runs 40 --export-markdown "$work/transit.md" \
    -n "$what, Transit root (lookup-self + decrypt over HTTP)" "$(cmd tr)" \
    -n "$what, key-file root" "$(cmd kf)" \
    -n "$what, passphrase root (Argon2id m=64 MiB t=3 p=1)" "$(cmd pp)" \
    -n "bao write transit/encrypt/bench (the CLI, 100 bytes)" \
        "$bao write -field=ciphertext transit/encrypt/bench plaintext=$b64" \
    -n "curl POST /v1/transit/encrypt/bench (100 bytes)" \
        "curl -sf -H X-Vault-Token:$token -d @$work/body.json $VAULT_ADDR/v1/transit/encrypt/bench" \
    >/dev/null
echo "One command each, the server a \`bao server -dev\` on loopback (in-memory"
echo "storage). keycask's Transit row pays a \`lookup-self\` (the token's accessor,"
echo "for the audit log) and a \`decrypt\` of the KEK per command, on one connection;"
echo "the \`bao\` and curl rows encrypt 100 bytes with the same Transit key, as a"
echo "user would without keycask. On a shared, busy machine the Min column is the"
echo "cleanest figure."
echo
cat "$work/transit.md"
