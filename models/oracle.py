"""The reference inference of every task (the oracle the exported graphs and the runtime match).

It follows the spec step by step with the PyTorch model: greedy decoding with a KV cache (beam
search for captions), grid points decoded as one batch with exact pruning (spec §7), mask retrieval,
and the official post-processing. Everything runs in fp32 on the CPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor

from . import postprocess as pp
from .config import TaskConfig, UfoVitConfig
from .tokenizer import Tokenizer
from .ufo_vit import KV, Geometry, UFOViT, extend_cache

IMAGE_MEAN = (123.675, 116.28, 103.53)
IMAGE_STD = (58.395, 57.12, 57.375)
MASK_TOKENS = 16


def clean_expression(text: str) -> str:
    """CleanCaption (spec §3): strip, drop ASCII punctuation, collapse whitespace, lower-case."""
    import string

    text = "".join(ch for ch in text.strip() if ch not in string.punctuation)
    return " ".join(text.split()).lower()


def resize_image(image: np.ndarray, size: int, interpolation: str) -> Tensor:
    """uint8 (H, W, 3) -> float (3, size, size) on the 0..255 scale (aspect ratio not kept).

    'bilinear': half-pixel centres, no antialias, in float (cv2 INTER_LINEAR up to its rounding).
    'bicubic-pil': PIL's antialiased bicubic on uint8, as the official caption/grounding pipeline.
    """
    if interpolation == "bicubic-pil":
        resized = Image.fromarray(image).resize((size, size), Image.BICUBIC)
        return torch.from_numpy(np.asarray(resized).copy()).permute(2, 0, 1).float()
    t = torch.from_numpy(image.copy()).permute(2, 0, 1).float()[None]
    return F.interpolate(t, size=(size, size), mode="bilinear", align_corners=False)[0]


def normalize(pixels: Tensor, mean: tuple[float, ...], std: tuple[float, ...]) -> Tensor:
    return (pixels - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]


@dataclass
class GridDecode:
    """Greedy decoding of every grid point: tokens, per-step max probabilities, mask states."""

    ids: list[list[int]]  # per grid point, generated ids up to [SEP] or the point it was dropped
    probs: list[list[float]]
    mask_states: dict[int, Tensor]  # grid point -> (k, C) states of steps that predicted <MASK>
    steps: int  # decode steps run
    batch_sizes: list[int] = field(default_factory=list)  # active sequences per step


@dataclass
class Encoded:
    geo: Geometry
    feat: Tensor  # (P, P, C)
    image_kv: list[KV]
    grid_kv: list[KV] | None


class Oracle:
    def __init__(
        self,
        model: UFOViT,
        tokenizer: Tokenizer,
        tasks: dict[str, TaskConfig],
        mean: tuple[float, ...] = IMAGE_MEAN,
        std: tuple[float, ...] = IMAGE_STD,
    ) -> None:
        self.model = model.eval()
        self.net = model.backbone
        self.cfg: UfoVitConfig = model.cfg
        self.tok = tokenizer
        self.tasks = tasks
        self.mean, self.std = mean, std
        self.cls = tokenizer.id("[CLS]")
        self.sep = tokenizer.id("[SEP]")
        self.mask_id = tokenizer.id("<MASK>")
        self.comma = tokenizer.id(",")

    # ------------------------------------------------------------ stages
    def prompt_ids(self, task: str, expression: str | None = None) -> list[int]:
        t = self.tasks[task]
        text = (
            t.prompt.format(expression=clean_expression(expression or ""))
            if "{expression}" in t.prompt
            else t.prompt
        )
        return self.tok.prompt_ids(text)

    def pixels(self, task: str, image: np.ndarray) -> Tensor:
        t = self.tasks[task]
        return normalize(resize_image(image, t.image_size, t.interpolation), self.mean, self.std)[None]

    @torch.no_grad()
    def encode(self, task: str, pixels: Tensor, prompt: list[int]) -> Encoded:
        t = self.tasks[task]
        grid = t.kind.startswith("grid")
        geo = self.net.geometry(t.image_size, t.grid_per_window if grid else 0)
        text_kv = self.net.encode_text(torch.tensor([prompt]))
        feat, image_kv, inputs = self.net.encode_image(pixels, text_kv, geo, keep_inputs=grid)
        grid_kv = self.net.encode_grid(inputs, image_kv, geo) if grid else None
        return Encoded(geo, feat[0], image_kv, grid_kv)

    @torch.no_grad()
    def decode_grid(self, task: str, enc: Encoded, prune: bool = True) -> GridDecode:
        """All grid points as one batch; ended and rejected sequences leave the batch (spec §7)."""
        t = self.tasks[task]
        assert enc.grid_kv is not None
        layers = self.cfg.window_layers
        g = enc.grid_kv[0][0].shape[0]
        # "background" is the no-object answer of detection and instances; where the task lists it
        # as a class (this project's semantic segmentation) it is an answer like any other.
        first_pieces = {self.tok.encode(name)[0] for name in t.classes}
        active = torch.arange(g)
        past = list(enc.grid_kv)
        inp = torch.full((g, 1), self.cls)
        out = GridDecode([[] for _ in range(g)], [[] for _ in range(g)], {}, 0)
        states: dict[int, list[Tensor]] = {}
        for step in range(t.max_length):
            out.batch_sizes.append(len(active))
            hidden, new = self.net.decode(inp, step, past, layers)
            logits = self.net.logits(hidden[:, 0])
            prob, nxt = logits.softmax(-1).max(-1)
            for row, gi in enumerate(active.tolist()):
                out.ids[gi].append(int(nxt[row]))
                out.probs[gi].append(float(prob[row]))
                if int(nxt[row]) == self.mask_id:
                    states.setdefault(gi, []).append(hidden[row, 0])
            past = extend_cache(past, new)
            keep = nxt != self.sep
            if prune and step == 0:
                is_class = torch.tensor([int(i) in first_pieces for i in nxt])
                keep &= is_class
            out.steps = step + 1
            if not bool(keep.any()):
                break
            active = active[keep]
            past = [(k[keep], v[keep]) for k, v in past]
            inp = nxt[keep][:, None]
        out.mask_states = {gi: torch.stack(s) for gi, s in states.items()}
        return out

    @torch.no_grad()
    def decode_greedy(self, task: str, enc: Encoded) -> tuple[list[int], list[float], Tensor]:
        """One sequence over all layers with the image keys as prefix (grounding, RES)."""
        t = self.tasks[task]
        past = list(enc.image_kv)
        inp = torch.tensor([[self.cls]])
        ids: list[int] = []
        probs: list[float] = []
        mask_states: list[Tensor] = []
        for step in range(t.max_length):
            hidden, new = self.net.decode(inp, step, past, tuple(range(self.cfg.depth)))
            prob, nxt = self.net.logits(hidden[:, 0]).softmax(-1).max(-1)
            ids.append(int(nxt[0]))
            probs.append(float(prob[0]))
            if ids[-1] == self.mask_id:
                mask_states.append(hidden[0, 0])
            if ids[-1] == self.sep:
                break
            past = extend_cache(past, new)
            inp = nxt[:, None]
        states = torch.stack(mask_states) if mask_states else torch.zeros(0, self.cfg.embed_dim)
        return ids, probs, states

    # ------------------------------------------------------------ tasks
    def refer(self, task: str, image: np.ndarray, expression: str) -> dict[str, object]:
        """Grounding (box) or referring segmentation (box + 16 <MASK>) for one expression."""
        t = self.tasks[task]
        h0, w0 = image.shape[:2]
        prompt = self.prompt_ids(task, expression)
        pixels = self.pixels(task, image)
        enc = self.encode(task, pixels, prompt)
        ids, probs, states = self.decode_greedy(task, enc)
        parts = self.tok.decode(ids).split(",")
        bins = pp.parse_ints(parts[:4]) if len(parts) >= 4 else None
        box = [0.0, 0.0, 0.0, 0.0]
        if bins is not None:
            box = pp.to_image_box(pp.grid_box(bins, (0.5, 0.5), t.num_bins), t.image_size, w0, h0)
        result: dict[str, object] = {
            "prompt": prompt,
            "pixels": pixels,
            "ids": ids,
            "probs": probs,
            "box": box,
        }
        if t.kind == "refer-mask":
            result["mask_logits"] = None
            result["mask"] = None
            if states.shape[0] == MASK_TOKENS:
                logits = pp.mask_logits(states[None], enc.feat)
                prob = pp.upsample_probs(logits, h0, w0)[0]
                result["mask_logits"] = logits[0]
                result["mask"] = prob > 0.5
        return result

    def _grid_candidates(
        self, task: str, dec: GridDecode, need_masks: bool
    ) -> list[tuple[int, int, list[str]]]:
        """Grid points in score order whose text names a class: (point, label, comma parts)."""
        t = self.tasks[task]
        names = {name: i for i, name in enumerate(t.classes)}
        order = sorted(range(len(dec.ids)), key=lambda g: -dec.probs[g][0])
        out = []
        for g in order:
            parts = self.tok.decode(dec.ids[g]).split(",")
            label = names.get(parts[0].strip())
            if label is None:
                continue
            if need_masks and sum(i == self.mask_id for i in dec.ids[g]) != MASK_TOKENS:
                continue
            out.append((g, label, parts))
        return out

    def detection(self, task: str, image: np.ndarray) -> dict[str, object]:
        t = self.tasks[task]
        h0, w0 = image.shape[:2]
        prompt, pixels = self.prompt_ids(task), self.pixels(task, image)
        enc = self.encode(task, pixels, prompt)
        dec = self.decode_grid(task, enc)
        side = enc.geo.grid_side
        boxes, labels, scores = [], [], []
        for g, label, parts in self._grid_candidates(task, dec, need_masks=False):
            bins = pp.parse_ints(parts[1:5]) if len(parts) >= 5 else None
            if bins is None:
                continue
            ref = ((g % side + 0.5) / side, (g // side + 0.5) / side)
            boxes.append(pp.to_image_box(pp.grid_box(bins, ref, t.num_bins), t.image_size, w0, h0))
            labels.append(label)
            scores.append(dec.probs[g][0])
            if len(boxes) == t.max_detections:
                break
        b = torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)
        keep, decayed = pp.soft_nms_linear(b, torch.tensor(scores), torch.tensor(labels, dtype=torch.long))
        return {
            "prompt": prompt,
            "pixels": pixels,
            "decode": dec,
            "boxes": b[keep],
            "labels": torch.tensor(labels, dtype=torch.long)[keep],
            "scores": torch.tensor(decayed),
        }

    def _grid_masks(
        self, task: str, image: np.ndarray
    ) -> tuple[dict[str, object], list[int], Tensor, Tensor, Tensor]:
        h0, w0 = image.shape[:2]
        prompt, pixels = self.prompt_ids(task), self.pixels(task, image)
        enc = self.encode(task, pixels, prompt)
        dec = self.decode_grid(task, enc)
        cands = self._grid_candidates(task, dec, need_masks=True)
        points = [g for g, _, _ in cands]
        labels = torch.tensor([label for _, label, _ in cands], dtype=torch.long)
        scores0 = torch.tensor([dec.probs[g][0] for g in points])
        queries = (
            torch.stack([dec.mask_states[g] for g in points])
            if points
            else torch.zeros(0, MASK_TOKENS, self.cfg.embed_dim)
        )
        logits = pp.mask_logits(queries, enc.feat)
        probs = pp.upsample_probs(logits, h0, w0)
        base = {"prompt": prompt, "pixels": pixels, "decode": dec, "points": points, "mask_logits": logits}
        return base, points, labels, scores0, probs

    def instance_segmentation(self, task: str, image: np.ndarray) -> dict[str, object]:
        t = self.tasks[task]
        base, points, labels, scores0, probs = self._grid_masks(task, image)
        masks = probs > 0.5
        nonempty = masks.flatten(1).any(1) if len(points) else torch.zeros(0, dtype=torch.bool)
        inside = (probs * masks).flatten(1).sum(1) / masks.flatten(1).sum(1).clamp(min=1)
        scores = scores0 * inside
        idx = torch.nonzero(nonempty).flatten()
        keep, decayed = pp.matrix_nms(masks[idx], labels[idx], scores[idx], max_num=t.max_detections)
        base.update(
            {
                "masks": masks[idx][keep],
                "labels": labels[idx][keep],
                "scores": torch.tensor(decayed),
                "instances": idx[keep],
            }
        )
        return base

    def semantic_segmentation(self, task: str, image: np.ndarray) -> dict[str, object]:
        t = self.tasks[task]
        base, points, labels, scores0, probs = self._grid_masks(task, image)
        base["label_map"] = pp.semantic_map(probs, labels, scores0, len(t.classes))
        base["labels"], base["scores"] = labels, scores0
        return base

    @torch.no_grad()
    def caption(self, task: str, image: np.ndarray) -> dict[str, object]:
        """Beam search (spec §7): scores sum_logp / len^alpha, hypotheses keep the leading [CLS]."""
        t = self.tasks[task]
        prompt, pixels = self.prompt_ids(task), self.pixels(task, image)
        enc = self.encode(task, pixels, prompt)
        beams = t.beams
        past = [(k.expand(beams, -1, -1, -1), v.expand(beams, -1, -1, -1)) for k, v in enc.image_kv]
        seqs = [[self.cls] for _ in range(beams)]
        run = torch.tensor([0.0] + [-1e9] * (beams - 1))
        finished: list[tuple[float, list[int]]] = []

        def add(score: float, hyp: list[int]) -> None:
            # Like BeamHypotheses.add: keep the best `beams` hypotheses only.
            finished.append((score, hyp))
            finished.sort(key=lambda x: -x[0])
            del finished[beams:]

        done = False
        for step in range(t.max_length):
            inp = torch.tensor([[s[-1]] for s in seqs])
            hidden, new = self.net.decode(inp, step, past, tuple(range(self.cfg.depth)))
            logp = (self.net.logits(hidden[:, 0]) / t.temperature).log_softmax(-1)
            total = (logp + run[:, None]).reshape(-1)
            top_v, top_i = total.topk(2 * beams)
            vocab = logp.shape[1]
            next_seqs, next_scores, rows = [], [], []
            for rank, (value, index) in enumerate(zip(top_v.tolist(), top_i.tolist())):
                beam, token = divmod(index, vocab)
                if token == self.sep:
                    if rank < beams:
                        hyp = seqs[beam]
                        add(value / len(hyp) ** t.length_penalty, hyp)
                else:
                    next_seqs.append(seqs[beam] + [token])
                    next_scores.append(value)
                    rows.append(beam)
                if len(next_seqs) == beams:
                    break
                if len(finished) >= beams:
                    worst = finished[-1][0]
                    # cur_len: the sequence length so far, [CLS] included.
                    best_now = top_v[0].item() / (step + 1) ** t.length_penalty
                    if best_now <= worst:
                        done = True
                        break
            if done or len(next_seqs) < beams:
                break
            idx = torch.tensor(rows)
            past = [(k[idx], v[idx]) for k, v in extend_cache(past, new)]
            seqs, run = next_seqs, torch.tensor(next_scores)
        else:
            for s, sc in zip(seqs, run.tolist()):
                add(sc / len(s) ** t.length_penalty, s)
        best = max(finished, key=lambda x: x[0])[1] if finished else seqs[0]
        return {"prompt": prompt, "pixels": pixels, "ids": best[1:], "text": self.tok.decode(best[1:])}
