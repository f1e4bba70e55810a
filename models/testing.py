"""Helpers shared by the Python tests and the fixture generator (no test framework imports)."""

from __future__ import annotations

from .config import ADE20K_CLASSES, COCO_CLASSES
from .tokenizer import basic_tokenize

BERT_BASE_SIZE = 30522
# Ids of bert-base-uncased that the spec and the runtime rely on (spec §1.3).
BERT_FIXED = {
    "[PAD]": 0,
    "[UNK]": 100,
    "[CLS]": 101,
    "[SEP]": 102,
    "[MASK]": 103,
    ",": 1010,
    "background": 4281,
}


def bert_like_vocab() -> list[str]:
    """A 30522-entry stand-in for bert-base-uncased's vocab.txt (which cannot be downloaded here).

    It has the real ids of the tokens the spec names, every word of the official prompts, numbers
    0..2240 as words, and `[unusedN]` filler, so ViT-B-sized checkpoints and graphs get their
    real shapes.
    """
    words: list[str] = []
    text = " ".join(
        [
            *COCO_CLASSES,
            *ADE20K_CLASSES,
            "task: detection instance_segmentation semantic_segmentation caption grounding",
            "class bin to description give a for this image",
            ". ; : _",
        ]
    )
    for w in basic_tokenize(text):
        if w not in words and w not in BERT_FIXED:
            words.append(w)
    words += [str(i) for i in range(2241)]
    vocab = [f"[unused{i}]" for i in range(BERT_BASE_SIZE)]
    for tok, i in BERT_FIXED.items():
        vocab[i] = tok
    free = (i for i in range(BERT_BASE_SIZE) if i not in BERT_FIXED.values() and i > 103)
    for w in words:
        vocab[next(free)] = w
    return vocab
