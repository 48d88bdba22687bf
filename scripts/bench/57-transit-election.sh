#!/bin/sh
# A Transit root through a Raft election: a 3-node OpenBao cluster on
# loopback, keycask's URL on a standby that survives, the active node (found
# with sys/leader) SIGKILLed, `keycask -v unwrap` run back to back until a
# survivor reports itself active and 3 unwraps in a row have succeeded after
# that. Per round: the election (kill -> a survivor's sys/leader says
# is_self, polled every 50 ms), how many unwraps after the kill failed
# (exit 1), how many succeeded only after retries, and the longest unwrap.
#
# Four set-ups, ROUNDS rounds each (default 3):
#   forward/1    disable_standby_reads = true (standbys forward everything to
#                the active node, as HashiCorp Vault's do), Raft
#                performance_multiplier = 1 (the tightest timing)
#   forward/5    the same at OpenBao's default timing (multiplier 5)
#   reads/5      OpenBao 2.7's default: standbys answer reads, and Transit
#                decrypt, themselves
#   reads/5+approle  the same, keycask logging in with AppRole (a login
#                writes a token, so it goes to the active node)
# KEYCASK_TRANSIT_RETRY_SECONDS is left at its default (5) unless set.
# Skipped (with a note) when bao, curl or jq is missing.
set -eu
: "${KEYCASK:?}"
ROUNDS=${ROUNDS:-3}
SETUPS=${SETUPS:-"forward/1 forward/5 reads/5 reads/5+approle"}
bao=$(command -v bao || true)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/keycask/openbao-2.7.2/bao"
[ -n "$bao" ] || { [ -x "$cache" ] && bao=$cache; } || true
echo "## Transit root through a Raft election (OpenBao, 3 nodes on loopback)"
echo
if [ -z "$bao" ] || ! command -v curl >/dev/null 2>&1 || ! command -v jq >/dev/null 2>&1; then
    echo "OpenBao's bao (make test-deps), curl or jq is not installed here: not measured."
    exit 0
fi
work=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s%N; }
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# cluster DIR MULTIPLIER EXTRA: starts, initialises and unseals 3 nodes;
# sets addr0..addr2, pid0..pid2, token, active (index of the active node).
cluster() {
    dir=$1
    mkdir -p "$dir"
    for i in 0 1 2; do
        api=$(free_port); cl=$(free_port)
        mkdir -p "$dir/n$i"
        cat >"$dir/n$i.hcl" <<EOF
storage "raft" {
  path = "$dir/n$i"
  node_id = "n$i"
  performance_multiplier = $2
}
listener "tcp" {
  address = "127.0.0.1:$api"
  cluster_address = "127.0.0.1:$cl"
  tls_disable = true
}
api_addr = "http://127.0.0.1:$api"
cluster_addr = "http://127.0.0.1:$cl"
disable_mlock = true
$3
EOF
        HOME=$dir "$bao" server -config="$dir/n$i.hcl" >"$dir/n$i.log" 2>&1 &
        eval "pid$i=$!; addr$i=http://127.0.0.1:$api"
        pids="$pids $!"
    done
    for i in 0 1 2; do
        eval "a=\$addr$i"
        until curl -s -o /dev/null "$a/v1/sys/health"; do sleep 0.1; done
    done
    init=$(curl -sf -X POST "$addr0/v1/sys/init" -d '{"secret_shares":1,"secret_threshold":1}')
    key=$(echo "$init" | jq -r '.keys_base64[0]')
    token=$(echo "$init" | jq -r .root_token)
    curl -sf -X POST "$addr0/v1/sys/unseal" -d "{\"key\":\"$key\"}" >/dev/null
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "$addr0/v1/sys/health")" = 200 ]; do sleep 0.1; done
    curl -sf -X POST -H "X-Vault-Token: $token" "$addr0/v1/sys/storage/raft/autopilot/configuration" \
        -d '{"server_stabilization_time":"1s"}' >/dev/null
    for i in 1 2; do
        eval "a=\$addr$i"
        curl -sf -X POST "$a/v1/sys/storage/raft/join" -d "{\"leader_api_addr\":\"$addr0\"}" >/dev/null
        curl -sf -X POST "$a/v1/sys/unseal" -d "{\"key\":\"$key\"}" >/dev/null
    done
    n=0
    until [ "$(curl -s -H "X-Vault-Token: $token" "$addr0/v1/sys/storage/raft/configuration" \
        | jq '[.data.config.servers[]? | select(.voter)] | length')" = 3 ]; do
        n=$((n + 1)); [ $n -lt 600 ] || { echo "no 3 voters" >&2; exit 1; }
        sleep 0.1
    done
    curl -sf -X POST -H "X-Vault-Token: $token" "$addr0/v1/sys/mounts/transit" -d '{"type":"transit"}' >/dev/null
    curl -sf -X POST -H "X-Vault-Token: $token" "$addr0/v1/transit/keys/keycask-root" -d '{"type":"aes256-gcm96"}' >/dev/null
    leader=$(curl -s "$addr0/v1/sys/leader" | jq -r .leader_address)
    active=""
    for i in 0 1 2; do
        eval "a=\$addr$i"
        if [ "$a" = "$leader" ]; then active=$i; fi
    done
    [ -n "$active" ] || { echo "no active node" >&2; exit 1; }
}

cat <<'TEXT'
keycask's URL names a standby that survives; the active node (found with
`sys/leader`) is SIGKILLed and `keycask -v unwrap` runs back to back until a
survivor reports itself active and 3 unwraps in a row succeed after that
(at least 20). Election: from the kill to a survivor's `sys/leader` saying
`is_self` (polled every 50 ms). Set-ups: `forward` = `disable_standby_reads =
true` (standbys forward everything, as Vault's do), `reads` = OpenBao 2.7's
default (standbys answer reads, Transit decrypt included); `/N` = Raft
`performance_multiplier` (5 is the default); `+approle` = keycask logs in with
AppRole (a login needs the active node).

TEXT
echo "| set-up | round | election (s) | unwraps after the kill | failed (exit 1) | succeeded after retries | retries | longest unwrap (s) | first success after the kill (s) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for setup in $SETUPS; do
    case $setup in
        forward/*) extra="disable_standby_reads = true" ;;
        *) extra="" ;;
    esac
    mult=${setup#*/}; mult=${mult%%+*}
    r=1
    while [ $r -le "$ROUNDS" ]; do
        d="$work/$(echo "$setup" | tr '/+' '__')-$r"
        pids=""
        cluster "$d" "$mult" "$extra"
        standby=$(( (active + 1) % 3 ))
        eval "url=\$addr$standby; dead=\$pid$active"
        export VAULT_TOKEN="$token"
        # A standby that answers reads itself has the key only once it has
        # replicated there (eventual consistency).
        until [ "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Vault-Token: $token" \
            "$url/v1/transit/keys/keycask-root")" = 200 ]; do sleep 0.1; done
        kc() { "$KEYCASK" --keyring "$d/ring.json" "$@"; }
        kc init --root "transit:$url/v1/transit/keys/keycask-root" >/dev/null
        kc keygen backups >/dev/null
        printf hello | kc wrap -k backups -o "$d/e.kc"
        case $setup in
            *+approle)
                # Set up on the active node (enabling an auth method through a
                # read-enabled standby left that standby refusing logins here).
                curl -sf -X POST -H "X-Vault-Token: $token" "$leader/v1/sys/auth/approle" -d '{"type":"approle"}' >/dev/null
                curl -sf -X POST -H "X-Vault-Token: $token" "$leader/v1/sys/policies/acl/use" \
                    -d '{"policy":"path \"transit/decrypt/keycask-root\" { capabilities = [\"update\"] }"}' >/dev/null
                curl -sf -X POST -H "X-Vault-Token: $token" "$leader/v1/auth/approle/role/ci" \
                    -d '{"token_policies":["use"],"token_ttl":"1h"}' >/dev/null
                role=$(curl -sf -H "X-Vault-Token: $token" "$leader/v1/auth/approle/role/ci/role-id" | jq -r .data.role_id)
                curl -sf -X POST -H "X-Vault-Token: $token" "$leader/v1/auth/approle/role/ci/secret-id" \
                    | jq -r .data.secret_id >"$d/secret-id"
                chmod 600 "$d/secret-id"
                unset VAULT_TOKEN
                export KEYCASK_TRANSIT_ROLE_ID="$role" KEYCASK_TRANSIT_SECRET_ID_FILE="$d/secret-id"
                # Standbys must have the role before the kill.
                n=0
                until kc unwrap "$d/e.kc" >/dev/null 2>"$d/err"; do
                    n=$((n + 1)); [ $n -lt 100 ] || { echo "AppRole login fails: $(cat "$d/err")" >&2; exit 1; }
                    sleep 0.2
                done
                ;;
        esac
        kill -9 "$dead"
        t0=$(now)
        # The poller: the first survivor to call itself active.
        (
            while :; do
                for i in 0 1 2; do
                    if [ "$i" = "$active" ]; then continue; fi
                    eval "a=\$addr$i"
                    if [ "$(curl -s -m 1 "$a/v1/sys/leader" | jq -r .is_self 2>/dev/null)" = true ]; then
                        echo $(( $(now) - t0 )) >"$d/elected"; exit 0
                    fi
                done
                sleep 0.05
            done
        ) &
        poller=$!
        count=0 failed=0 retried_ok=0 retries=0 longest=0 first_ok=0 ok_after=0
        while :; do
            s=$(now)
            if kc -v unwrap "$d/e.kc" >"$d/out" 2>"$d/err"; then code=0; else code=$?; fi
            e=$(now)
            count=$((count + 1))
            n=$(grep -c '; retrying in ' "$d/err" || true)
            retries=$((retries + n))
            if [ $((e - s)) -gt "$longest" ]; then longest=$((e - s)); fi
            if [ $code -eq 0 ]; then
                [ "$(cat "$d/out")" = hello ] || { echo "WRONG DATA" >&2; exit 1; }
                if [ "$n" -gt 0 ]; then retried_ok=$((retried_ok + 1)); fi
                [ "$first_ok" -gt 0 ] || first_ok=$((e - t0))
                if [ -f "$d/elected" ]; then ok_after=$((ok_after + 1)); fi
            else
                [ $code -eq 1 ] || { echo "exit $code: $(cat "$d/err")" >&2; exit 1; }
                failed=$((failed + 1)); ok_after=0
            fi
            if [ -f "$d/elected" ] && [ $ok_after -ge 3 ] && [ $count -ge 20 ]; then break; fi
            [ $(((e - t0) / 1000000000)) -lt 180 ] || { echo "no election in 180 s" >&2; break; }
        done
        kill "$poller" 2>/dev/null || true
        elected=$(cat "$d/elected" 2>/dev/null || echo 0)
        printf '| %s | %d | %d.%02d | %d | %d | %d | %d | %d.%02d | %d.%02d |\n' "$setup" "$r" \
            $((elected / 1000000000)) $((elected / 10000000 % 100)) "$count" "$failed" "$retried_ok" "$retries" \
            $((longest / 1000000000)) $((longest / 10000000 % 100)) \
            $((first_ok / 1000000000)) $((first_ok / 10000000 % 100))
        unset KEYCASK_TRANSIT_ROLE_ID KEYCASK_TRANSIT_SECRET_ID_FILE VAULT_TOKEN
        for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
        wait 2>/dev/null || true
        r=$((r + 1))
    done
done
echo
echo "keycask's retry budget: ${KEYCASK_TRANSIT_RETRY_SECONDS:-5 (default)} s."
