"""BERT WordPiece tokenization (bert-base-uncased rules) and the package's tokenizer files.

The runtime tokenizes with transformers.js' AutoTokenizer from the `tokenizer.json` written here;
this Python twin produces the same ids for the oracle and for training targets (a TS test checks it).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
# Tokens UFO adds after the vocabulary (spec §1.3): two special, then <MASK> as an ordinary word.
ADDED = (("[DEC]", True), ("[ENC]", True), ("<MASK>", False))
MAX_CHARS_PER_WORD = 100
MEMO_TEXTS = 4096  # texts whose pieces a Tokenizer remembers (encode)


class VocabError(ValueError):
    """A vocabulary lacks a token the model needs."""


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _clean(text: str) -> str:
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch).startswith("C") and ch not in "\t\n\r"):
            continue
        out.append(" " if ch.isspace() else ch)
    return "".join(out)


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(
        a <= cp <= b
        for a, b in (
            (0x4E00, 0x9FFF),
            (0x3400, 0x4DBF),
            (0x20000, 0x2A6DF),
            (0x2A700, 0x2B73F),
            (0x2B740, 0x2B81F),
            (0x2B820, 0x2CEAF),
            (0xF900, 0xFAFF),
            (0x2F800, 0x2FA1F),
        )
    )


def basic_tokenize(text: str) -> list[str]:
    """Lower-case, strip accents, split on whitespace and around punctuation and CJK characters."""
    text = "".join(f" {ch} " if _is_cjk(ch) else ch for ch in _clean(text))
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    words: list[str] = []
    for chunk in text.split():
        current = ""
        for ch in chunk:
            if _is_punctuation(ch):
                if current:
                    words.append(current)
                words.append(ch)
                current = ""
            else:
                current += ch
        if current:
            words.append(current)
    return words


@dataclass
class Tokenizer:
    vocab: dict[str, int]
    # Pieces of texts already encoded. Training encodes the same few words (class names, bin
    # numbers, "background") about 90 times a scene, and basic_tokenize's per-character checks
    # took a quarter of a scene's generation time.
    _memo: dict[str, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_vocab_file(cls, path: str | Path) -> "Tokenizer":
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        return cls.from_tokens(lines)

    @classmethod
    def from_tokens(cls, tokens: list[str]) -> "Tokenizer":
        vocab: dict[str, int] = {}
        for tok in tokens:
            vocab.setdefault(tok, len(vocab))
        missing = [t for t in SPECIAL if t not in vocab]
        if missing:
            raise VocabError(f"vocab lacks the special token(s) {', '.join(missing)}")
        for tok, _ in ADDED:
            if tok in vocab:
                raise VocabError(f"vocab already contains {tok}; it is added after the vocabulary")
            vocab[tok] = len(vocab)
        return cls(vocab)

    @property
    def inverse(self) -> dict[int, str]:
        return {i: t for t, i in self.vocab.items()}

    def id(self, token: str) -> int:
        if token not in self.vocab:
            raise VocabError(f"vocab lacks the token {token!r}")
        return self.vocab[token]

    def wordpiece(self, word: str) -> list[int]:
        if len(word) > MAX_CHARS_PER_WORD:
            return [self.vocab["[UNK]"]]
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.vocab["[UNK]"]]
            pieces.append(found)
            start = end
        return pieces

    def encode(self, text: str) -> list[int]:
        """Word pieces of `text`, without [CLS]/[SEP]. `<MASK>` in the text is the added token."""
        known = self._memo.get(text)
        if known is not None:
            return list(known)
        ids: list[int] = []
        for i, part in enumerate(text.split("<MASK>")):
            if i:
                ids.append(self.vocab["<MASK>"])
            for word in basic_tokenize(part):
                ids.extend(self.wordpiece(word))
        if len(self._memo) < MEMO_TEXTS:
            self._memo[text] = tuple(ids)
        return ids

    def prompt_ids(self, text: str) -> list[int]:
        """[CLS] + pieces: the prompt as UFO feeds it, with the trailing [SEP] dropped (spec §2)."""
        return [self.vocab["[CLS]"], *self.encode(text)]

    def decode(self, ids: list[int]) -> str:
        """Like HF decode(skip_special_tokens=True) with clean-up (spec §4.6 step 2)."""
        inv = self.inverse
        special = {self.vocab[t] for t in SPECIAL} | {self.vocab[t] for t, s in ADDED if s}
        words = [inv[i] for i in ids if i not in special and i in inv]
        text = " ".join(words).replace(" ##", "")
        for a, b in (
            (" .", "."),
            (" ?", "?"),
            (" !", "!"),
            (" ,", ","),
            (" ' ", "'"),
            (" n't", "n't"),
            (" 'm", "'m"),
            (" 's", "'s"),
            (" 've", "'ve"),
            (" 're", "'re"),
        ):
            text = text.replace(a, b)
        return text

    def tokenizer_json(self) -> dict[str, object]:
        """A Hugging Face `tokenizer.json` (BERT WordPiece + UFO's added tokens)."""
        added_flags = dict(ADDED)
        added = []
        for tok in (*SPECIAL, *(t for t, _ in ADDED)):
            special = added_flags.get(tok, True)
            added.append(
                {
                    "id": self.vocab[tok],
                    "content": tok,
                    "single_word": False,
                    "lstrip": False,
                    "rstrip": False,
                    "normalized": False,
                    "special": special,
                }
            )
        cls_id, sep_id = self.vocab["[CLS]"], self.vocab["[SEP]"]
        base = {t: i for t, i in self.vocab.items() if t not in added_flags}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": added,
            "normalizer": {
                "type": "BertNormalizer",
                "clean_text": True,
                "handle_chinese_chars": True,
                "strip_accents": None,
                "lowercase": True,
            },
            "pre_tokenizer": {"type": "BertPreTokenizer"},
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [
                    {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                    {"Sequence": {"id": "A", "type_id": 0}},
                    {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                ],
                "pair": [
                    {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                    {"Sequence": {"id": "A", "type_id": 0}},
                    {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                    {"Sequence": {"id": "B", "type_id": 1}},
                    {"SpecialToken": {"id": "[SEP]", "type_id": 1}},
                ],
                "special_tokens": {
                    "[CLS]": {"id": "[CLS]", "ids": [cls_id], "tokens": ["[CLS]"]},
                    "[SEP]": {"id": "[SEP]", "ids": [sep_id], "tokens": ["[SEP]"]},
                },
            },
            "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
            "model": {
                "type": "WordPiece",
                "unk_token": "[UNK]",
                "continuing_subword_prefix": "##",
                "max_input_chars_per_word": MAX_CHARS_PER_WORD,
                "vocab": base,
            },
        }

    def write(self, out_dir: Path, max_length: int) -> None:
        (out_dir / "tokenizer.json").write_text(json.dumps(self.tokenizer_json(), ensure_ascii=False))
        config = {
            "tokenizer_class": "BertTokenizer",
            "do_lower_case": True,
            "model_max_length": max_length,
            "cls_token": "[CLS]",
            "sep_token": "[SEP]",
            "pad_token": "[PAD]",
            "unk_token": "[UNK]",
            "mask_token": "[MASK]",
        }
        (out_dir / "tokenizer_config.json").write_text(json.dumps(config, indent=2))
        added = {t for t, _ in ADDED}
        base = sorted((i, t) for t, i in self.vocab.items() if t not in added)
        (out_dir / "vocab.txt").write_text("\n".join(t for _, t in base) + "\n")
