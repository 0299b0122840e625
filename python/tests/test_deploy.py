"""The deployment examples in deploy/ run as written: the Slurm array script and the Kubernetes Job's
worker command each drain a queue in a PostgreSQL store (MEDGYM_TEST_POSTGRES, which .ci/run sets from
scripts/test-postgres.sh start) with the real `medgym` binary (MEDGYM_BINARY, default .build/debug)."""
import os
import subprocess
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("MEDGYM_BINARY") or os.path.join(ROOT, ".build", "debug", "medgym")
SERVER = os.environ.get("MEDGYM_TEST_POSTGRES")

pytestmark = pytest.mark.skipif(not SERVER, reason='set MEDGYM_TEST_POSTGRES (eval "$(scripts/test-postgres.sh start)")')


def new_database():
    """A new database on the test server: its URL without the password, and the password."""
    name = "medgym_deploy_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", SERVER, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    parts = urlsplit(SERVER)
    netloc = f"{parts.username}@{parts.hostname}:{parts.port}"
    return urlunsplit(("postgres", netloc, "/" + name, "", "")), parts.password


def environment(store, password):
    env = dict(os.environ)
    env.update(MEDGYM_STORE=store, PGPASSWORD=password, PATH=os.path.dirname(BINARY) + os.pathsep + env["PATH"])
    return env


def queue(env, seeds):
    subprocess.run(
        [BINARY, "batch", "--fixtures", "adv_aaa_30min,adv_cocaine_dissection", "--seeds", seeds, "--agent", "expert", "--enqueue"],
        check=True, env=env, capture_output=True)


def status(env):
    return subprocess.run([BINARY, "queue", "status"], check=True, env=env, capture_output=True, text=True).stdout


def test_the_slurm_array_script_drains_the_queue():
    store, password = new_database()
    env = environment(store, password)
    queue(env, "1-4")
    assert status(env).startswith("8 pending, 0 leased, 0 done, 0 failed")
    env["SLURM_CPUS_PER_TASK"] = "2"
    task = subprocess.run(["bash", os.path.join(ROOT, "deploy/slurm/medgym-workers.sbatch")], env=env, capture_output=True, text=True)
    assert task.returncode == 0, task.stderr
    assert "8 stored, 0 already stored, 0 failed" in task.stdout
    assert f":{password}@" not in task.stdout + task.stderr
    assert status(env).startswith("0 pending, 0 leased, 8 done, 0 failed")
    # Without a PostgreSQL store it says what to set.
    env["MEDGYM_STORE"] = "traces/medgym.sqlite"
    refused = subprocess.run(["bash", os.path.join(ROOT, "deploy/slurm/medgym-workers.sbatch")], env=env, capture_output=True, text=True)
    assert refused.returncode == 64 and "must be a postgres:// store" in refused.stderr


def test_the_kubernetes_job_runs_workers_from_its_secret():
    with open(os.path.join(ROOT, "deploy/kubernetes/medgym-workers.yaml")) as f:
        documents = list(yaml.safe_load_all(f))
    secret = next(d for d in documents if d["kind"] == "Secret")
    job = next(d for d in documents if d["kind"] == "Job")
    assert job["apiVersion"] == "batch/v1" and job["spec"]["completionMode"] == "Indexed"
    assert job["spec"]["parallelism"] <= job["spec"]["completions"]
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] in ("OnFailure", "Never")
    container = pod["containers"][0]
    assert [s["secretRef"]["name"] for s in container["envFrom"]] == [secret["metadata"]["name"]]
    command = container["command"]
    assert command[:2] == ["medgym", "worker"] and "--exit-when-empty" in command
    assert urlsplit(secret["stringData"]["MEDGYM_STORE"]).password is None, "no password in the store URL"

    # The pod's command as the pod runs it: the secret's variables, this test server's database.
    store, password = new_database()
    env = environment(store, password)
    for key in secret["stringData"]:
        assert key in ("MEDGYM_STORE", "PGPASSWORD", "MODEL_API_KEY")
    queue(env, "1-3")
    pods = [subprocess.Popen([os.path.join(os.path.dirname(BINARY), command[0])] + command[1:], env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0] for p in pods]
    assert all(p.returncode == 0 for p in pods), outputs
    stored = sum(int(o.split(" stored")[0].split()[-1]) for o in outputs)
    assert stored == 6, outputs
    assert status(env).startswith("0 pending, 0 leased, 6 done, 0 failed")
