"""Train UFO-Tiny on generated scenes, jointly on all six tasks, in UFO's output grammar.

    python -m models.train_tiny --out runs/tiny                   # CUDA when present, else CPU
    python -m models.train_tiny --out runs/tiny --resume          # continue from runs/tiny/last.pt
    python -m models.train_tiny --out runs/tiny --schedule cpu    # the 2-core CPU schedule (< 2.5 h)

Every step draws one batch of scenes (scene i of stream --seed, so data never depends on worker
timing) and sums the losses of every task on it: token cross-entropy over the answer, plus
BCE + Dice on the retrieved masks (spec §5: <MASK> states . image features, 4x4 shuffle).
Losses go to stdout and runs/<out>/log.jsonl, with held-out progress every --val-every steps
(models/validation.py: class accuracy, box error, mask IoU, greedy REC accuracy and referent choice
on scenes no training or evaluation uses);
checkpoints to runs/<out>/last.pt.

The CPU schedule has a time budget: every 100 steps the measured speed sets the step count to
what still fits (never more than asked for), and the log records each change
({"schedule_steps": ...}). The budget counts from the start of each process, a resumed one too.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from . import targets as tg
from .config import TaskConfig
from .oracle import IMAGE_MEAN, IMAGE_STD, MASK_TOKENS, resize_image
from .scenes import Referring, Scene, SceneConfig, generate_scene
from .tokenizer import Tokenizer
from .export import PRESETS
from .ufo_vit import KV, Geometry, UFOViT, ViTUFO, init_weights
from .ranks import Ranks, spawn
from .validation import VAL_SCENES, VAL_SEED, HeldOutProbe


@dataclass(frozen=True)
class Schedule:
    steps: int
    batch: int
    lr: float
    warmup: int
    grid_negatives: int  # background grid points sampled per image (det / insseg)
    semantic_points: int  # grid points sampled per image (semseg)
    # Images of each batch that also train the caption (0: all). The caption is outside the
    # quality bar, yet at full batch it costs as much as a box task: its prompt runs the whole
    # text-conditioned encoder again.
    caption_images: int = 0
    # "bf16": the forward pass under CUDA's bfloat16 autocast; "fp32": plain float32 (TF32 matmuls
    # on CUDA). The weights and the optimiser stay float32 either way.
    precision: str = "fp32"
    # Every task's forward pass batched with the others' (Trainer.forward_tasks) instead of task by
    # task. Equal to rounding, with about a fifth of the kernel-like ops (counted on this CPU; see
    # the gpu schedule). On this compute-bound CPU it is slower: 3.77 s a step at batch 16 against
    # 3.44 task by task (four alternating rounds), most likely as its padding costs more than the
    # launches it saves; and task by task keeps the CPU recipe bit-identical to the run that
    # trained the shipped build.
    stack_tasks: bool = False
    # Referring segmentation asks for another object than grounding does, where the scene has
    # two: each image then teaches two referent choices a step instead of one, at no extra cost
    # (each referring task runs its own text-conditioned encoder pass either way).
    res_own_expression: bool = False
    # Processes that share each batch (models/ranks.py), each on its own cores: on the 2-core CPU
    # one process keeps only about one core busy.
    ranks: int = 1
    # The weight of the referring tasks' answer cross-entropy (grounding and referring
    # segmentation) against every other loss's 1. Raising it (2.0, 1.3) bought referring with
    # the grid tasks; the 3751-step build cleared the referring bars with room (REC 0.886 against
    # 0.85), so the builds shipped since weighed it 0.7. The 6657-step build cleared them with
    # more room still (REC 0.946, RES gIoU 0.822) and missed box AP@0.5 alone, so the cpu
    # schedule weighs it 0.5 (with min_objects 3), as the 6736-step build was trained.
    refer_weight: float = 1.0
    # The weight of a box coordinate's cross-entropy (the boxes of detection and both referring
    # tasks) against every other answer token's 1. Tried at 2.0 on the cpu schedule (commit
    # c46cdb6, 7091 steps), since box AP@0.5 was the one bar the 6657-step build missed: the boxes it
    # matched were tighter (box AP@[.5:.95] 0.546 to 0.560) but AP@0.5 fell (0.777 to 0.754),
    # and instance mask AP@0.5 fell 0.02, so the cpu schedule keeps 1 (see the card).
    coord_weight: float = 1.0
    # The fewest objects a training scene draws (SceneConfig.min_objects; the held-out sets keep
    # 1). The boxes the 6657-step build lost at AP@0.5 were in crowded scenes: which object a grid
    # point answers for, and its class. Scenes of 3-6 objects put about 4.5 objects a scene in
    # front of the grid tasks instead of 3.5, at nearly the cost of a step, since each task's
    # encoder pass, not its answers, sets that cost.
    min_objects: int = 1
    # Minutes the run may take (None: no limit). The step count follows the measured speed when
    # the asked-for steps would not fit (fit_to_budget); a run that never cuts repeats exactly.
    budget_min: float | None = None


SCHEDULES = {
    # Measured on an H200 at batch 32 with bf16 autocast (`python -m models.bench_train --profile`):
    # a step took 0.38 s, of which the GPU was busy 47 ms; the rest is the host launching ~12,000
    # small kernels. So a larger batch costs little time per step, and stack_tasks launches about
    # a fifth as many (counted on this CPU at batch 4: 13.9k kernel-like ops task by task, 3.0k
    # stacked, AdamW aside). fp32 (TF32 matmuls) rather than bf16: that step ran 10,200 copies on
    # the GPU against 2,900 on the CPU without autocast, most likely autocast's casts
    # (`bench_train --precision fp32 --precision bf16` times both). The step count is a cap that a
    # --time-budget lowers to what fits: high enough that a budget, not the cap, ends a short run
    # (14 loader workers at 12 ms a scene deliver at most about 9 batches of 128 a second).
    "gpu": Schedule(
        steps=6000,
        batch=128,
        lr=2e-3,
        warmup=150,
        grid_negatives=24,
        semantic_points=12,
        stack_tasks=True,
        res_own_expression=True,
    ),
    # This 2-core CPU (OpenBLAS, models/_blas.py): all six tasks at batch 16 take 2.34 s a step in
    # two ranks of one thread each, 3.45 s in one process (60-step runs, steps 21-60, two each), so
    # 3500 steps take ~137 minutes with the probes. The machine is not always that fast (the
    # 3478-step build averaged 2.24 s, from 1.8 to 2.7 s per 100 steps; the one before it, in one
    # process, ran 9% slower than planned), so a 145-minute budget keeps the 2.5 hours.
    # Others are faster: the 6193-step build averaged 1.24 s a step, the 6657-step one 1.14 and
    # the 6736-step one 1.18 (see the card). res_own_expression: after 900 steps of this recipe
    # in one process, on 1024 held-out scenes, greedy REC 0.18 against 0.10, referent 0.44
    # against 0.39, RES IoU 0.58 against 0.56, detection classes 0.39 against 0.45 (one run
    # each; see the card).
    "cpu": Schedule(
        steps=3500,
        batch=16,
        lr=1.5e-3,
        warmup=80,
        grid_negatives=24,
        semantic_points=12,
        caption_images=4,
        res_own_expression=True,
        refer_weight=0.5,
        min_objects=3,
        ranks=2,
        budget_min=145,
    ),
}
BIN_SIGMA = 3.0  # width, in bins, of a coordinate's soft target (answer_loss)
PATCH_BACKGROUND_WEIGHT = 0.2  # patch_class_loss: background patches outnumber shapes about 5 to 1
TIMING_STEPS = 40  # steps timed before the budget first sizes the step count
REPLAN_EVERY = 100  # steps between later checks of the budget against the recent speed
TRAIN_SEED = 1  # held-out sets use other seeds: the probe VAL_SEED, the quality bar 777 (src/eval)


class SceneStream(IterableDataset):  # type: ignore[type-arg]
    """Training samples for scene indices start, start+1, ... of stream `seed`, sharded by rank
    (ranks.py) and, within a rank, by worker."""

    def __init__(
        self,
        seed: int,
        start: int,
        tok: Tokenizer,
        tasks: dict[str, TaskConfig],
        grid_side: int,
        patch: int,
        sched: Schedule,
        ranks: Ranks = Ranks(),
    ) -> None:
        self.seed, self.start, self.tok, self.tasks = seed, start, tok, tasks
        self.side, self.patch, self.sched, self.ranks = grid_side, patch, sched, ranks

    def __iter__(self):  # type: ignore[no-untyped-def]
        info = get_worker_info()
        index = self.start + self.ranks.rank + self.ranks.world * (info.id if info else 0)
        stride = self.ranks.world * (info.num_workers if info else 1)
        while True:
            sample = make_sample(self.seed, index, self.tok, self.tasks, self.side, self.patch, self.sched)
            yield convert_leaves(sample, Tensor, Tensor.numpy)
            index += stride


def convert_leaves(tree: object, kind: type, fn: Callable[[Any], object]) -> object:
    """`tree` (dicts, lists, tuples) with every leaf of type `kind` replaced by fn(leaf), once per
    object: a leaf shared by two keys stays shared, as Trainer.encode_image's stem cache needs.

    Samples cross the loader's process boundary as numpy arrays: a tensor travels as its own
    shared-memory segment and file descriptor, and a sample holds dozens (a mask per grid point).
    Timed here with two workers and the main process idle, that cut scenes delivered from about
    45 a second to about 90, what the workers generate; on a 16-core GPU machine, fourteen workers
    delivered only 133 scenes a second (4 batches of 32) for that reason.
    """
    done: dict[int, object] = {}

    def walk(x: object) -> object:
        if isinstance(x, kind):
            if id(x) not in done:
                done[id(x)] = fn(x)
            return done[id(x)]
        if isinstance(x, dict):
            return {k: walk(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            # A sample's lists are homogeneous, and most hold token ids: walking every id cost
            # 30 ms of the training process's time per 128 samples.
            if not x or isinstance(x[0], (int, float, str)):
                return x
            return type(x)(walk(v) for v in x)
        return x

    return walk(tree)


def another_referent(scene: Scene, seed: int, index: int, ref: Referring) -> Referring:
    """An expression of another object of the scene than `ref`'s (`ref` itself in a one-object
    scene), drawn from a stream of its own so that the rest of the sample is what it was."""
    others = [e for e in scene.expressions if e.object_index != ref.object_index]
    if not others:
        return ref
    return others[int(np.random.default_rng([seed, index, 8]).integers(len(others)))]


def probe_samples(
    tok: Tokenizer, tasks: dict[str, TaskConfig], side: int, patch: int, sched: Schedule, count: int
) -> list[dict[str, object]]:
    """The held-out probe's scenes (models/validation.py). Both referring tasks ask for the same
    object there, so that runs with and without res_own_expression are measured alike, and the
    scenes are the held-out distribution whatever min_objects the run trains on."""
    same = replace(sched, res_own_expression=False, min_objects=1)
    return [make_sample(VAL_SEED, i, tok, tasks, side, patch, same) for i in range(count)]


def make_sample(
    seed: int,
    index: int,
    tok: Tokenizer,
    tasks: dict[str, TaskConfig],
    side: int,
    patch: int,
    sched: Schedule,
) -> dict[str, object]:
    scene = generate_scene(seed, index, SceneConfig(min_objects=sched.min_objects))
    rng = np.random.default_rng([seed, index, 7])
    det, ins, sem = tasks["detection"], tasks["instance_segmentation"], tasks["semantic_segmentation"]
    grid_mask_side = 4 * det.image_size // patch  # the retrieved mask map is 4x the patch grid
    refer = tasks["grounding"]
    ref = scene.expressions[int(rng.integers(len(scene.expressions)))]
    obj = scene.objects[ref.object_index]
    res_ref = another_referent(scene, seed, index, ref) if sched.res_own_expression else ref
    res_obj = scene.objects[res_ref.object_index]
    expressions = {"grounding": ref, "referring_segmentation": res_ref}
    grid_pixels = resize_image(scene.image, det.image_size, det.interpolation)
    sample: dict[str, object] = {
        "grid_pixels": grid_pixels,
        "refer_pixels": (
            grid_pixels
            if (refer.image_size, refer.interpolation) == (det.image_size, det.interpolation)
            else resize_image(scene.image, refer.image_size, refer.interpolation)
        ),
        "expression": ref.text,
        # The referring prompts' ids, tokenised here in the loader's workers: in the training
        # process the tokenizer took ~30 ms of host time a step at batch 128.
        "prompt_ids": {
            name: tok.prompt_ids(t.prompt.format(expression=expressions[name].text))
            for name, t in tasks.items()
            if "{expression}" in t.prompt
        },
        "expression_form": ref.expression,  # its words' roles: the probe's split by expression type
        "ground": tg.refer_target(obj, scene.width, scene.height, refer, tok),
        "res": tg.refer_target(res_obj, scene.width, scene.height, tasks["referring_segmentation"], tok),
        "res_mask": tg.mask_target(res_obj.mask, 4 * refer.image_size // patch),
        # Every object's box in grounding bins and which one is meant: the held-out probe's
        # greedy REC accuracy and referent choice.
        "refer_boxes": (
            torch.tensor(
                [
                    tg.box_bins(o.box_xyxy, scene.width, scene.height, (0.5, 0.5), refer.num_bins)
                    for o in scene.objects
                ]
            ),
            ref.object_index,
        ),
        "caption": tg.caption_target(scene, tok),
        "patch_classes": tg.patch_centre_labels(scene.semantic, sem.image_size // patch),
        # Grid points that answer "background" when every point is decoded (Trainer.semantic_weights).
        "background_points": int((tg.patch_centre_labels(scene.semantic, side) == 0).sum()),
    }
    for key, task, n in (
        ("detection", det, sched.grid_negatives),
        ("instance_segmentation", ins, sched.grid_negatives),
        ("semantic_segmentation", sem, sched.semantic_points),
    ):
        t = tg.grid_targets(scene, task, side, tok, rng, n)
        # One (n, S, S) tensor of the n masks, not n tensors: one array to send from the worker
        # and none to stack in the training process.
        sample[key] = (t.points, t.sequences, tg.mask_targets(t.masks, grid_mask_side))
    return sample


def default_workers() -> int:
    """All cores but two, at least two: scene generation runs on the CPU, and a GPU machine's spare
    cores keep its steps fed (on a 2-core CPU the two workers share the cores with the step)."""
    return max(2, (os.cpu_count() or 2) - 2)


def scene_loader(stream: SceneStream, batch: int, workers: int) -> DataLoader:  # type: ignore[type-arg]
    """Batches of `stream` from `workers` processes (0: in this one), as training reads them."""
    return DataLoader(
        stream,
        batch_size=batch,
        collate_fn=collate,
        num_workers=workers,
        worker_init_fn=_one_thread,
        **({"prefetch_factor": 4, "persistent_workers": True} if workers else {}),
    )


def _one_thread(_: int) -> None:
    # Each worker renders scenes on one core; torch's default of one thread per core in every
    # worker oversubscribes the machine many times over and starves the training process.
    torch.set_num_threads(1)


def collate(samples: list[dict[str, object]]) -> list[dict[str, object]]:
    return samples


# ---------------------------------------------------------------------------------- losses
def pad_sequences(seqs: list[list[int]], cls: int, pad: int) -> tuple[Tensor, Tensor]:
    """Teacher forcing: inputs [CLS] + answer[:-1], labels answer (-100 past the end).

    Filled by one masked assignment, not row by row: a batch of 128 has some 8,500 grid answers,
    and the row loop took 270 ms of host time a step, most of what a GPU step costs."""
    lengths = np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs))
    inside = np.arange(max(1, int(lengths.max()))) < lengths[:, None]
    labels = np.full(inside.shape, -100, dtype=np.int64)
    labels[inside] = np.fromiter(
        itertools.chain.from_iterable(seqs), dtype=np.int64, count=int(lengths.sum())
    )
    inputs = np.full(inside.shape, pad, dtype=np.int64)
    inputs[:, 0] = cls
    inputs[:, 1:] = np.where(inside[:, 1:], labels[:, :-1], pad)
    return torch.from_numpy(inputs), torch.from_numpy(labels)


def weighted_bce(logits: Tensor, target: Tensor, negative_weight: Tensor) -> Tensor:
    """BCE over (n, S, S) masks whose cells outside mask i weigh negative_weight[i] against those
    inside: a cell's optimum moves from its covered fraction t to t / (t + w (1 - t)). Normalised
    by the weights, so that weights of 1 give the plain mean BCE."""
    w = negative_weight[:, None, None]
    terms = target * F.logsigmoid(logits) + w * (1 - target) * F.logsigmoid(-logits)
    return -terms.sum() / (target + w * (1 - target)).sum()


def mask_loss(logits: Tensor, target: Tensor, negative_weight: Tensor | None = None) -> Tensor:
    """BCE (weighted_bce with a negative_weight) + Dice, both per mask then averaged."""
    if negative_weight is None:
        bce = F.binary_cross_entropy_with_logits(logits, target)
    else:
        bce = weighted_bce(logits, target, negative_weight)
    p = logits.sigmoid().flatten(1)
    t = target.flatten(1)
    dice = 1 - (2 * (p * t).sum(1) + 1) / (p.sum(1) + t.sum(1) + 1)
    return bce + dice.mean()


Encoded = tuple[Tensor, list[KV], list[Tensor]]  # image features, image (k, v), layer inputs
# A task's teacher-forced pass: answer states and labels (N, T), image features, and for answers
# with <MASK>s the index of their image and their target masks (None: one mask per image, res_mask).
Forward = tuple[Tensor, Tensor, Tensor, list[int], Tensor | None]
ANSWERS = {"refer-box": "ground", "refer-mask": "res", "caption": "caption"}  # a referring kind's answer


def kv_slice(kvs: list[KV], first: int, last: int, images: int) -> list[KV]:
    """Images first..last-1 of the image (k, v) of a stacked batch of `images`: per layer one row
    per image, or for window layers one row per window of each."""
    out = []
    for k, v in kvs:
        per = k.shape[0] // images
        out.append((k[first * per : last * per], v[first * per : last * per]))
    return out


def pixels_key(task: TaskConfig) -> str:
    """The sample's pixels a task reads (UFO-Tiny's two are one array; the micro preset's differ)."""
    return "grid_pixels" if task.kind.startswith("grid-") else "refer_pixels"


class Trainer:
    def __init__(
        self,
        model: UFOViT,
        tok: Tokenizer,
        tasks: dict[str, TaskConfig],
        device: torch.device,
        caption_images: int = 0,
        stack_tasks: bool = False,
        refer_weight: float = 1.0,
        coord_weight: float = 1.0,
    ) -> None:
        self.model, self.net, self.tok, self.tasks, self.device = model, model.backbone, tok, tasks, device
        # As in Schedule.
        self.caption_images, self.stack_tasks, self.refer_weight = caption_images, stack_tasks, refer_weight
        self.coord_weight = coord_weight
        self.cls, self.pad, self.mask_id = tok.id("[CLS]"), tok.id("[PAD]"), tok.id("<MASK>")
        # The value of every whole-number token (bins are single words in the tiny vocabularies).
        bin_value = torch.full((len(tok.vocab),), -1, dtype=torch.long)
        for word, i in tok.vocab.items():
            if word.isdigit():
                bin_value[i] = int(word)
        self.bin_value = bin_value.to(device)
        self.number_ids = torch.nonzero(self.bin_value >= 0)[:, 0]
        self.fixed_prompts = {
            n: tok.prompt_ids(t.prompt) for n, t in tasks.items() if "{expression}" not in t.prompt
        }
        names = tasks["semantic_segmentation"].classes
        self.semantic_ids = torch.tensor([tok.id(n) for n in names], device=device)
        self.background_id = tok.id(names[0])  # the semantic classes start with the background
        self.patch_class_weight = torch.tensor(
            [PATCH_BACKGROUND_WEIGHT] + [1.0] * (len(names) - 1), device=device
        )
        # encode_image's cache while losses() runs on one batch (None outside it, so no other
        # caller can see patch tokens computed before an optimiser step): the images, compared by
        # identity, their pixels and their patch tokens.
        self._embedded: tuple[list[object], Tensor, Tensor] | None = None
        # Every task's forward pass, by task, while losses() runs with stack_tasks (None outside).
        self._forwards: dict[str, Forward] | None = None
        self.mean = torch.tensor(IMAGE_MEAN, device=device)[:, None, None]
        self.std = torch.tensor(IMAGE_STD, device=device)[:, None, None]

    def put(self, x: Tensor) -> Tensor:
        """A host tensor on the training device. On CUDA the copy is queued without waiting: a plain
        .to() synchronises the stream, and a step of dozens of such copies would stall the host at
        each one until the GPU caught up, instead of letting it launch the next kernels meanwhile.
        Every index is therefore computed on the host, where the labels are."""
        if self.device.type != "cuda":
            return x.to(self.device)
        return x.pin_memory().to(self.device, non_blocking=True)

    def pixels(self, batch: list[dict[str, object]], key: str) -> Tensor:
        x = self.put(torch.stack([s[key] for s in batch]))  # type: ignore[misc]
        return (x - self.mean) / self.std

    def embedded(self, batch: list[dict[str, object]], key: str) -> tuple[Tensor, Tensor | None]:
        """A batch's normalised pixels and, within losses(), their patch tokens. The patch embedding
        (the conv stem) does not depend on the prompt, so losses() runs it once per batch, not once
        per task; outside losses() the encoder embeds the pixels itself (patches None)."""
        if self._embedded is None:
            return self.pixels(batch, key), None
        images = [s[key] for s in batch]
        n = len(images)
        # A task trained on the first n images of the batch (the caption) reuses their rows.
        if n > len(self._embedded[0]) or any(a is not b for a, b in zip(images, self._embedded[0])):
            pixels = self.pixels(batch, key)
            self._embedded = (images, pixels, self.net.patch_embed(pixels))
        _, pixels, patches = self._embedded
        return pixels[:n], patches[:n]

    def encode_image(
        self,
        batch: list[dict[str, object]],
        key: str,
        text_kv: list[KV],
        geo: Geometry,
        pad: Tensor | None,
        **kw: bool,
    ) -> Encoded:
        """The encoder on a batch's pixels under one prompt's keys and values."""
        pixels, patches = self.embedded(batch, key)
        return self.net.encode_image(pixels, text_kv, geo, pad, patches=patches, **kw)

    def forward_tasks(self, batch: list[dict[str, object]]) -> dict[str, Forward]:
        """Every task's teacher-forced pass, batched across the tasks that share an image size: one
        text pass for all their prompts (padded to one length, the padding masked out), one image
        pass for all their rows (the stem's patch tokens reused), one grid pass and one decode per
        answer length for the grid tasks, one decode for the rest (answers padded to one length).

        Attention and decoding are per row, so each task's outputs equal grid_forward's and
        refer_forward's to rounding. On a GPU a step is bound by launching kernels (an H200 was busy
        47 ms of a 385 ms step, bench_train --profile), and task by task the step launches the same
        kernels once per task over small batches.
        """
        out: dict[str, Forward] = {}
        sizes = {name: t.image_size for name, t in self.tasks.items()}
        for size in dict.fromkeys(sizes.values()):
            # Grid tasks first, so that their rows are one slice of the stacked batch.
            group = sorted((t for t in sizes if sizes[t] == size), key=lambda t: not self.is_grid(t))
            prompts: list[list[int]] = []  # a fixed prompt once, an expression per image
            text_rows: list[int] = []  # each image row's prompt
            pixels, patches, rows = [], [], []
            for t in group:
                rows.append(self.task_rows(t, batch))
                own = self.prompts(t, rows[-1])
                text_rows += [len(prompts) + min(i, len(own) - 1) for i in range(len(rows[-1]))]
                prompts += own
                px, pt = self.embedded(rows[-1], pixels_key(self.tasks[t]))
                pixels.append(px)
                if pt is not None:
                    patches.append(pt)
            kv, pad = self.encode_prompts(prompts)
            idx = self.put(torch.tensor(text_rows))
            feat, image_kv, inputs = self.net.encode_image(
                torch.cat(pixels),
                [(k[idx], v[idx]) for k, v in kv],
                self.net.geometry(size),
                pad[idx],
                keep_inputs=True,
                patches=torch.cat(patches) if patches else None,
            )
            counts = [len(r) for r in rows]
            feats = feat.split(counts)
            grid = sum(self.is_grid(t) for t in group)
            images = sum(counts[:grid])  # the grid tasks' rows come first
            if grid:
                out |= self.decode_grid_tasks(
                    group[:grid],
                    rows[:grid],
                    feats[:grid],
                    [x[:images] for x in inputs],
                    kv_slice(image_kv, 0, images, len(idx)),
                )
            if grid < len(group):
                out |= self.decode_refer_tasks(
                    group[grid:], rows[grid:], feats[grid:], kv_slice(image_kv, images, len(idx), len(idx))
                )
        return out

    def decode_grid_tasks(
        self,
        tasks: list[str],
        rows: list[list[dict[str, object]]],
        feats: tuple[Tensor, ...],
        inputs: list[Tensor],
        image_kv: list[KV],
    ) -> dict[str, Forward]:
        """forward_tasks' grid tasks: one grid pass over their stacked rows, one decode per length."""
        configs = {(self.tasks[t].image_size, self.tasks[t].grid_per_window) for t in tasks}
        if len(configs) > 1:
            raise ValueError(f"grid tasks of one image size need one grid to stack: {sorted(configs)}")
        geo = self.net.geometry(*configs.pop())
        prefix = self.net.encode_grid(inputs, image_kv, geo)
        g = geo.grid_side**2
        answers, first = [], 0
        for t, r in zip(tasks, rows):
            own_rows, seqs, images, masks = self.grid_answers(t, r, g)
            answers.append(([first * g + row for row in own_rows], seqs, images, masks))
            first += len(r)
        seqs = [q for a in answers for q in a[1]]
        inputs_ids, labels = pad_sequences(seqs, self.cls, self.pad)
        hidden = self.decode_by_length(inputs_ids, seqs, [p for a in answers for p in a[0]], prefix)
        split = [len(a[1]) for a in answers]
        return {
            t: (states, answer_labels, f, a[2], a[3])
            for t, states, answer_labels, f, a in zip(
                tasks, hidden.split(split), labels.split(split), feats, answers
            )
        }

    def decode_refer_tasks(
        self,
        tasks: list[str],
        rows: list[list[dict[str, object]]],
        feats: tuple[Tensor, ...],
        image_kv: list[KV],
    ) -> dict[str, Forward]:
        """forward_tasks' referring tasks and caption: one decode of all their answers, padded."""
        seqs = [s[ANSWERS[self.tasks[t].kind]] for t, r in zip(tasks, rows) for s in r]
        inputs_ids, labels = pad_sequences(seqs, self.cls, self.pad)  # type: ignore[arg-type]
        hidden, _ = self.net.decode(self.put(inputs_ids), 0, image_kv, tuple(range(self.net.cfg.depth)))
        split = [len(r) for r in rows]
        return {
            t: (states, answer_labels, f, list(range(len(r))), None)
            for t, states, answer_labels, f, r in zip(
                tasks, hidden.split(split), labels.split(split), feats, rows
            )
        }

    def is_grid(self, task: str) -> bool:
        return self.tasks[task].kind.startswith("grid-")

    def task_rows(self, task: str, batch: list[dict[str, object]]) -> list[dict[str, object]]:
        """The images of a batch a task trains on: the caption only the first caption_images."""
        return batch[: self.caption_images or None] if task == "caption" else batch

    def prompts(self, task: str, batch: list[dict[str, object]]) -> list[list[int]]:
        """A task's prompt token ids: its fixed prompt once, or each image's own."""
        if task in self.fixed_prompts:
            return [self.fixed_prompts[task]]
        return [s["prompt_ids"][task] for s in batch]  # type: ignore[index]

    def encode_prompts(self, prompts: list[list[int]]) -> tuple[list[KV], Tensor]:
        """Prompts padded to one length through the text stream; the padding mask (R, L)."""
        ids = torch.full((len(prompts), max(map(len, prompts))), self.pad, dtype=torch.long)
        for i, p in enumerate(prompts):
            ids[i, : len(p)] = torch.tensor(p)
        ids = self.put(ids)
        pad = ids == self.pad
        return self.net.encode_text(ids, pad), pad

    def text(self, task: str, batch: list[dict[str, object]]) -> tuple[list[KV], Tensor | None]:
        """A task's prompt keys and values for every image of a batch, and their padding mask
        (None for a fixed prompt: it runs once, unpadded, and is shared by every image)."""
        if task in self.fixed_prompts:
            kv = self.net.encode_text(self.put(torch.tensor([self.fixed_prompts[task]])))
            b = len(batch)
            return [(k.expand(b, -1, -1, -1), v.expand(b, -1, -1, -1)) for k, v in kv], None
        return self.encode_prompts(self.prompts(task, batch))

    def answer_loss(self, hidden: Tensor, labels: Tensor, number_weight: float = 1.0) -> Tensor:
        """Cross-entropy over the answer; a coordinate's target is spread over its neighbour bins.

        Bin tokens are unrelated words to the model, so with one-hot targets bin 100 learns nothing
        from an answer of 101 (a CPU run's coordinate tokens stayed at chance for 460 steps). A
        Gaussian over the number tokens (sigma BIN_SIGMA bins) spreads the signal to neighbours;
        its mode is the true bin, so greedy decoding of the official grammar is unchanged. Whether
        it speeds learning is not yet shown: the 1100-step CPU run still had near-chance boxes.
        Each number token's cross-entropy weighs number_weight (Schedule.coord_weight); the mean
        stays over the tokens, so the other tokens' terms are unchanged (1 gives the plain loss).
        """
        labels = labels.flatten()
        valid = self.put(torch.nonzero(labels >= 0)[:, 0])
        logp = self.net.logits(hidden).flatten(0, 1)[valid].float().log_softmax(-1)
        answer = self.put(labels)[valid]
        value = self.bin_value[answer]
        # Every row's Gaussian is computed and the words' rows keep their one-hot: selecting the
        # number rows instead would make the GPU report their count to the host.
        dist = (self.bin_value[self.number_ids][None, :] - value[:, None]).float()
        soft = torch.zeros_like(logp)
        soft[:, self.number_ids] = torch.softmax(-0.5 * (dist / BIN_SIGMA) ** 2, -1)
        target = torch.where((value >= 0)[:, None], soft, F.one_hot(answer, logp.shape[-1]).float())
        weight = 1.0 + (number_weight - 1.0) * (value >= 0).float()
        return (-(target * logp).sum(-1) * weight).mean()

    def mask_queries(self, hidden: Tensor, labels: Tensor) -> Tensor:
        """The states at the positions whose target is <MASK>, grouped 16 per answer: (n, 16, C)."""
        sel = self.put(torch.nonzero(labels.flatten() == self.mask_id)[:, 0])
        return hidden.flatten(0, 1)[sel].reshape(-1, MASK_TOKENS, hidden.shape[-1])

    def grid_forward(
        self, task: str, batch: list[dict[str, object]]
    ) -> tuple[Tensor, Tensor, Tensor, list[int], Tensor]:
        """Teacher-forced answers at every sampled grid point of a grid task.

        Returns the hidden states and labels (N, T) of the answers, the image features, and for every
        answer with <MASK>s the index of its image and its target mask (n, S, S).
        """
        t = self.tasks[task]
        geo = self.net.geometry(t.image_size, t.grid_per_window)
        text_kv, pad = self.text(task, batch)
        feat, image_kv, inputs = self.encode_image(batch, "grid_pixels", text_kv, geo, pad, keep_inputs=True)
        prefix = self.net.encode_grid(inputs, image_kv, geo)
        rows, seqs, images, masks = self.grid_answers(task, batch, geo.grid_side**2)
        inputs_ids, labels = pad_sequences(seqs, self.cls, self.pad)
        hidden = self.decode_by_length(inputs_ids, seqs, rows, prefix)
        return hidden, labels, feat, images, masks

    def grid_answers(
        self, task: str, batch: list[dict[str, object]], g: int
    ) -> tuple[list[int], list[list[int]], list[int], Tensor]:
        """A grid task's sampled answers: their prefix rows (image b's point p is b * g + p), their
        token ids, and for the answers with <MASK>s the index of their image and the masks."""
        rows, seqs, images, masks = [], [], [], []
        for b, s in enumerate(batch):
            points, sequences, m = s[task]  # type: ignore[misc]
            rows += [b * g + p for p in points]
            seqs += sequences
            images += [b] * len(m)
            masks.append(m)
        return rows, seqs, images, torch.cat(masks)

    def decode_by_length(
        self, inputs_ids: Tensor, seqs: list[list[int]], rows: list[int], prefix: list[KV]
    ) -> Tensor:
        """Teacher-forced grid answers, decoded in groups of equal length: hidden (N, T, C), zero past
        each answer's end.

        Most sampled points are background, two tokens long, while a mask answer is 19: padded to
        one length, 70% (detection) to 78% (instance masks) of a CPU batch's decoded tokens were
        padding. Decoding is causal and every row has its own prefix, so each group gives the states
        the padded batch would.
        """
        lengths = torch.tensor([len(s) for s in seqs])
        prefix_rows = self.put(torch.tensor(rows))
        t = inputs_ids.shape[1]
        parts, order = [], []
        for n in torch.unique(lengths).tolist():
            sel = torch.nonzero(lengths == n)[:, 0]
            idx = prefix_rows[self.put(sel)]
            h, _ = self.net.decode(
                self.put(inputs_ids[sel, :n]),
                0,
                [(k[idx], v[idx]) for k, v in prefix],
                self.net.cfg.window_layers,
            )
            parts.append(F.pad(h, (0, 0, 0, t - n)))
            order.append(sel)
        return torch.cat(parts)[self.put(torch.argsort(torch.cat(order)))]

    def grid_loss(self, task: str, batch: list[dict[str, object]], dense: bool = False) -> dict[str, Tensor]:
        if self._forwards is not None:
            hidden, labels, feat, images, masks = self._forwards[task]
        else:
            hidden, labels, feat, images, masks = self.grid_forward(task, batch)
        out = {f"{task}/ce": self.answer_loss(hidden, labels, self.coord_weight)}
        if dense:
            out[f"{task}/patch_class"] = self.patch_class_loss(feat, batch)
        if images:
            logits = self.retrieval_logits(hidden, labels, feat, images)
            semantic = self.tasks[task].kind == "grid-semantic"
            weight = self.put(self.semantic_weights(labels, images, batch)) if semantic else None
            out[f"{task}/mask"] = mask_loss(logits, self.put(masks), weight)
        return out

    def semantic_weights(self, labels: Tensor, images: list[int], batch: list[dict[str, object]]) -> Tensor:
        """mask_loss's negative weight for each semantic mask answer: for those naming the
        background, the number of grid points of their image that name it; 1 for the others.

        The label map sums score x probability over the answers naming each class (spec §5.2).
        Nearly every point of a scene names the background (33 of 36 on average), so a background
        mask's probability p on an object's edge counts about 33 times, against once or twice for
        the object's own masks: on 60 held-out scenes that sum cost the shapes a third of their
        pixels (mIoU 0.69; scaling the background's sum down by its count gave 0.83). Weighing a
        background mask's outside cells by its count, N, moves a cell it half covers from p = 1/2
        to 1/(1 + N), so that N p matches an object mask's 1/2 there. From the 6193-step build,
        150 steps of this task alone (batch 16, lr 3e-4) took the 60 scenes' mIoU to 0.83 with the
        weights and left it at 0.69 without.
        """
        first = labels[(labels == self.mask_id).any(1), 0]
        counts = torch.tensor([float(batch[i]["background_points"]) for i in images])  # type: ignore[arg-type]
        return torch.where(first == self.background_id, counts, torch.ones_like(counts))

    def retrieval_logits(self, hidden: Tensor, labels: Tensor, feat: Tensor, images: list[int]) -> Tensor:
        """Mask logits (n, 4P, 4P) of every answer with <MASK>s, against the features of its image."""
        queries = self.mask_queries(hidden, labels).float()  # (n, 16, C)
        img = feat[self.put(torch.tensor(images))].float()  # (n, P, P, C)
        n, p, c = img.shape[0], img.shape[1], img.shape[3]
        sim = queries @ img.reshape(n, p * p, c).transpose(1, 2) / c**0.5  # (n, 16, P*P)
        side = int(MASK_TOKENS**0.5)
        # The 4x4 shuffle of spec §5.1: M[4y + a, 4x + b] = S[4a + b, y, x] (as postprocess.mask_logits).
        return sim.reshape(n, side, side, p, p).permute(0, 3, 1, 4, 2).reshape(n, side * p, side * p)

    def refer_forward(self, task: str, batch: list[dict[str, object]]) -> tuple[Tensor, Tensor, Tensor]:
        """Teacher-forced answers of a referring task or caption: hidden states, labels, image features."""
        t = self.tasks[task]
        geo = self.net.geometry(t.image_size)
        text_kv, pad = self.text(task, batch)
        feat, image_kv, _ = self.encode_image(batch, "refer_pixels", text_kv, geo, pad)
        inputs_ids, labels = pad_sequences([s[ANSWERS[t.kind]] for s in batch], self.cls, self.pad)  # type: ignore[misc]
        hidden, _ = self.net.decode(self.put(inputs_ids), 0, image_kv, tuple(range(self.net.cfg.depth)))
        return hidden, labels, feat

    def refer_loss(self, task: str, batch: list[dict[str, object]]) -> dict[str, Tensor]:
        if self._forwards is not None:
            hidden, labels, feat, *_ = self._forwards[task]
        else:
            hidden, labels, feat = self.refer_forward(task, batch)
        caption = self.tasks[task].kind == "caption"
        weight, number_weight = (1.0, 1.0) if caption else (self.refer_weight, self.coord_weight)
        out = {f"{task}/ce": weight * self.answer_loss(hidden, labels, number_weight)}
        if self.tasks[task].kind == "refer-mask":
            logits = self.retrieval_logits(hidden, labels, feat, list(range(len(batch))))
            out[f"{task}/mask"] = mask_loss(logits, self.put(torch.stack([s["res_mask"] for s in batch])))  # type: ignore[misc]
        return out

    def patch_class_logits(self, feat: Tensor) -> Tensor:
        """Semantic image features (B, P, P, C) scored against the class names' word embeddings."""
        return feat.float() @ self.net.embed.word_embeddings.weight[self.semantic_ids].t().float()

    def patch_class_loss(self, feat: Tensor, batch: list[dict[str, object]]) -> Tensor:
        """Cross-entropy of the class under every patch centre (training only; the graphs are unchanged).

        The grid answers name a class at a handful of points per image, and from that sparse signal
        a from-scratch encoder took longer than the CPU budget to tell shapes apart (the card's
        diagnostics). Labelling every patch, on the features mask retrieval already reads, gives the
        encoder a dense signal. Background covers most patches, so it is weighed down.
        """
        labels = self.put(torch.stack([s["patch_classes"] for s in batch]))  # type: ignore[misc]
        return F.cross_entropy(
            self.patch_class_logits(feat).flatten(0, 2), labels.flatten(), weight=self.patch_class_weight
        )

    def task_losses(self, batch: list[dict[str, object]]) -> dict[str, Callable[[], dict[str, Tensor]]]:
        """Each task's losses on one batch, by task name, in the order losses() runs them."""
        return {
            "detection": lambda: self.grid_loss("detection", batch),
            "instance_segmentation": lambda: self.grid_loss("instance_segmentation", batch),
            "semantic_segmentation": lambda: self.grid_loss("semantic_segmentation", batch, dense=True),
            "grounding": lambda: self.refer_loss("grounding", batch),
            "referring_segmentation": lambda: self.refer_loss("referring_segmentation", batch),
            "caption": lambda: self.refer_loss("caption", self.task_rows("caption", batch)),
        }

    def losses(self, batch: list[dict[str, object]], share_stem: bool = True) -> dict[str, Tensor]:
        """Every task's losses on one batch; `share_stem=False` embeds the pixels once per task."""
        out: dict[str, Tensor] = {}
        if share_stem:
            self._embedded = ([], torch.empty(0), torch.empty(0))
        try:
            if self.stack_tasks:
                self._forwards = self.forward_tasks(batch)
            for task_loss in self.task_losses(batch).values():
                out.update(task_loss())
        finally:
            self._embedded = self._forwards = None
        return out


def lr_at(step: int, sched: Schedule) -> float:
    if step < sched.warmup:
        return sched.lr * (step + 1) / sched.warmup
    progress = (step - sched.warmup) / max(1, sched.steps - sched.warmup)
    return sched.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress)))


def fit_to_budget(
    sched: Schedule, step: int, elapsed_s: float, s_per_step: float, requested: int
) -> Schedule:
    """The schedule with as many steps as its budget still holds at s_per_step: never more than
    the `requested` count, never fewer than `step`, the steps already taken.

    Cutting the count compresses what is left of the cosine, so the learning rate still ends at
    its floor rather than being stopped mid-decay. A later, faster window may raise the count again
    (up to `requested`): a passing slowdown does not cost the whole run its steps."""
    if sched.budget_min is None:
        return sched
    left = int((sched.budget_min * 60 - elapsed_s) / s_per_step)
    return replace(sched, steps=max(step, min(requested, step + left)))


def build(
    seed: int, preset: str = "ufo-tiny", stem: tuple[int, ...] | None = None
) -> tuple[UFOViT, Tokenizer, dict[str, TaskConfig]]:
    """A freshly initialised model of an export preset with a built-in vocabulary (and, if given,
    other conv-stem widths; () is the official patch projection), and the tasks it trains on."""
    p = PRESETS[preset]
    assert p.vocab is not None, f"{preset} has no built-in vocabulary"
    tok = Tokenizer.from_tokens(p.vocab())
    cfg = p.config(len(tok.vocab))
    if stem is not None:  # the bypass adds to a stem; without one it is the projection already
        cfg = replace(cfg, stem_channels=stem, stem_bypass=cfg.stem_bypass and bool(stem))
    model = UFOViT(cfg)
    init_weights(model, seed)
    return model, tok, (p.train_tasks or p.tasks)()


def train(
    out: Path,
    sched: Schedule,
    seed: int,
    resume: bool,
    workers: int,
    log_every: int = 20,
    preset: str = "ufo-tiny",
    val_every: int = 100,
    save_every: int = 500,
    ranks: Ranks = Ranks(),
) -> tuple[UFOViT, Schedule]:
    """The trained model and the schedule it ran (the step count the budget left it). Under
    data parallelism (train_on_ranks) this runs once per rank, each on its share of the batch."""
    if sched.batch % ranks.world or sched.caption_images % ranks.world:
        raise ValueError(
            f"batch {sched.batch} and caption_images {sched.caption_images} "
            f"must split into {ranks.world} ranks"
        )
    started = time.time()  # the budget counts from here: probe scenes and model build included
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cuda.matmul.allow_tf32 = True
    if device.type == "cuda":
        # The cores the loader's workers leave. torch's default, a thread per core, oversubscribes
        # them: on an H200 (16 cores, 14 workers) a step of the gpu schedule took 1.45 s with 16
        # threads and 0.37-0.44 s with 2; `bench_train`, its workers idle, times 0.17 s.
        torch.set_num_threads(max(1, (os.cpu_count() or 1) - workers))
    torch.manual_seed(seed)
    model, tok, tasks = build(seed, preset)
    model.to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=sched.lr, weight_decay=0.05, betas=(0.9, 0.98))
    out.mkdir(parents=True, exist_ok=True)
    step = 0
    ckpt_path = out / "last.pt"
    if resume and ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location=device)
        model.load_state_dict(ckpt["state_dict"])
        opt.load_state_dict(ckpt["optimizer"])
        step = int(ckpt["step"])
        if ranks.is_main:
            print(f"resumed at step {step}")
    trainer = Trainer(
        model,
        tok,
        tasks,
        device,
        sched.caption_images // ranks.world,
        sched.stack_tasks,
        sched.refer_weight,
        sched.coord_weight,
    )
    side = tasks["detection"].grid_side(model.cfg)
    probe = (
        HeldOutProbe(trainer, probe_samples(tok, tasks, side, model.cfg.patch_size, sched, VAL_SCENES))
        if val_every and ranks.is_main
        else None
    )
    stream = SceneStream(TRAIN_SEED, step * sched.batch, tok, tasks, side, model.cfg.patch_size, sched, ranks)
    loader = scene_loader(stream, sched.batch // ranks.world, workers)
    autocast = torch.autocast(
        device.type, dtype=torch.bfloat16, enabled=device.type == "cuda" and sched.precision == "bf16"
    )
    log = (out / "log.jsonl").open("a") if ranks.is_main else None
    model.train()
    t0 = planned_at = time.time()
    first_step = planned_step = step
    requested = sched.steps
    waited = 0.0
    last_logged = step
    t_data = time.time()
    for arrays in loader:
        batch: list[dict[str, object]] = convert_leaves(arrays, np.ndarray, torch.from_numpy)  # type: ignore[assignment]
        waited += time.time() - t_data
        if step >= sched.steps:
            break
        for group in opt.param_groups:
            group["lr"] = lr_at(step, sched)
        with autocast:
            losses = trainer.losses(batch)
        total = sum(losses.values())
        opt.zero_grad(set_to_none=True)
        total.backward()  # type: ignore[union-attr]
        ranks.average_gradients(model.parameters())
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        taken = step - first_step
        if sched.budget_min and (
            taken == TIMING_STEPS or (taken > TIMING_STEPS and taken % REPLAN_EVERY == 0)
        ):
            # Speed over the last window, probes included: a machine that slows down mid-run
            # (seen here: 3.2 s a step early, 4 s late) shortens the run, one that recovers
            # lengthens it again.
            now = time.time()
            per_step = (now - planned_at) / (step - planned_step)
            fitted = fit_to_budget(sched, step, now - started, per_step, requested)
            fitted = replace(fitted, steps=ranks.agree(fitted.steps))  # each rank times its own
            planned_at, planned_step = now, step
            if fitted.steps != sched.steps:
                sched = fitted
                change = {"step": step, "schedule_steps": sched.steps, "s_per_step": round(per_step, 3)}
                if log:
                    print(json.dumps(change), flush=True)
                    log.write(json.dumps(change) + "\n")
        probing = bool(val_every) and (step % val_every == 0 or step == sched.steps)
        reporting = step % log_every == 0 or step == sched.steps or probing
        if reporting:
            means = ranks.mean({"loss": total, **losses})  # a collective: every rank takes part
        if reporting and log:
            since = step - last_logged
            # data_s: time spent waiting for scenes; the rest of s_per_step is the model.
            record = {
                "step": step,
                "lr": lr_at(step - 1, sched),
                "loss": float(means["loss"]),
                "s_per_step": (time.time() - t0) / since,
                "data_s": waited / since,
                **{k: round(float(v), 4) for k, v in means.items() if k != "loss"},
            }
            if probe and probing:
                record.update({k: round(v, 4) for k, v in probe.measure().items()})
            t0, waited, last_logged = time.time(), 0.0, step
            print(json.dumps(record), flush=True)
            log.write(json.dumps(record) + "\n")
            log.flush()
        if log and (step % save_every == 0 or step == sched.steps):
            torch.save(
                {
                    "state_dict": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "step": step,
                    "schedule": asdict(sched),
                    "seed": seed,
                },
                ckpt_path,
            )
        t_data = time.time()
    return model.cpu().eval(), sched


def train_on_ranks(
    out: Path, sched: Schedule, seed: int, resume: bool, workers: int, **options: Any
) -> tuple[UFOViT, Schedule]:
    """train() in sched.ranks processes, or in this one; the model and schedule it ran."""
    if sched.ranks == 1:
        return train(out, sched, seed, resume, workers, **options)
    spawn(_train_rank, sched.ranks, out, sched, seed, resume, workers, options)
    ckpt = torch.load(out / "last.pt")  # rank 0 saves the last step
    model, _, _ = build(seed, options.get("preset", "ufo-tiny"))
    model.load_state_dict(ckpt["state_dict"])
    return model.eval(), Schedule(**ckpt["schedule"])


def _train_rank(
    ranks: Ranks, out: Path, sched: Schedule, seed: int, resume: bool, workers: int, options: dict[str, Any]
) -> None:
    train(out, sched, seed, resume, workers, ranks=ranks, **options)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m models.train_tiny", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument(
        "--schedule", choices=sorted(SCHEDULES), default=None, help="default: gpu with CUDA, else cpu"
    )
    ap.add_argument("--steps", type=int, help="override the schedule's step count")
    ap.add_argument("--batch", type=int, help="override the schedule's batch size")
    ap.add_argument("--precision", choices=("bf16", "fp32"), help="override the schedule's (CUDA only)")
    ap.add_argument(
        "--stack-tasks",
        action=argparse.BooleanOptionalAction,
        help="override the schedule's: every task's forward pass batched with the others' or task by task",
    )
    ap.add_argument("--ranks", type=int, help="override the schedule's processes per batch (models/ranks.py)")
    ap.add_argument(
        "--min-objects", type=int, help="override the schedule's fewest objects a training scene draws"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--preset", default="ufo-tiny", help="ufo-tiny, or micro (the tests' few-kilobyte model)")
    ap.add_argument(
        "--workers",
        type=int,
        help="data-loading processes per rank (default: all cores but two, at least two, shared among the ranks)",
    )
    ap.add_argument("--resume", action="store_true")
    ap.add_argument(
        "--time-budget",
        type=float,
        help="minutes the run may take (default: the schedule's; 0: no limit, for an exact repeat)",
    )
    ap.add_argument("--save-every", type=int, default=500, help="steps between checkpoints (last.pt)")
    ap.add_argument(
        "--val-every",
        type=int,
        default=100,
        help="steps between held-out probes (models/validation.py); 0: none",
    )
    args = ap.parse_args(argv)
    sched = SCHEDULES[args.schedule or ("gpu" if torch.cuda.is_available() else "cpu")]
    if args.steps:
        sched = replace(sched, steps=args.steps)
    if args.batch:
        sched = replace(sched, batch=args.batch)
    if args.precision:
        sched = replace(sched, precision=args.precision)
    if args.stack_tasks is not None:
        sched = replace(sched, stack_tasks=args.stack_tasks)
    if args.ranks:
        sched = replace(sched, ranks=args.ranks)
    if args.min_objects:
        sched = replace(sched, min_objects=args.min_objects)
    if args.time_budget is not None:
        sched = replace(sched, budget_min=args.time_budget or None)
    model, sched = train_on_ranks(
        args.out,
        sched,
        args.seed,
        args.resume,
        max(1, default_workers() // sched.ranks) if args.workers is None else args.workers,
        preset=args.preset,
        val_every=args.val_every,
        save_every=args.save_every,
    )
    torch.save(
        {"state_dict": model.state_dict(), "schedule": asdict(sched), "seed": args.seed},
        args.out / "ufo-tiny.pth",
    )
    print(f"wrote {args.out / 'ufo-tiny.pth'}")


if __name__ == "__main__":
    main()
