#!/bin/sh
# `make fuzz`: a bounded libFuzzer run of every target in fuzz/, each for
# FUZZ_SECONDS (default 60), starting from its committed seed corpus.
# New inputs go to fuzz/target/scratch-corpus, so the committed corpus only
# grows by hand (copy a crasher from fuzz/artifacts into fuzz/corpus/<target>
# once it is fixed: the unit tests of src/fuzz.rs then keep it as a regression test).
#
# cargo-fuzz passes -Z flags (sanitizers) that need a nightly compiler;
# RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them, here only.
# -timeout=10 turns a hang into an artifact (the unwrap target found one).
set -eu
CARGO=${CARGO:-cargo}
seconds=${FUZZ_SECONDS:-60}
if ! $CARGO fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz 0.13.2 (once per machine; a few minutes)" >&2
    $CARGO install --locked --version 0.13.2 cargo-fuzz >&2
fi
cd "$(dirname "$0")/../fuzz"
export RUSTC_BOOTSTRAP=1
targets=$($CARGO fuzz list)
$CARGO fuzz build -O
status=0
for target in $targets; do
    scratch=target/scratch-corpus/$target
    mkdir -p "$scratch"
    # On a failure, unwrap's pipeline leaves its reader thread to finish on
    # its own (a read blocked on a pipe must not hold up the exit); its
    # thread-locals then outlive the input, which LeakSanitizer reports.
    leaks=1
    [ "$target" = unwrap ] && leaks=0
    echo "fuzz: $target for ${seconds}s" >&2
    log=target/fuzz-$target.log
    if $CARGO fuzz run -O "$target" "$scratch" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -detect_leaks=$leaks \
        -print_final_stats=1 >"$log" 2>&1; then
        grep -E '^Done|exec_per_sec|new_units_added' "$log" >&2
    else
        status=1
        tail -n 40 "$log" >&2
        echo "fuzz: $target FAILED; the input is in fuzz/artifacts/$target/ (log: fuzz/$log)" >&2
    fi
done
exit $status
