"""Training targets in UFO's output grammar, built from a generated scene (spec §4.4, §6.1).

    detection        "<class>,<cx>,<cy>,<w>,<h>" [SEP] at the grid point nearest the object's centre,
                     "background" [SEP] elsewhere; centres are residuals to the grid point
    instance seg.    "<class>,<MASK>x16" [SEP] at the same points, the object's visible mask
    semantic seg.    "<class>,<MASK>x16" [SEP] at every grid point: the class under the point (or
                     background) and the mask of that whole class
    grounding        "<cx>,<cy>,<w>,<h>" [SEP]
    referring seg.   "<cx>,<cy>,<w>,<h>,<MASK>x16" [SEP]
    caption          the caption's word pieces [SEP]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .config import TaskConfig
from .oracle import MASK_TOKENS
from .scenes import Scene, SceneObject
from .tokenizer import Tokenizer


@dataclass
class GridTargets:
    points: list[int]  # grid points with a target
    sequences: list[list[int]]  # answer ids per point, [SEP] included
    masks: list[np.ndarray]  # per point whose answer has <MASK>s: the target mask (H, W) bool


def patch_centre_labels(label_map: np.ndarray, patches: int) -> Tensor:
    """The label under each patch centre of a (patches x patches) grid over the image: (P, P) int64.

    The dense class target of train_tiny's patch-class loss and of models.shape_probe.
    """
    height, width = label_map.shape
    centre = (np.arange(patches) + 0.5) / patches
    ys, xs = (centre * height).astype(int), (centre * width).astype(int)
    return torch.from_numpy(label_map[ys][:, xs].astype(np.int64))


def box_bins(
    box: tuple[float, float, float, float], width: int, height: int, ref: tuple[float, float], num_bins: int
) -> list[int]:
    """Pixel xyxy -> (cx, cy, w, h) bins with the centre relative to `ref` (inverse of spec §4.4)."""
    x1, y1, x2, y2 = box
    cx, cy = (x1 + x2) / 2 / width, (y1 + y2) / 2 / height
    w, h = (x2 - x1) / width, (y2 - y1) / height
    vals = (cx - ref[0] + 0.5, cy - ref[1] + 0.5, w, h)
    return [int(min(max(round(v * num_bins), 0), num_bins)) for v in vals]


def _numbers(tok: Tokenizer, bins: list[int]) -> list[int]:
    out: list[int] = []
    for i, b in enumerate(bins):
        if i:
            out.append(tok.id(","))
        out.extend(tok.encode(str(b)))
    return out


def grid_distances(obj: SceneObject, width: int, height: int, side: int) -> np.ndarray:
    """Squared distance from the object's box centre to every grid point, (gy, gx), in image
    fractions; the reference points are the cell centres, as at inference (spec §4.2)."""
    ref = (np.arange(side) + 0.5) / side
    cx, cy = obj.center
    return (ref[None, :] - cx / width) ** 2 + (ref[:, None] - cy / height) ** 2


def assign_objects(objects: list[SceneObject], width: int, height: int, side: int) -> dict[int, int]:
    """Grid point -> object: each object goes to the free grid point nearest its box centre."""
    taken: dict[int, int] = {}
    # Large objects first, so a small one displaced by a collision moves rather than a large one.
    order = sorted(range(len(objects)), key=lambda i: -int(objects[i].mask.sum()))
    for i in order:
        d = grid_distances(objects[i], width, height, side)
        for g in np.argsort(d, axis=None, kind="stable"):
            if int(g) not in taken:
                taken[int(g)] = i
                break
    return taken


def grid_targets(
    scene: Scene, task: TaskConfig, side: int, tok: Tokenizer, rng: np.random.Generator, negatives: int
) -> GridTargets:
    """Targets of a grid task for the points that carry an object plus `negatives` random others."""
    h, w = scene.height, scene.width
    sep, comma, mask_id = tok.id("[SEP]"), tok.id(","), tok.id("<MASK>")
    out = GridTargets([], [], [])
    if task.kind == "grid-semantic":
        count = side * side
        class_masks: dict[int, np.ndarray] = {}
        chosen = rng.choice(count, size=min(count, negatives), replace=False)
        for g in sorted(int(c) for c in chosen):
            gy, gx = divmod(g, side)
            y = min(int((gy + 0.5) / side * h), h - 1)
            x = min(int((gx + 0.5) / side * w), w - 1)
            label = int(scene.semantic[y, x])  # 0 background, 1 + class id
            out.points.append(g)
            out.sequences.append([*tok.encode(task.classes[label]), comma, *[mask_id] * MASK_TOKENS, sep])
            if label not in class_masks:
                class_masks[label] = scene.semantic == label
            out.masks.append(class_masks[label])  # one array per class: mask_targets pools it once
        return out
    assigned = assign_objects(scene.objects, w, h, side)
    free = [g for g in range(side * side) if g not in assigned]
    extra = rng.choice(len(free), size=min(len(free), negatives), replace=False) if free else []
    for g in sorted([*assigned, *(free[int(i)] for i in extra)]):
        out.points.append(g)
        if g not in assigned:
            out.sequences.append([*tok.encode("background"), sep])
            continue
        obj = scene.objects[assigned[g]]
        name = tok.encode(obj.class_name)
        if task.kind == "grid-box":
            gy, gx = divmod(g, side)
            ref = ((gx + 0.5) / side, (gy + 0.5) / side)
            out.sequences.append(
                [*name, comma, *_numbers(tok, box_bins(obj.box_xyxy, w, h, ref, task.num_bins)), sep]
            )
        else:
            out.sequences.append([*name, comma, *[mask_id] * MASK_TOKENS, sep])
            out.masks.append(obj.mask)
    return out


def refer_target(obj: SceneObject, width: int, height: int, task: TaskConfig, tok: Tokenizer) -> list[int]:
    ids = _numbers(tok, box_bins(obj.box_xyxy, width, height, (0.5, 0.5), task.num_bins))
    if task.kind == "refer-mask":
        ids += [tok.id(","), *[tok.id("<MASK>")] * MASK_TOKENS]
    return [*ids, tok.id("[SEP]")]


def caption_target(scene: Scene, tok: Tokenizer) -> list[int]:
    return [*tok.encode(scene.caption), tok.id("[SEP]")]


def mask_target(mask: np.ndarray, side: int) -> Tensor:
    """A full-image mask as the fraction of each cell of the (side, side) logit map it covers."""
    return mask_targets([mask], side)[0]


def mask_targets(masks: list[np.ndarray], side: int) -> Tensor:
    """mask_target of every mask of one image, (n, side, side), pooled as one batch. A mask listed
    more than once (semantic grid points share their class's mask) is pooled once."""
    if not masks:
        return torch.zeros(0, side, side)
    unique: dict[int, np.ndarray] = {}  # by identity, in first-seen order
    for m in masks:
        unique.setdefault(id(m), m)
    index = {key: i for i, key in enumerate(unique)}
    stacked = torch.from_numpy(np.stack(list(unique.values()))).float()[:, None]
    pooled = F.interpolate(stacked, size=(side, side), mode="area")[:, 0]
    return pooled[[index[id(m)] for m in masks]]
