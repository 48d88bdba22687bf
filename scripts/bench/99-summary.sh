#!/bin/sh
# The summary that ends `make bench`: one table of every hyperfine run of the
# scripts before this one (kept as JSON in $BENCH_RESULTS by scripts/bench.sh),
# each keycask figure beside what it was measured against in the same run —
# age and cat for envelopes, a baseline row elsewhere — and the envelope
# throughput against the single-core AES-256-GCM ceiling of `openssl speed`
# (written by 20-envelope.sh to $BENCH_RESULTS/facts).
set -eu
: "${BENCH_RESULTS:?run through scripts/bench.sh (make bench)}"
python3 - "$BENCH_RESULTS" <<'PY'
import glob, json, os, sys

results = sys.argv[1]
facts = {}
path = os.path.join(results, "facts")
if os.path.exists(path):
    for line in open(path):
        if "=" in line:
            k, v = line.strip().split("=", 1)
            facts[k] = v

def fmt(seconds):
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 0.001:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"

def is_baseline(name):
    """Rows measured for comparison: other tools, or the shell's own cost."""
    n = name.lower()
    return (n.startswith(("cat", "age ", "age-", "openssl", "gzip", "sha256sum"))
            or "(floor)" in n or "overhead" in n or " alone" in n)

def baseline_for(name, runs):
    """What a command is compared with in its own hyperfine run."""
    if is_baseline(name):
        return None
    bases = [r for r in runs if is_baseline(r["command"])]
    lowered = name.lower()
    for word, partner in (("unwrap", "age -d"), ("wrap", "age -r")):
        if lowered.startswith("keycask " + word):
            for r in bases:
                if r["command"].startswith(partner):
                    return r
    non_floor = [r for r in bases if not r["command"].startswith("cat")]
    if non_floor:
        return non_floor[0]
    if bases:
        return bases[0]
    # No other tool in this run: the first row is the reference.
    return runs[0] if runs[0]["command"] != name else None

rows = []
for file in sorted(glob.glob(os.path.join(results, "*.json"))):
    script = os.path.basename(file)[4:-5]
    runs = json.load(open(file))["results"]
    floor = next((x for x in runs if x["command"].startswith("cat")), None)
    for r in runs:
        base = baseline_for(r["command"], runs)
        ratio = f"{r['mean'] / base['mean']:.2f}x {base['command']}" if base else "(reference)"
        if base and floor and floor is not base:
            ratio += f"; {r['mean'] / floor['mean']:.2f}x {floor['command']}"
        rows.append((script, r["command"], fmt(r["mean"]), ratio))

print("## Summary")
print()
print("Every benchmark above, in one table: the mean wall time, and the ratio to")
print("what it was measured beside in the same hyperfine run (lower is faster).")
print()
print("| script | benchmark | mean | ratio |")
print("| --- | --- | ---: | --- |")
for row in rows:
    print("| " + " | ".join(row) + " |")
ceiling = float(facts.get("openssl_aes256gcm_MBps", 0) or 0)
size = float(facts.get("envelope_bytes", 0) or 0)
if ceiling and size:
    means = {}
    for file in glob.glob(os.path.join(results, "*.json")):
        for r in json.load(open(file))["results"]:
            means[r["command"]] = r["mean"]
    print()
    print(f"Single-core AES-256-GCM ceiling (`openssl speed -evp aes-256-gcm`, 16 KiB blocks): {ceiling:,.0f} MB/s.")
    for name in ("keycask wrap", "keycask unwrap"):
        if name in means:
            mbps = size / means[name] / 1e6
            print(f"`{name}` of {size / 2**30:.3g} GiB: {mbps:,.0f} MB/s, {mbps / ceiling:.2f}x the ceiling.")
PY
