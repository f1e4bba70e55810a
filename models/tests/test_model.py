"""The PyTorch UFO-ViT: official state-dict layout, checkpoint loading, and stage semantics."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

from models.checkpoint import CheckpointError, load_checkpoint
from models.config import named_config
from models.presets import build_vocab, micro_config
from models.ufo_vit import (
    UFOViT,
    bilinear_taps,
    extend_cache,
    init_weights,
    window_partition,
    window_unpartition,
)


def test_vit_b_state_dict_matches_the_official_layout() -> None:
    model = UFOViT(named_config("ufo-vit-b"))
    sd = model.state_dict()
    # Spec §1.8, with B's shapes.
    expected = {
        "backbone.patch_embed.projection.weight": (768, 3, 16, 16),
        "backbone.pos_embed": (1, 70, 70, 768),
        "backbone.embed.word_embeddings.weight": (30525, 768),
        "backbone.embed.position_embeddings.weight": (512, 768),
        "backbone.layers.2.attn.rel_pos_h": (139, 64),
        "backbone.layers.12.attn.rel_pos_w": (27, 64),
        "backbone.layers.17.attn.qkv.weight": (2304, 768),
        "backbone.layers.0.ffn.layers.0.0.weight": (3072, 768),
        "backbone.layers.0.ffn.layers.1.weight": (768, 3072),
    }
    for key, shape in expected.items():
        assert tuple(sd[key].shape) == shape, key
    assert not any(k.startswith("backbone.layers.18") for k in sd)
    # 155.89 M parameters with the word embeddings, 132.4 M without (spec §9).
    total = sum(v.numel() for v in sd.values())
    assert abs(total / 1e6 - 155.89) < 0.01
    assert abs((total - 30525 * 768) / 1e6 - 132.45) < 0.01


@pytest.mark.parametrize("name,total", [("ufo-vit-l", 415.64), ("ufo-vit-h", 794.96)])
def test_large_configs_have_the_official_parameter_counts(name: str, total: float) -> None:
    cfg = named_config(name)
    c, f = cfg.embed_dim, cfg.ffn_dim
    layer = 4 * c + 3 * c * c + 3 * c + c * c + c + f * c + f + c * f + c  # LNs, qkv, proj, FFN
    rel = sum(
        2 * (2 * (cfg.pos_grid if i in cfg.global_layers else cfg.window_size) - 1) * cfg.head_dim
        for i in range(cfg.depth)
    )
    params = cfg.depth * layer + rel + 3 * 256 * c + c + 70 * 70 * c + 30525 * c + 512 * c + 2 * c
    assert abs(params / 1e6 - total) < 0.01


def test_unknown_config_name_is_refused_with_the_known_names() -> None:
    with pytest.raises(KeyError, match="ufo-vit-b"):
        named_config("ufo-vit-xl")


def _micro() -> UFOViT:
    model = UFOViT(micro_config(len(build_vocab(128)) + 3))
    init_weights(model, 0)
    return model


@pytest.mark.parametrize("layout", ["container", "bare", "ddp"])
def test_checkpoints_load_in_every_layout(tmp_path: Path, layout: str) -> None:
    model = _micro()
    sd = {**model.state_dict(), "backbone.embed.position_ids": torch.arange(512)[None]}
    if layout == "ddp":
        sd = {f"module.{k}": v for k, v in sd.items()}
    obj = {"meta": {"epoch": 12}, "state_dict": sd, "optimizer": {}} if layout == "container" else sd
    torch.save(obj, tmp_path / "ckpt.pth")
    loaded = load_checkpoint(tmp_path / "ckpt.pth", model.cfg, "micro")
    for k, v in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[k], v), k


def test_a_checkpoint_of_another_architecture_names_the_mismatch(tmp_path: Path) -> None:
    other = UFOViT(micro_config(50))
    torch.save(other.state_dict(), tmp_path / "other.pth")
    with pytest.raises(CheckpointError, match=r"word_embeddings.weight: checkpoint \[50, 32\]"):
        load_checkpoint(tmp_path / "other.pth", _micro().cfg, "micro")
    sd = dict(_micro().state_dict())
    del sd["backbone.pos_embed"]
    sd["backbone.neck.weight"] = torch.zeros(1)
    torch.save(sd, tmp_path / "partial.pth")
    with pytest.raises(
        CheckpointError,
        match=r"1 missing key\(s\), e.g. backbone.pos_embed \[1, 8, 8, 32\].*backbone.neck.weight",
    ):
        load_checkpoint(tmp_path / "partial.pth", _micro().cfg, "micro")


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(CheckpointError, match="is not a PyTorch checkpoint"):
        load_checkpoint(tmp_path / "notes.txt", _micro().cfg, "micro")


def test_window_partition_round_trips_row_major() -> None:
    x = torch.arange(2 * 8 * 8 * 3, dtype=torch.float32).reshape(2, 8, 8, 3)
    w = window_partition(x, 4)
    assert w.shape == (8, 16, 3)
    assert torch.equal(w[1, 0], x[0, 0, 4])  # window 1 of image 0 starts at column 4
    assert torch.equal(window_unpartition(w, 2, 8, 4), x)


def test_grid_taps_equal_grid_sample() -> None:
    """The fixed 4-tap gather must equal grid_sample(bilinear, zeros, align_corners=False)."""
    p, side = 14, 5
    fmap = torch.randn(1, 3, p, p)
    idx, wts = bilinear_taps(side, p)
    ref = (torch.arange(side, dtype=torch.float32) + 0.5) / side
    gy, gx = torch.meshgrid(ref, ref, indexing="ij")
    grid = torch.stack([gx, gy], -1)[None] * 2 - 1
    expected = torch.nn.functional.grid_sample(
        fmap, grid, mode="bilinear", padding_mode="zeros", align_corners=False
    )
    got = (fmap.reshape(3, p * p)[:, idx] * wts).sum(-1).reshape(3, side, side)
    assert torch.allclose(got, expected[0], atol=1e-5)


def test_incremental_decoding_equals_one_teacher_forced_pass() -> None:
    """The KV cache is exact: step-by-step hidden states equal a single causal pass."""
    net = _micro().backbone.eval()
    torch.manual_seed(0)
    layers = net.cfg.window_layers
    prefix = [(torch.randn(3, 2, 1, 16), torch.randn(3, 2, 1, 16)) for _ in layers]
    ids = torch.randint(5, 60, (3, 6))
    with torch.no_grad():
        full, _ = net.decode(ids, 0, prefix, layers)
        past = prefix
        steps = []
        for s in range(6):
            h, new = net.decode(ids[:, s : s + 1], s, past, layers)
            past = extend_cache(past, new)
            steps.append(h)
    assert torch.allclose(torch.cat(steps, 1), full, atol=1e-5)


def test_conv_stem_makes_patch_tokens_on_the_patch_grid() -> None:
    """UFO-Tiny's stem: two stride-2 stages and a stride-2 projection still give one token per 8 px."""
    cfg = dataclasses.replace(micro_config(50), stem_channels=(4, 8))
    model = UFOViT(cfg)
    init_weights(model, 0)
    net = model.backbone
    assert [n for n, _ in net.patch_embed.named_parameters()][0] == "stem.0.0.weight"
    pixels = torch.randn(2, 3, 64, 64)
    geo = net.geometry(64)
    text = net.encode_text(torch.tensor([[1, 2, 3]]))
    text = [(k.expand(2, -1, -1, -1), v.expand(2, -1, -1, -1)) for k, v in text]
    with torch.no_grad():
        tokens = net.patch_embed(pixels)
        feat = net.encode_image(pixels, text, geo)[0]
        given = net.encode_image(torch.empty(0), text, geo, patches=tokens)[0]
    assert tokens.shape == (2, 8, 8, cfg.embed_dim)
    assert torch.equal(feat, given)


def test_stem_bypass_adds_the_official_projection_of_the_raw_pixels() -> None:
    """With the stem's output zeroed, the patch tokens are the plain patch projection's alone."""
    cfg = dataclasses.replace(micro_config(50), stem_channels=(4, 8), stem_bypass=True)
    embed = UFOViT(cfg).backbone.patch_embed
    pixels = torch.randn(2, 3, 64, 64)
    official = torch.nn.Conv2d(3, cfg.embed_dim, cfg.patch_size, stride=cfg.patch_size)
    assert embed.bypass is not None
    with torch.no_grad():
        official.load_state_dict(embed.bypass.state_dict())
        embed.projection.weight.zero_()
        embed.projection.bias.zero_()
        tokens = embed(pixels)
        expected = official(pixels).permute(0, 2, 3, 1)
    assert tokens.shape == (2, 8, 8, cfg.embed_dim)
    assert torch.allclose(tokens, expected, atol=1e-6)


def test_stem_bypass_without_a_stem_is_refused() -> None:
    with pytest.raises(ValueError, match="stem_bypass needs a stem"):
        dataclasses.replace(micro_config(50), stem_bypass=True)


def test_a_stem_deeper_than_the_patch_allows_is_refused() -> None:
    with pytest.raises(ValueError, match="patch_size 8 is not a multiple of 2 \\*\\* 4"):
        dataclasses.replace(micro_config(50), stem_channels=(4, 8, 16, 32))
