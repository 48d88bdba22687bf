#!/bin/sh
# Distribution and signatures: sign and verify of a large file (streamed
# SHA-256 plus one signature), next to `openssl dgst` on the same file; and
# the cost of sealing and opening a key bundle. Prints a markdown section.
set -eu
: "${KEYCASK:?the release binary}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export KEYCASK_KEYRING="$dir/k.json"
"$KEYCASK" init --root "keyfile:$dir/root.key" >/dev/null
"$KEYCASK" keygen ec --type p256 --purpose sign >/dev/null
"$KEYCASK" keygen rsa --type rsa-3072 --purpose sign >/dev/null
"$KEYCASK" keygen backups >/dev/null
# The recipient's keyring.
bob="$KEYCASK --keyring $dir/bob.json"
$bob init --root "keyfile:$dir/bob.key" >/dev/null
$bob keygen inbox --type p256 --purpose transport >/dev/null
"$KEYCASK" export ec --public -o "$dir/ec.pem" >/dev/null
$bob export inbox --public -o "$dir/inbox.pem" >/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ossl.pem" 2>/dev/null
size_mib=512
dd if=/dev/urandom of="$dir/data" bs=1M count=$size_mib status=none
"$KEYCASK" sign -k ec "$dir/data" -o "$dir/data.sig"
"$KEYCASK" export backups --to "$dir/inbox.pem" -o "$dir/b.kcx" >/dev/null
cp "$dir/bob.json" "$dir/bob.bak"

echo "## Distribution and signatures"
echo
echo "Signing and verifying a $size_mib MiB file (SHA-256 streamed, one signature);"
echo "\`openssl dgst\` on the same file for reference. Script: scripts/bench/50-distribution.sh."
echo
hyperfine --style none --warmup 1 --runs 5 --export-markdown "$dir/sign.md" \
    -n "keycask sign (P-256)" "$KEYCASK sign -k ec $dir/data -o $dir/s1" \
    -n "keycask sign (RSA-3072 PSS)" "$KEYCASK sign -k rsa $dir/data -o $dir/s2" \
    -n "keycask verify --public-key (P-256)" "$KEYCASK verify --public-key $dir/ec.pem --signature $dir/data.sig $dir/data" \
    -n "openssl dgst -sha256 -sign (P-256)" "openssl dgst -sha256 -sign $dir/ossl.pem -out $dir/s3 $dir/data" \
    >/dev/null
cat "$dir/sign.md"
echo
echo "Sealing one aes256-gcm key to a P-256 recipient, and importing it into another"
echo "keyring (each run includes unlocking a keyring with a key-file root and writing it)."
echo
hyperfine --style none --warmup 1 --runs 20 --export-markdown "$dir/bundle.md" \
    -n "export --to (ECDH-ES P-256)" "$KEYCASK export backups --to $dir/inbox.pem -o $dir/b2.kcx" \
    -n "import --bundle, as a new key (then the keyring restored)" \
    "$bob import --bundle $dir/b.kcx --with inbox -q && cp $dir/bob.bak $dir/bob.json" \
    >/dev/null
cat "$dir/bundle.md"
