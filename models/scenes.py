"""Deterministic synthetic scenes for training and evaluating UFO-Tiny.

A scene is 1 to 6 coloured shapes, some partly overlapping, on a plain, gradient, noisy or striped
background, with every annotation the UFO tasks need: per object the class, colour, box and mask of
its visible part; per image a semantic label map, a caption and referring expressions, each of which
picks out exactly one object (checked with `resolve`).

`generate_scene(seed, index)` derives its own random generator from (seed, index), so a scene does
not depend on which scenes were generated before it, and training can draw scenes on the fly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable, Optional, Sequence

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw

CLASSES: tuple[str, ...] = ("circle", "square", "triangle", "star", "hexagon")
COLORS: tuple[str, ...] = ("red", "green", "blue", "yellow", "purple", "orange")
SIZE_WORDS: tuple[str, ...] = ("small", "large")
BACKGROUNDS: tuple[str, ...] = ("plain", "gradient", "noise", "stripes")
# "the leftmost circle": the object furthest in that direction among those the rest describes.
SUPERLATIVES: tuple[str, ...] = ("leftmost", "rightmost", "top", "bottom")
# "the circle on the left": the object in that half of the image.
REGIONS: tuple[str, ...] = ("on the left", "on the right", "at the top", "at the bottom")
POSITIONS: tuple[str, ...] = SUPERLATIVES + REGIONS

# Saturated base colours; objects get a small jitter around them.
COLOR_RGB: dict[str, tuple[int, int, int]] = {
    "red": (215, 35, 35),
    "green": (35, 165, 55),
    "blue": (35, 75, 215),
    "yellow": (240, 205, 30),
    "purple": (145, 50, 195),
    "orange": (245, 135, 25),
}
BACKGROUND_WORDS: dict[str, str] = {
    "plain": "plain",
    "gradient": "gradient",
    "noise": "noisy",
    "stripes": "striped",
}

COLOR_JITTER = 12  # per channel, so that the model learns colour names, not exact RGB values
# Background colours stay at least this far (Euclidean RGB) from every object colour, so that no
# background can be read as a red or blue shape; texture then moves a pixel by at most NOISE_LIMIT.
MIN_BACKGROUND_DISTANCE = 100.0
NOISE_LIMIT = 30.0
STRIPE_CONTRAST = 40.0  # RGB distance between the two colours of a striped or gradient background
# Radius of the circle with the object's area, as a fraction of the image's shorter side. The bands
# leave a gap (areas differ by at least 2.25x) so "small" and "large" are never a close call.
SIZE_BANDS: dict[str, tuple[float, float]] = {"small": (0.05, 0.08), "large": (0.12, 0.17)}
LARGE_PROBABILITY = 0.45
MIN_VISIBLE_FRACTION = 0.6  # occluded objects keep this much of their area: masks stay meaningful
PLACEMENT_TRIES = 30
SAME_COLOR_GAP = 3.0  # pixels between the circumcircles of two objects of the same colour
NEAR_PROBABILITY = 0.35  # chance to place an object next to an earlier one, so that overlaps occur
REPEAT_CLASS_PROBABILITY = 0.3  # repeated classes make position and size words necessary
# Positions closer than this (fraction of the image side) are a tie: "the leftmost circle" is not
# said of two circles at almost the same x, nor "on the left" of an object near the middle.
POSITION_TOLERANCE = 0.06
MAX_CAPTION_PIECES = 16
STAR_INNER_RATIO = 0.45

NUMBER_WORDS: tuple[str, ...] = ("a", "two", "three", "four", "five", "six")
# Caption words that bert-base-uncased may split into two wordpieces; the count is conservative.
_SPLIT_WORDS = frozenset({"hexagon", "hexagons"})

BoolMask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SceneConfig:
    min_side: int = 160  # width and height are drawn independently from [min_side, max_side]
    max_side: int = 640
    max_objects: int = 6  # the count is drawn from min_objects..max_objects (fewer when they do not fit)
    # Held-out and sample scenes keep 1; training may draw more crowded scenes (Schedule.min_objects).
    min_objects: int = 1
    max_expressions_per_object: int = 4

    def __post_init__(self) -> None:
        if not 64 <= self.min_side <= self.max_side:
            raise ValueError(
                f"need 64 <= min_side <= max_side, got min_side={self.min_side}, " f"max_side={self.max_side}"
            )
        if not 1 <= self.max_objects <= len(NUMBER_WORDS):
            raise ValueError(f"max_objects must be in 1..{len(NUMBER_WORDS)}, got {self.max_objects}")
        if not 1 <= self.min_objects <= self.max_objects:
            raise ValueError(
                f"need 1 <= min_objects <= max_objects, got min_objects={self.min_objects}, "
                f"max_objects={self.max_objects}"
            )
        if self.max_expressions_per_object < 0:
            raise ValueError(
                f"max_expressions_per_object must be >= 0, got {self.max_expressions_per_object}"
            )


@dataclass
class SceneObject:
    class_name: str
    class_id: int  # index into CLASSES, 0..4
    color: str
    size_band: str  # "small" or "large": how the object was drawn
    # size_band when it tells this object from another of its class ("we say small and large only
    # when they tell two objects apart"), else None
    size_word: Optional[str]
    box_xyxy: tuple[float, float, float, float]  # visible mask, on pixel edges: x2 - x1 = width
    mask: BoolMask  # (H, W), the visible part after occlusion

    @property
    def center(self) -> tuple[float, float]:
        x1, y1, x2, y2 = self.box_xyxy
        return (x1 + x2) / 2, (y1 + y2) / 2


@dataclass(frozen=True)
class Expression:
    """Structured form of a referring expression; `text` renders it, `resolve` gives its meaning."""

    class_name: Optional[str]  # None renders as "shape"
    color: Optional[str] = None
    size: Optional[str] = None
    position: Optional[str] = None  # one of POSITIONS
    definite: bool = True  # "the red circle" or "red circle"; always definite with a position

    @property
    def text(self) -> str:
        words = ["the"] if self.definite or self.position is not None else []
        if self.position in SUPERLATIVES:
            words.append(self.position)
        words += [w for w in (self.size, self.color) if w is not None]
        words.append(self.class_name or "shape")
        if self.position in REGIONS:
            words.append(self.position)
        return " ".join(words)


@dataclass
class Referring:
    text: str
    object_index: int
    expression: Expression


@dataclass
class Scene:
    image: npt.NDArray[np.uint8]  # (H, W, 3) RGB
    objects: list[SceneObject]  # in drawing order: later objects occlude earlier ones
    semantic: npt.NDArray[np.uint8]  # (H, W): 0 background, 1 + class_id where an object is visible
    caption: str
    expressions: list[Referring]
    background: str  # one of BACKGROUNDS

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        return int(self.image.shape[1])


def generate_scene(seed: int, index: int, config: SceneConfig = SceneConfig()) -> Scene:
    """The scene number `index` of the stream `seed`; the same arguments give the same scene."""
    for name, value in (("seed", seed), ("index", index)):
        if not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    rng = np.random.default_rng([int(seed), int(index)])
    width = int(rng.integers(config.min_side, config.max_side + 1))
    height = int(rng.integers(config.min_side, config.max_side + 1))
    background = BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))]
    image = _render_background(background, height, width, rng)
    semantic = np.zeros((height, width), np.uint8)
    objects = _place_objects(rng, image, semantic, config.min_objects, config.max_objects)
    scene = Scene(image, objects, semantic, caption_for(objects, background), [], background)
    scene.expressions = _referring_expressions(scene, rng, config.max_expressions_per_object)
    return scene


# ---------------------------------------------------------------------------------------------
# Referring expressions


def resolve(expression: Expression, scene: Scene) -> list[int]:
    """Indices of every object the expression could be taken to mean, in drawing order.

    Class, colour and size must match exactly. A position is read with POSITION_TOLERANCE in the
    listener's favour: "the leftmost circle" is every circle within the tolerance of the leftmost
    one, and "the circle on the left" every circle whose centre lies left of the middle plus the
    tolerance. An expression is therefore unambiguous only when exactly one object is returned.
    """
    matches = [i for i, obj in enumerate(scene.objects) if _has_attributes(obj, expression)]
    if expression.position is None or not matches:
        return matches
    depth = {i: _depth(scene.objects[i], expression.position, scene) for i in matches}
    if expression.position in SUPERLATIVES:
        best = max(depth.values())
        return [i for i in matches if depth[i] >= best - POSITION_TOLERANCE]
    return [i for i in matches if depth[i] > -POSITION_TOLERANCE]


def _has_attributes(obj: SceneObject, expression: Expression) -> bool:
    return (
        expression.class_name in (None, obj.class_name)
        and expression.color in (None, obj.color)
        and expression.size in (None, obj.size_band)
    )


# Per SUPERLATIVES (and REGIONS) entry: the axis (0 = x, 1 = y) and the sign of its direction.
_POSITION_AXES: tuple[tuple[int, int], ...] = ((0, -1), (0, 1), (1, -1), (1, 1))


def _depth(obj: SceneObject, position: str, scene: Scene) -> float:
    """How far the object's centre lies from the image's middle in the named direction.

    A fraction of the image side: positive on the named side, larger further out.
    """
    axis, sign = _POSITION_AXES[POSITIONS.index(position) % len(SUPERLATIVES)]
    extent = (scene.width, scene.height)[axis]
    return sign * (obj.center[axis] - extent / 2) / extent


# (class_name, color, size, position): an Expression's meaning-bearing fields, cheap to hash.
_Key = tuple[Optional[str], Optional[str], Optional[str], Optional[str]]


def _referring_expressions(scene: Scene, rng: np.random.Generator, limit: int) -> list[Referring]:
    meanings: dict[_Key, list[int]] = {}

    def meaning(key: _Key) -> list[int]:
        found = meanings.get(key)
        if found is None:
            found = meanings[key] = resolve(Expression(*key), scene)
        return found

    referring: list[Referring] = []
    for index, obj in enumerate(scene.objects):
        keys = [k for k in _candidate_keys(obj) if _is_apt(k, index, scene, meaning)]
        if not keys or limit == 0:
            continue
        # The shortest expression always, then a random choice among the others for variety.
        candidates = sorted((Expression(*k) for k in keys), key=lambda e: len(e.text.split()))
        others = rng.permutation(len(candidates) - 1)[: limit - 1]
        for expression in [candidates[0]] + [candidates[1 + int(k)] for k in others]:
            if expression.position is None:
                expression = replace(expression, definite=bool(rng.random() < 0.5))
            referring.append(Referring(expression.text, index, expression))
    return referring


def _candidate_keys(obj: SceneObject) -> list[_Key]:
    """Every combination of the object's attributes and a position, except the bare "the shape"."""
    return [
        (class_name, color, size, position)
        for class_name in (obj.class_name, None)
        for color in (obj.color, None)
        for size in (obj.size_band, None)
        for position in (None, *POSITIONS)
        if (class_name, color, size, position) != (None, None, None, None)
    ]


def _is_apt(key: _Key, index: int, scene: Scene, meaning: Callable[[_Key], list[int]]) -> bool:
    class_name, color, size, position = key
    # Size and position words are said only when they tell the object apart from another one.
    if size is not None and meaning((class_name, color, None, position)) == [index]:
        return False
    if position is not None:
        if meaning((class_name, color, size, None)) == [index]:
            return False
        # The tolerant reading accepts a referent just past the middle; the speaker needs it
        # clearly inside the named half.
        clear = _depth(scene.objects[index], position, scene) >= POSITION_TOLERANCE
        if position in REGIONS and not clear:
            return False
    return meaning(key) == [index]


# ---------------------------------------------------------------------------------------------
# Caption


def caption_for(objects: Sequence[SceneObject], background: str) -> str:
    """E.g. "a red circle, two blue squares and a small green star on a striped background".

    Detail is dropped (size, then colour, then class) until the caption fits MAX_CAPTION_PIECES.
    """
    setting = f"on a {BACKGROUND_WORDS[background]} background"
    for detail in (3, 2, 1):
        groups: dict[_Group, int] = {}
        for obj in objects:
            size = obj.size_word if detail >= 3 else None
            color = obj.color if detail >= 2 else None
            key = (obj.class_id, color, size)
            groups[key] = groups.get(key, 0) + 1
        phrases = [
            _noun_phrase(count, size, color, CLASSES[class_id])
            for (class_id, color, size), count in sorted(groups.items(), key=_group_order)
        ]
        caption = f"{_join(phrases)} {setting}"
        if caption_wordpieces(caption) <= MAX_CAPTION_PIECES:
            return caption
    return f"{_noun_phrase(len(objects), None, None, 'shape')} {setting}"


def caption_wordpieces(text: str) -> int:
    """Upper bound on the bert-base-uncased wordpieces of a caption: words, commas, split words."""
    words = text.replace(",", " ,").split()
    return len(words) + sum(word in _SPLIT_WORDS for word in words)


_Group = tuple[int, Optional[str], Optional[str]]  # class_id, colour, size word


def _group_order(item: tuple[_Group, int]) -> tuple[int, int, int]:
    (class_id, color, size), _ = item
    color_rank = -1 if color is None else COLORS.index(color)
    size_rank = -1 if size is None else SIZE_WORDS.index(size)
    return class_id, color_rank, size_rank


def _noun_phrase(count: int, size: Optional[str], color: Optional[str], noun: str) -> str:
    words = [w for w in (size, color) if w is not None] + [noun if count == 1 else noun + "s"]
    number = NUMBER_WORDS[count - 1]
    if number == "a" and words[0][0] in "aeiou":
        number = "an"
    return " ".join([number, *words])


def _join(phrases: list[str]) -> str:
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


# ---------------------------------------------------------------------------------------------
# Backgrounds


def _allowed_background_colors() -> npt.NDArray[np.float64]:
    """Near-grey colours (a grey level plus a small tint) far from every object colour."""
    greys = np.arange(25.0, 231.0, 5.0)
    tints = np.array([(r, g, b) for r in (-15, 0, 15) for g in (-15, 0, 15) for b in (-15, 0, 15)])
    colors = (greys[:, None, None] + tints[None, :, :]).reshape(-1, 3)
    palette = np.array(list(COLOR_RGB.values()), np.float64)
    distance = np.linalg.norm(colors[:, None, :] - palette[None, :, :], axis=2).min(axis=1)
    return colors[distance >= MIN_BACKGROUND_DISTANCE]


_BACKGROUND_COLORS = _allowed_background_colors()


def _background_color(
    rng: np.random.Generator, contrast_with: Optional[npt.NDArray[np.floating]] = None
) -> npt.NDArray[np.float64]:
    choices = _BACKGROUND_COLORS
    if contrast_with is not None:
        distance = np.linalg.norm(choices - contrast_with, axis=1)
        choices = choices[distance >= STRIPE_CONTRAST]
    return choices[int(rng.integers(len(choices)))]


def _render_background(kind: str, height: int, width: int, rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    first = _background_color(rng).astype(np.float32)
    if kind == "plain":
        return np.broadcast_to(_to_uint8(first), (height, width, 3)).copy()
    if kind == "gradient":
        second = _background_color(rng, contrast_with=first).astype(np.float32)
        ramp = _projection(height, width, rng.uniform(0, 2 * math.pi))
        ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1.0)
        return _to_uint8(first + ramp[:, :, None] * (second - first))
    if kind == "noise":
        return _to_uint8(first + _grey_noise(height, width, rng)[:, :, None])
    if kind == "stripes":
        second = _background_color(rng, contrast_with=first)
        period = rng.uniform(8, 40)
        # Quarter turns and diagonals only: other angles alias into jagged stripes at small periods.
        angle = math.pi / 4 * int(rng.integers(4))
        phase = _projection(height, width, angle) + np.float32(rng.uniform(0, period))
        on = (phase % np.float32(period) < period / 2)[:, :, None]
        return np.where(on, _to_uint8(first), _to_uint8(second))
    raise ValueError(f"unknown background {kind!r}; expected one of {BACKGROUNDS}")


def _to_uint8(pixels: npt.NDArray[np.floating]) -> npt.NDArray[np.uint8]:
    return np.clip(np.rint(pixels), 0, 255).astype(np.uint8)


def _projection(height: int, width: int, angle: float) -> npt.NDArray[np.float32]:
    """Each pixel's coordinate along the direction `angle` (radians, from the x axis)."""
    xs = np.arange(width, dtype=np.float32)[None, :]
    ys = np.arange(height, dtype=np.float32)[:, None]
    return xs * np.float32(math.cos(angle)) + ys * np.float32(math.sin(angle))


def _grey_noise(height: int, width: int, rng: np.random.Generator) -> npt.NDArray[np.float32]:
    """Blotchy plus fine noise, the same on all channels so the background stays grey."""
    coarse = rng.normal(0.0, 1.0, (height // 16 + 2, width // 16 + 2)).astype(np.float32)
    blotches = Image.fromarray(coarse, mode="F").resize((width, height), Image.Resampling.BILINEAR)
    blotches = np.asarray(blotches)
    fine = rng.standard_normal((height, width), dtype=np.float32)
    return np.clip(18.0 * blotches + 6.0 * fine, -NOISE_LIMIT, NOISE_LIMIT)


# ---------------------------------------------------------------------------------------------
# Objects


def _unit_outline(class_name: str) -> npt.NDArray[np.float64]:
    """Polygon vertices (K, 2) of a shape with circumradius 1, pointing up."""
    if class_name == "star":
        radii = np.tile([1.0, STAR_INNER_RATIO], 5)
    else:
        radii = np.ones({"square": 4, "triangle": 3, "hexagon": 6}[class_name])
    angles = 2 * math.pi * np.arange(len(radii)) / len(radii) - math.pi / 2
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)


def _polygon_area(vertices: npt.NDArray[np.float64]) -> float:
    x, y = vertices[:, 0], vertices[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


_OUTLINES = {name: _unit_outline(name) for name in CLASSES if name != "circle"}
# Circumradius per unit of "equal-area circle radius", so that a small star and a small square
# cover about the same area and "small" and "large" compare across classes.
_CIRCUMRADIUS = {
    name: 1.0 if name == "circle" else math.sqrt(math.pi / _polygon_area(_OUTLINES[name])) for name in CLASSES
}


@dataclass
class _Shape:
    """A rasterised object: its mask inside the (rows, cols) window of the image."""

    rows: slice
    cols: slice
    local: BoolMask
    area: int


@dataclass
class _Placed:
    class_id: int
    color: str
    size_band: str
    center: tuple[float, float]
    radius: float
    shape: _Shape
    visible: BoolMask  # (H, W)
    visible_area: int

    def keeps_enough_under(self, top: _Shape) -> bool:
        hidden = np.count_nonzero(self.visible[top.rows, top.cols] & top.local)
        return self.visible_area - hidden >= MIN_VISIBLE_FRACTION * self.shape.area

    def cover(self, top: _Shape) -> None:
        window = self.visible[top.rows, top.cols]
        window &= ~top.local
        self.visible_area = int(np.count_nonzero(self.visible))


def _place_objects(
    rng: np.random.Generator,
    image: npt.NDArray[np.uint8],
    semantic: npt.NDArray[np.uint8],
    min_objects: int,
    max_objects: int,
) -> list[SceneObject]:
    """Draws objects onto `image` and `semantic` and returns their annotations."""
    height, width = semantic.shape
    placed: list[_Placed] = []
    for _ in range(int(rng.integers(min_objects, max_objects + 1))):
        if placed and rng.random() < REPEAT_CLASS_PROBABILITY:
            class_id = placed[int(rng.integers(len(placed)))].class_id
        else:
            class_id = int(rng.integers(len(CLASSES)))
        color = COLORS[int(rng.integers(len(COLORS)))]
        size_band = "large" if rng.random() < LARGE_PROBABILITY else "small"
        radius = rng.uniform(*SIZE_BANDS[size_band]) * min(height, width) * _CIRCUMRADIUS[CLASSES[class_id]]
        angle = rng.uniform(0, 2 * math.pi)
        for _ in range(PLACEMENT_TRIES):
            center = _sample_center(rng, radius, placed, height, width)
            if _touches_same_color(center, radius, color, placed):
                continue
            shape = _rasterize(CLASSES[class_id], center, radius, angle, height, width)
            if all(below.keeps_enough_under(shape) for below in placed):
                break
        else:
            continue  # no room left for this object: the scene has fewer objects
        for below in placed:
            below.cover(shape)
        jitter = rng.integers(-COLOR_JITTER, COLOR_JITTER + 1, 3)
        rgb = np.clip(np.array(COLOR_RGB[color]) + jitter, 0, 255).astype(np.uint8)
        image[shape.rows, shape.cols][shape.local] = rgb
        visible = np.zeros((height, width), dtype=bool)
        visible[shape.rows, shape.cols] = shape.local
        placed.append(_Placed(class_id, color, size_band, center, radius, shape, visible, shape.area))
    objects = [_annotate(p, placed) for p in placed]
    for obj in objects:
        semantic[obj.mask] = obj.class_id + 1
    return objects


def _sample_center(
    rng: np.random.Generator, radius: float, placed: list[_Placed], height: int, width: int
) -> tuple[float, float]:
    """A centre that keeps the whole shape inside the image, often next to an earlier object."""
    low, high_x, high_y = radius + 1, width - radius - 2, height - radius - 2
    if placed and rng.random() < NEAR_PROBABILITY:
        anchor = placed[int(rng.integers(len(placed)))]
        distance = (anchor.radius + radius) * rng.uniform(0.5, 0.9)
        theta = rng.uniform(0, 2 * math.pi)
        x = anchor.center[0] + distance * math.cos(theta)
        y = anchor.center[1] + distance * math.sin(theta)
    else:
        x, y = rng.uniform(low, high_x), rng.uniform(low, high_y)
    return min(max(x, low), high_x), min(max(y, low), high_y)


def _touches_same_color(
    center: tuple[float, float], radius: float, color: str, placed: list[_Placed]
) -> bool:
    """Objects of one colour never overlap or touch: their masks would have no visible border."""
    return any(
        math.dist(center, other.center) < radius + other.radius + SAME_COLOR_GAP
        for other in placed
        if other.color == color
    )


def _rasterize(
    class_name: str,
    center: tuple[float, float],
    radius: float,
    angle: float,
    height: int,
    width: int,
) -> _Shape:
    """The exact binary mask of a shape, drawn without anti-aliasing in a window around it."""
    cx, cy = center
    x0, x1 = max(math.floor(cx - radius) - 1, 0), min(math.ceil(cx + radius) + 2, width)
    y0, y1 = max(math.floor(cy - radius) - 1, 0), min(math.ceil(cy + radius) + 2, height)
    canvas = Image.new("L", (x1 - x0, y1 - y0), 0)
    draw = ImageDraw.Draw(canvas)
    lx, ly = cx - x0, cy - y0
    if class_name == "circle":
        draw.ellipse((lx - radius, ly - radius, lx + radius, ly + radius), fill=1)
    else:
        cos, sin = math.cos(angle), math.sin(angle)
        outline = _OUTLINES[class_name] @ np.array([[cos, sin], [-sin, cos]]) * radius
        draw.polygon([(lx + x, ly + y) for x, y in outline.tolist()], fill=1)
    local = np.asarray(canvas, dtype=bool)
    return _Shape(slice(y0, y1), slice(x0, x1), local, int(np.count_nonzero(local)))


def _annotate(p: _Placed, placed: list[_Placed]) -> SceneObject:
    window = p.visible[p.shape.rows, p.shape.cols]
    rows = np.flatnonzero(window.any(axis=1))
    cols = np.flatnonzero(window.any(axis=0))
    y0, x0 = p.shape.rows.start, p.shape.cols.start
    box = (
        float(x0 + cols[0]),
        float(y0 + rows[0]),
        float(x0 + cols[-1] + 1),
        float(y0 + rows[-1] + 1),
    )
    distinct = any(q.class_id == p.class_id and q.size_band != p.size_band for q in placed)
    return SceneObject(
        class_name=CLASSES[p.class_id],
        class_id=p.class_id,
        color=p.color,
        size_band=p.size_band,
        size_word=p.size_band if distinct else None,
        box_xyxy=box,
        mask=p.visible,
    )
