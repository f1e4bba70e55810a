"""models.bench_train on the micro preset: it times what train_tiny runs and writes every number."""

from __future__ import annotations

import json
from pathlib import Path

from models import bench_train
from models.export import PRESETS


def test_bench_reports_scene_loader_and_every_tasks_step_time(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    bench_train.main(
        "--schedule cpu --batch 2 --preset micro --workers 1 --loader-seconds 0.5 --repeats 1".split()
        + ["--json", str(out)]
    )
    report = json.loads(out.read_text())
    assert report["device"] == "cpu" and report["batch"] == 2 and report["workers"] == 1
    assert report["scene_s"] > 0 and report["loader_scenes_per_s"] > 0
    steps = report["step_s_fp32"]  # the cpu schedule's precision
    assert set(steps) == {"step", *PRESETS["micro"].tasks()}  # the whole step and each task's share
    assert all(s > 0 for s in steps.values())
