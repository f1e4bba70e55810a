"""UFO-ViT in plain PyTorch (spec ufo-vit-inference.md §1), without mmdet or mmengine.

Attribute names copy the official state-dict keys (`backbone.layers.{i}.attn.qkv.weight`, ...), so
an official checkpoint loads key by key. The stages are separate methods, and they are the ONNX cut
points: `encode_text`, `encode_image`, `encode_grid`, `decode`.

Shapes in comments: B batch, P patch-grid side, C width, h heads, d head dim, L prompt tokens,
T tokens, W windows, G grid points, N decoded sequences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import UfoVitConfig

# Keep any single global-attention logits chunk under this size (spec §8.2: the memory trap).
ATTENTION_CHUNK_BYTES = 192 * 2**20
# Prompt length assumed when sizing those chunks at export time.
MAX_PROMPT_TOKENS = 512

KV = tuple[Tensor, Tensor]


def extend_cache(past: list[KV], new: list[KV]) -> list[KV]:
    """Every layer's cached (k, v) with `decode`'s new keys and values appended after it."""
    return [(torch.cat([pk, k], 2), torch.cat([pv, v], 2)) for (pk, pv), (k, v) in zip(past, new)]


class BertEmbeddings(nn.Module):
    """Word + absolute position embeddings, then LayerNorm (no token types, spec §1.3)."""

    def __init__(self, cfg: UfoVitConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg.vocab_size, cfg.embed_dim)
        self.position_embeddings = nn.Embedding(cfg.max_text_positions, cfg.embed_dim)
        self.LayerNorm = nn.LayerNorm(cfg.embed_dim, eps=cfg.text_ln_eps)

    def forward(self, ids: Tensor, positions: Tensor) -> Tensor:
        return self.LayerNorm(self.word_embeddings(ids) + self.position_embeddings(positions))


class PatchEmbed(nn.Module):
    """Pixels to patch tokens: the official strided projection, after an optional conv stem.

    Each stem stage halves the resolution (3x3 stride 2) and then mixes neighbours (3x3 stride 1).
    With `stem_bypass` the official projection of the raw pixels is added to the stem's output.
    """

    def __init__(self, cfg: UfoVitConfig) -> None:
        super().__init__()
        widths = (3, *cfg.stem_channels)
        self.stem = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(a, b, 3, stride=2, padding=1), nn.GELU(), nn.Conv2d(b, b, 3, padding=1), nn.GELU()
            )
            for a, b in zip(widths, widths[1:])
        )
        stride = cfg.patch_size // 2 ** len(self.stem)
        self.projection = nn.Conv2d(widths[-1], cfg.embed_dim, stride, stride=stride)
        self.bypass = (
            nn.Conv2d(3, cfg.embed_dim, cfg.patch_size, stride=cfg.patch_size) if cfg.stem_bypass else None
        )

    def forward(self, pixels: Tensor) -> Tensor:
        x = pixels
        for stage in self.stem:
            x = stage(x)
        x = self.projection(x)
        if self.bypass is not None:
            x = x + self.bypass(pixels)
        return x.permute(0, 2, 3, 1)  # (B, P, P, C)


class Attention(nn.Module):
    def __init__(self, cfg: UfoVitConfig, rel_rows: int) -> None:
        super().__init__()
        self.num_heads = cfg.num_heads
        self.head_dim = cfg.head_dim
        self.qkv = nn.Linear(cfg.embed_dim, 3 * cfg.embed_dim)
        self.proj = nn.Linear(cfg.embed_dim, cfg.embed_dim)
        self.rel_pos_h = nn.Parameter(torch.zeros(rel_rows, cfg.head_dim))
        self.rel_pos_w = nn.Parameter(torch.zeros(rel_rows, cfg.head_dim))

    def project(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(B, T, C) -> q, k, v each (B, h, T, d); channel = head * d + i (spec §1.2)."""
        b, t, _ = x.shape
        qkv = self.qkv(x).reshape(b, t, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        return qkv[0], qkv[1], qkv[2]

    def merge(self, out: Tensor) -> Tensor:
        """(B, h, T, d) -> (B, T, C) through the output projection."""
        b, _, t, _ = out.shape
        return self.proj(out.transpose(1, 2).reshape(b, t, self.num_heads * self.head_dim))


class FFN(nn.Module):
    def __init__(self, cfg: UfoVitConfig) -> None:
        super().__init__()
        # Nesting mirrors mmcv's FFN so keys read ffn.layers.0.0 (FC1) and ffn.layers.1 (FC2).
        self.layers = nn.Sequential(
            nn.Sequential(nn.Linear(cfg.embed_dim, cfg.ffn_dim), nn.GELU()),
            nn.Linear(cfg.ffn_dim, cfg.embed_dim),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)


class TransformerLayer(nn.Module):
    def __init__(self, cfg: UfoVitConfig, is_global: bool) -> None:
        super().__init__()
        self.is_global = is_global
        rel_rows = 2 * (cfg.pos_grid if is_global else cfg.window_size) - 1
        self.ln1 = nn.LayerNorm(cfg.embed_dim, eps=cfg.ln_eps)
        self.attn = Attention(cfg, rel_rows)
        self.ln2 = nn.LayerNorm(cfg.embed_dim, eps=cfg.ln_eps)
        self.ffn = FFN(cfg)

    def mlp(self, x: Tensor) -> Tensor:
        return x + self.ffn(self.ln2(x))


@dataclass
class LayerGeometry:
    """One layer's rel-pos tables resized for its query grid: (2S-1, d) each (spec §1.2).

    They are gathered into (S, S, d) inside the attention, not here, so an exported graph stores
    the small tables (for window layers, the parameters themselves) instead of S/2-times larger
    gathered copies.
    """

    rel_h: Tensor
    rel_w: Tensor

    def gathered(self, rows: slice, size: int) -> tuple[Tensor, Tensor]:
        """R_h[q, k] for query rows `rows` (band, S, d), and R_w[q, k] (S, S, d)."""
        coords = torch.arange(size, device=self.rel_h.device)
        idx = coords[:, None] - coords[None, :] + size - 1
        return self.rel_h[idx[rows]], self.rel_w[idx]


@dataclass
class Geometry:
    """Everything that depends on the input resolution; the exporter bakes it into constants."""

    image_size: int
    patches: int  # P
    pos_embed: Tensor  # (1, P, P, C)
    layers: list[LayerGeometry]
    grid_side: int  # 0 when the task has no grid tokens
    grid_pos: Tensor | None  # (G, C)
    grid_taps: Tensor | None  # (G, 4) int64 flat indices into the P*P map
    grid_weights: Tensor | None  # (G, 4)
    grid_window: Tensor | None  # (G,) int64 window index of each grid point


def resize_rel_table(table: Tensor, rows: int) -> Tensor:
    """Linear resize of a (R, d) rel-pos table to `rows` rows, align_corners=False."""
    if table.shape[0] == rows:
        return table
    return F.interpolate(table.t()[None], size=rows, mode="linear", align_corners=False)[0].t()


def resize_pos(pos: Tensor, h: int, w: int) -> Tensor:
    """Bicubic resize of a (1, S, S, C) pos-embed, computed in fp32 (spec §1.3)."""
    if pos.shape[1] == h and pos.shape[2] == w:
        return pos
    grid = pos.permute(0, 3, 1, 2).float()
    return F.interpolate(grid, size=(h, w), mode="bicubic", align_corners=False).permute(0, 2, 3, 1)


def bilinear_taps(side: int, patches: int) -> tuple[Tensor, Tensor]:
    """Fixed 4-tap bilinear sampling of a (P, P) map at the grid's reference points (spec §4.2).

    Equivalent to grid_sample(align_corners=False, zero padding); taps outside the map get weight 0.
    Reference points are computed in float32 like the official code (0.89999998, not 0.9).
    """
    ref = (torch.arange(side, dtype=torch.float32) + 0.5) / side
    u = ref * patches - 0.5
    u0 = torch.floor(u)
    frac = u - u0
    idx = torch.stack([u0, u0 + 1], dim=-1).long()  # (side, 2)
    wts = torch.stack([1 - frac, frac], dim=-1)
    valid = (idx >= 0) & (idx < patches)
    wts = torch.where(valid, wts, torch.zeros_like(wts))
    idx = idx.clamp(0, patches - 1)
    # Combine rows (y) and columns (x): tap order (y0x0, y0x1, y1x0, y1x1), grid row-major.
    flat = idx[:, None, :, None] * patches + idx[None, :, None, :]  # (gy, gx, 2, 2)
    weight = wts[:, None, :, None] * wts[None, :, None, :]
    return flat.reshape(side * side, 4), weight.reshape(side * side, 4)


class ViTUFO(nn.Module):
    def __init__(self, cfg: UfoVitConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.patch_embed = PatchEmbed(cfg)
        self.pos_embed = nn.Parameter(torch.zeros(1, cfg.pos_grid, cfg.pos_grid, cfg.embed_dim))
        self.embed = BertEmbeddings(cfg)
        self.layers = nn.ModuleList(TransformerLayer(cfg, i in cfg.global_layers) for i in range(cfg.depth))

    # ---------------------------------------------------------------- geometry
    def geometry(self, image_size: int, grid_per_window: int = 0) -> Geometry:
        cfg = self.cfg
        span = cfg.patch_size * cfg.window_size
        if image_size % span:
            raise ValueError(f"image size {image_size} is not a multiple of {span} (patch x window)")
        p = image_size // cfg.patch_size
        layers = []
        for layer in self.layers:
            size = p if layer.is_global else cfg.window_size  # type: ignore[union-attr]
            attn = layer.attn  # type: ignore[union-attr]
            rows = 2 * size - 1
            layers.append(
                LayerGeometry(resize_rel_table(attn.rel_pos_h, rows), resize_rel_table(attn.rel_pos_w, rows))
            )
        geo = Geometry(image_size, p, resize_pos(self.pos_embed, p, p), layers, 0, None, None, None, None)
        if grid_per_window:
            side = grid_per_window * p // cfg.window_size
            geo.grid_side = side
            geo.grid_pos = resize_pos(self.pos_embed, side, side).reshape(side * side, cfg.embed_dim)
            taps, weights = bilinear_taps(side, p)
            device = self.pos_embed.device
            geo.grid_taps, geo.grid_weights = taps.to(device), weights.to(device)
            g = torch.arange(side, device=device)
            wins = p // cfg.window_size
            geo.grid_window = (
                (g[:, None] // grid_per_window) * wins + g[None, :] // grid_per_window
            ).reshape(-1)
        return geo

    # ---------------------------------------------------------------- text stream
    def encode_text(self, ids: Tensor, pad: Tensor | None = None) -> list[KV]:
        """Prompt tokens through every layer, attending to the prompt only (spec §1.4 stream 1).

        ids (B, L); pad (B, L) True where padding. Returns per layer (k, v), each (B, h, L, d).
        """
        positions = torch.arange(ids.shape[1], device=ids.device)[None]  # broadcast over the batch
        t = self.embed(ids, positions)
        mask = _key_mask(pad)
        kvs: list[KV] = []
        for layer in self.layers:
            q, k, v = layer.attn.project(layer.ln1(t))  # type: ignore[union-attr]
            kvs.append((k, v))
            t = t + layer.attn.merge(_attend(q, k, v, mask))  # type: ignore[union-attr]
            t = layer.mlp(t)  # type: ignore[union-attr]
        return kvs

    # ---------------------------------------------------------------- image stream
    def encode_image(
        self,
        pixels: Tensor,
        text_kv: list[KV],
        geo: Geometry,
        text_pad: Tensor | None = None,
        keep_inputs: bool = False,
        patches: Tensor | None = None,
    ) -> tuple[Tensor, list[KV], list[Tensor]]:
        """Image patches through every layer (spec §1.5).

        `patches`, if given, is `self.patch_embed(pixels)` computed by the caller: training embeds a
        batch once and runs it under every task's prompt.

        Returns the mean of the mean-layer outputs (B, P, P, C), each layer's image (k, v) —
        (B*W, h, S*S, d) for window layers, (B, h, P*P, d) for global ones — and, if asked, each
        layer's input map (B, P, P, C) for grid sampling.
        """
        cfg = self.cfg
        x = (self.patch_embed(pixels) if patches is None else patches) + geo.pos_embed
        b, p = x.shape[0], geo.patches
        mask = _key_mask(text_pad)
        acc = torch.zeros_like(x)
        kvs: list[KV] = []
        inputs: list[Tensor] = []
        for i, layer in enumerate(self.layers):
            if keep_inputs:
                inputs.append(x)
            y = layer.ln1(x)  # type: ignore[union-attr]
            attn: Attention = layer.attn  # type: ignore[union-attr]
            tk, tv = text_kv[i]
            if layer.is_global:  # type: ignore[union-attr]
                q, k, v = attn.project(y.reshape(b, p * p, cfg.embed_dim))
                out = _attend_image(q, k, v, tk, tv, geo.layers[i], p, attn.num_heads, mask)
                out = attn.merge(out).reshape(b, p, p, cfg.embed_dim)
            else:
                s = cfg.window_size
                windows = window_partition(y, s)  # (B*W, S*S, C)
                q, k, v = attn.project(windows)
                out = _attend_image(q, k, v, tk, tv, geo.layers[i], s, attn.num_heads, mask)
                out = window_unpartition(attn.merge(out), b, p, s)
            kvs.append((k, v))
            x = layer.mlp(x + out)  # type: ignore[union-attr]
            if i in cfg.mean_layers:
                acc = acc + x
        return acc / len(cfg.mean_layers), kvs, inputs

    # ---------------------------------------------------------------- grid stream
    def encode_grid(self, inputs: list[Tensor], image_kv: list[KV], geo: Geometry) -> list[KV]:
        """Grid query tokens through the window layers (spec §1.5, §4.3).

        Returns, per window layer, the decoder prefix (k, v) of every grid point: (B*G, h, 1, d),
        batch-major (row b*G + g).
        """
        cfg = self.cfg
        assert geo.grid_pos is not None and geo.grid_taps is not None
        assert geo.grid_weights is not None and geo.grid_window is not None
        b, p, c = inputs[0].shape[0], geo.patches, cfg.embed_dim
        gcount = geo.grid_pos.shape[0]
        nw = (p // cfg.window_size) ** 2
        per = gcount // nw  # grid points per window
        # Grid points regrouped window by window, so each window's points attend to that window's
        # keys as one small batch instead of gathering the keys once per point.
        order = torch.argsort(geo.grid_window * gcount + torch.arange(gcount, device=geo.grid_window.device))
        inverse = torch.argsort(order)
        g = geo.grid_pos[None].expand(b, gcount, c)
        prefix: list[KV] = []
        first = True
        for i, layer in enumerate(self.layers):
            if layer.is_global:  # type: ignore[union-attr]
                continue
            flat = inputs[i].reshape(b, p * p, c)
            sampled = (flat[:, geo.grid_taps] * geo.grid_weights[None, :, :, None]).sum(2)  # (B, G, C)
            g = sampled + (geo.grid_pos if first else g + geo.grid_pos)
            first = False
            attn: Attention = layer.attn  # type: ignore[union-attr]
            q, k, v = attn.project(layer.ln1(g))  # type: ignore[union-attr]  # (B, h, G, d)
            h, d = attn.num_heads, attn.head_dim
            qw, kw, vw = (
                x[:, :, order].reshape(b, h, nw, per, d).transpose(1, 2).reshape(b * nw, h, per, d)
                for x in (q, k, v)
            )
            ik, iv = image_kv[i]  # (B*W, h, S*S, d)
            scale = d**-0.5
            li = (qw * scale) @ ik.transpose(-1, -2)  # (B*W, h, per, S*S)
            ls = ((qw * scale) * kw).sum(-1, keepdim=True)  # each point sees only its own key
            m = _max2(li.amax(-1, keepdim=True), ls)
            ei, es = torch.exp(li - m), torch.exp(ls - m)
            out = (ei @ iv + es * vw) / (ei.sum(-1, keepdim=True) + es)
            out = out.reshape(b, nw, h, per, d).transpose(1, 2).reshape(b, h, gcount, d)[:, :, inverse]
            g = layer.mlp(g + attn.merge(out))  # type: ignore[union-attr]
            kp, vp = (x.permute(0, 2, 1, 3).reshape(b * gcount, h, 1, d) for x in (k, v))
            prefix.append((kp, vp))
        return prefix

    # ---------------------------------------------------------------- output tokens
    def decode(
        self,
        ids: Tensor,
        start: int | Tensor,
        past: list[KV],
        layer_ids: tuple[int, ...],
        causal: bool = True,
    ) -> tuple[Tensor, list[KV]]:
        """Output tokens through `layer_ids` (window layers for grid tasks, all for the rest).

        ids (N, T) at BERT positions start..start+T-1; past[j] is layer_ids[j]'s cached (k, v),
        (N, h, t, d), holding the prefix (grid token or image keys) and earlier outputs. Layers not in
        `layer_ids` are identity. Returns the hidden state (N, T, C): the mean over the mean layers
        (spec §1.6), and each layer's new (k, v) for the T tokens.
        """
        cfg = self.cfg
        t = ids.shape[1]
        positions = (torch.arange(t, device=ids.device) + start)[None]  # broadcast over the batch
        x = self.embed(ids, positions)
        mask = None
        if causal and t > 1:
            # Prefix and past are always visible; the new tokens see themselves causally.
            tri = torch.ones(t, t, dtype=torch.bool, device=ids.device).tril()
            seen = torch.ones(t, past[0][0].shape[2], dtype=torch.bool, device=ids.device)
            mask = _bool_to_additive(torch.cat([seen, tri], dim=1))[None, None]
        acc = torch.zeros_like(x)
        new: list[KV] = []
        j = 0
        for i, layer in enumerate(self.layers):
            if i in layer_ids:
                attn: Attention = layer.attn  # type: ignore[union-attr]
                q, k, v = attn.project(layer.ln1(x))  # type: ignore[union-attr]
                pk, pv = past[j]
                j += 1
                out = _attend(q, torch.cat([pk, k], 2), torch.cat([pv, v], 2), mask)
                x = layer.mlp(x + attn.merge(out))  # type: ignore[union-attr]
                new.append((k, v))
            if i in cfg.mean_layers:
                acc = acc + x
        return acc / len(cfg.mean_layers), new

    def logits(self, hidden: Tensor) -> Tensor:
        """Tied output head: hidden (..., C) times the word embedding, no bias (spec §1.6)."""
        return hidden @ self.embed.word_embeddings.weight.t()


class UFOViT(nn.Module):
    """The detector wrapper: its only module is `backbone`, as in the official state dict."""

    def __init__(self, cfg: UfoVitConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.backbone = ViTUFO(cfg)


# -------------------------------------------------------------------- attention helpers
def _bool_to_additive(allowed: Tensor) -> Tensor:
    return torch.zeros(allowed.shape, device=allowed.device).masked_fill(~allowed, float("-inf"))


def _key_mask(pad: Tensor | None) -> Tensor | None:
    """Padding (B, L) -> additive mask (B, 1, 1, L), or None when there is no padding."""
    if pad is None:
        return None
    return _bool_to_additive(~pad)[:, None, None, :]


def _attend(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None) -> Tensor:
    """Plain scaled dot-product attention. q (B, h, Tq, d), k/v (B, h, Tk, d)."""
    logits = (q * (q.shape[-1] ** -0.5)) @ k.transpose(-1, -2)
    if mask is not None:
        logits = logits + mask
    return logits.softmax(-1) @ v


def _max2(a: Tensor, b: Tensor) -> Tensor:
    """Elementwise max of two (..., 1) tensors as Concat + ReduceMax, ops every ONNX EP runs."""
    return torch.cat([a, b], -1).amax(-1, keepdim=True)


def _rel_bias(q: Tensor, rel_h: Tensor, rel_w: Tensor, size: int) -> Tensor:
    """Decomposed rel-pos bias (spec §1.2) for queries on a size x size grid.

    q (B, h, T, d) unscaled with T = rows * size (a band of whole query rows); rel_h (rows, S, d)
    and rel_w (S, S, d) are the gathered tables. Returns (B, h, T, size*size). Written as batched
    MatMuls (not einsum) so every ONNX runtime runs it.
    """
    b, h, t, d = q.shape
    rows = t // size
    rq = q.reshape(b * h, rows, size, d)
    # rel_h[n, r, c, kh] = <rq[n, r, c], R_h[r, kh]>
    bias_h = rq.permute(1, 0, 2, 3).reshape(rows, b * h * size, d) @ rel_h.transpose(1, 2)
    bias_h = bias_h.reshape(rows, b * h, size, size).permute(1, 0, 2, 3)  # (n, r, c, kh)
    bias_w = rq.permute(2, 0, 1, 3).reshape(size, b * h * rows, d) @ rel_w.transpose(1, 2)
    bias_w = bias_w.reshape(size, b * h, rows, size).permute(1, 2, 0, 3)  # (n, r, c, kw)
    bias = bias_h[..., :, None] + bias_w[..., None, :]  # (n, r, c, kh, kw)
    return bias.reshape(b, h, t, size * size)


def _attend_image(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    tk: Tensor,
    tv: Tensor,
    geo: LayerGeometry,
    size: int,
    heads: int,
    mask: Tensor | None,
) -> Tensor:
    """Image queries over [text keys, image keys], rel-pos bias on the image keys only.

    Large grids are processed in bands of whole query rows so no logits tensor exceeds
    ATTENTION_CHUNK_BYTES (the spec's 4900x4900 memory trap at 1120 px).
    """
    d = q.shape[3]
    b = tk.shape[0]
    nw = q.shape[0] // b  # windows per image (1 for global layers)
    h = heads
    # Sized per image from static numbers (heads, grid side), so tracing bakes a constant band.
    row_bytes = 4 * heads * size * (MAX_PROMPT_TOKENS + size * size)
    band = max(1, min(size, ATTENTION_CHUNK_BYTES // row_bytes))
    while size % band:
        band -= 1
    scale = d**-0.5
    tk_t = tk[:, None].transpose(-1, -2)  # (B, 1, h, d, L): shared by every window, never copied
    tv_b = tv[:, None]
    tmask = None if mask is None else mask[:, None]  # (B, 1, 1, 1, L)
    outs = []
    for r0 in range(0, size, band):
        qs = q[:, :, r0 * size : (r0 + band) * size]
        tb = band * size
        rel_h, rel_w = geo.gathered(slice(r0, r0 + band), size)
        li = (qs * scale) @ k.transpose(-1, -2) + _rel_bias(qs, rel_h, rel_w, size)  # (B*W, h, tb, T)
        lt = (qs * scale).reshape(b, nw, h, tb, d) @ tk_t  # (B, W, h, tb, L)
        if tmask is not None:
            lt = lt + tmask
        # One softmax over [text keys, image keys] without concatenating either.
        m = _max2(li.amax(-1, keepdim=True), lt.amax(-1, keepdim=True).reshape(b * nw, h, tb, 1))
        ei = torch.exp(li - m)
        et = torch.exp(lt - m.reshape(b, nw, h, tb, 1))
        num = ei @ v + (et @ tv_b).reshape(b * nw, h, tb, d)
        den = ei.sum(-1, keepdim=True) + et.sum(-1, keepdim=True).reshape(b * nw, h, tb, 1)
        outs.append(num / den)
    return outs[0] if len(outs) == 1 else torch.cat(outs, 2)


def window_partition(x: Tensor, s: int) -> Tensor:
    """(B, P, P, C) -> (B*W, S*S, C): windows row-major, tokens row-major inside."""
    b, p, _, c = x.shape
    n = p // s
    return x.reshape(b, n, s, n, s, c).permute(0, 1, 3, 2, 4, 5).reshape(b * n * n, s * s, c)


def window_unpartition(x: Tensor, b: int, p: int, s: int) -> Tensor:
    n = p // s
    c = x.shape[-1]
    return x.reshape(b, n, n, s, s, c).permute(0, 1, 3, 2, 4, 5).reshape(b, p, p, c)


def init_weights(model: UFOViT, seed: int) -> None:
    """Seeded random weights at the scale a trained ViT has (for tests and training from scratch)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if (
                name.endswith("LayerNorm.weight")
                or name.endswith("ln1.weight")
                or name.endswith("ln2.weight")
            ):
                param.fill_(1.0)
            elif name.endswith("bias"):
                param.zero_()
            elif "rel_pos" in name or "pos_embed" in name or "embeddings" in name:
                param.copy_(torch.randn(param.shape, generator=gen) * 0.02)
            else:
                fan_in = math.prod(param.shape[1:])
                gain = 2.0 if ".stem." in name else 1.0  # He init: the stem's GELUs halve the variance
                param.copy_(torch.randn(param.shape, generator=gen) * math.sqrt(gain / fan_in))
