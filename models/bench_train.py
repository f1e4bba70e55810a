"""Where a UFO-Tiny training step's time goes on this machine: scenes, the loader, the step, its ops.

    python -m models.bench_train                                  # the machine's schedule, as trained
    python -m models.bench_train --batch 128 --precision fp32 --precision bf16 --profile
    python -m models.bench_train --json runs/bench-train.json     # the numbers, for a script to read

Prints, one line each: the seconds to generate a training scene in this process, the scenes a
second the loader's workers deliver (`--workers`, as train_tiny starts them; the main process
waits), and the seconds of a whole training step (forward, backward, AdamW) and of each task's
pass alone, on one batch held in memory, for every `--precision` asked for (with the gpu
schedule's stack_tasks the step batches the tasks' passes, so they add up to more than it).
`--profile` adds the operators that take the most host time over two steps, and on CUDA those that
take the most device time: a step whose host time far exceeds its device time is bound by kernel
launches, and a larger batch costs it little.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import torch
from torch import Tensor
from torch.profiler import ProfilerActivity, profile

from . import train_tiny as tt

Losses = Callable[[], dict[str, Tensor]]


def scene_seconds(make: Callable[[int], object], count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        make(i)
    return (time.perf_counter() - started) / count


def loader_scenes_per_second(stream: tt.SceneStream, batch: int, workers: int, seconds: float) -> float:
    """Scenes a second from `workers` loader processes, timed after the first batch (their start)."""
    batches = iter(tt.scene_loader(stream, batch, workers))
    next(batches)
    started, count = time.perf_counter(), 0
    while time.perf_counter() - started < seconds:
        next(batches)
        count += 1
    return count * batch / (time.perf_counter() - started)


class StepTimer:
    """Times optimiser steps of one model on one batch, synchronising the device around each."""

    def __init__(self, trainer: tt.Trainer, device: torch.device, precision: str) -> None:
        self.trainer, self.device = trainer, device
        self.opt = torch.optim.AdamW(trainer.model.parameters(), lr=1e-5)
        self.bf16 = device.type == "cuda" and precision == "bf16"  # as train_tiny: autocast on CUDA only

    def sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize()

    def step(self, losses: Losses) -> float:
        self.sync()
        started = time.perf_counter()
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            total = sum(losses().values())
        self.opt.zero_grad(set_to_none=True)
        total.backward()  # type: ignore[union-attr]
        self.opt.step()
        self.sync()
        return time.perf_counter() - started

    def mean(self, losses: Losses, repeats: int) -> float:
        self.step(losses)  # warm-up: allocator, kernels, autocast's weight casts
        return sum(self.step(losses) for _ in range(repeats)) / repeats


def task_steps(trainer: tt.Trainer, batch: list[dict[str, object]]) -> dict[str, Losses]:
    """The whole step and each task's share of it, as train_tiny's losses() runs them."""
    return {"step": lambda: trainer.losses(batch), **trainer.task_losses(batch)}


def print_profile(timer: StepTimer, losses: Losses, rows: int = 15) -> None:
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if timer.device.type == "cuda" else [])
    with profile(activities=activities) as prof:
        for _ in range(2):
            timer.step(losses)
    table = prof.key_averages()
    print(table.table(sort_by="self_cpu_time_total", row_limit=rows, max_name_column_width=40))
    if timer.device.type == "cuda":
        print(table.table(sort_by="self_cuda_time_total", row_limit=rows, max_name_column_width=40))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m models.bench_train", description=__doc__.split("\n\n")[0])
    ap.add_argument("--schedule", choices=sorted(tt.SCHEDULES), help="default: gpu with CUDA, else cpu")
    ap.add_argument("--batch", type=int, help="default: the schedule's")
    ap.add_argument(
        "--precision",
        action="append",
        choices=("bf16", "fp32"),
        help="CUDA only, repeatable (default: the schedule's)",
    )
    ap.add_argument("--workers", type=int, default=tt.default_workers(), help="loader processes timed")
    ap.add_argument("--loader-seconds", type=float, default=10.0)
    ap.add_argument("--repeats", type=int, default=3, help="timed steps per measurement")
    ap.add_argument("--preset", default="ufo-tiny")
    ap.add_argument("--profile", action="store_true", help="the costliest operators of a step")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args(argv)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    sched = tt.SCHEDULES[args.schedule or ("gpu" if device.type == "cuda" else "cpu")]
    if args.batch:
        sched = replace(sched, batch=args.batch)
    torch.backends.cuda.matmul.allow_tf32 = True  # as train_tiny: fp32 matmuls run as TF32 on CUDA
    model, tok, tasks = tt.build(0, args.preset)
    side, patch = tasks["detection"].grid_side(model.cfg), model.cfg.patch_size

    def make(i: int) -> dict[str, object]:
        return tt.make_sample(tt.TRAIN_SEED, i, tok, tasks, side, patch, sched)

    report: dict[str, object] = {
        "device": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
        "batch": sched.batch,
        "torch_threads": torch.get_num_threads(),
        "workers": args.workers,
    }
    report["scene_s"] = round(scene_seconds(make, min(sched.batch, 32)), 4)
    print(json.dumps(report), flush=True)
    stream = tt.SceneStream(tt.TRAIN_SEED, 0, tok, tasks, side, patch, sched)
    rate = loader_scenes_per_second(stream, sched.batch, args.workers, args.loader_seconds)
    report["loader_scenes_per_s"] = round(rate, 1)
    print(json.dumps({"loader_scenes_per_s": report["loader_scenes_per_s"]}), flush=True)

    batch = [make(i) for i in range(sched.batch)]
    trainer = tt.Trainer(model.to(device), tok, tasks, device, sched.caption_images, sched.stack_tasks)
    for precision in args.precision or [sched.precision]:
        timer = StepTimer(trainer, device, precision)
        seconds = {k: round(timer.mean(f, args.repeats), 4) for k, f in task_steps(trainer, batch).items()}
        report[f"step_s_{precision}"] = seconds
        print(json.dumps({"precision": precision, "step_s": seconds}), flush=True)
        if args.profile:
            print_profile(timer, task_steps(trainer, batch)["step"])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
