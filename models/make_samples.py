"""Write the app's gallery of sample scenes to public/samples/ (committed, served as-is).

    /usr/bin/python3 -m models.make_samples            # 12 scenes of the held-out seed

The seed is never used in training, so the gallery shows the model scenes it has not seen.
samples.json lists, per scene, its file, size, caption and referring expressions, and per object
its label, colour, box ([x, y, w, h], COCO style) and one point well inside its visible mask. The
end-to-end tests read those points to check that a mask is drawn over the right object.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

from .scenes import Scene, SceneObject, generate_scene

SEED = 424242  # held out: train_tiny and the data sets use other seeds
COUNT = 12
# A point this many pixels inside the mask is inside by any reasonable mask the model draws, and
# far from a box outline a renderer strokes around the object.
MIN_DEPTH = 4


def interior_point(mask: np.ndarray) -> tuple[int, int]:
    """The mask pixel furthest from the mask's edge (ties: nearest the centroid), as (x, y)."""
    depth = mask.astype(np.int32)
    # Chessboard distance to the nearest background pixel, by repeated 3x3 erosion: masks are
    # small (at most 640^2) and shallow, so this stays cheap without scipy.
    current = mask.copy()
    while current.any():
        padded = np.pad(current, 1, constant_values=False)
        eroded = np.ones_like(current)
        for dy in range(3):
            for dx in range(3):
                eroded &= padded[dy : dy + current.shape[0], dx : dx + current.shape[1]]
        depth += eroded
        current = eroded
    ys, xs = np.nonzero(depth == depth.max())
    cy, cx = np.argwhere(mask).mean(axis=0)
    best = int(np.argmin((ys - cy) ** 2 + (xs - cx) ** 2))
    if depth.max() < MIN_DEPTH:
        raise ValueError(f"object too thin for a reliable interior point (depth {depth.max()})")
    return int(xs[best]), int(ys[best])


def describe_object(obj: SceneObject) -> dict[str, object]:
    x1, y1, x2, y2 = obj.box_xyxy
    return {
        "label": obj.class_name,
        "color": obj.color,
        "box": [round(x1, 2), round(y1, 2), round(x2 - x1, 2), round(y2 - y1, 2)],
        "point": list(interior_point(obj.mask)),
    }


def describe_scene(scene: Scene, file: str) -> dict[str, object]:
    return {
        "file": file,
        "width": scene.width,
        "height": scene.height,
        "caption": scene.caption,
        "expressions": [e.text for e in scene.expressions],
        # referents[i] is the index into objects of the object expressions[i] picks out.
        "referents": [e.object_index for e in scene.expressions],
        "objects": [describe_object(o) for o in scene.objects],
    }


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m models.make_samples", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "public" / "samples")
    ap.add_argument("--count", type=int, default=COUNT)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    entries = []
    for index in range(args.count):
        scene = generate_scene(SEED, index)
        file = f"scene-{index:02d}.png"
        Image.fromarray(scene.image).save(args.out / file, optimize=True)
        entries.append(describe_scene(scene, file))
    (args.out / "samples.json").write_text(json.dumps(entries, indent=1) + "\n")
    print(f"wrote {len(entries)} scenes to {args.out}")


if __name__ == "__main__":
    main()
