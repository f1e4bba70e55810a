/**
 * The overlay's pixel logic without a canvas, so it is unit-tested in Node: the tinted mask layer
 * and the hit test that maps a pointer position to a result.
 */
import type { ResultItem } from './result-view';

export interface OverlayStyle {
  /** Mask opacity, 0..1. */
  opacity: number;
  hovered: string | null;
}

/** A hovered mask stands out even when the user turned the opacity down. */
export const HOVER_OPACITY = 0.8;

export function itemOpacity(item: ResultItem, style: OverlayStyle): number {
  return item.id === style.hovered ? Math.max(style.opacity, HOVER_OPACITY) : style.opacity;
}

/**
 * RGBA pixels (width x height) with every mask tinted in its colour; later items cover earlier
 * ones. Masks of another size than the layer are skipped (they belong to another image).
 */
export function maskLayer(items: readonly ResultItem[], style: OverlayStyle, width: number, height: number): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(width * height * 4);
  for (const item of items) {
    const m = item.mask;
    if (!m || m.width !== width || m.height !== height) continue;
    const [r, g, b] = item.color;
    const a = Math.round(itemOpacity(item, style) * 255);
    for (let i = 0; i < m.data.length; i++) {
      if (m.data[i] === 0) continue;
      out[i * 4] = r;
      out[i * 4 + 1] = g;
      out[i * 4 + 2] = b;
      out[i * 4 + 3] = a;
    }
  }
  return out;
}

/** The result under image pixel (x, y): the topmost mask that covers it, else the smallest box. */
export function itemAt(items: readonly ResultItem[], x: number, y: number): ResultItem | null {
  const px = Math.floor(x);
  const py = Math.floor(y);
  for (let i = items.length - 1; i >= 0; i--) {
    const m = items[i]!.mask;
    if (m && px >= 0 && py >= 0 && px < m.width && py < m.height && m.data[py * m.width + px] !== 0) return items[i]!;
  }
  let best: ResultItem | null = null;
  let bestArea = Infinity;
  for (const item of items) {
    const b = item.box;
    if (!b || x < b.x1 || x > b.x2 || y < b.y1 || y > b.y2) continue;
    const area = (b.x2 - b.x1) * (b.y2 - b.y1);
    if (area < bestArea) [best, bestArea] = [item, area];
  }
  return best;
}

export function itemCaption(item: ResultItem): string {
  if (item.score !== null) return `${item.label} ${item.score.toFixed(2)}`;
  if (item.share !== undefined) return `${item.label} ${(item.share * 100).toFixed(0)}%`;
  return item.label;
}
