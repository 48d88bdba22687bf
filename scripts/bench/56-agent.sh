#!/bin/sh
# The agent (issue 20): `unwrap` of a 100-byte envelope with the keyring
# unlocked in `keycask agent`, against the same passphrase root asked each
# time (a passphrase file: Argon2id at every command) and against a key-file
# root. Every row runs through env(1), so each pays the same exec overhead.
# The aim: agent-backed unwrap within 1 ms of the key-file root.
set -eu
: "${KEYCASK:?}"
runs=${AGENT_BENCH_RUNS:-100}
work=$(mktemp -d)
agent_pid=""
cleanup() {
    if [ -n "$agent_pid" ]; then
        KEYCASK_AGENT_PID=$agent_pid "$KEYCASK" agent --kill >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
unset KEYCASK_KEYRING KEYCASK_KEYFILE KEYCASK_PASSPHRASE KEYCASK_PASSPHRASE_FILE \
    KEYCASK_AGENT_SOCK KEYCASK_AGENT_PID

printf 'a passphrase for the benchmark\n' > "$work/pass"
chmod 600 "$work/pass"
"$KEYCASK" --keyring "$work/pp.json" init --passphrase-file "$work/pass" >/dev/null
"$KEYCASK" --keyring "$work/kf.json" init --root "keyfile:$work/kf.key" >/dev/null
head -c 100 /dev/urandom > "$work/small"
for ring in pp kf; do
    "$KEYCASK" --keyring "$work/$ring.json" --passphrase-file "$work/pass" keygen data >/dev/null
    "$KEYCASK" --keyring "$work/$ring.json" --passphrase-file "$work/pass" \
        wrap -k data -o "$work/$ring.kc" "$work/small"
done

eval "$(TMPDIR=$work "$KEYCASK" agent)" >/dev/null
agent_pid=$KEYCASK_AGENT_PID
sock=$KEYCASK_AGENT_SOCK
unset KEYCASK_AGENT_SOCK KEYCASK_AGENT_PID
KEYCASK_AGENT_SOCK=$sock "$KEYCASK" --keyring "$work/pp.json" \
    --passphrase-file "$work/pass" unlock --for 1h >/dev/null

what="unwrap of 100 bytes"
hyperfine -N --style none --warmup 10 --runs "$runs" --export-markdown "$work/agent.md" \
    -n "$what, key-file root" \
    "env -u KEYCASK_AGENT_SOCK $KEYCASK --keyring $work/kf.json unwrap $work/kf.kc" \
    -n "$what, passphrase root through the agent" \
    "env KEYCASK_AGENT_SOCK=$sock $KEYCASK --keyring $work/pp.json unwrap $work/pp.kc" \
    -n "$what, passphrase root asked each time (passphrase file)" \
    "env -u KEYCASK_AGENT_SOCK $KEYCASK --keyring $work/pp.json --passphrase-file $work/pass unwrap $work/pp.kc" \
    >/dev/null

echo "## The agent: unlock once per session"
echo
echo "One \`$what\` per command, $runs runs; every row through env(1). The agent row"
echo "asks the agent for the KEK over its Unix socket and checks the keyring MAC with it;"
echo "the passphrase row runs Argon2id (m=64 MiB, t=3, p=1) every time."
echo
cat "$work/agent.md"
