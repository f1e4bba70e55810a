"""Tests of the COCO RLE codec and of the dataset writer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from models import rle
from models.dataset import is_jpeg, main, write_dataset
from models.scenes import CLASSES, SceneConfig, generate_scene

# ---------------------------------------------------------------------------------------------
# COCO RLE, hand-computed.
# Characters are 48 + a 5-bit group, + 32 when another group follows; bit 16 of a count's last
# group is its sign. From the fourth count on, the count two before is subtracted first.


def test_rle_two_by_two() -> None:
    # Column-major: column 0 is (0, 0), column 1 is (1, 1): runs of two zeros, two ones.
    # 2 -> group 2, nothing left -> chr(48 + 2) = "2".
    mask = np.array([[0, 1], [0, 1]], bool)
    assert rle.mask_to_counts(mask) == [2, 2]
    assert rle.encode(mask) == {"size": [2, 2], "counts": "22"}


def test_rle_starts_with_a_run_of_zeros() -> None:
    # A full 3 x 3 mask: zero zeros, then nine ones -> "0" + "9".
    assert rle.encode(np.ones((3, 3), bool)) == {"size": [3, 3], "counts": "09"}
    assert rle.encode(np.zeros((2, 3), bool)) == {"size": [2, 3], "counts": "6"}


def test_rle_multi_character_count() -> None:
    # 100 = 3 * 32 + 4: group 4 with "more" -> chr(48 + 4 + 32) = "T", then group 3 -> "3".
    assert rle.counts_to_string([100]) == "T3"
    # 30 = 0b11110: bit 16 is set, so a positive 30 needs a second, zero group to carry its sign:
    # chr(48 + 30 + 32) = "n", then "0".
    assert rle.counts_to_string([30]) == "n0"


def test_rle_differences_and_negative_values() -> None:
    # A 19 x 2 mask whose column-major runs are 1 zero, 30 ones, 2 zeros, 5 ones.
    flat = np.repeat([False, True, False, True], [1, 30, 2, 5])
    mask = flat.reshape(2, 19).T
    assert rle.mask_to_counts(mask) == [1, 30, 2, 5]
    # Counts 1, 30 and 2 are written as they are: "1", "n0", "2". The fourth is written as
    # 5 - 30 = -25 = -32 + 7: group 7 with "more" -> chr(48 + 7 + 32) = "W"; the remaining -1 is
    # the group 31 (sign bit set), and nothing follows -> chr(48 + 31) = "O".
    assert rle.encode(mask)["counts"] == "1n02WO"
    np.testing.assert_array_equal(rle.decode({"size": [19, 2], "counts": "1n02WO"}), mask)


def test_rle_differences_start_at_the_fourth_count() -> None:
    # pycocotools subtracts counts[i - 2] only for i > 2: the third count (index 2) is written
    # whole, the fourth (index 3) as 3 - 3 = 0.
    assert rle.counts_to_string([3, 3, 3, 3]) == "3330"
    assert rle.string_to_counts("3330") == [3, 3, 3, 3]


def test_rle_round_trip_on_random_masks() -> None:
    rng = np.random.default_rng(0)
    shapes = [(1, 1), (1, 17), (23, 1), (31, 64), (64, 31)]
    for height, width in shapes * 20:
        density = rng.choice([0.0, 0.02, 0.5, 0.98, 1.0])
        mask = rng.random((height, width)) < density
        encoded = rle.encode(mask)
        assert encoded["size"] == [height, width]
        assert set(encoded["counts"]) <= {chr(c) for c in range(48, 112)}
        decoded = rle.decode(encoded)
        assert decoded.shape == mask.shape
        np.testing.assert_array_equal(decoded, mask)


def test_rle_round_trip_on_large_counts() -> None:
    rng = np.random.default_rng(1)
    for _ in range(200):
        counts = rng.integers(0, 2_000_000, rng.integers(1, 12)).tolist()
        assert rle.string_to_counts(rle.counts_to_string(counts)) == counts


def test_rle_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="sum to 4"):
        rle.decode({"size": [3, 3], "counts": "22"})
    with pytest.raises(ValueError, match="invalid RLE character"):
        rle.string_to_counts("2 2")
    with pytest.raises(ValueError, match="ends inside a count"):
        rle.string_to_counts("T")


# ---------------------------------------------------------------------------------------------
# Dataset writer

COUNT = 8
CONFIG = SceneConfig(min_side=160, max_side=240)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("written") / "shapes"
    write_dataset(out, 5, COUNT, jpeg_fraction=0.5, split="val", config=CONFIG)
    return out


def load(path: Path) -> object:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def test_jpeg_share_is_exact() -> None:
    assert sum(is_jpeg(i, 0.3) for i in range(100)) == 30
    assert not any(is_jpeg(i, 0.0) for i in range(10))
    assert all(is_jpeg(i, 1.0) for i in range(10))


def test_layout_and_images(dataset: Path) -> None:
    instances = load(dataset / "instances.json")
    assert sorted(p.name for p in dataset.iterdir()) == [
        "captions.json",
        "images",
        "instances.json",
        "refs.json",
        "semantic",
    ]
    images = instances["images"]
    assert [im["id"] for im in images] == list(range(1, COUNT + 1))
    assert sum(im["file_name"].endswith(".jpg") for im in images) == COUNT // 2
    for index, entry in enumerate(images):
        scene = generate_scene(5, index, CONFIG)
        with Image.open(dataset / "images" / entry["file_name"]) as picture:
            assert picture.mode == "RGB"
            assert (picture.height, picture.width) == (entry["height"], entry["width"])
            if entry["file_name"].endswith(".png"):
                np.testing.assert_array_equal(np.asarray(picture), scene.image)
    assert len(list((dataset / "images").iterdir())) == COUNT


def test_instances_match_the_scenes(dataset: Path) -> None:
    instances = load(dataset / "instances.json")
    assert instances["categories"] == [
        {"id": i + 1, "name": name, "supercategory": "shape"} for i, name in enumerate(CLASSES)
    ]
    by_image: dict[int, list[dict]] = {}
    for ann in instances["annotations"]:
        by_image.setdefault(ann["image_id"], []).append(ann)
    assert [a["id"] for a in instances["annotations"]] == list(range(1, len(instances["annotations"]) + 1))
    for index, entry in enumerate(instances["images"]):
        scene = generate_scene(5, index, CONFIG)
        annotations = by_image[entry["id"]]
        assert len(annotations) == len(scene.objects)
        labels = np.zeros((entry["height"], entry["width"]), np.uint8)
        for ann, obj in zip(annotations, scene.objects):
            assert set(ann) == {
                "id",
                "image_id",
                "category_id",
                "bbox",
                "area",
                "iscrowd",
                "segmentation",
            }
            assert ann["category_id"] == obj.class_id + 1 and ann["iscrowd"] == 0
            mask = rle.decode(ann["segmentation"])
            np.testing.assert_array_equal(mask, obj.mask)
            assert ann["area"] == int(mask.sum())
            ys, xs = np.nonzero(mask)
            x, y = xs.min(), ys.min()
            assert ann["bbox"] == [x, y, xs.max() - x + 1, ys.max() - y + 1]
            labels[mask] = ann["category_id"]
        with Image.open(dataset / "semantic" / f"{index:06d}.png") as semantic:
            assert semantic.mode == "L"
            np.testing.assert_array_equal(np.asarray(semantic), labels)


def test_captions_and_refs(dataset: Path) -> None:
    instances = load(dataset / "instances.json")
    captions = load(dataset / "captions.json")
    refs = load(dataset / "refs.json")
    assert captions["images"] == instances["images"]
    assert [c["image_id"] for c in captions["annotations"]] == list(range(1, COUNT + 1))
    annotations = {a["id"]: a for a in instances["annotations"]}
    assert [r["ref_id"] for r in refs] == list(range(len(refs)))
    sent_ids = [s["sent_id"] for r in refs for s in r["sentences"]]
    assert sent_ids == list(range(len(sent_ids)))
    for ref in refs:
        ann = annotations[ref["ann_id"]]
        assert ref["image_id"] == ann["image_id"] and ref["category_id"] == ann["category_id"]
        assert ref["split"] == "val" and ref["sentences"]
        assert ref["sent_ids"] == [s["sent_id"] for s in ref["sentences"]]
        assert all(s["raw"] == s["sent"] == " ".join(s["tokens"]) for s in ref["sentences"])
    expected = []
    for index in range(COUNT):
        scene = generate_scene(5, index, CONFIG)
        assert captions["annotations"][index]["caption"] == scene.caption
        expected += [r.text for r in scene.expressions]
    assert [s["sent"] for r in refs for s in r["sentences"]] == expected


def test_existing_directory_needs_force(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "shapes"
    args = ["--seed", "1", "--count", "2", "--out", str(out), "--min-side", "160"]
    args += ["--max-side", "160"]
    assert main(args) == 0
    assert "2/2 scenes" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(args)
    assert "--force" in capsys.readouterr().err
    (out / "marker").write_text("old")
    assert main(args + ["--count", "3", "--force"]) == 0
    assert not (out / "marker").exists()
    assert len(list((out / "images").iterdir())) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["shapes"]  # no staging left behind


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    def fail(done: int, total: int) -> None:
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        write_dataset(tmp_path / "shapes", 0, 3, config=CONFIG, progress=fail)
    assert list(tmp_path.iterdir()) == []
