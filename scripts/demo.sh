#!/bin/sh
# `make demo`: a throw-away keyring in a temporary folder, with a key-file
# root so that nothing needs typing. Each step prints the command it runs.
set -eu
KEYCASK=${KEYCASK:-keycask}
demo_dir=$(mktemp -d)
trap 'rm -rf "$demo_dir"' EXIT
export KEYCASK_KEYRING="$demo_dir/keyring.json"
unset KEYCASK_PASSPHRASE KEYCASK_PASSPHRASE_FILE KEYCASK_KEYFILE
cd "$demo_dir"

step() {
    printf '\n$ %s\n' "$*"
    "$@"
}
kc() { step "$KEYCASK" "$@"; }

echo "keycask demo in $demo_dir (removed at the end)"
kc init --root "keyfile:$demo_dir/root.key"
kc keygen backups --rotate-every 90d
kc keygen release-signing --type p256 --purpose sign
kc keygen partner-transport --type rsa-3072 --purpose transport
kc list
kc show backups
printf '\nrotation: old versions keep decrypting; rekey rewrites headers only\n'
mkdir "$demo_dir/data"
step sh -c "printf 'last night\\n' | '$KEYCASK' wrap -k backups -o '$demo_dir/data/backup.kc'"
kc rotate backups
kc rekey --dry-run "$demo_dir/data"
kc rekey "$demo_dir/data"
kc disable backups --version 1
kc unwrap "$demo_dir/data/backup.kc"
kc rotate --kek
printf '\nthe keyring file holds only wrapped material:\n'
step sh -c "grep -c '\"wrapped\"' '$KEYCASK_KEYRING'"
kc destroy partner-transport --now --yes --reason "demo: partner offboarded"
printf '\nits wrapped material is gone from the file; the name stays as a tombstone:\n'
step sh -c "grep -c '\"wrapped\"' '$KEYCASK_KEYRING'"
kc list
printf '\nenvelope encryption: a pipeline, a context, armor, headers without unlocking\n'
step sh -c "seq 1 100000 | '$KEYCASK' wrap -k backups -c env=demo -c app=billing > numbers.kc"
kc inspect numbers.kc
step sh -c "'$KEYCASK' unwrap --expect-context env=demo numbers.kc | tail -n 1"
step sh -c "'$KEYCASK' unwrap --expect-context env=prod numbers.kc || echo '(refused: wrong context)'"
step sh -c "echo 'api token' | '$KEYCASK' wrap -k backups --armor"
printf '\nretiring a version: envelopes made with v2 block its destruction until re-keyed\n'
mkdir archive
step sh -c "echo 'nightly dump' | '$KEYCASK' wrap -k backups > archive/dump.kc"
kc rotate backups
step sh -c "'$KEYCASK' destroy backups --version 2 --now --yes --check archive || echo '(refused, as it should be)'"
kc rekey archive
kc destroy backups --version 2 --now --yes --rotate-kek --check archive --reason "rotated"
kc unwrap archive/dump.kc
kc show backups
printf '\ndistribution: a second keyring (Bob) receives the backups key, sealed to him and signed\n'
bob() { step "$KEYCASK" --keyring "$demo_dir/bob.json" "$@"; }
bob init --root "keyfile:$demo_dir/bob.key"
bob keygen bob-inbox --type p256 --purpose transport
bob export bob-inbox --public -o bob-inbox.pem
kc export release-signing --public -o release-signing.pem
kc export backups --to bob-inbox.pem --sign-with release-signing -o backups.kcx
bob import --bundle backups.kcx --with bob-inbox --verify-with release-signing.pem
bob show backups
printf '\nsignatures that OpenSSL checks\n'
echo 'release 1.0' > dist.txt
kc sign -k release-signing dist.txt -o dist.sig
if command -v openssl >/dev/null 2>&1; then
    step openssl dgst -sha256 -verify release-signing.pem -signature dist.sig dist.txt
fi
kc verify --public-key release-signing.pem --signature dist.sig dist.txt

# The root in OpenBao Transit, when bao is here (`make test-deps` installs it).
bao=$(command -v bao || true)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/keycask/openbao-2.7.2/bao"
if [ -z "$bao" ] && [ -x "$cache" ]; then bao=$cache; fi
if [ -n "$bao" ]; then
    printf '\nthe root in OpenBao Transit (a dev server on loopback, stopped at the end)\n'
    port=$((20000 + $$ % 20000))
    VAULT_ADDR=http://127.0.0.1:$port
    VAULT_TOKEN=demo-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
    export VAULT_ADDR VAULT_TOKEN
    "$bao" server -dev -dev-root-token-id="$VAULT_TOKEN" -dev-listen-address="127.0.0.1:$port" \
        >"$demo_dir/bao.log" 2>&1 &
    bao_pid=$!
    trap 'kill $bao_pid 2>/dev/null; rm -rf "$demo_dir"' EXIT
    i=0
    until "$bao" status >/dev/null 2>&1; do
        i=$((i + 1)); [ $i -lt 100 ] || { cat "$demo_dir/bao.log"; exit 1; }
        sleep 0.1
    done
    step "$bao" secrets enable transit
    step "$bao" write -f transit/keys/keycask-root type=aes256-gcm96
    kc rotate --root --to "transit:$VAULT_ADDR/v1/transit/keys/keycask-root"
    kc unwrap archive/dump.kc
    step "$bao" write -f transit/keys/keycask-root/rotate
    kc rotate --root
    step sh -c "'$KEYCASK' audit | tail -n 2"
    kc rotate --root --to "keyfile:$demo_dir/root2.key"
    kill $bao_pid 2>/dev/null || true
else
    printf '\n(no Transit root demo: OpenBao'"'"'s bao is not installed; make test-deps installs it)\n'
fi
echo
echo "demo finished"
