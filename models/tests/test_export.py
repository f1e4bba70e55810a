"""The exporter: package layout, atomic writes, clear refusals, and graphs the WebGPU EP can run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from models import onnx_tools
from models.export import main

# Ops of the graphs that onnxruntime-web's WebGPU EP runs (checked in its operator list). Anything
# else would silently fall back to the CPU.
WEBGPU_OPS = {
    "Add",
    "ArgMax",
    "Cast",
    "Concat",
    "Constant",
    "ConstantOfShape",
    "Conv",
    "Div",
    "Equal",
    "Erf",
    "Exp",
    "Expand",
    "Gather",
    "Identity",
    "LayerNormalization",
    "Log",
    "LogSoftmax",
    "MatMul",
    "MatMulNBits",
    "Mul",
    "Pow",
    "Range",
    "ReduceLogSumExp",
    "ReduceMax",
    "ReduceMean",
    "ReduceSum",
    "Reshape",
    "Shape",
    "Slice",
    "Softmax",
    "Split",
    "Sqrt",
    "Squeeze",
    "Sub",
    "Tile",
    "TopK",
    "Transpose",
    "Unsqueeze",
    "Where",
}


@pytest.fixture(scope="module")
def micro_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pkg") / "micro"
    assert (
        main(
            [
                "--preset",
                "micro",
                "--random-seed",
                "0",
                "--out",
                str(out),
                "--dtype",
                "fp32",
                "--dtype",
                "q4",
                "--dtype",
                "fp16",
            ]
        )
        == 0
    )
    return out


def test_package_has_config_tokenizer_and_graphs_per_dtype(micro_package: Path) -> None:
    config = json.loads((micro_package / "config.json").read_text())
    assert config["format"] == "ufo-web-package"
    assert set(config["tasks"]) == {
        "detection",
        "instance_segmentation",
        "semantic_segmentation",
        "caption",
        "grounding",
        "referring_segmentation",
    }
    det = config["tasks"]["detection"]
    assert det["grid"] == {"per_window": 2, "side": 4, "points": 16}
    assert (
        det["num_bins"] == 128 and det["encoder"] == "encoder_grid_64_2" and det["decoder"] == "decoder_grid"
    )
    assert config["tokens"]["mask"] == config["model"]["vocab_size"] - 1
    for dt in ("fp32", "q4", "fp16"):
        for graph, path in config["dtypes"][dt]["graphs"].items():
            assert (micro_package / path).is_file(), path
            assert graph in config["graphs"]
    for path, meta in config["files"].items():
        assert (micro_package / path).stat().st_size == meta["bytes"]
    tok = json.loads((micro_package / "tokenizer.json").read_text())
    added = {t["content"]: t["id"] for t in tok["added_tokens"]}
    assert added["<MASK>"] == config["tokens"]["mask"]


def test_every_graph_uses_only_webgpu_ops_and_q4_is_weight_only(micro_package: Path) -> None:
    for path in (micro_package / "onnx").glob("*.onnx"):
        model = onnx.load(str(path), load_external_data=False)
        ops = {n.op_type for n in model.graph.node}
        assert ops <= WEBGPU_OPS, f"{path.name}: {ops - WEBGPU_OPS}"
        assert "MatMulInteger" not in ops and "DynamicQuantizeLinear" not in ops
        if path.stem.endswith("_q4"):
            assert "MatMulNBits" in ops, path.name


def test_graphs_share_one_weights_file_per_dtype(micro_package: Path) -> None:
    text = onnx.load(str(micro_package / "onnx/text_encoder.onnx"), load_external_data=False)
    dec = onnx.load(str(micro_package / "onnx/decoder_full.onnx"), load_external_data=False)

    def offsets(m: onnx.ModelProto) -> set[str]:
        return {
            dict((e.key, e.value) for e in i.external_data)["offset"]
            for i in m.graph.initializer
            if i.external_data
        }

    assert offsets(text) & offsets(dec), "identical layer weights should be stored once"


def test_the_tied_output_head_reads_the_word_embedding_in_every_dtype(micro_package: Path) -> None:
    for path in (micro_package / "onnx").glob("decoder_*.onnx"):
        graph = onnx.load(str(path), load_external_data=False).graph
        produced = {o: n for n in graph.node for o in n.output}
        head = [n for n in graph.node if n.op_type == "MatMul" and n.input[0] == "hidden"]
        assert len(head) == 1, path.name
        tied = produced[head[0].input[1]]
        assert tied.op_type == "Transpose", path.name
        # The transposed matrix is the one the input ids are embedded with (through its fp16
        # Cast in fp16 and q4), so the package stores it once and q4 leaves it unquantized.
        source = produced.get(tied.input[0])
        embedding = source.input[0] if source is not None and source.op_type == "Cast" else tied.input[0]
        gathers = [n for n in graph.node if n.op_type == "Gather" and n.input[0] == tied.input[0]]
        assert gathers and embedding in {i.name for i in graph.initializer}, path.name


def _blocks(w: np.ndarray, block: int) -> np.ndarray:
    return w.T.reshape(w.shape[1], -1, block)


def test_q4_round_trip_stays_within_half_a_step_inside_each_blocks_range() -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal((64, 24)).astype(np.float32)
    packed, scales, zps = onnx_tools.quantize_q4(w, 32)
    assert packed.shape == (24, 2, 16) and scales.shape == (48,) and zps.shape == (24,)
    back = _blocks(onnx_tools.dequantize_q4(packed, scales, zps, 64), 32)
    step = scales.reshape(24, 2)[..., None]
    zp = np.stack([zps & 0x0F, zps >> 4], -1).astype(np.float32)[..., None]
    lo, hi = -zp * step, (15 - zp) * step  # each block's representable range
    clipped = np.clip(_blocks(w, 32), lo, hi)
    assert np.all(np.abs(back - clipped) <= step / 2 + 1e-6)


def test_q4_range_search_never_loses_to_min_max_and_wins_on_outliers() -> None:
    rng = np.random.default_rng(1)
    w = rng.standard_t(3, (256, 48)).astype(np.float32)  # heavy tails, as trained weights have
    got = _blocks(onnx_tools.dequantize_q4(*onnx_tools.quantize_q4(w, 32), k=256), 32)
    wt = _blocks(w, 32)
    lo, hi = np.minimum(wt.min(-1), 0), np.maximum(wt.max(-1), 0)
    scale = ((hi - lo) / 15)[..., None]
    zp = np.round(-lo[..., None] / scale)
    plain = (np.clip(np.round(wt / scale) + zp, 0, 15) - zp) * scale
    err, plain_err = ((got - wt) ** 2).sum(-1), ((plain - wt) ** 2).sum(-1)
    assert np.all(err <= plain_err * (1 + 1e-5))
    assert err.sum() < 0.98 * plain_err.sum()  # measured: 3.5% less


def test_existing_output_is_refused_without_force(
    micro_package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--preset", "micro", "--random-seed", "0", "--out", str(micro_package)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args,message",
    [
        (["--preset", "ufo-vit-xl", "--random-seed", "0"], "unknown preset 'ufo-vit-xl'"),
        (["--preset", "ufo-vit-b", "--random-seed", "0"], "needs --vocab"),
        (["--preset", "micro", "--random-seed", "0", "--tasks", "panoptic"], "unknown task(s) panoptic"),
    ],
)
def test_bad_arguments_get_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main([*args, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not list(tmp_path.iterdir()), "nothing half-written is left behind"


def test_a_vocab_without_the_needed_tokens_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n")
    assert (
        main(
            [
                "--preset",
                "micro",
                "--random-seed",
                "0",
                "--vocab",
                str(tmp_path / "vocab.txt"),
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )
    assert "vocab lacks the special token(s) [MASK]" in capsys.readouterr().err
    (tmp_path / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n")
    assert (
        main(
            [
                "--preset",
                "micro",
                "--random-seed",
                "0",
                "--vocab",
                str(tmp_path / "vocab.txt"),
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )
    assert "vocab lacks the token ','" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_checkpoint_that_is_not_one_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "cat.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    assert (
        main(["--preset", "micro", "--checkpoint", str(tmp_path / "cat.png"), "--out", str(tmp_path / "o")])
        == 2
    )
    assert "is not a PyTorch checkpoint" in capsys.readouterr().err
