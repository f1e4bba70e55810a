"""models/ranks.py: ranks that each train on their share of a batch step as one process would on
the batch's averaged gradients."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

from models import train_tiny as tt
from models.ranks import Ranks, spawn

SCHED = tt.Schedule(steps=2, batch=4, lr=1e-3, warmup=1, grid_negatives=2, semantic_points=2, ranks=2)


def _collectives(ranks: Ranks, out: Path) -> None:
    result = {
        "agree": ranks.agree(5 + ranks.rank),
        "mean": float(ranks.mean({"x": torch.tensor(float(ranks.rank))})["x"]),
    }
    (out / f"{ranks.rank}.json").write_text(json.dumps(result))


def test_ranks_agree_on_rank_zeros_decision_and_average_their_values(tmp_path: Path) -> None:
    spawn(_collectives, 2, tmp_path)
    for rank in (0, 1):
        assert json.loads((tmp_path / f"{rank}.json").read_text()) == {"agree": 5, "mean": 0.5}


def test_two_ranks_step_as_one_process_on_the_mean_of_their_halves_gradients(tmp_path: Path) -> None:
    model, ran = tt.train_on_ranks(tmp_path, SCHED, 3, False, 0, preset="micro", val_every=0, log_every=1)
    assert ran == SCHED
    logged = [json.loads(line)["step"] for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert logged == [1, 2]  # rank 0 alone logs

    torch.manual_seed(3)
    ref, tok, tasks = tt.build(3, "micro")
    ref.train()
    trainer = tt.Trainer(ref, tok, tasks, torch.device("cpu"))
    side, patch = tasks["detection"].grid_side(ref.cfg), ref.cfg.patch_size
    opt = torch.optim.AdamW(ref.parameters(), lr=SCHED.lr, weight_decay=0.05, betas=(0.9, 0.98))
    params = list(ref.parameters())
    for step in range(SCHED.steps):
        for group in opt.param_groups:
            group["lr"] = tt.lr_at(step, SCHED)
        grads = []
        for rank in range(2):  # rank r trains on scenes r, r + 2, ... of the stream
            half = [
                tt.make_sample(tt.TRAIN_SEED, 4 * step + rank + 2 * k, tok, tasks, side, patch, SCHED)
                for k in range(2)
            ]
            opt.zero_grad(set_to_none=True)
            sum(trainer.losses(half).values()).backward()  # type: ignore[union-attr]
            grads.append([p.grad.clone() for p in params])  # type: ignore[union-attr]
        for p, g0, g1 in zip(params, *grads):
            p.grad = (g0 + g1) / 2
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
    for name, value in ref.state_dict().items():
        # Each rank runs its matmuls on one thread, this process on two: rounding apart. AdamW's
        # first steps move a weight by about lr whatever its gradient's size, so keys' biases,
        # whose gradient is rounding alone (softmax ignores them), differ by up to ~3% of lr.
        assert torch.allclose(model.state_dict()[name], value, rtol=0, atol=SCHED.lr / 20), name


def _wait_forever(ranks: Ranks, out: Path) -> None:
    (out / f"{ranks.rank}.pid").write_text(str(os.getpid()))
    time.sleep(600)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ranks_end_when_the_process_that_spawned_them_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from pathlib import Path; from models.ranks import spawn; from models.tests.test_ranks import _wait_forever; "
            f"spawn(_wait_forever, 2, Path({str(tmp_path)!r}))",
        ],
        cwd=Path(__file__).parents[2],
        # As a shell starts a command with `&`: SIGINT ignored, which torch's own request (SIGINT
        # to the ranks when the parent dies) then cannot override.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        pids = [tmp_path / f"{rank}.pid" for rank in (0, 1)]
        deadline = time.monotonic() + 60
        while not all(p.exists() and p.read_text() for p in pids):
            assert time.monotonic() < deadline and parent.poll() is None, "the ranks never started"
            time.sleep(0.2)
        ranks = [int(p.read_text()) for p in pids]
        assert all(_alive(pid) for pid in ranks)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in ranks) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in ranks)
