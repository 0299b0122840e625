#!/usr/bin/env bash
# Four `medgym worker` processes drain a 2,000-episode queue in one PostgreSQL database; two of them run in
# network namespaces of their own, reaching the server over a veth pair as another machine would over its
# network. One of those is killed with SIGKILL in the middle of an episode. Then every job must be done
# once, the killed worker's job finished by another worker after its lease ran out, no episode stored
# twice, and `replay verify --all` must pass on the PostgreSQL store itself. Exit 0 only if all of it holds.
#
#   scripts/netns-workers.sh            # uses .build/debug; BIN=.build/release for the release build
#
# Needs root (ip netns), iproute2, Debian's postgresql (scripts/test-postgres.sh) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/debug}
[ "$(id -u)" = 0 ] || { echo "netns-workers: needs root for ip netns" >&2; exit 1; }
for tool in medgym replay; do [ -x "$BIN/$tool" ] || { echo "netns-workers: no $BIN/$tool; run swift build first" >&2; exit 1; }; done

unset MEDGYM_TEST_POSTGRES_DIR  # (a server of its own: the one the tests use is not this script's to stop)
tag=$(( $$ % 10000 ))
net=10.213
namespaces=()
workers=()
cleanup() {
  for pid in "${workers[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  [ -n "${MEDGYM_TEST_POSTGRES_DIR:-}" ] && scripts/test-postgres.sh stop || true
}
trap cleanup EXIT

# Two "machines": a namespace each, joined to this one by a veth pair on a subnet of its own.
for i in 1 2; do
  ns=medgym-w$i-$tag
  ip netns add "$ns"
  namespaces+=("$ns")
  ip link add "mgh$i-$tag" type veth peer name "mgn$i-$tag"
  ip link set "mgn$i-$tag" netns "$ns"
  ip addr add "$net.$i.1/24" dev "mgh$i-$tag"
  ip link set "mgh$i-$tag" up
  ip netns exec "$ns" ip addr add "$net.$i.2/24" dev "mgn$i-$tag"
  ip netns exec "$ns" ip link set "mgn$i-$tag" up
  ip netns exec "$ns" ip link set lo up
done

# The server listens on loopback and on this side of each veth; the medgym role may log in from the subnets.
eval "$(MEDGYM_TEST_POSTGRES_LISTEN="$net.1.1,$net.2.1 $net.0.0/16" scripts/test-postgres.sh start)"
port=$MEDGYM_TEST_POSTGRES_PORT
here=postgres://medgym:medgym@127.0.0.1:$port/medgym
psql_q() { PGPASSWORD=medgym psql -h 127.0.0.1 -p "$port" -U medgym -d medgym -tA -c "$1"; }

# From inside a namespace the server's loopback address is not reachable: that is another machine.
if ip netns exec "${namespaces[0]}" "$BIN/medgym" queue status --store "$here" >/dev/null 2>&1; then
  echo "netns-workers: the namespace reached 127.0.0.1:$port; it is not isolated" >&2
  exit 1
fi

# 2,000 jobs: 20 slow ones first (a cmd: agent that thinks 0.3 s a turn, so a worker can be killed
# mid-episode), then the expert and the anchoring agent on every shipped fixture, seeds 1-66.
slow="cmd:python3 Tests/ReplayTests/Agents/slow.py 0.3"
"$BIN/medgym" batch --fixtures adv_cocaine_dissection --seeds 1-20 --agent "$slow" --store "$here" --enqueue
"$BIN/medgym" batch --fixtures '*' --seeds 1-66 --agent expert,anchoring --store "$here" --enqueue
total=$(psql_q "SELECT count(*) FROM jobs")
[ "$total" = 2000 ] || { echo "netns-workers: $total jobs queued, not 2000" >&2; exit 1; }

start=$(date +%s.%N)
log=$(mktemp -d /tmp/medgym-netns.XXXXXX)
for i in 1 2; do
  ip netns exec "${namespaces[$((i - 1))]}" "$BIN/medgym" worker --store "postgres://medgym:medgym@$net.$i.1:$port/medgym" \
    --jobs 2 --lease 5 --exit-when-empty >"$log/ns$i.out" 2>&1 &
  workers+=($!)
done
for i in 3 4; do
  "$BIN/medgym" worker --store "$here" --jobs 2 --lease 5 --exit-when-empty >"$log/host$i.out" 2>&1 &
  workers+=($!)
done
victim=${workers[0]}

# Kill the first namespaced worker once it is a second into a slow episode.
held=""
for _ in $(seq 1 200); do
  held=$(psql_q "SELECT string_agg(id::text, ',') FROM jobs WHERE state = 'leased' AND worker LIKE '%:$victim:%' AND agent LIKE 'cmd:%'")
  [ -n "$held" ] && break
  sleep 0.1
done
[ -n "$held" ] || { echo "netns-workers: the namespaced worker $victim never leased a slow job" >&2; exit 1; }
sleep 1
{ kill -9 "$victim" || true; wait "$victim" || true; } 2>/dev/null
echo "killed worker $victim (in ${namespaces[0]}) holding job(s) $held mid-episode"

for pid in "${workers[@]:1}"; do wait "$pid" || { echo "netns-workers: worker $pid failed" >&2; cat "$log"/*.out >&2; exit 1; }; done
# A lease still running when the others found the queue empty: another worker, in the second namespace, after it expires.
for _ in $(seq 1 30); do
  open=$(psql_q "SELECT count(*) FROM jobs WHERE state <> 'done'")
  [ "$open" = 0 ] && break
  sleep 1
  ip netns exec "${namespaces[1]}" "$BIN/medgym" worker --store "postgres://medgym:medgym@$net.2.1:$port/medgym" \
    --lease 5 --exit-when-empty >>"$log/ns2.out" 2>&1 || { echo "netns-workers: a worker failed; its output is in $log/ns2.out" >&2; exit 1; }
done
elapsed=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")

status=$("$BIN/medgym" queue status --store "$here" | head -n 1 || true)
echo "$status"
case "$status" in "0 pending, 0 leased, 2000 done, 0 failed"*) ;; *) echo "netns-workers: the queue is not drained" >&2; exit 1 ;; esac
read -r jobs episodes distinct heads <<<"$(psql_q "SELECT (SELECT count(DISTINCT episode_id) FROM jobs), (SELECT count(*) FROM episodes), (SELECT count(DISTINCT episode_id) FROM episodes), (SELECT count(DISTINCT head_hash) FROM episodes)" | tr '|' ' ')"
echo "jobs' episodes $jobs, episodes stored $episodes ($distinct distinct ids, $heads distinct head hashes)"
[ "$jobs" = 2000 ] && [ "$episodes" = 2000 ] && [ "$distinct" = 2000 ] && [ "$heads" = 2000 ] || { echo "netns-workers: a duplicate or a missing episode" >&2; exit 1; }
again=$(psql_q "SELECT string_agg(id || ' attempts ' || attempts || ' finished by ' || worker, '; ') FROM jobs WHERE id IN ($held)")
echo "the killed worker's job(s): $again"
bad=$(psql_q "SELECT count(*) FROM jobs WHERE id IN ($held) AND (attempts < 2 OR worker LIKE '%:$victim:%' OR state <> 'done')")
[ "$bad" = 0 ] || { echo "netns-workers: a job of the killed worker was not finished by another" >&2; exit 1; }
echo "jobs finished by each worker process (pid, jobs; ${workers[0]} and ${workers[1]} in the namespaces):"
psql_q "SELECT split_part(worker, ':', 2), count(*) FROM jobs GROUP BY 1 ORDER BY 1" | sed 's/^/  /; s/|/  /'
across=$(psql_q "SELECT count(*) FROM jobs WHERE worker LIKE '%:${workers[1]}:%'")
[ "$across" -gt 0 ] || { echo "netns-workers: the worker in the second namespace finished no job" >&2; exit 1; }
verify=$("$BIN/replay" verify --all --store "$here" | tail -n 1 || true)
echo "$verify"
[ "$verify" = "2000 of 2000 episodes verified" ] || { echo "netns-workers: replay verify --all failed" >&2; exit 1; }
echo "netns-workers: 2,000 jobs drained in $elapsed s by 4 workers (2 in network namespaces, 1 killed mid-episode); no duplicate; verified"
rm -rf "$log"
