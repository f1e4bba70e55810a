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
    val/referent    referring segmentation: how often that mask overlaps the referred object more
                    (by IoU) than any other object of the scene, i.e. the expression picked the
                    right object, whatever the mask's precision
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor

if TYPE_CHECKING:  # train_tiny builds the probe; importing it here at run time would be circular
    from .train_tiny import Trainer

VAL_SEED = 555
VAL_SCENES = 32
CHUNK = 16  # scenes per forward pass: bounds memory whatever the probe size


class HeldOutProbe:
    """`samples`: training samples (train_tiny.make_sample) of stream VAL_SEED."""

    def __init__(self, trainer: Trainer, samples: list[dict[str, object]]) -> None:
        self.trainer, self.samples = trainer, samples
        self.background = trainer.tok.id("background")

    @torch.no_grad()
    def measure(self) -> dict[str, float]:
        tr = self.trainer
        was_training = tr.model.training
        tr.model.eval()
        hits = owners = 0
        box_err: list[Tensor] = []
        ious: list[Tensor] = []
        referent_hits = 0
        for start in range(0, len(self.samples), CHUNK):
            batch = self.samples[start : start + CHUNK]
            hidden, labels, *_ = tr.grid_forward("detection", batch)
            first = tr.net.logits(hidden[:, 0]).argmax(-1).cpu()
            owner = labels[:, 0] != self.background
            hits += int((first[owner] == labels[owner, 0]).sum())
            owners += int(owner.sum())
            box_err.append(self._box_error(*tr.refer_forward("grounding", "ground", batch)[:2]))
            hidden, labels, feat = tr.refer_forward("referring_segmentation", "res", batch)
            pred = tr.retrieval_logits(hidden, labels, feat, list(range(len(batch)))) > 0
            target = torch.stack([s["res_mask"] for s in batch]).to(pred.device) > 0.5  # type: ignore[misc]
            inter = (pred & target).flatten(1).sum(1)
            union = (pred | target).flatten(1).sum(1)
            ious.append(inter / union.clamp(min=1))
            for mask, s in zip(pred.cpu(), batch):
                objects, meant = s["res_objects"]  # type: ignore[misc]
                referent_hits += picks_referent(mask, objects > 0.5, meant)
        tr.model.train(was_training)
        return {
            "val/class_acc": hits / max(owners, 1),
            "val/box_l1": float(torch.cat(box_err).mean()),
            "val/mask_iou": float(torch.cat(ious).float().mean()),
            "val/referent": referent_hits / len(self.samples),
        }

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


def picks_referent(mask: Tensor, objects: Tensor, meant: int) -> bool:
    """Whether boolean `mask` (H, W) has its highest IoU, among boolean `objects` (N, H, W), with
    object `meant`; a mask that touches no object picks none."""
    inter = (objects & mask).flatten(1).sum(1)
    union = (objects | mask).flatten(1).sum(1).clamp(min=1)
    iou = inter / union
    return bool(iou[meant] > 0 and iou[meant] == iou.max())
