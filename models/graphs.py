"""The ONNX cut points (spec §8.1) as modules whose forward takes and returns plain tensors.

Every resolution-dependent constant (resized pos-embeds, gathered rel-pos tables, grid taps) is
computed once here and baked into the graph, so the runtime never recomputes it.

Tensor layouts crossing graphs (NL layers, NW window layers, h heads, d head dim):
  text_kv       (NL, 2, h, L, d)        prompt keys/values per layer
  grid_kv_{j}   (2, G, h, 1, d)         decoder prefix of each grid point, window layer j
  img_kv_{j}    (2, 1, h, P*P, d)       decoder prefix for grounding / RES / caption, layer j
  img_feat      (P, P, C)               image features for mask retrieval
  past_{j}      (2, N', h, t, d)        decoder cache of layer j (prefix included), gathered by `rows`
The decoder cache is one tensor per layer: stacked, it would outgrow a GPU buffer (and the 256 MiB
cap on any intermediate) for ViT-B with hundreds of active sequences.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .ufo_vit import KV, Geometry, ViTUFO


def _frozen(geo: Geometry) -> Geometry:
    """Detach every tensor of the geometry, so export sees constants rather than parameter math."""
    for name, value in vars(geo).items():
        if isinstance(value, Tensor):
            setattr(geo, name, value.detach().clone())
    for layer in geo.layers:
        layer.rel_h, layer.rel_w = layer.rel_h.detach().clone(), layer.rel_w.detach().clone()
    return geo


def _unstack(kv: Tensor) -> list[KV]:
    """(NL, 2, h, L, d) -> per layer (k, v) with a batch of 1."""
    return [(kv[i, 0][None], kv[i, 1][None]) for i in range(kv.shape[0])]


def _stack(kvs: list[KV]) -> Tensor:
    return torch.stack([torch.stack([k, v]) for k, v in kvs])


def _pairs(kvs: list[KV]) -> tuple[Tensor, ...]:
    """Per layer, k and v stacked: (2, ...) each."""
    return tuple(torch.stack([k, v]) for k, v in kvs)


def kv_names(prefix: str, count: int) -> list[str]:
    return [f"{prefix}_{j}" for j in range(count)]


class TextEncoderGraph(nn.Module):
    def __init__(self, net: ViTUFO) -> None:
        super().__init__()
        self.net = net

    def forward(self, ids: Tensor) -> Tensor:
        return _stack([(k[0], v[0]) for k, v in self.net.encode_text(ids)])


class GridEncoderGraph(nn.Module):
    """Image and grid streams at one resolution: pixels + prompt K/V -> grid prefix, features."""

    def __init__(self, net: ViTUFO, image_size: int, grid_per_window: int) -> None:
        super().__init__()
        self.net = net
        with torch.no_grad():
            self.geo = _frozen(net.geometry(image_size, grid_per_window))

    def forward(self, pixels: Tensor, text_kv: Tensor) -> tuple[Tensor, ...]:
        feat, image_kv, inputs = self.net.encode_image(pixels, _unstack(text_kv), self.geo, keep_inputs=True)
        prefix = self.net.encode_grid(inputs, image_kv, self.geo)
        return (feat[0], *_pairs(prefix))


class FullEncoderGraph(nn.Module):
    """Image stream at one window's resolution: pixels + prompt K/V -> every layer's image K/V."""

    def __init__(self, net: ViTUFO, image_size: int) -> None:
        super().__init__()
        self.net = net
        with torch.no_grad():
            self.geo = _frozen(net.geometry(image_size))
        if self.geo.patches != net.cfg.window_size:
            raise ValueError(
                f"full-attention tasks need one window: {image_size} px gives {self.geo.patches} patches"
            )

    def forward(self, pixels: Tensor, text_kv: Tensor) -> tuple[Tensor, ...]:
        feat, image_kv, _ = self.net.encode_image(pixels, _unstack(text_kv), self.geo)
        return (feat[0], *_pairs(image_kv))


class DecoderGraph(nn.Module):
    """One greedy/beam decode step for N sequences over `layer_ids`.

    rows (N) picks each sequence's cache row from every past_{j}, so dropping finished sequences,
    fanning the prefix out to a batch and reordering beams all happen in-graph, on the GPU.
    Outputs: next_id (N), max_prob (N), hidden (N, C), topk_logp/topk_ids (N, K) of
    log_softmax(logits / temperature), then present_{j} (2, N, h, t+1, d) per layer.
    """

    def __init__(self, net: ViTUFO, layer_ids: tuple[int, ...], topk: int) -> None:
        super().__init__()
        self.net = net
        self.layer_ids = layer_ids
        self.topk = topk

    def forward(
        self, ids: Tensor, pos: Tensor, rows: Tensor, temperature: Tensor, *past: Tensor
    ) -> tuple[Tensor, ...]:
        gathered = [p.index_select(1, rows) for p in past]
        hidden, new = self.net.decode(
            ids, pos, [(p[0], p[1]) for p in gathered], self.layer_ids, causal=False
        )
        h = hidden[:, 0]
        logits = self.net.logits(h)
        lse = torch.logsumexp(logits, -1)
        best, next_id = logits.max(-1)
        max_prob = torch.exp(best - lse)
        logp = torch.log_softmax(logits / temperature, -1)
        topk_logp, topk_ids = logp.topk(self.topk, -1)
        present = [torch.cat([p, torch.stack([k, v])], dim=3) for p, (k, v) in zip(gathered, new)]
        return (next_id, max_prob, h, topk_logp, topk_ids, *present)
