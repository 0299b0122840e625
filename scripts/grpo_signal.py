#!/usr/bin/env python3
"""How often a GRPO group carries no signal, under each fork continuation.

  python3 scripts/grpo_signal.py [--bin .build/release] [--seeds 1-12] [--group 8]

GRPO learns only from groups whose rewards differ: a group whose completions
all score the same has zero advantage (TRL's `frac_reward_zero_std`). This
records a corpus of episodes (every shipped fixture x the expert, anchoring
and random agents x the seeds: 108 episodes for 1-12), sweeps every step of
every episode with the answer key's candidate actions under each continuation
(`replay sweep --candidates key --continue C`), and draws, per step, groups
of `--group` distinct candidates (seeded) as a policy's samples would be.
Printed per continuation: the share of groups with zero reward spread, over
every candidate and over the candidates that are not contraindicated there
(the choice among reasonable actions, where a continuation that repairs or
ignores the difference hides it), and the mean spread. The reward's default
continuation is the one with the fewest silent groups among reasonable
actions (docs/corpora.md gives the figures).
"""
import argparse, json, os, random, statistics, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sweep(replay, store, episode, continuation):
    out = subprocess.run([replay, "sweep", episode, "--store", store, "--candidates", "key", "--continue", continuation,
                          "--jobs", "1", "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)["steps"]


def groups(steps, size, rng, safe_only):
    for step in steps:
        pool = [a["composite"] for a in step["alternatives"] if not (safe_only and a.get("contraindication"))]
        if len(pool) >= 2:
            yield rng.sample(pool, min(size, len(pool)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "release"))
    parser.add_argument("--seeds", default="1-12")
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    medgym, replay = (os.path.join(os.path.abspath(args.bin), name) for name in ("medgym", "replay"))
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "store.sqlite")
        subprocess.run([medgym, "batch", "--seeds", args.seeds, "--agent", "expert,anchoring,random", "--label", "signal",
                        "--jobs", "2", "--store", store], check=True, stdout=subprocess.DEVNULL)
        listing = subprocess.run([replay, "list", "--store", store, "--json"], check=True, capture_output=True, text=True).stdout
        episodes = sorted(e["episode"] for e in json.loads(listing))
        print(f"{len(episodes)} episodes; groups of {args.group} key candidates per step, seeded")
        print(f"{'continuation':<13} {'steps':>6} {'zero-spread groups':>19} {'… among safe actions':>21} {'mean spread':>12}")
        for continuation in ("original", "expert", "none"):
            with ThreadPoolExecutor(args.jobs) as pool:
                swept = list(pool.map(lambda e: sweep(replay, store, e, continuation), episodes))
            steps = [step for episode in swept for step in episode]
            rng = random.Random(20261206)
            every = list(groups(steps, args.group, rng, safe_only=False))
            safe = list(groups(steps, args.group, rng, safe_only=True))
            silent = sum(max(g) == min(g) for g in every) / len(every)
            silent_safe = sum(max(g) == min(g) for g in safe) / len(safe)
            spread = statistics.mean(statistics.pstdev(g) for g in every)
            print(f"{continuation:<13} {len(steps):>6} {silent:>18.1%} {silent_safe:>21.1%} {spread:>12.2f}")


if __name__ == "__main__":
    sys.exit(main())
