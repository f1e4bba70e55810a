"""Tests of the scene generator: determinism, annotation consistency, expressions, captions."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from models.scenes import (
    BACKGROUND_WORDS,
    CLASSES,
    COLOR_JITTER,
    COLOR_RGB,
    MAX_CAPTION_PIECES,
    MIN_BACKGROUND_DISTANCE,
    NOISE_LIMIT,
    POSITION_TOLERANCE,
    REGIONS,
    Expression,
    Scene,
    SceneConfig,
    SceneObject,
    caption_for,
    caption_wordpieces,
    generate_scene,
    resolve,
)

SEED = 7
SCENE_COUNT = 60


@pytest.fixture(scope="module")
def scenes() -> list[Scene]:
    return [generate_scene(SEED, index) for index in range(SCENE_COUNT)]


def fingerprint(scene: Scene) -> tuple[object, ...]:
    """Everything a scene holds, as comparable values."""
    return (
        scene.image.tobytes(),
        scene.semantic.tobytes(),
        scene.caption,
        scene.background,
        [
            (o.class_name, o.color, o.size_band, o.size_word, o.box_xyxy, o.mask.tobytes())
            for o in scene.objects
        ],
        [(r.text, r.object_index, r.expression) for r in scene.expressions],
    )


# ---------------------------------------------------------------------------------------------
# Determinism


def test_same_arguments_give_identical_scenes() -> None:
    assert fingerprint(generate_scene(3, 11)) == fingerprint(generate_scene(3, 11))


def test_scene_does_not_depend_on_call_order() -> None:
    forward = [fingerprint(generate_scene(3, i)) for i in range(5)]
    backward = [fingerprint(generate_scene(3, i)) for i in reversed(range(5))]
    assert forward == backward[::-1]


def test_different_index_or_seed_gives_a_different_image() -> None:
    base = generate_scene(3, 11).image
    for other in (generate_scene(3, 12).image, generate_scene(4, 11).image):
        assert base.shape != other.shape or not np.array_equal(base, other)


@pytest.mark.parametrize("seed, index", [(-1, 0), (0, -2), (0.5, 0)])
def test_invalid_seed_or_index_is_rejected(seed: int, index: int) -> None:
    with pytest.raises(ValueError, match="non-negative integer"):
        generate_scene(seed, index)


def test_config_is_validated() -> None:
    with pytest.raises(ValueError, match="min_side"):
        SceneConfig(min_side=300, max_side=200)
    with pytest.raises(ValueError, match="max_objects"):
        SceneConfig(max_objects=7)
    with pytest.raises(ValueError, match="min_objects"):
        SceneConfig(min_objects=4, max_objects=3)


# ---------------------------------------------------------------------------------------------
# Images and annotations


def test_image_sizes_and_object_counts(scenes: list[Scene]) -> None:
    for scene in scenes:
        assert scene.image.dtype == np.uint8 and scene.image.shape == (scene.height, scene.width, 3)
        assert 160 <= scene.height <= 640 and 160 <= scene.width <= 640
        assert 1 <= len(scene.objects) <= 6
    assert {len(s.objects) for s in scenes} >= {1, 2, 3, 4, 5, 6}
    assert len({s.width / s.height for s in scenes}) > SCENE_COUNT // 2  # aspect ratios vary
    assert {s.background for s in scenes} == set(BACKGROUND_WORDS)


def test_min_objects_crowds_the_scenes(scenes: list[Scene]) -> None:
    crowded = [generate_scene(SEED, i, SceneConfig(min_objects=3)) for i in range(SCENE_COUNT)]
    counts = [len(s.objects) for s in crowded]
    # Placement may give up on an object that finds no room, so a few scenes may hold fewer.
    assert sum(c >= 3 for c in counts) >= 0.9 * SCENE_COUNT
    assert np.mean(counts) > np.mean([len(s.objects) for s in scenes]) + 0.5


def test_fixed_size_config() -> None:
    scene = generate_scene(0, 0, SceneConfig(min_side=256, max_side=256))
    assert scene.image.shape == (256, 256, 3)


def test_masks_boxes_and_semantic_map_agree(scenes: list[Scene]) -> None:
    for scene in scenes:
        labels = np.zeros_like(scene.semantic)
        for obj in scene.objects:
            assert obj.mask.dtype == np.bool_ and obj.mask.shape == scene.semantic.shape
            assert obj.mask.any()
            assert not labels[obj.mask].any(), "visible masks must not overlap"
            labels[obj.mask] = obj.class_id + 1
            assert CLASSES[obj.class_id] == obj.class_name
            ys, xs = np.nonzero(obj.mask)
            # Boxes run along pixel edges: x2 - x1 is the mask's width in pixels.
            assert obj.box_xyxy == (xs.min(), ys.min(), xs.max() + 1.0, ys.max() + 1.0)
        np.testing.assert_array_equal(labels, scene.semantic)


def test_objects_are_painted_through_their_masks(scenes: list[Scene]) -> None:
    for scene in scenes:
        for obj in scene.objects:
            pixels = scene.image[obj.mask].astype(int)
            assert (pixels == pixels[0]).all(), "an object is one flat colour"
            assert np.abs(pixels[0] - COLOR_RGB[obj.color]).max() <= COLOR_JITTER


def test_background_stays_away_from_object_colours(scenes: list[Scene]) -> None:
    palette = np.array(list(COLOR_RGB.values()), np.float64)
    for scene in scenes:
        background = scene.image[scene.semantic == 0].astype(np.float64)
        distance = np.linalg.norm(background[:, None, :] - palette[None, :, :], axis=2)
        # Grey noise moves a pixel by up to NOISE_LIMIT on each channel at once.
        assert distance.min() >= MIN_BACKGROUND_DISTANCE - NOISE_LIMIT * 3**0.5, scene.background


def test_some_objects_overlap(scenes: list[Scene]) -> None:
    """Objects that overlap or touch leave visible masks that are 4-neighbours."""
    touching = 0
    for scene in scenes:
        grown = [_dilate(o.mask) for o in scene.objects]
        touching += sum(
            (grown[i] & scene.objects[j].mask).any()
            for i in range(len(grown))
            for j in range(i + 1, len(grown))
        )
    assert touching >= SCENE_COUNT // 4


def _dilate(mask: np.ndarray) -> np.ndarray:
    grown = mask.copy()
    grown[1:] |= mask[:-1]
    grown[:-1] |= mask[1:]
    grown[:, 1:] |= mask[:, :-1]
    grown[:, :-1] |= mask[:, 1:]
    return grown


def test_size_words_only_tell_objects_of_a_class_apart(scenes: list[Scene]) -> None:
    for scene in scenes:
        for obj in scene.objects:
            rivals = {o.size_band for o in scene.objects if o.class_name == obj.class_name}
            assert obj.size_word == (obj.size_band if len(rivals) == 2 else None)


# ---------------------------------------------------------------------------------------------
# Referring expressions


def test_every_expression_resolves_to_exactly_its_object(scenes: list[Scene]) -> None:
    for scene in scenes:
        for ref in scene.expressions:
            assert resolve(ref.expression, scene) == [ref.object_index], ref.text
            assert ref.text == ref.expression.text
            assert re.fullmatch(r"[a-z]+( [a-z]+)*", ref.text), ref.text


def test_size_and_position_words_are_needed(scenes: list[Scene]) -> None:
    for scene in scenes:
        for ref in scene.expressions:
            e = ref.expression
            if e.size is not None:
                assert resolve(replace(e, size=None), scene) != [ref.object_index], ref.text
            if e.position is not None:
                assert resolve(replace(e, position=None), scene) != [ref.object_index], ref.text


def test_objects_get_several_expressions(scenes: list[Scene]) -> None:
    objects = sum(len(s.objects) for s in scenes)
    per_object = [
        sum(r.object_index == i for r in s.expressions) for s in scenes for i in range(len(s.objects))
    ]
    assert all(n <= SceneConfig().max_expressions_per_object for n in per_object)
    assert sum(n > 0 for n in per_object) >= 0.9 * objects
    assert sum(per_object) >= 3 * objects
    words = {w for s in scenes for r in s.expressions for w in r.text.split()}
    assert {"leftmost", "rightmost", "top", "bottom", "left", "right", "small", "large"} <= words


def _object(
    class_name: str, color: str, center: tuple[float, float], size_band: str = "small"
) -> SceneObject:
    x, y = center
    return SceneObject(
        class_name=class_name,
        class_id=CLASSES.index(class_name),
        color=color,
        size_band=size_band,
        size_word=None,
        box_xyxy=(x - 5, y - 5, x + 5, y + 5),
        mask=np.zeros((100, 200), bool),
    )


def _scene(objects: list[SceneObject]) -> Scene:
    """A 200 x 100 scene whose objects matter only through their attributes and box centres."""
    image = np.zeros((100, 200, 3), np.uint8)
    return Scene(image, objects, np.zeros((100, 200), np.uint8), "", [], "plain")


def test_resolver_attributes_and_size() -> None:
    scene = _scene(
        [
            _object("circle", "red", (30, 50)),
            _object("circle", "blue", (100, 50), "large"),
            _object("star", "red", (170, 50)),
        ]
    )
    assert resolve(Expression("circle"), scene) == [0, 1]
    assert resolve(Expression("circle", color="red"), scene) == [0]
    assert resolve(Expression(None, color="red"), scene) == [0, 2]
    assert resolve(Expression("circle", size="large"), scene) == [1]
    assert resolve(Expression(None, size="small"), scene) == [0, 2]
    assert resolve(Expression("square"), scene) == []


def test_resolver_superlatives_with_ties() -> None:
    tolerance = POSITION_TOLERANCE * 200  # 12 pixels on a 200-pixel-wide image
    scene = _scene(
        [
            _object("circle", "red", (30, 20)),
            _object("circle", "blue", (30 + tolerance + 1, 80)),
            _object("circle", "green", (150, 50)),
        ]
    )
    assert resolve(Expression("circle", position="leftmost"), scene) == [0]
    assert resolve(Expression("circle", position="rightmost"), scene) == [2]
    assert resolve(Expression("circle", position="top"), scene) == [0]
    assert resolve(Expression("circle", position="bottom"), scene) == [1]
    # Within the tolerance the two left circles tie, and "leftmost" no longer picks one.
    tied = replace(scene.objects[1], box_xyxy=(30 + tolerance - 6, 75, 30 + tolerance + 4, 85))
    scene.objects[1] = tied
    assert resolve(Expression("circle", position="leftmost"), scene) == [0, 1]


def test_resolver_regions_read_the_middle_generously() -> None:
    scene = _scene(
        [
            _object("star", "red", (40, 30)),
            _object("star", "red", (108, 70)),  # 8 px right of the middle: inside the tolerance
            _object("star", "red", (170, 50)),
        ]
    )
    assert resolve(Expression("star", position="on the left"), scene) == [0, 1]
    assert resolve(Expression("star", position="on the right"), scene) == [1, 2]
    assert resolve(Expression("star", position="at the top"), scene) == [0, 2]
    assert resolve(Expression("star", position="at the bottom"), scene) == [1, 2]


def test_expression_text() -> None:
    assert Expression("circle", "red", definite=False).text == "red circle"
    assert Expression("star", "blue", "large").text == "the large blue star"
    assert Expression("square", position="leftmost", definite=False).text == "the leftmost square"
    assert Expression("circle", position="on the right").text == "the circle on the right"
    assert Expression(None, "green", position="bottom").text == "the bottom green shape"
    assert all(r in Expression("star", position=r).text for r in REGIONS)


# ---------------------------------------------------------------------------------------------
# Captions


def test_caption_grammar() -> None:
    def objects(*specs: tuple[str, str, str | None]) -> list[SceneObject]:
        return [replace(_object(name, color, (0, 0)), size_word=size) for name, color, size in specs]

    assert caption_for(objects(("circle", "red", None)), "stripes") == "a red circle on a striped background"
    assert (
        caption_for(objects(("hexagon", "orange", None)), "noise")
        == "an orange hexagon on a noisy background"
    )
    two_blue_squares = [("square", "blue", None), ("square", "blue", None)]
    assert (
        caption_for(objects(*two_blue_squares, ("circle", "red", None)), "plain")
        == "a red circle and two blue squares on a plain background"
    )
    assert (
        caption_for(objects(("star", "green", "small"), ("star", "green", "large")), "gradient")
        == "a small green star and a large green star on a gradient background"
    )
    # Too long with sizes (21 pieces): sizes go. Then 15 pieces fit.
    assert (
        caption_for(
            objects(
                ("circle", "red", None),
                *two_blue_squares,
                ("star", "green", "small"),
                ("star", "green", "large"),
            ),
            "stripes",
        )
        == "a red circle, two blue squares and two green stars on a striped background"
    )
    # Still too long with colours (19 pieces): only classes remain.
    assert (
        caption_for(
            objects(
                ("circle", "red", None),
                *two_blue_squares,
                ("star", "green", "small"),
                ("star", "yellow", "large"),
            ),
            "stripes",
        )
        == "a circle, two squares and two stars on a striped background"
    )
    five_classes = objects(*[(name, "red", None) for name in CLASSES], ("star", "blue", None))
    assert caption_for(five_classes, "plain") == "six shapes on a plain background"


def test_wordpiece_estimate() -> None:
    # 8 words, 1 comma, "hexagons" counted as two pieces.
    assert caption_wordpieces("a circle, two hexagons on a plain background") == 10


def test_generated_captions_are_short_and_clean(scenes: list[Scene]) -> None:
    for scene in scenes:
        assert caption_wordpieces(scene.caption) <= MAX_CAPTION_PIECES, scene.caption
        assert re.fullmatch(r"[a-z ,]+", scene.caption), scene.caption
        assert scene.caption.endswith(f"on a {BACKGROUND_WORDS[scene.background]} background")
