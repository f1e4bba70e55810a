"""COCO run-length encoding of binary masks, byte-compatible with pycocotools.

A mask is flattened column-major (down each column, then the next column) into runs that alternate
zeros and ones, starting with zeros (so the first count is 0 when the top-left pixel is set). The
compressed string writes each count, from the fourth on as the difference to the count two before
it, in little-endian groups of 5 bits per character: bit 0x20 says another character follows, bit
0x10 of the last character is the sign, and 48 is added to land in printable ASCII ('0'..'o').
"""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import numpy.typing as npt


class CocoRle(TypedDict):
    size: list[int]  # [height, width]
    counts: str


def mask_to_counts(mask: npt.NDArray[np.bool_]) -> list[int]:
    """Run lengths of a (H, W) mask in column-major order, starting with a run of zeros."""
    flat = np.asarray(mask, dtype=bool).ravel(order="F")
    if flat.size == 0:
        return [0]
    changes = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    edges = np.concatenate(([0], changes, [flat.size]))
    counts = np.diff(edges).tolist()
    return [0] + counts if flat[0] else counts


def counts_to_mask(counts: list[int], height: int, width: int) -> npt.NDArray[np.bool_]:
    if sum(counts) != height * width:
        raise ValueError(f"RLE counts sum to {sum(counts)}, expected {height}x{width}")
    values = np.arange(len(counts)) % 2 == 1
    flat = np.repeat(values, counts)
    return flat.reshape((width, height)).T


def counts_to_string(counts: list[int]) -> str:
    chars: list[str] = []
    for i, count in enumerate(counts):
        value = count - counts[i - 2] if i > 2 else count
        more = True
        while more:
            group = value & 0x1F
            value >>= 5  # arithmetic shift: negative values end at -1
            more = value != -1 if group & 0x10 else value != 0
            chars.append(chr(group + 48 + (0x20 if more else 0)))
    return "".join(chars)


def string_to_counts(text: str) -> list[int]:
    counts: list[int] = []
    position = 0
    while position < len(text):
        value, shift, more = 0, 0, True
        while more:
            if position >= len(text):
                raise ValueError(f"RLE string ends inside a count: {text!r}")
            group = ord(text[position]) - 48
            if not 0 <= group < 64:
                raise ValueError(f"invalid RLE character {text[position]!r} in {text!r}")
            value |= (group & 0x1F) << shift
            more = bool(group & 0x20)
            position += 1
            shift += 5
            if not more and group & 0x10:
                value -= 1 << shift  # sign-extend the last group
        if len(counts) > 2:
            value += counts[-2]
        counts.append(value)
    return counts


def encode(mask: npt.NDArray[np.bool_]) -> CocoRle:
    """COCO compressed RLE of a (H, W) mask, as stored in instances.json."""
    height, width = mask.shape
    return {"size": [int(height), int(width)], "counts": counts_to_string(mask_to_counts(mask))}


def decode(rle: CocoRle) -> npt.NDArray[np.bool_]:
    height, width = rle["size"]
    return counts_to_mask(string_to_counts(rle["counts"]), height, width)
