"""Make OpenBLAS use the CPU's vector units where its own detection gives up.

Debian's OpenBLAS (0.3.21) does not know recent Xeon model numbers (model 207 on these machines)
and falls back to its Prescott (SSE3) kernels: a 1024^2 matmul runs at 29 GFLOP/s instead of
~180. Naming a core type by the CPU's features restores the fast kernels (6x faster training).
OpenBLAS reads OPENBLAS_CORETYPE once, when torch first loads it, so this runs before any import
of torch; a value the user set is kept. numpy loads the same library: a script that imports numpy
(or torch) before `models` gets the fallback kernels (a training step took 5.4 s instead of 3.2),
so that case is warned about.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Collection
from pathlib import Path

# The newest kernel family each feature set can run, best first.
_CORE_BY_FLAG = (("avx512_bf16", "Cooperlake"), ("avx512f", "SkylakeX"), ("avx2", "Haswell"))


def choose_core_type(cpu_flags: set[str]) -> str | None:
    return next((core for flag, core in _CORE_BY_FLAG if flag in cpu_flags), None)


def blas_users_loaded(modules: Collection[str]) -> list[str]:
    """The modules among `modules` that have already loaded OpenBLAS."""
    return [m for m in ("numpy", "torch") if m in modules]


def configure(cpuinfo: str | None = None, modules: Collection[str] = sys.modules.keys()) -> None:
    if "OPENBLAS_CORETYPE" in os.environ:
        return
    try:
        info = Path("/proc/cpuinfo").read_text() if cpuinfo is None else cpuinfo
    except OSError:  # not Linux: OpenBLAS detection is not the problem there
        return
    flags_line = next((line for line in info.splitlines() if line.startswith("flags")), "")
    core = choose_core_type(set(flags_line.partition(":")[2].split()))
    if core:
        os.environ["OPENBLAS_CORETYPE"] = core
        loaded = blas_users_loaded(modules)
        if loaded:
            warnings.warn(
                f"{' and '.join(loaded)} loaded OpenBLAS before models set OPENBLAS_CORETYPE={core}, so "
                "it may run its slow fallback kernels: import models first, or set the variable yourself",
                RuntimeWarning,
                stacklevel=2,
            )
