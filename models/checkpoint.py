"""Loading official UFO-ViT checkpoints into `UFOViT`, key by key, with every mismatch named."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch
from torch import Tensor

from .config import UfoVitConfig
from .ufo_vit import UFOViT

# Buffers the official state dict carries that the model does not need at inference.
IGNORED_KEYS = ("backbone.embed.position_ids",)


class CheckpointError(ValueError):
    """The checkpoint cannot be loaded into the requested architecture."""


def extract_state_dict(obj: object) -> dict[str, Tensor]:
    """The weights of an mmengine container ({'state_dict': ..., 'meta': ...}) or a bare state dict.

    A `module.` prefix (DistributedDataParallel) is stripped; non-tensor entries are an error.
    """
    if isinstance(obj, Mapping) and "state_dict" in obj:
        obj = obj["state_dict"]
    if not isinstance(obj, Mapping):
        raise CheckpointError(f"expected a state dict or an mmengine checkpoint, got {type(obj).__name__}")
    out: dict[str, Tensor] = {}
    for key, value in obj.items():
        if not isinstance(value, Tensor):
            raise CheckpointError(f"entry {key!r} is a {type(value).__name__}, not a tensor")
        out[key[len("module.") :] if key.startswith("module.") else key] = value
    return out


def check_state_dict(state: Mapping[str, Tensor], model: UFOViT, name: str, limit: int = 5) -> None:
    """Raise CheckpointError naming the first missing, unexpected and misshapen keys."""
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    got = {k: tuple(v.shape) for k, v in state.items() if k not in IGNORED_KEYS}
    problems: list[str] = []
    missing = [k for k in expected if k not in got]
    unexpected = [k for k in got if k not in expected]
    shapes = [k for k in expected if k in got and got[k] != expected[k]]
    if missing:
        problems.append(
            f"{len(missing)} missing key(s), e.g. "
            + ", ".join(f"{k} {list(expected[k])}" for k in missing[:limit])
        )
    if unexpected:
        problems.append(
            f"{len(unexpected)} unexpected key(s), e.g. "
            + ", ".join(f"{k} {list(got[k])}" for k in unexpected[:limit])
        )
    if shapes:
        problems.append(
            f"{len(shapes)} shape mismatch(es), e.g. "
            + ", ".join(
                f"{k}: checkpoint {list(got[k])} vs {name} {list(expected[k])}" for k in shapes[:limit]
            )
        )
    if problems:
        raise CheckpointError(f"checkpoint does not fit {name}: " + "; ".join(problems))


def load_checkpoint(path: str | Path, cfg: UfoVitConfig, name: str) -> UFOViT:
    """Build `UFOViT(cfg)` and fill it from `path` (fp32, eval mode)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint file at {path}")
    try:
        obj = torch.load(path, map_location="cpu")
    except Exception as exc:  # torch raises many types for a file that is not a checkpoint
        raise CheckpointError(
            f"{path} is not a PyTorch checkpoint ({exc.__class__.__name__}: {exc})"
        ) from exc
    state = extract_state_dict(obj)
    model = UFOViT(cfg)
    check_state_dict(state, model, name)
    model.load_state_dict({k: v.float() for k, v in state.items() if k not in IGNORED_KEYS})
    return model.eval()
