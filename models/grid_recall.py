"""Which held-out objects detection finds, split by how their grid point was assigned.

Training gives each object the free grid point nearest its box centre (targets.assign_objects),
larger objects first, so where two centres share a nearest point the smaller object is displaced
to the next one. This asks how often that happens on held-out scenes (on the training grid) and
what it costs: an object counts as found when the detection answer, decoded on the package's grid
and post-processed as the app does (the oracle), holds a box of its class at IoU >= 0.5 with it.

    python -m models.grid_recall --checkpoint runs/tiny/ufo-tiny.pth --seed 888 --scenes 200
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from .export import PRESETS
from .oracle import Oracle
from .scenes import Scene, SceneObject, generate_scene
from .targets import assign_objects, grid_distances
from .validation import box_iou


def displaced_objects(scene: Scene, side: int) -> set[int]:
    """Objects whose assigned grid point is not the one nearest their box centre."""
    out = set()
    for point, i in assign_objects(scene.objects, scene.width, scene.height, side).items():
        if int(np.argmin(grid_distances(scene.objects[i], scene.width, scene.height, side))) != point:
            out.add(i)
    return out


def found_among(objects: list[SceneObject], boxes: Tensor, names: list[str]) -> list[bool]:
    """For each object: does one of the boxes (N, 4; pixel x1, y1, x2, y2), named `names`, have
    its class and overlap it at IoU >= 0.5?"""

    def centre_size(xyxy: Tensor) -> Tensor:
        return torch.cat([(xyxy[..., :2] + xyxy[..., 2:]) / 2, xyxy[..., 2:] - xyxy[..., :2]], -1)

    if not len(boxes):
        return [False] * len(objects)
    found = []
    for obj in objects:
        iou = box_iou(centre_size(torch.tensor(obj.box_xyxy)), centre_size(boxes))
        same = torch.tensor([name == obj.class_name for name in names])
        found.append(bool(((iou >= 0.5) & same).any()))
    return found


def found_objects(oracle: Oracle, scene: Scene) -> list[bool]:
    """found_among of the detection answer, decoded and post-processed as the app does."""
    classes = oracle.tasks["detection"].classes
    result = oracle.detection("detection", scene.image)
    labels: list[int] = result["labels"].tolist()  # type: ignore[union-attr]
    return found_among(scene.objects, result["boxes"], [classes[i] for i in labels])  # type: ignore[arg-type]


def grid_recall(oracle: Oracle, side: int, seed: int, scenes: int) -> dict[str, dict[str, float]]:
    """Recall at IoU 0.5 of the objects displaced on a training grid of `side` x `side` points, of
    the others, and by objects in the scene."""
    rows: dict[str, list[bool]] = {"all": [], "displaced": [], "not displaced": []}
    for index in range(scenes):
        scene = generate_scene(seed, index)
        displaced = displaced_objects(scene, side)
        for i, found in enumerate(found_objects(oracle, scene)):
            for key in (
                "all",
                "displaced" if i in displaced else "not displaced",
                f"{len(scene.objects)} objects",
            ):
                rows.setdefault(key, []).append(found)
    keys = sorted(rows, key=lambda k: (k[0].isdigit(), k))  # the splits, then 1, 2, ... objects
    return {
        k: {"objects": len(rows[k]), "found": round(float(np.mean(rows[k])), 4) if rows[k] else 0.0}
        for k in keys
    }


def main(argv: list[str] | None = None) -> None:
    from . import train_tiny as tt

    ap = argparse.ArgumentParser(prog="python -m models.grid_recall", description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", type=Path, required=True, help="ufo-tiny.pth or last.pt of a run")
    ap.add_argument("--preset", default="ufo-tiny")
    ap.add_argument("--seed", type=int, default=555, help="scene stream (training uses 1)")
    ap.add_argument("--scenes", type=int, default=200)
    args = ap.parse_args(argv)
    ckpt = torch.load(args.checkpoint, map_location="cpu")
    model, tok, train_tasks = tt.build(int(ckpt.get("seed", 0)), args.preset)
    model.load_state_dict(ckpt["state_dict"])
    oracle = Oracle(model, tok, PRESETS[args.preset].tasks())
    side = train_tasks["detection"].grid_side(model.cfg)
    print(json.dumps(grid_recall(oracle, side, args.seed, args.scenes)))


if __name__ == "__main__":
    main()
