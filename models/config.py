"""Architecture configs for UFO-ViT: the official B/L/H and free small ones.

A `UfoVitConfig` holds what shapes the weights (widths, depth, which layers are global, the patch
and window sizes, the vocabulary). What a task feeds the model (resolution, prompt, grid, bins)
lives in `TaskConfig`, because the same weights serve every task.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

TaskKind = Literal["grid-box", "grid-mask", "grid-semantic", "refer-box", "refer-mask", "caption"]
Interpolation = Literal["bilinear", "bicubic-pil"]


@dataclass(frozen=True)
class UfoVitConfig:
    """Shapes of the backbone. Defaults are UFO-ViT-B (spec §1.1)."""

    embed_dim: int = 768  # C, the width of every token
    num_heads: int = 12
    ffn_dim: int = 3072
    depth: int = 18  # all layers: the SAM layers plus the extra window layers
    global_layers: tuple[int, ...] = (2, 5, 8, 11)  # the rest use window attention
    mean_layers: tuple[int, ...] = (12, 13, 14, 15, 16, 17)  # averaged into the output hidden state
    patch_size: int = 16
    # Widths of the conv stem's stages (each halves the resolution) before the patch projection;
    # () is the official single patch_size x patch_size projection. A conv stem gives a model
    # trained from scratch the locality prior a pretrained ViT brings (UFO-Tiny; see its card).
    stem_channels: tuple[int, ...] = ()
    # With a stem, also add the official linear projection of the raw patch pixels to its output:
    # a short path for colour, which the shape-driven grid tasks give the stem no reason to keep.
    stem_bypass: bool = False
    window_size: int = 14  # in patches
    pos_grid: int = 70  # side of the learned pos-embed grid (model img_size / patch)
    vocab_size: int = 30525  # rows of the tied word embedding
    max_text_positions: int = 512
    ln_eps: float = 1e-6
    text_ln_eps: float = 1e-12

    def __post_init__(self) -> None:
        if self.embed_dim % self.num_heads:
            raise ValueError(f"embed_dim {self.embed_dim} is not a multiple of num_heads {self.num_heads}")
        for i in (*self.global_layers, *self.mean_layers):
            if not 0 <= i < self.depth:
                raise ValueError(f"layer index {i} is outside 0..{self.depth - 1}")
        if not self.mean_layers:
            raise ValueError("mean_layers must name at least one layer")
        if self.patch_size % 2 ** len(self.stem_channels):
            raise ValueError(
                f"patch_size {self.patch_size} is not a multiple of 2 ** {len(self.stem_channels)}"
                " (the stem stages)"
            )
        if self.stem_bypass and not self.stem_channels:
            raise ValueError("stem_bypass needs a stem (stem_channels)")

    @property
    def head_dim(self) -> int:
        return self.embed_dim // self.num_heads

    @property
    def window_layers(self) -> tuple[int, ...]:
        return tuple(i for i in range(self.depth) if i not in self.global_layers)

    def to_json(self) -> dict[str, object]:
        d: dict[str, object] = asdict(self)
        d["head_dim"] = self.head_dim
        d["window_layers"] = list(self.window_layers)
        return d


NAMED_CONFIGS: dict[str, UfoVitConfig] = {
    "ufo-vit-b": UfoVitConfig(),
    "ufo-vit-l": UfoVitConfig(
        embed_dim=1024,
        num_heads=16,
        ffn_dim=4096,
        depth=30,
        global_layers=(5, 11, 17, 23),
        mean_layers=tuple(range(24, 30)),
    ),
    "ufo-vit-h": UfoVitConfig(
        embed_dim=1280,
        num_heads=16,
        ffn_dim=5120,
        depth=38,
        global_layers=(7, 15, 23, 31),
        mean_layers=tuple(range(32, 38)),
    ),
}


def named_config(name: str, **overrides: object) -> UfoVitConfig:
    """The config called `name`, with optional field overrides (e.g. a smaller vocabulary)."""
    if name not in NAMED_CONFIGS:
        raise KeyError(f"unknown config {name!r}; known: {', '.join(sorted(NAMED_CONFIGS))}")
    base = asdict(NAMED_CONFIGS[name])
    unknown = set(overrides) - set(base)
    if unknown:
        raise KeyError(f"unknown config fields: {', '.join(sorted(unknown))}")
    base.update(overrides)
    for key in ("global_layers", "mean_layers", "stem_channels"):
        base[key] = tuple(base[key])  # type: ignore[arg-type]
    return UfoVitConfig(**base)  # type: ignore[arg-type]


@dataclass(frozen=True)
class TaskConfig:
    """How one task runs: the input, the prompt, the decoding and the answer grammar."""

    kind: TaskKind
    image_size: int
    interpolation: Interpolation
    prompt: str  # for refer tasks a template with "{expression}"
    max_length: int
    classes: tuple[str, ...] = ()
    grid_per_window: int = 5  # grid points per window side (grid tasks)
    num_bins: int = 0  # box coordinate bins (box tasks)
    beams: int = 1
    temperature: float = 1.0
    length_penalty: float = 0.0
    max_detections: int = 100
    extra: dict[str, float] = field(default_factory=dict)

    def grid_side(self, cfg: UfoVitConfig) -> int:
        return self.grid_per_window * self.image_size // (cfg.patch_size * cfg.window_size)


COCO_CLASSES: tuple[str, ...] = tuple(
    "person,bicycle,car,motorcycle,airplane,bus,train,truck,boat,traffic light,fire hydrant,"
    "stop sign,parking meter,bench,bird,cat,dog,horse,sheep,cow,elephant,bear,zebra,giraffe,"
    "backpack,umbrella,handbag,tie,suitcase,frisbee,skis,snowboard,sports ball,kite,baseball bat,"
    "baseball glove,skateboard,surfboard,tennis racket,bottle,wine glass,cup,fork,knife,spoon,bowl,"
    "banana,apple,sandwich,orange,broccoli,carrot,hot dog,pizza,donut,cake,chair,couch,"
    "potted plant,bed,dining table,toilet,tv,laptop,mouse,remote,keyboard,cell phone,microwave,"
    "oven,toaster,sink,refrigerator,book,clock,vase,scissors,teddy bear,hair drier,toothbrush".split(",")
)

ADE20K_CLASSES: tuple[str, ...] = tuple(
    "wall,building,sky,floor,tree,ceiling,road,bed,windowpane,grass,cabinet,sidewalk,person,earth,"
    "door,table,mountain,plant,curtain,chair,car,water,painting,sofa,shelf,house,sea,mirror,rug,"
    "field,armchair,seat,fence,desk,rock,wardrobe,lamp,bathtub,railing,cushion,base,box,column,"
    "signboard,chest of drawers,counter,sand,sink,skyscraper,fireplace,refrigerator,grandstand,path,"
    "stairs,runway,case,pool table,pillow,screen door,stairway,river,bridge,bookcase,blind,"
    "coffee table,toilet,flower,book,hill,bench,countertop,stove,palm,kitchen island,computer,"
    "swivel chair,boat,bar,arcade machine,hovel,bus,towel,light,truck,tower,chandelier,awning,"
    "streetlight,booth,television receiver,airplane,dirt track,apparel,pole,land,bannister,"
    "escalator,ottoman,bottle,buffet,poster,stage,van,ship,fountain,conveyer belt,canopy,washer,"
    "plaything,swimming pool,stool,barrel,basket,waterfall,tent,bag,minibike,cradle,oven,ball,food,"
    "step,tank,trade name,microwave,pot,animal,bicycle,lake,dishwasher,screen,blanket,sculpture,"
    "hood,sconce,vase,traffic light,tray,ashcan,fan,pier,crt screen,plate,monitor,bulletin board,"
    "shower,radiator,glass,clock,flag".split(",")
)


def official_tasks() -> dict[str, TaskConfig]:
    """The five tasks of the official multi-task UFO-ViT checkpoints (spec §2-§7)."""
    coco = ",".join(COCO_CLASSES)
    return {
        "detection": TaskConfig(
            kind="grid-box",
            image_size=1120,
            interpolation="bilinear",
            prompt=f"Task: detection; Class: {coco},background; Bin: 0 to 2240",
            classes=COCO_CLASSES,
            num_bins=2240,
            max_length=30,
        ),
        "instance_segmentation": TaskConfig(
            kind="grid-mask",
            image_size=1120,
            interpolation="bilinear",
            prompt=f"Task: instance_segmentation; Class: {coco}.",
            classes=COCO_CLASSES,
            max_length=30,
        ),
        "semantic_segmentation": TaskConfig(
            kind="grid-semantic",
            image_size=672,
            interpolation="bilinear",
            prompt=f"Task: semantic_segmentation; Class: {','.join(ADE20K_CLASSES)}.",
            classes=ADE20K_CLASSES,
            max_length=30,
        ),
        "caption": TaskConfig(
            kind="caption",
            image_size=224,
            interpolation="bicubic-pil",
            prompt="Task: caption; Give a caption for this image:",
            max_length=20,
            beams=2,
            temperature=1.0,
            length_penalty=0.7,
        ),
        "grounding": TaskConfig(
            kind="refer-box",
            image_size=224,
            interpolation="bicubic-pil",
            prompt="Task: grounding; Description: {expression}",
            num_bins=448,
            max_length=20,
        ),
    }
