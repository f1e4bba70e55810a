"""models.train_tiny on the micro preset: reproducible from a seed, resumes after a crash, logs losses
and held-out progress that agrees with the oracle's own decoding."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from models import train_tiny as tt
from models.config import TaskConfig
from models.export import PRESETS
from models.tokenizer import Tokenizer
from models.ufo_vit import UFOViT
from models import targets as tg
from models.oracle import Oracle
from models.scenes import Expression, generate_scene
from models import validation
from models.validation import HeldOutProbe, box_iou

SCHED = tt.Schedule(steps=4, batch=2, lr=1e-3, warmup=1, grid_negatives=2, semantic_points=2)


def run(out: Path, resume: bool = False) -> dict[str, torch.Tensor]:
    model, _ = tt.train(
        out, SCHED, seed=3, resume=resume, workers=0, log_every=1, preset="micro", val_every=2, save_every=2
    )
    return model.state_dict()


def test_same_seed_same_weights_and_resume_after_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = run(tmp_path / "whole")
    assert all(torch.equal(v, w) for v, w in zip(whole.values(), run(tmp_path / "again").values()))

    losses = tt.Trainer.losses
    calls = 0

    def crash_on_step_three(self: tt.Trainer, batch: list[dict[str, object]]) -> dict[str, torch.Tensor]:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt  # as a user stopping the run; last.pt holds step 2
        return losses(self, batch)

    monkeypatch.setattr(tt.Trainer, "losses", crash_on_step_three)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "crashed")
    monkeypatch.setattr(tt.Trainer, "losses", losses)
    assert torch.load(tmp_path / "crashed" / "last.pt")["step"] == 2
    resumed = run(tmp_path / "crashed", resume=True)
    assert all(torch.equal(v, w) for v, w in zip(whole.values(), resumed.values()))


def test_log_has_every_loss_and_the_held_out_probe(tmp_path: Path) -> None:
    run(tmp_path)
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2, 3, 4]
    tasks = (
        "detection",
        "instance_segmentation",
        "semantic_segmentation",
        "grounding",
        "referring_segmentation",
        "caption",
    )
    for r in records:
        assert all(r[f"{t}/ce"] > 0 for t in tasks)
    probed = [r for r in records if "val/class_acc" in r]
    assert [r["step"] for r in probed] == [2, 4]
    for r in probed:
        assert all(
            0 <= r[f"val/{k}"] <= 1 for k in ("class_acc", "mask_iou", "box_l1", "rec_acc", "referent")
        )


def test_budget_keeps_the_step_count_while_it_fits_and_follows_the_speed_when_it_does_not() -> None:
    sched = tt.Schedule(
        steps=100, batch=2, lr=1e-3, warmup=1, grid_negatives=2, semantic_points=2, budget_min=10
    )
    assert tt.fit_to_budget(sched, 40, elapsed_s=40, s_per_step=1.0, requested=100) == sched
    cut = tt.fit_to_budget(sched, 40, elapsed_s=400, s_per_step=10.0, requested=100)
    assert cut.steps == 60  # 200 s left
    assert tt.fit_to_budget(sched, 40, elapsed_s=700, s_per_step=1.0, requested=100).steps == 40  # over
    # The machine speeds up again: the count rises back, but never past what was asked for.
    assert tt.fit_to_budget(cut, 50, elapsed_s=450, s_per_step=1.0, requested=100).steps == 100
    assert tt.fit_to_budget(cut, 50, elapsed_s=450, s_per_step=4.0, requested=100).steps == 87
    unlimited = tt.Schedule(**{**asdict(sched), "budget_min": None})
    assert tt.fit_to_budget(unlimited, 40, elapsed_s=1e6, s_per_step=10.0, requested=100) == unlimited


def test_a_run_over_its_budget_stops_early_logs_the_cut_and_saves_the_schedule_it_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tt, "TIMING_STEPS", 2)
    argv = ["--out", str(tmp_path), "--preset", "micro", "--schedule", "cpu", "--steps", "4"]
    argv += ["--min-objects", "5"]  # an override the saved schedule must keep
    # One rank: the patched TIMING_STEPS does not reach ranks in processes of their own.
    tt.main([*argv, "--ranks", "1", "--workers", "0", "--val-every", "0", "--time-budget", "1e-6"])
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert records[0]["step"] == 2 and records[0]["schedule_steps"] == 2
    assert [r["step"] for r in records[1:]] == [2]  # the loss record of the last step
    schedule = torch.load(tmp_path / "ufo-tiny.pth")["schedule"]
    assert (schedule["steps"], schedule["min_objects"]) == (2, 5)


def test_box_iou_in_centre_size_form() -> None:
    boxes = torch.tensor([[10, 10, 20, 20], [30, 10, 20, 20], [15, 10, 20, 20], [10, 10, 0, 0]])
    iou = box_iou(torch.tensor([10, 10, 20, 20]), boxes)
    # identical; disjoint; shifted by a quarter (overlap 15x20 of union 25x20); empty
    assert iou.tolist() == pytest.approx([1.0, 0.0, 300 / 500, 0.0])


def test_probe_greedy_grounding_matches_the_oracles_decoding() -> None:
    """The probe decodes a batch of expressions at once; the oracle one at a time, as the app."""
    model, tok, tasks = tt.build(7, "micro")
    model.eval()
    trainer = tt.Trainer(model, tok, tasks, torch.device("cpu"))
    side = tasks["detection"].grid_side(model.cfg)
    samples = [tt.make_sample(555, i, tok, tasks, side, model.cfg.patch_size, SCHED) for i in range(5)]
    batched = HeldOutProbe(trainer, samples).greedy_ids("grounding", samples, 7)
    oracle = Oracle(model, tok, tasks)
    for i, s in enumerate(samples):
        scene = generate_scene(555, i)
        ids = oracle.refer("grounding", scene.image, str(s["expression"]))["ids"]
        assert batched[i, : len(ids)].tolist() == ids[:7]


def test_validation_cli_measures_the_saved_weights(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, tok, tasks = tt.build(5, "micro")
    with torch.no_grad():  # weights a fresh build with the same seed would not have
        model.backbone.embed.word_embeddings.weight.mul_(-3)
    path = tmp_path / "ufo-tiny.pth"
    torch.save({"state_dict": model.state_dict(), "schedule": asdict(SCHED), "seed": 5}, path)
    validation.main(["--checkpoint", str(path), "--preset", "micro"])
    printed = json.loads(capsys.readouterr().out)
    trainer = tt.Trainer(model, tok, tasks, torch.device("cpu"))
    side = tasks["detection"].grid_side(model.cfg)
    samples = [
        tt.make_sample(validation.VAL_SEED, i, tok, tasks, side, model.cfg.patch_size, SCHED)
        for i in range(validation.VAL_SCENES)
    ]
    expected = HeldOutProbe(trainer, samples).measure()
    assert printed == {k: round(v, 4) for k, v in expected.items()}
    fresh = HeldOutProbe(tt.Trainer(tt.build(5, "micro")[0], tok, tasks, torch.device("cpu")), samples)
    assert printed != {k: round(v, 4) for k, v in fresh.measure().items()}


def test_probe_class_accuracy_matches_the_oracles_greedy_decoding() -> None:
    """The probe reads the class token teacher-forced; the oracle decodes it. They must agree."""
    model, tok, tasks = tt.build(5, "micro")
    model.eval()
    trainer = tt.Trainer(model, tok, tasks, torch.device("cpu"))
    side = tasks["detection"].grid_side(model.cfg)
    seed, count = 555, 6
    samples = [tt.make_sample(seed, i, tok, tasks, side, model.cfg.patch_size, SCHED) for i in range(count)]
    probe = HeldOutProbe(trainer, samples)
    # An untrained model never answers a class first, which would make any agreement trivial. Point
    # the (tied) "circle" embedding along the mean first hidden state, so the model answers "circle"
    # at most points: right at circles' grid points, wrong elsewhere.
    with torch.no_grad():
        hidden = trainer.grid_forward("detection", samples)[0][:, 0]
        direction = hidden.mean(0) - hidden.mean()
        model.backbone.embed.word_embeddings.weight[tok.id("circle")] = 50 * direction / direction.norm()
    oracle = Oracle(model, tok, tasks)
    hits = owners = 0
    for i in range(count):
        scene = generate_scene(seed, i)
        enc = oracle.encode(
            "detection", oracle.pixels("detection", scene.image), oracle.prompt_ids("detection")
        )
        decoded = oracle.decode_grid("detection", enc, prune=False)
        for g, o in tg.assign_objects(scene.objects, scene.width, scene.height, side).items():
            owners += 1
            hits += decoded.ids[g][0] == tok.encode(scene.objects[o].class_name)[0]
    assert 0 < hits < owners
    assert probe.measure()["val/class_acc"] == pytest.approx(hits / owners)


def counted_stem(
    images: int,
) -> tuple[UFOViT, Tokenizer, dict[str, TaskConfig], list[dict[str, object]], list[int]]:
    """A micro model with a conv stem, a batch of `images` scenes, and a one-item list that counts
    the stem's forward passes."""
    model, tok, tasks = tt.build(5, "micro", stem=(8,))
    side = tasks["detection"].grid_side(model.cfg)
    batch = [tt.make_sample(1, i, tok, tasks, side, model.cfg.patch_size, SCHED) for i in range(images)]
    calls = [0]
    model.backbone.patch_embed.register_forward_hook(lambda *_: calls.__setitem__(0, calls[0] + 1))
    return model, tok, tasks, batch, calls


def test_one_stem_pass_per_batch_gives_the_same_losses_as_one_per_task() -> None:
    """losses() embeds the pixels once for all six prompts; each task alone embeds them itself."""
    model, tok, tasks, batch, calls = counted_stem(2)
    trainer = tt.Trainer(model, tok, tasks, torch.device("cpu"))
    with torch.no_grad():
        shared = trainer.losses(batch)
        assert calls == [2]  # grid pixels (64 px) and referring pixels (32 px) of the micro preset
        alone = trainer.losses(batch, share_stem=False)
    assert calls == [2 + 6]
    assert shared.keys() == alone.keys()
    assert all(torch.allclose(shared[k], alone[k]) for k in shared)


def test_caption_trains_on_the_first_images_and_reuses_their_stem_rows() -> None:
    model, tok, tasks, batch, calls = counted_stem(3)
    every = tt.Trainer(model, tok, tasks, torch.device("cpu"))
    some = tt.Trainer(model, tok, tasks, torch.device("cpu"), caption_images=2)
    with torch.no_grad():
        full, part = every.losses(batch), some.losses(batch)
        assert calls == [2 + 2]  # the caption's two images come from the batch's stem pass
        first_two = every.refer_loss("caption", batch[:2])
    for k in full:
        expected = first_two[k] if k.startswith("caption/") else full[k]
        assert torch.allclose(part[k], expected), k
    assert not torch.allclose(full["caption/ce"], part["caption/ce"])


def test_refer_weight_scales_only_the_referring_answers_cross_entropy() -> None:
    model, tok, tasks, batch, _ = counted_stem(2)
    plain = tt.Trainer(model, tok, tasks, torch.device("cpu"))
    weighted = tt.Trainer(model, tok, tasks, torch.device("cpu"), refer_weight=2.0)
    with torch.no_grad():
        one, two = plain.losses(batch), weighted.losses(batch)
    referring = {"grounding/ce", "referring_segmentation/ce"}
    for k in one:
        assert torch.allclose(two[k], one[k] * (2.0 if k in referring else 1.0)), k
    assert all(one[k] > 0 for k in referring)


def test_coord_weight_scales_only_the_box_coordinates_cross_entropy() -> None:
    """Each number token's cross-entropy is weighed, so a loss is linear in the weight; only the
    answers with a box (detection and both referring tasks; not the caption) move."""
    model, tok, tasks, batch, _ = counted_stem(2)
    with torch.no_grad():
        by_weight = [
            tt.Trainer(model, tok, tasks, torch.device("cpu"), caption_images=2, coord_weight=w).losses(batch)
            for w in (1.0, 2.0, 3.0)
        ]
    one, two, three = by_weight
    boxes = {"detection/ce", "grounding/ce", "referring_segmentation/ce"}
    for k in one:
        if k in boxes:
            assert two[k] > one[k] + 1e-3, k
            assert torch.allclose(three[k] - one[k], 2 * (two[k] - one[k]), rtol=1e-4), k
        else:
            assert torch.allclose(two[k], one[k]), k


def test_stacked_tasks_give_each_tasks_losses_and_gradients_in_one_pass_per_image_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """stack_tasks runs each stream once per image size (the micro preset has two: grid tasks at 64
    px, referring at 32) on every task's rows, prompts and answers of different lengths padded and
    masked, and decodes the grid answers of all three grid tasks once per answer length."""
    model, tok, tasks, batch, _ = counted_stem(3)
    calls: dict[str, list[int]] = {"encode_text": [], "encode_image": [], "encode_grid": [], "decode": []}
    for name, rows in calls.items():
        original = getattr(model.backbone, name)

        def counted(
            x: object, *args: object, rows: list[int] = rows, f: object = original, **kw: object
        ) -> object:
            rows.append(x[0].shape[0] if isinstance(x, list) else x.shape[0])  # type: ignore[attr-defined]
            return f(x, *args, **kw)  # type: ignore[operator]

        monkeypatch.setattr(model.backbone, name, counted)
    grads = {}
    for stack in (False, True):
        trainer = tt.Trainer(model, tok, tasks, torch.device("cpu"), caption_images=2, stack_tasks=stack)
        model.zero_grad()
        losses = trainer.losses(batch)
        sum(losses.values()).backward()  # type: ignore[union-attr]
        grads[stack] = (
            losses,
            {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None},
        )
    # Alone: det, inst, sem, grounding, RES, caption (on its first 2 images). Stacked, grid tasks
    # first: the three grid tasks' fixed prompts once each; caption's fixed prompt once and the two
    # referring tasks' expressions once per image.
    grid = ("detection", "instance_segmentation", "semantic_segmentation")
    lengths = {t: {len(q) for s in batch for q in s[t][1]} for t in grid}  # type: ignore[index]
    assert calls["encode_text"] == [1, 1, 1, 3, 3, 1] + [3, 1 + 3 + 3]
    assert calls["encode_image"] == [3, 3, 3, 3, 3, 2] + [3 * 3, 2 + 3 + 3]
    assert calls["encode_grid"] == [3, 3, 3] + [3 * 3]
    alone_decodes = sum(len(lengths[t]) for t in grid) + 3
    assert len(calls["decode"]) == alone_decodes + len(set.union(*lengths.values())) + 1
    assert calls["decode"][-1] == 2 + 3 + 3  # caption, grounding and RES answers in one decode
    (alone, g_alone), (stacked, g_stacked) = grads[False], grads[True]
    assert alone.keys() == stacked.keys() and g_alone.keys() == g_stacked.keys()
    prompts = {len(s["prompt_ids"]["grounding"]) for s in batch}  # type: ignore[index]
    assert len(prompts) > 1  # the referring prompts themselves need padding
    for k in alone:
        assert torch.allclose(alone[k], stacked[k], rtol=1e-4, atol=1e-5), k
    for n in g_alone:
        assert torch.allclose(g_alone[n], g_stacked[n], rtol=1e-3, atol=1e-5), n


def test_mask_targets_pool_each_distinct_mask_once_and_equal_one_at_a_time() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.random((37, 53)) > 0.5, rng.random((37, 53)) > 0.3
    pooled: list[int] = []
    original = tg.F.interpolate

    def counted(x: torch.Tensor, **kw: object) -> torch.Tensor:
        pooled.append(x.shape[0])
        return original(x, **kw)  # type: ignore[arg-type]

    # Each mask pooled on its own, straight from torch: mask_target itself now calls mask_targets.
    one = [original(torch.from_numpy(m).float()[None, None], size=(8, 8), mode="area")[0, 0] for m in (a, b)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tg.F, "interpolate", counted)
        many = tg.mask_targets([a, b, a, a], 8)
    assert pooled == [2]
    assert torch.equal(many, torch.stack([one[0], one[1], one[0], one[0]]))
    assert tg.mask_targets([], 8).shape == (0, 8, 8)


def test_tokenizer_remembers_texts_without_sharing_its_lists() -> None:
    _, tok, _ = tt.build(0, "micro")
    first = tok.encode("red circle")
    first.append(-1)  # a caller's list is its own
    assert tok.encode("red circle") == first[:-1] == Tokenizer(tok.vocab).encode("red circle")


def test_grid_answers_decoded_by_length_equal_one_padded_batch() -> None:
    model, tok, tasks = tt.build(5, "micro")
    trainer = tt.Trainer(model, tok, tasks, torch.device("cpu"))
    side = tasks["detection"].grid_side(model.cfg)
    batch = [tt.make_sample(1, i, tok, tasks, side, model.cfg.patch_size, SCHED) for i in range(3)]
    with torch.no_grad():
        for task in ("detection", "instance_segmentation"):
            hidden, labels, *_ = trainer.grid_forward(task, batch)
            assert len({len(s) for b in batch for s in b[task][1]}) > 1  # short and long answers
            geo = model.backbone.geometry(tasks[task].image_size, tasks[task].grid_per_window)
            text_kv, pad = trainer.text(task, batch)
            _, image_kv, inputs = trainer.encode_image(
                batch, "grid_pixels", text_kv, geo, pad, keep_inputs=True
            )
            prefix = model.backbone.encode_grid(inputs, image_kv, geo)
            g = geo.grid_side**2
            rows = torch.tensor([b * g + p for b, s in enumerate(batch) for p in s[task][0]])
            ids, _ = tt.pad_sequences([q for s in batch for q in s[task][1]], trainer.cls, trainer.pad)
            padded, _ = model.backbone.decode(
                ids, 0, [(k[rows], v[rows]) for k, v in prefix], model.cfg.window_layers
            )
            real = labels >= 0
            assert torch.allclose(hidden[real], padded[real], atol=1e-5)
            assert hidden[~real].abs().sum() == 0


def test_expression_kind_names_what_singles_the_object_out() -> None:
    red_circle = Expression("circle", color="red")
    assert validation.expression_kind(red_circle, 1) == "one object"
    assert validation.expression_kind(red_circle, 3) == "colour/shape only"
    assert validation.expression_kind(Expression("star", size="large"), 2) == "size word"
    assert (
        validation.expression_kind(Expression(None, size="small", position="leftmost"), 2) == "position word"
    )


def test_split_by_expression_counts_each_greedy_box_under_its_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    model, tok, tasks = tt.build(7, "micro")
    trainer = tt.Trainer(model, tok, tasks, torch.device("cpu"))
    side = tasks["detection"].grid_side(model.cfg)
    samples = [tt.make_sample(555, i, tok, tasks, side, model.cfg.patch_size, SCHED) for i in range(40)]
    probe = HeldOutProbe(trainer, samples)
    index = {id(s): i for i, s in enumerate(samples)}

    def answer(s: dict[str, object], i: int) -> torch.Tensor:
        # Even scenes: the referred object's box; odd ones: the next object's (itself when alone).
        objects, meant = s["refer_boxes"]  # type: ignore[misc]
        return objects[meant if i % 2 == 0 else (meant + 1) % len(objects)]

    monkeypatch.setattr(
        probe, "greedy_boxes", lambda batch: torch.stack([answer(s, index[id(s)]) for s in batch])
    )
    expected: dict[str, list[int]] = {}
    for i, s in enumerate(samples):  # the kind read from the words, not from the structured form
        words, n = str(s["expression"]).split(), len(s["refer_boxes"][0])  # type: ignore[index]
        kind = (
            "one object"
            if n == 1
            else "position word"
            if {"leftmost", "rightmost", "top", "bottom", "left", "right"} & set(words)
            else "size word"
            if {"small", "large"} & set(words)
            else "colour/shape only"
        )
        expected.setdefault(kind, []).append(int(i % 2 == 0 or n == 1))
    split = probe.by_expression()
    assert len(expected) >= 3
    for kind, hits in expected.items():
        assert split[kind] == {
            "n": len(hits),
            "rec_acc": sum(hits) / len(hits),
            "referent": sum(hits) / len(hits),
        }
    assert sum(row["n"] for row in split.values()) == len(samples)


def assert_same_tree(got: object, expected: object) -> None:
    if isinstance(expected, torch.Tensor):
        assert isinstance(got, torch.Tensor) and got.dtype == expected.dtype and torch.equal(got, expected)
    elif isinstance(expected, dict):
        assert isinstance(got, dict) and got.keys() == expected.keys()
        for k in expected:
            assert_same_tree(got[k], expected[k])
    elif isinstance(expected, (list, tuple)):
        assert type(got) is type(expected) and len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same_tree(g, e)
    else:
        assert got == expected


def test_samples_cross_the_loader_workers_whole_with_shared_pixels_still_shared() -> None:
    """Worker samples travel as numpy arrays; back as tensors they equal make_sample's, and UFO-Tiny's
    one image shared by the grid and referring keys is still one object (the stem cache needs it)."""
    model, tok, tasks = tt.build(0, "ufo-tiny")
    side, patch = tasks["detection"].grid_side(model.cfg), model.cfg.patch_size
    stream = tt.SceneStream(1, 0, tok, tasks, side, patch, SCHED)
    loader = DataLoader(stream, batch_size=2, collate_fn=tt.collate, num_workers=2)
    arrays = next(iter(loader))
    assert isinstance(arrays[0]["grid_pixels"], np.ndarray)
    batch = tt.convert_leaves(arrays, np.ndarray, torch.from_numpy)
    # Each worker batches its own share of the stream: worker 0 makes scenes 0 and 2.
    expected = [tt.make_sample(1, i, tok, tasks, side, patch, SCHED) for i in (0, 2)]
    assert all(e["grid_pixels"] is e["refer_pixels"] for e in expected)
    assert_same_tree(batch, expected)
    assert all(s["grid_pixels"] is s["refer_pixels"] for s in batch)  # type: ignore[index]


def test_padded_sequences_are_cls_then_the_answer_shifted_and_labels_end_in_ignore() -> None:
    seqs = [[7, 8, 9], [5], [4, 3, 2, 1, 0]]
    inputs, labels = tt.pad_sequences(seqs, cls=100, pad=101)
    assert inputs.dtype == labels.dtype == torch.long
    for i, s in enumerate(seqs):  # the definition, row by row
        assert inputs[i].tolist() == [100] + s[:-1] + [101] * (5 - len(s))
        assert labels[i].tolist() == s + [-100] * (5 - len(s))


def test_referring_segmentation_can_ask_for_another_object_and_leave_the_rest_of_the_sample() -> None:
    model, tok, tasks = tt.build(7, "micro")
    side, patch = tasks["detection"].grid_side(model.cfg), model.cfg.patch_size
    res = tasks["referring_segmentation"]
    own = replace(SCHED, res_own_expression=True)
    elsewhere = 0
    for i in range(30):
        scene = generate_scene(1, i)
        same, other = (tt.make_sample(1, i, tok, tasks, side, patch, s) for s in (SCHED, own))
        changed = ("prompt_ids", "res", "res_mask")
        assert_same_tree(
            {k: v for k, v in other.items() if k not in changed},
            {k: same[k] for k in other if k not in changed},
        )
        assert other["prompt_ids"]["grounding"] == same["prompt_ids"]["grounding"]  # type: ignore[index]
        prompt = other["prompt_ids"]["referring_segmentation"]  # type: ignore[index]
        asked = {
            r.object_index
            for r in scene.expressions
            if tok.prompt_ids(res.prompt.format(expression=r.text)) == prompt
        }
        assert len(asked) == 1
        (index,) = asked
        _, meant = same["refer_boxes"]  # type: ignore[misc]
        assert (index != meant) == (len(scene.objects) > 1)
        elsewhere += index != meant
        obj = scene.objects[index]
        assert other["res"] == tg.refer_target(obj, scene.width, scene.height, res, tok)
        mask = tg.mask_target(obj.mask, 4 * res.image_size // patch)
        assert np.array_equal(other["res_mask"], mask)  # type: ignore[arg-type]
    assert elsewhere >= 20
    # The probe measures both referring tasks on grounding's expression, whatever the schedule.
    assert_same_tree(
        tt.probe_samples(tok, tasks, side, patch, own, 4), tt.probe_samples(tok, tasks, side, patch, SCHED, 4)
    )


def test_weighted_bce_is_the_mean_bce_at_weight_one_and_moves_each_cells_optimum() -> None:
    target = torch.rand(3, 4, 4, generator=torch.Generator().manual_seed(0))
    logits = torch.randn(3, 4, 4, generator=torch.Generator().manual_seed(1))
    plain = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
    assert torch.allclose(tt.weighted_bce(logits, target, torch.ones(3)), plain)
    weight = torch.tensor([1.0, 5.0, 33.0])
    w = weight[:, None, None]
    optimum = (target / (target + w * (1 - target))).logit().requires_grad_()
    tt.weighted_bce(optimum, target, weight).backward()
    # Half a logit away from it, every cell's gradient is at least a thousand times larger.
    moved = (optimum.detach() + 0.5).requires_grad_()
    tt.weighted_bce(moved, target, weight).backward()
    assert optimum.grad is not None and moved.grad is not None
    assert optimum.grad.abs().max() < 1e-3 * moved.grad.abs().min()


def test_semantic_background_masks_weigh_their_outside_by_their_images_background_points() -> None:
    model, tok, tasks = tt.build(5, "micro")
    side = tasks["detection"].grid_side(model.cfg)
    every_point = replace(SCHED, semantic_points=side * side)
    batch = [tt.make_sample(1, i, tok, tasks, side, model.cfg.patch_size, every_point) for i in range(3)]
    for i, s in enumerate(batch):
        under = tg.patch_centre_labels(generate_scene(1, i).semantic, side)
        assert s["background_points"] == int((under == 0).sum())
    trainer = tt.Trainer(model, tok, tasks, torch.device("cpu"))
    _, labels, _, images, _ = trainer.grid_forward("semantic_segmentation", batch)
    weights = trainer.semantic_weights(labels, images, batch)
    answers = labels[(labels == tok.id("<MASK>")).any(1)]
    names = [tok.decode([int(a[0])]) for a in answers]
    assert len(weights) == len(images) == len(names) and "background" in names and len(set(names)) > 1
    for name, image, weight in zip(names, images, weights.tolist()):
        assert weight == (batch[image]["background_points"] if name == "background" else 1.0)


def test_ufo_tiny_trains_on_its_training_grid_and_its_packages_decode_a_point_per_patch() -> None:
    _, _, trained = tt.build(0, "ufo-tiny")
    decoded = PRESETS["ufo-tiny"].tasks()
    for name, task in decoded.items():
        if task.kind.startswith("grid-"):
            assert (trained[name].grid_per_window, task.grid_per_window) == (6, 10)
            assert replace(trained[name], grid_per_window=10) == task
        else:
            assert trained[name] == task
    _, _, micro = tt.build(0, "micro")
    assert micro == PRESETS["micro"].tasks()  # a preset without training tasks trains on its own
