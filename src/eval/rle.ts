// COCO run-length encoding (RLE) of binary masks, following the definitions of pycocotools' maskApi.c.
//
// A mask of h rows and w columns is read in column-major (Fortran) order, pixel (y, x) at position
// x * h + y, and stored as the lengths of alternating runs, starting with a run of zeros (which may be
// empty). So `counts[j]` is a run of ones when j is odd. Masks passed in or returned as pixels are
// row-major (pixel (y, x) at y * w + x), as canvas ImageData and onnxruntime tensors lay them out.

import type { XywhBox } from './box-iou';
import { checkInteger, checkSameLength } from './check';

/** A run-length encoded binary mask of `size = [h, w]`; the counts sum to h * w. */
export interface Rle {
  readonly size: readonly [h: number, w: number];
  readonly counts: Uint32Array;
}

/** An RLE as it appears in COCO JSON: `counts` is a list (uncompressed) or the compressed string. */
export interface CocoRle {
  readonly size: readonly [h: number, w: number];
  readonly counts: readonly number[] | string;
}

function checkSize(name: string, h: number, w: number): void {
  checkInteger(`${name} height`, h);
  checkInteger(`${name} width`, w);
}

/** Throws unless `rle` has a valid size and its runs cover exactly h * w pixels. */
export function checkRle(name: string, rle: Rle): void {
  const [h, w] = rle.size;
  checkSize(name, h, w);
  let total = 0;
  for (const c of rle.counts) total += c;
  if (total !== h * w) {
    throw new RangeError(`${name} runs cover ${total} pixels but its size ${h}x${w} has ${h * w}`);
  }
}

/**
 * Encodes a row-major binary mask (any nonzero byte is foreground) of h rows and w columns.
 * The result is canonical: only the first run may be empty.
 */
export function encode(mask: Uint8Array, h: number, w: number): Rle {
  checkSize('mask', h, w);
  if (mask.length !== h * w) {
    throw new RangeError(`mask has ${mask.length} pixels but h * w = ${h} * ${w} = ${h * w}`);
  }
  const counts: number[] = [];
  let value = 0; // the runs start with zeros
  let run = 0;
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      const v = mask[y * w + x] !== 0 ? 1 : 0;
      if (v !== value) {
        counts.push(run);
        run = 0;
        value = v;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [h, w], counts: Uint32Array.from(counts) };
}

/** Decodes an RLE into a row-major mask of 0/1 bytes, h * w long. */
export function decode(rle: Rle): Uint8Array {
  checkRle('rle', rle);
  const [h, w] = rle.size;
  const mask = new Uint8Array(h * w);
  let pos = 0; // column-major position of the current run's first pixel
  rle.counts.forEach((len, j) => {
    if (j % 2 === 1) {
      for (let p = pos; p < pos + len; p++) mask[(p % h) * w + Math.floor(p / h)] = 1;
    }
    pos += len;
  });
  return mask;
}

/** Number of foreground pixels: the sum of the odd runs. */
export function area(rle: Rle): number {
  checkRle('rle', rle);
  let sum = 0;
  for (let j = 1; j < rle.counts.length; j += 2) sum += rle.counts[j] ?? 0;
  return sum;
}

// Five payload bits per character, with 0x20 meaning "more characters follow" and 0x10 the sign bit
// of the last character; '0' (48) is added so every character is printable (48..111).
const CHAR_OFFSET = 48;
const PAYLOAD = 0x1f;
const MORE = 0x20;
const SIGN = 0x10;

/**
 * The compressed string form (pycocotools `rleToString`). From the fourth count on, each count is
 * stored as its difference from the count two places earlier (the previous run of the same value),
 * which is small for smooth shapes, then written as a signed little-endian base-32 number.
 */
export function toString(rle: Rle): string {
  checkRle('rle', rle);
  const { counts } = rle;
  let out = '';
  for (let i = 0; i < counts.length; i++) {
    let x = (counts[i] ?? 0) - (i > 2 ? (counts[i - 2] ?? 0) : 0);
    let more = true;
    while (more) {
      // Two's-complement low bits and arithmetic shift, without 32-bit bitwise ops (counts may be large).
      let c = ((x % 32) + 32) % 32;
      x = Math.floor(x / 32);
      more = (c & SIGN) !== 0 ? x !== -1 : x !== 0;
      if (more) c |= MORE;
      out += String.fromCharCode(c + CHAR_OFFSET);
    }
  }
  return out;
}

/** Parses the compressed string form (pycocotools `rleFrString`) of a mask of h rows and w columns. */
export function fromString(s: string, h: number, w: number): Rle {
  checkSize('string RLE', h, w);
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new RangeError(`RLE string ends inside a number at character ${p}`);
      const c = s.charCodeAt(p) - CHAR_OFFSET;
      if (c < 0 || c > 0x3f) {
        throw new RangeError(`RLE string has character ${JSON.stringify(s[p])} at ${p}, outside '0'..'o'`);
      }
      x += (c & PAYLOAD) * 2 ** (5 * k);
      more = (c & MORE) !== 0;
      p++;
      k++;
      // Sign-extend: the value read so far is the low 5k bits of a negative two's-complement number.
      if (!more && (c & SIGN) !== 0) x -= 2 ** (5 * k);
    }
    const m = counts.length;
    if (m > 2) x += counts[m - 2] ?? 0;
    if (x < 0) throw new RangeError(`RLE string decodes to a negative run (${x}) at count ${m}`);
    counts.push(x);
  }
  const rle: Rle = { size: [h, w], counts: Uint32Array.from(counts) };
  checkRle('string RLE', rle);
  return rle;
}

/** Converts a COCO JSON RLE (list or string counts) into an `Rle`. */
export function fromCoco(seg: CocoRle): Rle {
  if (!Array.isArray(seg.size) || seg.size.length !== 2) {
    throw new TypeError('COCO RLE size must be [height, width]');
  }
  const [h, w] = seg.size;
  if (typeof seg.counts === 'string') return fromString(seg.counts, h, w);
  if (!Array.isArray(seg.counts)) {
    throw new TypeError('COCO RLE counts must be a list of numbers or a compressed string');
  }
  seg.counts.forEach((c, i) => checkInteger(`COCO RLE counts[${i}]`, c));
  const rle: Rle = { size: [h, w], counts: Uint32Array.from(seg.counts) };
  checkRle('COCO RLE', rle);
  return rle;
}

/**
 * Foreground pixels common to both masks and in either, by walking the two run lists together.
 * Both masks must have the same size.
 */
export function intersectionUnion(a: Rle, b: Rle): { intersection: number; union: number } {
  checkRle('a', a);
  checkRle('b', b);
  if (a.size[0] !== b.size[0] || a.size[1] !== b.size[1]) {
    throw new RangeError(`masks differ in size: ${a.size.join('x')} vs ${b.size.join('x')}`);
  }
  const ca = a.counts;
  const cb = b.counts;
  let ia = 0; // index of the current run in each list
  let ib = 0;
  let ra = ca[0] ?? 0; // pixels left in the current run
  let rb = cb[0] ?? 0;
  let intersection = 0;
  let union = 0;
  // Both lists cover the same h * w pixels, so they run out together.
  while (ia < ca.length && ib < cb.length) {
    if (ra === 0) {
      ra = ca[++ia] ?? 0;
      continue;
    }
    if (rb === 0) {
      rb = cb[++ib] ?? 0;
      continue;
    }
    const step = Math.min(ra, rb);
    const fa = ia % 2 === 1;
    const fb = ib % 2 === 1;
    if (fa || fb) union += step;
    if (fa && fb) intersection += step;
    ra -= step;
    rb -= step;
  }
  return { intersection, union };
}

/**
 * IoU of every detection with every ground truth, `ious[d][g]` (pycocotools `iou`). For a crowd
 * ground truth the union is the detection's area alone, so a detection that lies inside a crowd
 * region scores 1 however large the region is. Pairs with no common pixel score 0.
 */
export function iou(dt: readonly Rle[], gt: readonly Rle[], iscrowd: ReadonlyArray<boolean | number>): number[][] {
  checkSameLength('gt', gt, 'iscrowd', iscrowd);
  return dt.map((d) =>
    gt.map((g, j) => {
      const { intersection, union } = intersectionUnion(d, g);
      if (intersection === 0) return 0;
      return intersection / (iscrowd[j] ? area(d) : union);
    }),
  );
}

/**
 * Tight bounding box `[x, y, w, h]` of the foreground, in whole pixels (a single pixel at (y, x) gives
 * [x, y, 1, 1]); an empty mask gives [0, 0, 0, 0] (pycocotools `toBbox`).
 */
export function toBbox(rle: Rle): XywhBox {
  checkRle('rle', rle);
  const h = rle.size[0];
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  let pos = 0;
  rle.counts.forEach((len, j) => {
    if (j % 2 === 1 && len > 0) {
      const first = pos;
      const last = pos + len - 1;
      const x0 = Math.floor(first / h);
      const x1 = Math.floor(last / h);
      xMin = Math.min(xMin, x0);
      xMax = Math.max(xMax, x1);
      if (x0 === x1) {
        yMin = Math.min(yMin, first % h);
        yMax = Math.max(yMax, last % h);
      } else {
        // A run that wraps into the next column touches the bottom row of one and the top row of the other.
        yMin = 0;
        yMax = h - 1;
      }
    }
    pos += len;
  });
  if (xMax < 0) return [0, 0, 0, 0];
  return [xMin, yMin, xMax - xMin + 1, yMax - yMin + 1];
}
