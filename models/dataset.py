"""Writes synthetic scenes to disk in the formats the evaluation code reads.

    /usr/bin/python3 -m models.dataset --seed 0 --count 500 --out data/shapes-val --split val

DIR/images/NNNNNN.png|jpg    scene NNNNNN of the seed (a --jpeg-fraction of them as JPEG)
DIR/semantic/NNNNNN.png      label maps: 0 background, 1..5 the classes in CLASSES order
DIR/instances.json           COCO instances, masks as COCO compressed RLE
DIR/captions.json            COCO captions, one per image
DIR/refs.json                RefCOCO-style refs: one per object, its expressions as sentences

The directory appears complete or not at all: everything is written into a temporary directory next
to DIR, which is then renamed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from PIL import Image

from models import rle
from models.scenes import CLASSES, Scene, SceneConfig, generate_scene

JPEG_QUALITY = 90
Json = dict[str, Any]


def is_jpeg(index: int, jpeg_fraction: float) -> bool:
    """Spreads JPEGs evenly: exactly floor(count * fraction) of the first `count` images."""
    return math.floor((index + 1) * jpeg_fraction) > math.floor(index * jpeg_fraction)


def write_dataset(
    out: Path,
    seed: int,
    count: int,
    *,
    jpeg_fraction: float = 0.3,
    split: str = "train",
    config: SceneConfig = SceneConfig(),
    force: bool = False,
    progress: Optional[Callable[[int, int], None]] = None,
) -> None:
    """Writes scenes 0..count-1 of `seed` to `out`; replaces an existing `out` only with `force`."""
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    if not 0.0 <= jpeg_fraction <= 1.0:
        raise ValueError(f"jpeg_fraction must be in [0, 1], got {jpeg_fraction}")
    if out.exists() and not force:
        raise FileExistsError(f"{out} already exists; pass --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        os.chmod(staging, 0o755)  # mkdtemp makes it private; the dataset is not
        _write_into(staging, seed, count, jpeg_fraction, split, config, progress)
        _replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _replace(staging: Path, out: Path) -> None:
    if not out.exists():
        staging.rename(out)
        return
    retired = out.with_name(f"{staging.name}.old")
    out.rename(retired)
    try:
        staging.rename(out)
    except BaseException:
        retired.rename(out)
        raise
    shutil.rmtree(retired)


def _write_into(
    root: Path,
    seed: int,
    count: int,
    jpeg_fraction: float,
    split: str,
    config: SceneConfig,
    progress: Optional[Callable[[int, int], None]],
) -> None:
    (root / "images").mkdir()
    (root / "semantic").mkdir()
    images: list[Json] = []
    annotations: list[Json] = []
    captions: list[Json] = []
    refs: list[Json] = []
    for index in range(count):
        scene = generate_scene(seed, index, config)
        image_id = index + 1  # COCO ids start at 1
        extension = "jpg" if is_jpeg(index, jpeg_fraction) else "png"
        file_name = f"{index:06d}.{extension}"
        picture = Image.fromarray(scene.image)
        if extension == "jpg":
            picture.save(root / "images" / file_name, quality=JPEG_QUALITY)
        else:
            picture.save(root / "images" / file_name)
        Image.fromarray(scene.semantic).save(root / "semantic" / f"{index:06d}.png")
        images.append({"id": image_id, "file_name": file_name, "height": scene.height, "width": scene.width})
        captions.append({"id": image_id, "image_id": image_id, "caption": scene.caption})
        _add_objects(scene, image_id, file_name, split, annotations, refs)
        if progress is not None:
            progress(index + 1, count)
    info = {"description": "UFO Web synthetic shapes", "seed": seed, "split": split}
    categories = [
        {"id": class_id + 1, "name": name, "supercategory": "shape"} for class_id, name in enumerate(CLASSES)
    ]
    _write_json(
        root / "instances.json",
        {
            "info": info,
            "licenses": [],
            "images": images,
            "annotations": annotations,
            "categories": categories,
        },
    )
    _write_json(root / "captions.json", {"info": info, "images": images, "annotations": captions})
    _write_json(root / "refs.json", refs)


def _add_objects(
    scene: Scene,
    image_id: int,
    file_name: str,
    split: str,
    annotations: list[Json],
    refs: list[Json],
) -> None:
    """Appends the scene's objects to `annotations` and their expressions to `refs`."""
    sent_id = refs[-1]["sent_ids"][-1] + 1 if refs else 0
    for object_index, obj in enumerate(scene.objects):
        ann_id = len(annotations) + 1
        x1, y1, x2, y2 = obj.box_xyxy
        annotations.append(
            {
                "id": ann_id,
                "image_id": image_id,
                "category_id": obj.class_id + 1,
                "bbox": [x1, y1, x2 - x1, y2 - y1],
                "area": int(obj.mask.sum()),
                "iscrowd": 0,
                "segmentation": rle.encode(obj.mask),
            }
        )
        texts = [r.text for r in scene.expressions if r.object_index == object_index]
        if not texts:
            continue
        sentences = [
            {"sent_id": sent_id + k, "sent": text, "raw": text, "tokens": text.split()}
            for k, text in enumerate(texts)
        ]
        sent_id += len(texts)
        refs.append(
            {
                "ref_id": len(refs),
                "image_id": image_id,
                "ann_id": ann_id,
                "category_id": obj.class_id + 1,
                "split": split,
                "file_name": file_name,
                "sent_ids": [s["sent_id"] for s in sentences],
                "sentences": sentences,
            }
        )


def _write_json(path: Path, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, separators=(",", ":"))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.dataset", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, required=True, help="scene stream (non-negative)")
    parser.add_argument("--count", type=int, required=True, help="number of scenes, 0..count-1")
    parser.add_argument("--out", type=Path, required=True, help="dataset directory to create")
    parser.add_argument("--jpeg-fraction", type=float, default=0.3, help="share saved as JPEG")
    parser.add_argument("--split", default="train", help="split name written into refs.json")
    parser.add_argument("--min-side", type=int, default=SceneConfig.min_side)
    parser.add_argument("--max-side", type=int, default=SceneConfig.max_side)
    parser.add_argument("--force", action="store_true", help="replace an existing --out")
    args = parser.parse_args(argv)
    if args.seed < 0:
        parser.error(f"--seed must be non-negative, got {args.seed}")
    if args.out.exists() and not args.force:
        parser.error(f"{args.out} already exists; pass --force to replace it")
    if args.count < 1:
        parser.error(f"--count must be at least 1, got {args.count}")
    if not 0.0 <= args.jpeg_fraction <= 1.0:
        parser.error(f"--jpeg-fraction must be in [0, 1], got {args.jpeg_fraction}")
    try:
        config = SceneConfig(min_side=args.min_side, max_side=args.max_side)
    except ValueError as error:
        parser.error(str(error))
    start = time.perf_counter()
    every = max(1, args.count // 20)

    def report(done: int, total: int) -> None:
        if done % every == 0 or done == total:
            rate = done / (time.perf_counter() - start)
            print(f"{done}/{total} scenes ({rate:.0f}/s)", file=sys.stderr, flush=True)

    write_dataset(
        args.out,
        args.seed,
        args.count,
        jpeg_fraction=args.jpeg_fraction,
        split=args.split,
        config=config,
        force=args.force,
        progress=report,
    )
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
