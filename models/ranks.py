"""Data-parallel training on the CPU: one process per rank, each on its share of the batch.

On the 2-core CPU one training process keeps only about one core busy: OpenBLAS spreads each
matmul over both, but the matmuls are small and half of a step is other operators, which torch
runs on one thread here. Two processes of one thread each, each on half the batch, with their
gradients averaged before every update, step through the same recipe about 1.5x as fast.

Every rank holds the whole model and its own optimiser. The averaged gradients are the same on
every rank (two ranks add the same two numbers, in whichever order), so the weights stay
identical without being sent. More ranks than two could round their sums differently; this
project runs two.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import Tensor

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")


@dataclass(frozen=True)
class Ranks:
    """This process's place among the ranks of one run (rank 0 of 1: no data parallelism)."""

    rank: int = 0
    world: int = 1

    @property
    def is_main(self) -> bool:
        """The rank that logs, probes and saves."""
        return self.rank == 0

    def average_gradients(self, params: Iterable[torch.nn.Parameter]) -> None:
        """Every parameter's gradient replaced by its mean over the ranks, in one all-reduce. The
        same parameters must have gradients on every rank (in UFO-Tiny every task trains on every
        rank, so all of them do)."""
        if self.world == 1:
            return
        with_grad = [p for p in params if p.grad is not None]
        flat = torch.cat([p.grad.reshape(-1) for p in with_grad])  # type: ignore[union-attr]
        dist.all_reduce(flat)
        flat /= self.world
        for p, g in zip(with_grad, flat.split([p.numel() for p in with_grad])):
            p.grad.copy_(g.view_as(p))  # type: ignore[union-attr]

    def mean(self, values: dict[str, Tensor]) -> dict[str, Tensor]:
        """Scalars averaged over the ranks (the losses a log line reports for the whole batch)."""
        if self.world == 1:
            return values
        stacked = torch.stack([v.detach().float() for v in values.values()])
        dist.all_reduce(stacked)
        return dict(zip(values, stacked / self.world))

    def agree(self, n: int) -> int:
        """Rank 0's `n` on every rank: decisions from timings, which differ between processes."""
        if self.world == 1:
            return n
        t = torch.tensor([n])
        dist.broadcast(t, 0)
        return int(t)


def spawn(fn: Callable[..., None], world: int, *args: object) -> None:
    """Runs fn(Ranks(r, world), *args) in `world` new processes and waits for them all; an error in
    any one stops the others and is raised here. The cores are shared out among the ranks."""
    threads = str(max(1, (os.cpu_count() or world) // world))
    with socket.socket() as s:  # a free port for the ranks to meet on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # OpenBLAS and OpenMP read these when a new process loads torch: set for the spawn only.
    saved = {k: os.environ.get(k) for k in THREAD_VARIABLES}
    os.environ.update({k: threads for k in THREAD_VARIABLES})
    try:
        mp.spawn(_rank_main, args=(world, port, os.getpid(), fn, args), nprocs=world, join=True)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k)
            else:
                os.environ[k] = v


def _die_with_parent(parent: int) -> None:
    """Ends this process when the one that spawned it ends. mp.spawn asks for SIGINT then, which a
    run started in the background (`cmd &`) ignores: seen here, `kill` on such a training run left
    both ranks and their loader workers training on, into a folder a new run had taken over.
    Linux alone offers this signal."""
    if sys.platform != "linux":
        return
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent ended before the signal was asked for
        os._exit(1)


def _rank_main(
    rank: int, world: int, port: int, parent: int, fn: Callable[..., None], args: tuple[object, ...]
) -> None:
    _die_with_parent(parent)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        fn(Ranks(rank, world), *args)
    finally:
        dist.destroy_process_group()
