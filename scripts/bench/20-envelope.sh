#!/bin/sh
# Envelope encryption (issue 3): wrap and unwrap of a 1 GiB file from the page
# cache to /dev/null against age (X25519 recipient) and cat, the single-core
# AES-256-GCM ceiling from `openssl speed`, peak RSS of unwrapping a 4 GiB
# envelope, and 1,000 sequential wraps of a 100-byte secret.
# Needs hyperfine, age, openssl, python3 and GNU time (/usr/bin/time).
set -eu
: "${KEYCASK:?}"
for tool in age age-keygen openssl python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench: needs $tool" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KEYCASK_KEYRING="$work/keyring.json"
unset KEYCASK_KEYFILE KEYCASK_PASSPHRASE KEYCASK_PASSPHRASE_FILE
"$KEYCASK" init --root "keyfile:$work/root.key" >/dev/null
"$KEYCASK" keygen bench >/dev/null

dd if=/dev/urandom of="$work/data" bs=1M count=1024 status=none
"$KEYCASK" wrap -k bench "$work/data" -o "$work/data.kc"
age-keygen -o "$work/age.key" 2>/dev/null
recipient=$(age-keygen -y "$work/age.key")
age -r "$recipient" -o "$work/data.age" "$work/data"
cat "$work/data" "$work/data.kc" "$work/data.age" > /dev/null   # into the page cache

hyperfine --style none --warmup 1 --runs 10 --export-json "$work/big.json" \
    --export-markdown "$work/big.md" \
    -n "cat (floor)" "cat $work/data" \
    -n "keycask wrap" "$KEYCASK wrap -k bench $work/data" \
    -n "age -r (encrypt)" "age -r $recipient $work/data" \
    -n "keycask unwrap" "$KEYCASK unwrap $work/data.kc" \
    -n "age -d (decrypt)" "age -d -i $work/age.key $work/data.age" >/dev/null

# Single-core AES-256-GCM ceiling, 16 KiB blocks (the largest openssl reports
# by default), in MB/s (10^6 bytes).
ceiling=$(openssl speed -seconds 1 -evp aes-256-gcm 2>/dev/null |
    awk '/^AES-256-GCM/ { v = $NF; sub(/k$/, "", v); printf "%.0f", v * 1000 / 1e6 }')

# For the summary table (scripts/bench/99-summary.sh).
if [ -n "${BENCH_RESULTS:-}" ]; then
    printf 'openssl_aes256gcm_MBps=%s\nenvelope_bytes=%s\n' "$ceiling" 1073741824 >> "$BENCH_RESULTS/facts"
fi

# Peak RSS of unwrapping a 4 GiB envelope, streamed through a pipe.
head -c 4294967296 /dev/zero | "$KEYCASK" wrap -k bench |
    /usr/bin/time -f %M -o "$work/rss" "$KEYCASK" unwrap > /dev/null
rss_kib=$(cat "$work/rss")

head -c 100 /dev/urandom > "$work/small"
hyperfine --style none -N --warmup 20 --runs 1000 --export-json "$work/small.json" \
    -n "keycask wrap, 100 bytes" "$KEYCASK wrap -k bench $work/small" >/dev/null

python3 - "$work/big.json" "$work/small.json" "$ceiling" "$rss_kib" <<'EOF'
import json, sys
big = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
small = json.load(open(sys.argv[2]))["results"][0]
ceiling, rss = float(sys.argv[3] or 0), int(sys.argv[4])
gib = 1 << 30
print("## Envelope: wrap and unwrap")
print()
print("Targets (issue 3): `wrap` at most 0.5x the wall time of `age -r`, `unwrap` at most")
print("0.4x of `age -d`; peak RSS of unwrapping 4 GiB under 64 MiB; 1,000 sequential")
print("100-byte wraps with a median under 5 ms. 1 GiB of random data from the page cache")
print("to /dev/null, key-file root, 64 KiB chunks. The machine is shared with other")
print("jobs while this runs, so absolute times are noisy; the ratios matter.")
print()
print("Wall times are medians of 10 runs; CPU is user + system time (all threads), which")
print("contention disturbs less. The ratio columns compare with the matching age command.")
print()
print("| command | median wall | min wall | throughput (median) | CPU | wall vs. age | CPU vs. age |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
pairs = {"keycask wrap": "age -r (encrypt)", "keycask unwrap": "age -d (decrypt)"}
def cpu(r): return r["user"] + r["system"]
for name, r in big.items():
    wall = cpu_ratio = ""
    if name in pairs:
        other = big[pairs[name]]
        wall = f"{r['median'] / other['median']:.2f}x"
        cpu_ratio = f"{cpu(r) / cpu(other):.2f}x"
    print(f"| {name} | {r['median']:.3f} s | {r['min']:.3f} s | {gib / r['median'] / 1e6:,.0f} MB/s "
          f"| {cpu(r):.3f} s | {wall} | {cpu_ratio} |")
print()
if ceiling:
    print(f"Single-core AES-256-GCM ceiling (`openssl speed -evp aes-256-gcm`, 16 KiB blocks): "
          f"{ceiling:,.0f} MB/s. keycask's CPU throughput (bytes per CPU-second): unwrap "
          f"{gib / cpu(big['keycask unwrap']) / 1e6:,.0f} MB/s, wrap "
          f"{gib / cpu(big['keycask wrap']) / 1e6:,.0f} MB/s (this includes reading and writing).")
    print()
print(f"Peak RSS of `keycask unwrap` of a 4 GiB envelope (streamed, `/usr/bin/time`): {rss / 1024:.1f} MiB.")
print()
times = sorted(small["times"])
print(f"1,000 sequential `keycask wrap` of a 100-byte file (key-file root, process start "
      f"included): median {small['median'] * 1000:.2f} ms, mean {small['mean'] * 1000:.2f} ms, "
      f"95th percentile {times[int(len(times) * 0.95)] * 1000:.2f} ms.")
EOF
