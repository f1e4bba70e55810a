"""Answer parsing and post-processing of the oracle, exactly as spec §4.6, §5 and §6 describe."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def parse_ints(parts: list[str]) -> list[int] | None:
    """Integers from text parts after deleting spaces (the official parser's `int()`), else None."""
    out = []
    for part in parts:
        digits = part.replace(" ", "")
        if not digits.isdigit():
            return None
        out.append(int(digits))
    return out


def grid_box(bins: list[int], ref: tuple[float, float], num_bins: int) -> tuple[float, float, float, float]:
    """cx, cy, w, h bins -> normalised xyxy; centres are residuals to the reference point (spec §4.4)."""
    cx = bins[0] / num_bins - 0.5 + ref[0]
    cy = bins[1] / num_bins - 0.5 + ref[1]
    w, h = bins[2] / num_bins, bins[3] / num_bins
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def to_image_box(box: tuple[float, float, float, float], size: int, width: int, height: int) -> list[float]:
    """Normalised xyxy -> input pixels, clamped to [0, size], then scaled to the original image."""
    sx, sy = size / width, size / height
    x1, y1, x2, y2 = (min(max(v * size, 0.0), float(size)) for v in box)
    return [x1 / sx, y1 / sy, x2 / sx, y2 / sy]


def mask_logits(queries: Tensor, feat: Tensor) -> Tensor:
    """(N, 16, C) mask-token states x (P, P, C) features -> (N, 4P, 4P) logits (spec §5.1 steps 4-5).

    M[n, 4y + a, 4x + b] = <Q[n, 4a + b], IMG[y, x]> / sqrt(C).
    """
    n, k, c = queries.shape
    p = feat.shape[0]
    side = int(round(k**0.5))
    sim = queries @ feat.reshape(p * p, c).t() / c**0.5  # (N, 16, P*P)
    sim = sim.reshape(n, side, side, p, p)  # (n, a, b, y, x)
    return sim.permute(0, 3, 1, 4, 2).reshape(n, side * p, side * p)


def upsample_probs(logits: Tensor, height: int, width: int) -> Tensor:
    """Bilinear (align_corners=False) to the image size, then sigmoid: (N, H0, W0)."""
    if logits.shape[0] == 0:
        return logits.new_zeros(0, height, width)
    up = F.interpolate(logits[:, None], size=(height, width), mode="bilinear", align_corners=False)
    return up[:, 0].sigmoid()


def mask_iou(masks: Tensor) -> Tensor:
    """Pairwise IoU of binary masks (N, H, W) -> (N, N)."""
    flat = masks.reshape(masks.shape[0], -1).float()
    inter = flat @ flat.t()
    area = flat.sum(1)
    union = area[:, None] + area[None, :] - inter
    return torch.where(union > 0, inter / union.clamp(min=1), torch.zeros_like(inter))


def matrix_nms(
    masks: Tensor, labels: Tensor, scores: Tensor, sigma: float = 2.0, filter_thr: float = 0.05
) -> tuple[Tensor, Tensor]:
    """Gaussian Matrix NMS (spec §5.1 step 10): (kept indices, their decayed scores), by score."""
    order, decayed = matrix_nms_scores(masks, labels, scores, sigma)
    keep = decayed >= filter_thr
    order, decayed = order[keep], decayed[keep]
    resort = torch.argsort(decayed, descending=True, stable=True)
    return order[resort], decayed[resort]


def matrix_nms_scores(
    masks: Tensor, labels: Tensor, scores: Tensor, sigma: float = 2.0
) -> tuple[Tensor, Tensor]:
    """Sort by score, then decay_j = min_i exp(-sigma (IoU_ij^2 - comp_i^2)) over higher-scored i."""
    n = scores.shape[0]
    if n == 0:
        return torch.zeros(0, dtype=torch.long), scores
    order = torch.argsort(scores, descending=True, stable=True)
    iou = mask_iou(masks[order]).triu(diagonal=1)
    same = (labels[order][:, None] == labels[order][None, :]).triu(diagonal=1)
    decay_iou = iou * same
    comp = decay_iou.max(0).values  # comp_i: max IoU of i with any higher-scored same-label mask
    comp = comp[:, None].expand(n, n)
    decay = torch.exp(-sigma * (decay_iou**2 - comp**2)).min(0).values
    return order, scores[order] * decay


def soft_nms_linear(
    boxes: Tensor, scores: Tensor, labels: Tensor, iou_thr: float = 0.5, min_score: float = 1e-3
) -> tuple[Tensor, Tensor]:
    """Class-aware linear soft-NMS (mmcv soft_nms, offset 0). Returns (indices, decayed scores)
    in selection order (spec §4.6 step 5)."""
    if boxes.shape[0] == 0:
        return torch.zeros(0, dtype=torch.long), scores
    shift = labels.double()[:, None] * (boxes.max().double() + 1)
    b = boxes.double() + shift
    s = scores.double().clone()
    remaining = list(range(b.shape[0]))
    kept: list[int] = []
    kept_scores: list[float] = []
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    while remaining:
        best = max(remaining, key=lambda i: (s[i].item(), -i))
        remaining.remove(best)
        kept.append(best)
        kept_scores.append(s[best].item())
        survivors = []
        for i in remaining:
            w = (torch.min(b[best, 2], b[i, 2]) - torch.max(b[best, 0], b[i, 0])).clamp(min=0)
            h = (torch.min(b[best, 3], b[i, 3]) - torch.max(b[best, 1], b[i, 1])).clamp(min=0)
            inter = w * h
            iou = inter / (area[best] + area[i] - inter)
            if iou >= iou_thr:  # mmcv's soft_nms compares with >= (the spec's prose says >)
                s[i] = s[i] * (1 - iou)
            if s[i] >= min_score:
                survivors.append(i)
        remaining = survivors
    return torch.tensor(kept, dtype=torch.long), torch.tensor(kept_scores, dtype=torch.float32)


def semantic_map(probs: Tensor, labels: Tensor, scores: Tensor, num_classes: int) -> Tensor:
    """Label map argmax_c sum_{n: label_n = c} score_n prob_n (spec §5.2); ties -> first class."""
    h, w = probs.shape[1:]
    acc = torch.zeros(num_classes, h, w, dtype=probs.dtype)
    for n in range(probs.shape[0]):
        acc[int(labels[n])] += scores[n] * probs[n]
    return acc.argmax(0)
