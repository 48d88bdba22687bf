#!/bin/sh
# Keyring foundation: list and keygen on a keyring of 10,000 keys (key-file
# root), the keyring's size per key, and the passphrase (Argon2id) unlock.
set -eu
: "${KEYCASK:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet --example bulk_keyring
bulk=target/release/examples/bulk_keyring

export KEYCASK_KEYRING="$work/big.json"
"$KEYCASK" init --root "keyfile:$work/root.key" >/dev/null
empty=$(stat -c %s "$KEYCASK_KEYRING")
KEYCASK_KEYFILE="$work/root.key" "$bulk" "$KEYCASK_KEYRING" 10000
full=$(stat -c %s "$KEYCASK_KEYRING")

hyperfine --style none --warmup 3 --runs 20 --export-markdown "$work/list.md" \
    -n "list (10,000 keys)" "$KEYCASK list" \
    -n "list --json (10,000 keys)" "$KEYCASK list --json" >/dev/null
hyperfine --style none --warmup 3 --runs 20 --export-markdown "$work/keygen.md" \
    -n "keygen aes256-gcm (10,000 keys)" "sh -c '$KEYCASK keygen k\$(date +%s%N) >/dev/null'" \
    -n "shell + date alone (overhead)" "sh -c 'echo k\$(date +%s%N) >/dev/null'" >/dev/null

# Passphrase unlock: the same keygen on a small keyring, key file vs passphrase.
export KEYCASK_KEYRING="$work/kf.json"
"$KEYCASK" init --root "keyfile:$work/kf.key" >/dev/null
printf 'a passphrase for the benchmark\n' > "$work/pass"
"$KEYCASK" --keyring "$work/pp.json" init --passphrase-file "$work/pass" >/dev/null
hyperfine --style none --warmup 2 --runs 15 --export-markdown "$work/unlock.md" \
    -n "keygen, key-file root" "sh -c '$KEYCASK --keyring $work/kf.json keygen k\$(date +%s%N) >/dev/null'" \
    -n "keygen, passphrase root (Argon2id m=64 MiB t=3 p=1)" "sh -c '$KEYCASK --keyring $work/pp.json --passphrase-file $work/pass keygen k\$(date +%s%N) >/dev/null'" >/dev/null

echo "## Keyring: list, keygen, size, unlock"
echo
echo "Targets (issue 2): with 10,000 keys, \`list\` under 100 ms and \`keygen\` under 150 ms."
echo
cat "$work/list.md"
echo
cat "$work/keygen.md"
echo
echo "Keyring size: $empty bytes empty, $full bytes with 10,000 aes256-gcm keys:"
echo "$(( (full - empty) / 10000 )) bytes per key (one version each)."
echo
echo "Passphrase unlock (the difference between the two rows is the Argon2id derivation):"
echo
cat "$work/unlock.md"
