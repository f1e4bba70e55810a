"""models.grid_recall: the displaced-object split and its accounting, on the micro preset."""

from __future__ import annotations

import numpy as np
import torch

from models import train_tiny as tt
from models.grid_recall import displaced_objects, found_among, found_objects, grid_recall
from models.oracle import Oracle
from models.scenes import Scene, SceneObject, generate_scene


def square(x1: int, y1: int, side: int, size: int = 64) -> SceneObject:
    mask = np.zeros((size, size), dtype=bool)
    mask[y1 : y1 + side, x1 : x1 + side] = True
    box = (float(x1), float(y1), float(x1 + side), float(y1 + side))
    return SceneObject("square", 1, "red", "small", None, box, mask)


def scene_of(objects: list[SceneObject], size: int = 64) -> Scene:
    return Scene(
        np.zeros((size, size, 3), np.uint8), objects, np.zeros((size, size), np.uint8), "", [], "plain"
    )


def test_the_smaller_of_two_objects_sharing_a_nearest_point_is_the_displaced_one() -> None:
    # On a 2x2 grid both centres are nearest point 0 (the top-left cell); the large one keeps it.
    small, large, apart = square(4, 4, 8), square(0, 0, 24), square(40, 40, 16)
    assert displaced_objects(scene_of([small, large, apart]), 2) == {0}
    assert displaced_objects(scene_of([small, apart]), 2) == set()


def test_an_object_is_found_by_a_box_of_its_class_at_iou_half_or_more() -> None:
    a, b = square(0, 0, 20), square(40, 40, 10)
    boxes = torch.tensor([[0.0, 0.0, 20.0, 20.0], [40.0, 40.0, 60.0, 50.0]])  # a exactly; b at IoU 1/2
    assert found_among([a, b], boxes, ["square", "square"]) == [True, True]
    assert found_among([a, b], boxes, ["circle", "square"]) == [False, True]  # a's box misnamed
    assert found_among([a, b], boxes[:, [0, 1, 2, 1]], ["square", "square"]) == [False, False]  # empty boxes
    assert found_among([a, b], torch.zeros(0, 4), []) == [False, False]


def test_every_object_is_counted_once_per_split() -> None:
    model, tok, tasks = tt.build(3, "micro")
    oracle = Oracle(model.eval(), tok, tasks)
    split = grid_recall(oracle, tasks["detection"].grid_side(model.cfg), 555, 3)
    objects = sum(len(generate_scene(555, i).objects) for i in range(3))
    assert split["all"]["objects"] == objects
    assert split["displaced"]["objects"] + split["not displaced"]["objects"] == objects
    assert sum(v["objects"] for k, v in split.items() if k.endswith(" objects")) == objects
    assert len(found_objects(oracle, generate_scene(555, 0))) == len(generate_scene(555, 0).objects)
