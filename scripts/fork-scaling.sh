#!/usr/bin/env bash
# Fork time against store size: builds stores of N episodes (expert and
# anchoring over the shipped fixtures, with the demo episode imported), then
# times `replay fork` of the demo at step 13 in each, and `replay verify --all`.
# Usage: scripts/fork-scaling.sh [N ...]   (default: 1000 10000; 100000 takes ~4 GB and a few minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product medgym >/dev/null
swift build -c release --product replay >/dev/null
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1000 10000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for n in "${sizes[@]}"; do
  store="$work/store-$n.sqlite"
  seeds=$(( (n + 5) / 6 ))
  .build/release/medgym batch --fixtures '*' --seeds "1-$seeds" --agent expert,anchoring --jobs 2 --yes --store "$store" >/dev/null
  # The demo's trace may already be there under a batch id (one run is stored once): fork that id.
  demo=$(.build/release/replay import --store "$store" traces/ep_0fa72a32ec1d.jsonl | grep -o 'ep_[0-9a-f]\{12\}' | tail -1)
  count=$(.build/release/replay list --store "$store" | grep -c '^ep_' || true)
  start=$(date +%s.%N)
  for _ in $(seq 1 20); do
    .build/release/replay fork "$demo" --at 13 --action "CTA chest" --store "$store" >/dev/null
  done
  end=$(date +%s.%N)
  vstart=$(date +%s.%N)
  .build/release/replay verify --all --store "$store" >/dev/null
  vend=$(date +%s.%N)
  bytes=$(stat -c %s "$store")
  awk -v n="$count" -v s="$start" -v e="$end" -v vs="$vstart" -v ve="$vend" -v b="$bytes" 'BEGIN {
    printf "%7d episodes: replay fork %.1f ms per process (20 runs), verify --all %.2f ms per episode, %.1f KB per episode\n",
      n, (e - s) * 1000 / 20, (ve - vs) * 1000 / n, b / n / 1024 }'
done
