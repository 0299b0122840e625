#!/usr/bin/env python3
"""Env-steps per second from Python: one environment, and a vector of them.

  python3 scripts/python_bench.py [--bin .build/release] [--seconds 3] [--envs 16]

Plays the expert-free loop a trainer runs: every environment steps through a
fixed cycle of work-up actions (never a disposition, so episodes run to their
step limit and reset), on `adv_cocaine_dissection`. Prints, each over about
`--seconds` of stepping (best of three runs, the machine's noise is large):

- one `medgym.make` environment, `step()` per call, without a store and with one;
- `gymnasium.make_vec("MedGym/adv_cocaine_dissection-v0", num_envs=N)`, one
  request per vector step, without a store and with one;
  with one server process and with two (`servers=2`: each steps half the
  environments, at once, on its own core);
- the server alone, fed 2,000 requests from a file (no pipe wake-ups, no Python);
- where a vector step's time goes: a server's own time per env-step it steps
  (its `elapsed_us` counter); the rest is the pipe and Python, and with two
  servers the time they step at once counts once.
"""
import argparse, os, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = "adv_cocaine_dissection"
CYCLE = ["12-lead ECG", "cardiac monitor", "troponin", "ask about drug use", "blood pressure in both arms", "CBC",
         "listen to lungs", "cardiac exam", "observe and reassess", "lorazepam 2 mg IV"]


def single(binary, store, seconds):
    import medgym
    env = medgym.make(FIXTURE, binary=binary, store=store)
    env.reset(seed=1)
    steps, episode, start = 0, 1, time.perf_counter()
    while time.perf_counter() - start < seconds:
        _, _, terminated, truncated, _ = env.step(CYCLE[steps % len(CYCLE)])
        steps += 1
        if terminated or truncated:
            episode += 1
            env.reset(seed=episode)
    elapsed = time.perf_counter() - start
    env.close()
    return steps / elapsed


def vector(binary, store, seconds, envs, servers):
    import gymnasium
    import medgym  # noqa: F401  (registers the environments)
    vec = gymnasium.make_vec(f"MedGym/{FIXTURE}-v0", num_envs=envs, binary=binary, store=store, servers=servers)
    processes = vec.unwrapped._servers
    vec.reset(seed=1)
    for server in processes:
        server.call("stats", reset=True)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        vec.step([CYCLE[(steps + i) % len(CYCLE)] for i in range(envs)])
        steps += 1
    elapsed = time.perf_counter() - start
    stats = [server.call("stats") for server in processes]
    vec.close()
    # Each server's own time per env-step it stepped (they step at once, each on its core).
    return steps * envs / elapsed, sum(s["elapsed_us"] for s in stats) / max(sum(s["env_steps"] for s in stats), 1)


def alone(binary, envs, requests=2000):
    """The server by itself: `requests` step_batch lines for `envs` environments (each reset every
    15 steps, in turn) fed from a file to `serve --stdio --no-store`; its own µs an env-step."""
    import json, subprocess
    names = [f"e{i}" for i in range(envs)]
    lines = [json.dumps({"id": 0, "method": "reset_batch", "params": {"resets": [
        {"env": n, "fixture": FIXTURE, "seed": i + 1} for i, n in enumerate(names)]}})]
    for s in range(requests):
        steps = [{"env": n, "reset": {"fixture": FIXTURE, "seed": s * envs + i}} if (s + i) % 15 == 14
                 else {"env": n, "action": CYCLE[(s + i) % len(CYCLE)]} for i, n in enumerate(names)]
        lines.append(json.dumps({"id": s + 1, "method": "step_batch", "params": {"steps": steps}}))
    lines.append(json.dumps({"id": requests + 1, "method": "stats"}))
    with tempfile.TemporaryFile() as feed:
        feed.write(("\n".join(lines) + "\n").encode())
        feed.seek(0)
        start = time.perf_counter()
        out = subprocess.run([binary, "serve", "--stdio", "--no-store"], stdin=feed, capture_output=True, check=True).stdout
        elapsed = time.perf_counter() - start
    stats = json.loads(out.splitlines()[-1])["result"]
    return 1e6 * elapsed / (requests * envs), stats["elapsed_us"] / max(stats["env_steps"], 1)


def best(runs):
    return max(runs, key=lambda r: r if isinstance(r, float) else r[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "release"))
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--envs", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    binary = os.path.join(os.path.abspath(args.bin), "medgym")
    with tempfile.TemporaryDirectory() as tmp:
        stores = {"no store": False, "store": os.path.join(tmp, "bench.sqlite")}
        print(f"MedGym from Python on {FIXTURE} ({args.bin}), best of {args.runs} runs of {args.seconds:g} s:")
        for name, store in stores.items():
            rate = best([single(binary, store, args.seconds) for _ in range(args.runs)])
            print(f"  one environment, {name:8}: {rate:10,.0f} env-steps/s ({1e6 / rate:6.1f} µs a step)")
        for servers in (1, 2):
            for name, store in stores.items():
                rate, server = best([vector(binary, store, args.seconds, args.envs, servers) for _ in range(args.runs)])
                wall = 1e6 / rate
                print(f"  make_vec num_envs={args.envs}, servers={servers}, {name:8}: {rate:8,.0f} env-steps/s ({wall:5.1f} µs an env-step; "
                      f"a server's own {server:5.1f} µs an env-step it steps)")
        whole, own = min(alone(binary, args.envs) for _ in range(args.runs))
        print(f"  the server alone, 2,000 requests of {args.envs} fed from a file: {whole:5.1f} µs an env-step "
              f"(process start included; {own:5.1f} µs answering requests)")

if __name__ == "__main__":
    sys.exit(main())
