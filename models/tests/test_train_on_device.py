"""scripts/train-on-device.sh, a lent GPU's one training call, run here on the micro preset: what it
leaves under $OUT, and its fallback to task by task when the stacked run fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "train-on-device.sh"
MICRO = ["--preset", "micro", "--schedule", "gpu", "--batch", "2", "--steps", "2", "--workers", "0"]


def train_on_device(tmp_path: Path, python: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "OUT": str(out), "RUNS": str(tmp_path / "runs"), "PYTHON": python}
    done = subprocess.run(["bash", str(SCRIPT), *MICRO], env=env, capture_output=True, text=True, timeout=300)
    return done, out


def saved_schedule(path: Path) -> dict[str, object]:
    return torch.load(path)["schedule"]  # type: ignore[no-any-return]


def test_the_stacked_run_leaves_its_checkpoint_and_log_and_needs_no_fallback(tmp_path: Path) -> None:
    done, out = train_on_device(tmp_path, sys.executable)
    assert done.returncode == 0, done.stdout + done.stderr
    schedule = saved_schedule(out / "tiny" / "ufo-tiny.pth")
    assert schedule["stack_tasks"] is True and schedule["batch"] == 2
    assert (out / "tiny" / "log.jsonl").read_text().strip()
    assert not (out / "tiny-by-task").exists()
    log = (out / "train.log").read_text()
    assert "== tiny: exit 0" in log and "wrote" in log


def test_a_failed_stacked_run_leaves_the_time_to_a_task_by_task_run(tmp_path: Path) -> None:
    # The stacked path has never run on CUDA; a Python that fails when asked for it stands in for
    # that failure, and the task-by-task run gets the real interpreter.
    python = tmp_path / "python"
    python.write_text(
        "#!/bin/sh\n"
        'case " $* " in *" --stack-tasks "*) echo "CUDA error: a stand-in" >&2; exit 1;; esac\n'
        f'exec {sys.executable} "$@"\n'
    )
    python.chmod(0o755)
    done, out = train_on_device(tmp_path, str(python))
    assert done.returncode == 0, done.stdout + done.stderr
    log = (out / "train.log").read_text()
    assert "CUDA error: a stand-in" in log and "== tiny: exit 1" in log and "== tiny-by-task: exit 0" in log
    assert saved_schedule(out / "tiny-by-task" / "ufo-tiny.pth")["stack_tasks"] is False
    assert not (out / "tiny" / "ufo-tiny.pth").exists()
