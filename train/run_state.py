"""Keep a long training run's resume state in the repository without growing its history.

    python -m train.run_state save --run runs/colornet2 [--branch colornet2-state]
    python -m train.run_state restore --run runs/colornet2 [--branch colornet2-state]
    python -m train.run_state show [--branch colornet2-state]

A run that spans several sittings (and machines) must be resumable from the repository alone, but
its checkpoint (weights, optimiser moments, the batch generator) is tens of MB and changes every
time. `save` writes the run's files as the single commit of a branch of their own, replacing the
previous one: `main` never carries them, and a superseded state is unreachable (git gc drops it),
so the repository holds one state per run however long it trains. `restore` puts them back into
the run folder, after which `python -m train.train_colornet --resume --out=RUN` goes on exactly
where the run stopped. Only git plumbing is used: the working tree and the current branch are
never touched.
"""
from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

import minitorch_color as mt

FILES = ("checkpoint.npz", "best.npz", "command.txt")  # what a run needs to resume and to be exported


def _git(*args, data: bytes | None = None) -> str:
    out = subprocess.run(["git", *args], input=data, capture_output=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {out.stderr.decode(errors='replace').strip()}")
    return out.stdout.decode().strip()


def save(run: Path, branch: str) -> str:
    """Commit run's FILES (those present; checkpoint.npz required) as the only commit of branch."""
    if not (run / "checkpoint.npz").exists():
        raise SystemExit(f"no checkpoint at {run / 'checkpoint.npz'}")
    step = _step(run)
    entries = []
    for name in FILES:
        if (run / name).exists():
            blob = _git("hash-object", "-w", str(run / name))
            entries.append(f"100644 blob {blob}\t{name}")
    tree = _git("mktree", data=("\n".join(entries) + "\n").encode())
    message = f"Resume state of {run.name} at step {step} (python -m train.run_state restore --run {run})"
    commit = _git("commit-tree", tree, "-m", message)
    _git("update-ref", f"refs/heads/{branch}", commit)
    return f"{branch} -> {commit[:12]}: {message}"


def _step(run: Path) -> int:
    return int(mt.load(run / "checkpoint.npz")["step"])


def _ref(branch: str) -> str:
    """The branch, or in a clone, its remote-tracking copy (origin/branch)."""
    for ref in (branch, f"origin/{branch}"):
        if subprocess.run(["git", "rev-parse", "--verify", "-q", ref], capture_output=True).returncode == 0:
            return ref
    raise SystemExit(f"no branch {branch} (nor origin/{branch}): no saved state to restore")


def restore(run: Path, branch: str) -> str:
    """Write branch's files into run (created if needed)."""
    branch = _ref(branch)
    names = _git("ls-tree", "--name-only", branch).split("\n")
    run.mkdir(parents=True, exist_ok=True)
    for name in names:
        if name in FILES:
            blob = subprocess.run(["git", "show", f"{branch}:{name}"], capture_output=True, check=True).stdout
            tmp = run / f".{name}.restoring"
            tmp.write_bytes(blob)
            tmp.replace(run / name)
    return f"restored {', '.join(n for n in names if n in FILES)} into {run} (step {_step(run)})"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("action", choices=("save", "restore", "show"))
    p.add_argument("--run", type=Path, default=Path("runs/colornet2"))
    p.add_argument("--branch", default="colornet2-state")
    a = p.parse_args(argv)
    if a.action == "save":
        print(save(a.run, a.branch))
    elif a.action == "restore":
        print(restore(a.run, a.branch))
    else:
        ref = _ref(a.branch)
        print(json.dumps({"branch": ref, "commit": _git("log", "-1", "--format=%h %s", ref),
                          "files": _git("ls-tree", "-l", ref).split("\n")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
