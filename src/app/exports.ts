/**
 * The three exports, each from what is on screen: the image with its overlay (PNG), one mask
 * (PNG, white on black at the image size) and all shown results (COCO-style JSON).
 */
import { toCoco } from './lib/coco-export';
import { baseName, downloadBlob } from './lib/download';
import { drawOverlay } from './lib/draw-overlay';
import type { ResultItem } from './lib/result-view';
import { resultsSelectors } from './store/selectors';
import { useAppStore } from './store/store';

function canvasBlob(canvas: OffscreenCanvas): Promise<Blob> {
  return canvas.convertToBlob({ type: 'image/png' });
}

function current() {
  const s = useAppStore.getState();
  const view = resultsSelectors.view(s);
  const image = s.image.current;
  return { s, view, image, items: resultsSelectors.visible(s) };
}

/** The image at the result's size with the overlay drawn as on screen. */
export async function exportOverlayPng(): Promise<void> {
  const { s, view, image, items } = current();
  if (!view || !image) return;
  const canvas = new OffscreenCanvas(view.width, view.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(image.bitmap, 0, 0, view.width, view.height);
  const overlay = new OffscreenCanvas(view.width, view.height);
  drawOverlay(overlay.getContext('2d')!, view, items, { opacity: s.results.opacity, hovered: null });
  ctx.drawImage(overlay, 0, 0);
  downloadBlob(await canvasBlob(canvas), `${baseName(image.name)}-ufo.png`);
}

export async function exportMaskPng(item: ResultItem): Promise<void> {
  const { image } = current();
  const m = item.mask;
  if (!m || !image) return;
  const pixels = new Uint8ClampedArray(m.width * m.height * 4);
  for (let i = 0; i < m.data.length; i++) {
    const v = m.data[i] ? 255 : 0;
    pixels.set([v, v, v, 255], i * 4);
  }
  const canvas = new OffscreenCanvas(m.width, m.height);
  canvas.getContext('2d')!.putImageData(new ImageData(pixels, m.width, m.height), 0, 0);
  const label = item.label.replace(/[^\w-]+/g, '-').slice(0, 40);
  downloadBlob(await canvasBlob(canvas), `${baseName(image.name)}-mask-${item.id}-${label}.png`);
}

export function exportCocoJson(): void {
  const { s, view, image, items } = current();
  if (!view || !image) return;
  const coco = toCoco(view, items, { fileName: image.name, model: s.model.name ?? 'unknown', date: new Date() });
  downloadBlob(new Blob([JSON.stringify(coco, null, 1)], { type: 'application/json' }), `${baseName(image.name)}-ufo.json`);
}
