"""Which held-out objects detection finds, split by how their grid point was assigned.

Training gives each object the free grid point nearest its box centre (targets.assign_objects),
larger objects first, so where two centres share a nearest point the smaller object is displaced
to the next one. This asks how often that happens on held-out scenes and what it costs: an object
counts as found when the detection answer, decoded and post-processed as the app does (the
oracle), holds a box of its class at IoU >= 0.5 with it.

    python -m models.grid_recall --checkpoint runs/tiny/ufo-tiny.pth --seed 888 --scenes 200
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import torch

from .oracle import Oracle
from .scenes import Scene, generate_scene
from .targets import assign_objects


def displaced_objects(scene: Scene, side: int) -> set[int]:
    """Objects whose assigned grid point is not the one nearest their box centre."""
    ref = (np.arange(side) + 0.5) / side
    out = set()
    for point, i in assign_objects(scene.objects, scene.width, scene.height, side).items():
        cx, cy = scene.objects[i].center
        dist = (ref[None, :] - cx / scene.width) ** 2 + (ref[:, None] - cy / scene.height) ** 2
        if int(np.argmin(dist)) != point:
            out.add(i)
    return out


def box_iou_xyxy(a: Iterable[float], b: Iterable[float]) -> float:
    ax1, ay1, ax2, ay2 = a
    bx1, by1, bx2, by2 = b
    inter = max(0.0, min(ax2, bx2) - max(ax1, bx1)) * max(0.0, min(ay2, by2) - max(ay1, by1))
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
    return inter / union if union > 0 else 0.0


def found_objects(oracle: Oracle, scene: Scene) -> list[bool]:
    """For each object of the scene: does a detection of its class overlap it at IoU >= 0.5?"""
    task = oracle.tasks["detection"]
    result = oracle.detection("detection", scene.image)
    boxes, labels = result["boxes"].tolist(), result["labels"].tolist()  # type: ignore[union-attr]
    return [
        any(
            task.classes[label] == obj.class_name and box_iou_xyxy(obj.box_xyxy, box) >= 0.5
            for box, label in zip(boxes, labels)
        )
        for obj in scene.objects
    ]


def grid_recall(oracle: Oracle, seed: int, scenes: int) -> dict[str, dict[str, float]]:
    """Recall at IoU 0.5 of the displaced objects, of the others, and by objects in the scene."""
    side = oracle.tasks["detection"].grid_side(oracle.cfg)
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
    return {
        k: {"objects": len(v), "found": round(float(np.mean(v)), 4) if v else 0.0} for k, v in rows.items()
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
    model, tok, tasks = tt.build(int(ckpt.get("seed", 0)), args.preset)
    model.load_state_dict(ckpt["state_dict"])
    print(json.dumps(grid_recall(Oracle(model, tok, tasks), args.seed, args.scenes)))


if __name__ == "__main__":
    main()
