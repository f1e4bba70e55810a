"""Held-out progress of a UFO-Tiny training run, cheap enough to log every hundred steps.

The full evaluation (`npm run eval`) takes minutes per hundred scenes. These numbers come from one
teacher-forced pass over a few scenes of a stream that neither training (seed 1) nor the evaluation
sets (seed 777) use, and follow what the quality bar needs:

    val/class_acc   detection: the class token at the grid points that own an object (the first
                    answer token, so teacher forcing and greedy decoding agree)
    val/box_l1      grounding: |predicted - true| of the four numbers, as a fraction of the bin range
                    (each number predicted with the true ones before it); always answering
                    the median box scores about 0.14
    val/mask_iou    referring segmentation: IoU of the retrieved mask (logit > 0) with the target
    val/rec_acc     grounding, decoded greedily as the app does: how often the box has IoU >= 0.5
                    with the referred object's (the quality bar's REC Acc@0.5, on a few scenes)
    val/referent    the same boxes: how often the box overlaps the referred object more than any
                    other object of the scene, i.e. the expression picked the right object,
                    however precise the box

`python -m models.validation --checkpoint X --by-expression --scenes 256` splits the last two by
what the expression says (EXPRESSION_KINDS): where referring fails, not just how often.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

import torch
from torch import Tensor

from .scenes import Expression
from .ufo_vit import extend_cache

if TYPE_CHECKING:  # train_tiny builds the probe; importing it here at run time would be circular
    from .train_tiny import Trainer

VAL_SEED = 555
VAL_SCENES = 32
CHUNK = 16  # scenes per forward pass: bounds memory whatever the probe size
EXPRESSION_KINDS = ("one object", "position word", "size word", "colour/shape only")


def expression_kind(expression: Expression, objects: int) -> str:
    """What singles the referred object out: nothing needs to (one object in the scene), else a
    position word, else a size word, else only its colour and class."""
    if objects == 1:
        return EXPRESSION_KINDS[0]
    if expression.position is not None:
        return EXPRESSION_KINDS[1]
    return EXPRESSION_KINDS[2] if expression.size is not None else EXPRESSION_KINDS[3]


class HeldOutProbe:
    """`samples`: training samples (train_tiny.make_sample) of stream VAL_SEED."""

    def __init__(self, trainer: Trainer, samples: list[dict[str, object]]) -> None:
        self.trainer, self.samples = trainer, samples
        self.background = trainer.tok.id("background")

    @contextmanager
    def _evaluating(self) -> Iterator[None]:
        """Eval mode and no gradients for the probe, then the model back as training left it."""
        model = self.trainer.model
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                yield
        finally:
            model.train(was_training)

    def measure(self) -> dict[str, float]:
        with self._evaluating():
            return self._measure()

    def _measure(self) -> dict[str, float]:
        tr = self.trainer
        hits = owners = 0
        box_err: list[Tensor] = []
        ious: list[Tensor] = []
        grounded: list[tuple[bool, bool]] = []
        for start in range(0, len(self.samples), CHUNK):
            batch = self.samples[start : start + CHUNK]
            hidden, labels, *_ = tr.grid_forward("detection", batch)
            first = tr.net.logits(hidden[:, 0]).argmax(-1).cpu()
            owner = labels[:, 0] != self.background
            hits += int((first[owner] == labels[owner, 0]).sum())
            owners += int(owner.sum())
            box_err.append(self._box_error(*tr.refer_forward("grounding", batch)[:2]))
            hidden, labels, feat = tr.refer_forward("referring_segmentation", batch)
            pred = tr.retrieval_logits(hidden, labels, feat, list(range(len(batch)))) > 0
            target = torch.stack([s["res_mask"] for s in batch]).to(pred.device) > 0.5  # type: ignore[misc]
            inter = (pred & target).flatten(1).sum(1)
            union = (pred | target).flatten(1).sum(1)
            ious.append(inter / union.clamp(min=1))
            grounded += self.grounding_hits(batch)
        return {
            "val/class_acc": hits / max(owners, 1),
            "val/box_l1": float(torch.cat(box_err).mean()),
            "val/mask_iou": float(torch.cat(ious).float().mean()),
            "val/rec_acc": sum(a for a, _ in grounded) / len(self.samples),
            "val/referent": sum(r for _, r in grounded) / len(self.samples),
        }

    def by_expression(self) -> dict[str, dict[str, float]]:
        """Greedy REC Acc@0.5 and referent choice per expression kind (EXPRESSION_KINDS)."""
        hits: dict[str, list[tuple[bool, bool]]] = {kind: [] for kind in EXPRESSION_KINDS}
        with self._evaluating():
            for start in range(0, len(self.samples), CHUNK):
                batch = self.samples[start : start + CHUNK]
                for s, hit in zip(batch, self.grounding_hits(batch)):
                    objects, _ = s["refer_boxes"]  # type: ignore[misc]
                    hits[expression_kind(s["expression_form"], len(objects))].append(hit)  # type: ignore[arg-type]
        return {
            kind: {
                "n": len(h),
                "rec_acc": sum(a for a, _ in h) / max(len(h), 1),
                "referent": sum(r for _, r in h) / max(len(h), 1),
            }
            for kind, h in hits.items()
        }

    def grounding_hits(self, batch: list[dict[str, object]]) -> list[tuple[bool, bool]]:
        """Per sample, whether the greedy grounding box has IoU >= 0.5 with the referred object,
        and whether it overlaps that object more than any other (an answer without a box: neither)."""
        out = []
        for box, s in zip(self.greedy_boxes(batch), batch):
            objects, meant = s["refer_boxes"]  # type: ignore[misc]
            if (box < 0).any():
                out.append((False, False))
                continue
            iou = box_iou(box, objects)
            out.append((bool(iou[meant] >= 0.5), bool(iou[meant] > 0 and iou[meant] == iou.max())))
        return out

    def greedy_ids(self, task: str, batch: list[dict[str, object]], steps: int) -> Tensor:
        """The first `steps` answer tokens (B, steps) of a referring task, decoded greedily for the
        whole batch at once (the oracle decodes one expression at a time)."""
        tr = self.trainer
        net = tr.net
        geo = net.geometry(tr.tasks[task].image_size)
        text_kv, pad = tr.text(task, batch)
        _, past, _ = tr.encode_image(batch, "refer_pixels", text_kv, geo, pad)
        inp = torch.full((len(batch), 1), tr.cls, device=tr.device)
        ids: list[Tensor] = []
        for step in range(steps):
            hidden, new = net.decode(inp, step, past, tuple(range(net.cfg.depth)))
            inp = net.logits(hidden[:, 0]).argmax(-1)[:, None]
            ids.append(inp)
            past = extend_cache(past, new)
        return torch.cat(ids, 1)

    def greedy_boxes(self, batch: list[dict[str, object]]) -> Tensor:
        """Greedy grounding boxes (B, 4) in bins; -1 where the answer has no number there."""
        ids = self.greedy_ids("grounding", batch, 7)  # "cx , cy , w , h"
        return self.trainer.bin_value[ids[:, ::2]].cpu()

    def _box_error(self, hidden: Tensor, labels: Tensor) -> Tensor:
        """Per number of every answer: |predicted - true| / num_bins; a non-number prediction is 1."""
        tr = self.trainer
        labels = labels.to(hidden.device)
        truth = tr.bin_value[labels.clamp(min=0)]
        numbers = (labels >= 0) & (truth >= 0)
        pred = tr.bin_value[tr.net.logits(hidden).argmax(-1)]
        num_bins = tr.tasks["grounding"].num_bins
        err = ((pred - truth).abs().float() / num_bins).clamp(max=1.0)
        return torch.where(pred >= 0, err, torch.ones_like(err))[numbers].cpu()


def box_iou(box: Tensor, boxes: Tensor) -> Tensor:
    """IoU of one (cx, cy, w, h) box with each of boxes (N, 4), in any common units (bins)."""

    def corners(b: Tensor) -> Tensor:
        b = b.float()
        return torch.cat([b[..., :2] - b[..., 2:] / 2, b[..., :2] + b[..., 2:] / 2], -1)

    def area(c: Tensor) -> Tensor:
        return (c[:, 2] - c[:, 0]) * (c[:, 3] - c[:, 1])

    a, b = corners(box)[None], corners(boxes)
    wh = (torch.minimum(a[:, 2:], b[:, 2:]) - torch.maximum(a[:, :2], b[:, :2])).clamp(min=0)
    inter = wh[:, 0] * wh[:, 1]
    return inter / (area(a) + area(b) - inter).clamp(min=1e-9)


def main(argv: list[str] | None = None) -> None:
    """Measure a saved checkpoint, e.g. one written before this probe existed."""
    import argparse
    import json
    from pathlib import Path

    from . import train_tiny as tt

    ap = argparse.ArgumentParser(prog="python -m models.validation", description=main.__doc__)
    ap.add_argument("--checkpoint", type=Path, required=True, help="ufo-tiny.pth or last.pt of a run")
    ap.add_argument("--preset", default="ufo-tiny")
    ap.add_argument("--scenes", type=int, default=VAL_SCENES, help="held-out scenes (seed 555)")
    ap.add_argument(
        "--by-expression", action="store_true", help="greedy grounding split by expression kind instead"
    )
    args = ap.parse_args(argv)
    ckpt = torch.load(args.checkpoint, map_location="cpu")
    model, tok, tasks = tt.build(int(ckpt.get("seed", 0)), args.preset)
    model.load_state_dict(ckpt["state_dict"])
    sched = tt.Schedule(**ckpt["schedule"])
    trainer = tt.Trainer(model, tok, tasks, torch.device("cpu"))
    side = tasks["detection"].grid_side(model.cfg)
    probe = HeldOutProbe(
        trainer, tt.probe_samples(tok, tasks, side, model.cfg.patch_size, sched, args.scenes)
    )
    if args.by_expression:
        split = probe.by_expression()
        print(json.dumps({k: {m: round(v, 4) for m, v in row.items()} for k, row in split.items()}))
    else:
        print(json.dumps({k: round(v, 4) for k, v in probe.measure().items()}))


if __name__ == "__main__":
    main()
