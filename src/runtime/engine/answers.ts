/** Reading UFO's text answers (spec §4.4, §4.6, §6.1): comma parts, integer bins, boxes. */

/** Integers from text parts after deleting spaces (the official parser's int()), else null. */
export function parseInts(parts: readonly string[]): number[] | null {
  const out: number[] = [];
  for (const part of parts) {
    const digits = part.replaceAll(' ', '');
    if (!/^\d+$/.test(digits)) return null;
    out.push(Number.parseInt(digits, 10));
  }
  return out;
}

export type XYXY = [number, number, number, number];

/** (cx, cy, w, h) bins -> normalised xyxy; the centre is a residual to the reference point. */
export function binsToBox(bins: readonly number[], ref: readonly [number, number], numBins: number): XYXY {
  const cx = bins[0]! / numBins - 0.5 + ref[0];
  const cy = bins[1]! / numBins - 0.5 + ref[1];
  const w = bins[2]! / numBins;
  const h = bins[3]! / numBins;
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

/** Normalised xyxy -> model-input pixels clamped to [0, size] -> original image pixels. */
export function toImageBox(box: XYXY, size: number, width: number, height: number): XYXY {
  const c = (v: number): number => Math.min(Math.max(v * size, 0), size);
  return [(c(box[0]) * width) / size, (c(box[1]) * height) / size, (c(box[2]) * width) / size, (c(box[3]) * height) / size];
}

/** Reference point of grid point g on a side x side grid, x first (spec §4.2). */
export function gridRef(g: number, side: number): [number, number] {
  return [((g % side) + 0.5) / side, (Math.floor(g / side) + 0.5) / side];
}
