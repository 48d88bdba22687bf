#!/bin/sh
# Recipient envelopes (issue 16): `wrap --to` on a host with only a public
# key, against age -r / age -R and `wrap -k` with a symmetric key, per process
# (100 bytes) and on 1 GiB; several recipients; `rekey` of a 1 GiB recipient
# envelope (header only) against `unwrap | wrap`.
# Needs hyperfine, age, age-keygen, ssh-keygen (for age -R) and python3.
set -eu
: "${KEYCASK:?}"
for tool in age age-keygen ssh-keygen python3; do
    command -v "$tool" >/dev/null || { echo "bench: needs $tool" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KEYCASK_KEYRING="$work/keyring.json"
unset KEYCASK_KEYFILE KEYCASK_PASSPHRASE KEYCASK_PASSPHRASE_FILE
"$KEYCASK" init --root "keyfile:$work/root.key" >/dev/null
"$KEYCASK" keygen sym >/dev/null
for i in 1 2 3; do
    "$KEYCASK" keygen "inbox$i" --type p256 --purpose encrypt >/dev/null
    "$KEYCASK" export "inbox$i" --public -o "$work/inbox$i.pem" >/dev/null
done
"$KEYCASK" keygen rinbox --type rsa-3072 --purpose encrypt >/dev/null
"$KEYCASK" export rinbox --public -o "$work/rinbox.pem" >/dev/null
age-keygen -o "$work/age.key" 2>/dev/null
r1=$(age-keygen -y "$work/age.key")
r2=$(age-keygen 2>/dev/null | age-keygen -y)
r3=$(age-keygen 2>/dev/null | age-keygen -y)
ssh-keygen -q -t rsa -b 3072 -N "" -f "$work/ssh" >/dev/null

head -c 100 /dev/urandom > "$work/small"
# The encrypt-only host: no keyring variable at all for --to; the symmetric
# runs name the keyring with --keyring (no `env` process in any command).
ring="--keyring $KEYCASK_KEYRING"
unset KEYCASK_KEYRING
hyperfine --style none -N --warmup 20 --runs 300 --export-json "$work/small.json" \
    -n "keycask wrap -k (aes256-gcm), 100 B" "$KEYCASK $ring wrap -k sym $work/small" \
    -n "keycask wrap --to p256.pem, 100 B" "$KEYCASK wrap --to $work/inbox1.pem $work/small" \
    -n "keycask wrap --to rsa-3072.pem, 100 B" "$KEYCASK wrap --to $work/rinbox.pem $work/small" \
    -n "keycask wrap --to x3 p256, 100 B" "$KEYCASK wrap --to $work/inbox1.pem --to $work/inbox2.pem --to $work/inbox3.pem $work/small" \
    -n "age -r, 100 B" "age -r $r1 $work/small" \
    -n "age -R ssh-rsa, 100 B" "age -R $work/ssh.pub $work/small" \
    -n "age -r x3, 100 B" "age -r $r1 -r $r2 -r $r3 $work/small" >/dev/null

dd if=/dev/urandom of="$work/data" bs=1M count=1024 status=none
cat "$work/data" > /dev/null
hyperfine --style none --warmup 1 --runs 5 --export-json "$work/big.json" \
    -n "keycask wrap -k (aes256-gcm), 1 GiB" "$KEYCASK $ring wrap -k sym $work/data" \
    -n "keycask wrap --to p256.pem, 1 GiB" "$KEYCASK wrap --to $work/inbox1.pem $work/data" \
    -n "age -r, 1 GiB" "age -r $r1 $work/data" >/dev/null

# rekey of a recipient envelope after a rotation: header only, against the
# pipe that re-encrypts. Each run gets a fresh copy made in --prepare.
"$KEYCASK" wrap --to "$work/inbox1.pem" "$work/data" -o "$work/orig.kc"
"$KEYCASK" $ring rotate inbox1 >/dev/null 2>&1
hyperfine --style none --runs 5 --export-json "$work/rekey.json" \
    --prepare "cp $work/orig.kc $work/r.kc && sync" \
    -n "keycask rekey (recipient, 1 GiB)" "$KEYCASK $ring rekey $work/r.kc" \
    -n "unwrap | wrap (recipient, 1 GiB)" "$KEYCASK $ring unwrap $work/r.kc | $KEYCASK $ring wrap -k inbox1 -o $work/r2.kc" >/dev/null

python3 - "$work/small.json" "$work/big.json" "$work/rekey.json" <<'PY'
import json, sys
def load(p): return {r["command"]: r for r in json.load(open(p))["results"]}
small, big, rekey = (load(p) for p in sys.argv[1:4])
print("## Recipient envelopes: wrap --to")
print()
print("Targets (issue 16): `wrap --to` no slower than `wrap -k` with a symmetric key,")
print("per 100-byte process and on 1 GiB; `rekey` of a recipient envelope header-only.")
print("Key-file root; the `--to` runs have no keyring variable at all (an encrypt-only")
print("host). Medians; the machine is shared, so compare within a table.")
print()
print("| 100 bytes, one process each | median | min | vs. `wrap -k` |")
print("| --- | ---: | ---: | ---: |")
base = small["keycask wrap -k (aes256-gcm), 100 B"]["median"]
for name, r in small.items():
    print(f"| {name} | {r['median']*1e3:.2f} ms | {r['min']*1e3:.2f} ms | {r['median']/base:.2f}x |")
print()
print("| 1 GiB, page cache to /dev/null | median | throughput | vs. `wrap -k` |")
print("| --- | ---: | ---: | ---: |")
base = big["keycask wrap -k (aes256-gcm), 1 GiB"]["median"]
for name, r in big.items():
    print(f"| {name} | {r['median']:.3f} s | {(1<<30)/r['median']/1e6:,.0f} MB/s | {r['median']/base:.2f}x |")
print()
print("| after `rotate`, 1 GiB recipient envelope | median | min |")
print("| --- | ---: | ---: |")
for name, r in rekey.items():
    print(f"| {name} | {r['median']:.3f} s | {r['min']:.3f} s |")
PY
