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
    masks: Tensor,
    labels: Tensor,
    scores: Tensor,
    sigma: float = 2.0,
    filter_thr: float = 0.05,
    max_num: int = 100,
) -> tuple[list[int], list[float]]:
    """Gaussian Matrix NMS; returns (kept input indices, decayed scores), both in output order."""
    n = scores.shape[0]
    if n == 0:
        return [], []
    scores, order = torch.sort(scores, descending=True, stable=True)
    flat_masks = masks[order].reshape(n, masks[0].numel()).float()
    labels = labels[order]
    inter = flat_masks @ flat_masks.T
    area = flat_masks.sum(1)
    iou = (inter / (area[:, None] + area[None, :] - inter)).triu(diagonal=1)
    same = (labels[:, None] == labels[None, :]).triu(diagonal=1)
    iou = iou * same  # (i, j): mask i scored above mask j, same label
    comp = iou.max(0).values  # comp_i = max IoU of i with any higher-scored same-label mask
    decay = torch.exp(-sigma * (iou**2 - comp[:, None] ** 2)).min(0).values
    scores = scores * decay
    keep = torch.nonzero(scores >= filter_thr)[:, 0]
    scores, rank = torch.sort(scores[keep], descending=True, stable=True)
    kept = order[keep[rank]][:max_num]
    return kept.tolist(), scores[:max_num].tolist()


def soft_nms_linear(
    boxes: Tensor, scores: Tensor, labels: Tensor, iou_threshold: float = 0.5, min_score: float = 1e-3
) -> tuple[list[int], list[float]]:
    """mmcv batched_nms + soft_nms(method='linear', offset=0): returns (input indices, scores)."""
    n = scores.shape[0]
    if n == 0:
        return [], []
    # batched_nms: offset each class so boxes of different classes never overlap.
    boxes = boxes + (labels.to(boxes) * (boxes.max() + 1))[:, None]
    boxes, scores, inds = boxes.clone(), scores.clone(), torch.arange(n)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    count = n
    i = 0
    while i < count:
        top = i
        for pos in range(i + 1, count):
            if scores[top] < scores[pos]:
                top = pos
        for t in (boxes, scores, inds, areas):
            t[[i, top]] = t[[top, i]]
        pos = i + 1
        while pos < count:
            w = (torch.minimum(boxes[i, 2], boxes[pos, 2]) - torch.maximum(boxes[i, 0], boxes[pos, 0])).clamp(
                min=0
            )
            h = (torch.minimum(boxes[i, 3], boxes[pos, 3]) - torch.maximum(boxes[i, 1], boxes[pos, 1])).clamp(
                min=0
            )
            inter = w * h
            iou = inter / (areas[i] + areas[pos] - inter)
            if iou >= iou_threshold:
                scores[pos] *= 1 - iou
            if scores[pos] < min_score:
                for t in (boxes, scores, inds, areas):
                    t[pos] = t[count - 1]
                count -= 1
            else:
                pos += 1
        i += 1
    return inds[:count].tolist(), scores[:count].tolist()


def semantic_map(probs: Tensor, labels: Tensor, scores: Tensor, num_classes: int) -> Tensor:
    """Label map argmax_c sum_{n: label_n = c} score_n prob_n (spec §5.2); ties -> first class."""
    h, w = probs.shape[1:]
    acc = torch.zeros(num_classes, h, w, dtype=probs.dtype)
    for n in range(probs.shape[0]):
        acc[int(labels[n])] += scores[n] * probs[n]
    return acc.argmax(0)
