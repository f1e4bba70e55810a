/**
 * Draws results on a 2-D canvas: the mask layer from `overlay.ts`, then box outlines with a label
 * tab. Used for the on-screen overlay and for the PNG export, so both look the same.
 */
import { cssColor } from './colors';
import { itemCaption, itemOpacity, maskLayer, type OverlayStyle } from './overlay';
import type { ResultItem, ResultView } from './result-view';

const LABEL_FONT_PX = 13;

/** Draw `items` of `view` onto `ctx`, whose canvas has the image's aspect ratio at any size. */
export function drawOverlay(ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D, view: ResultView, items: readonly ResultItem[], style: OverlayStyle): void {
  const { width, height } = ctx.canvas;
  const sx = width / view.width;
  const sy = height / view.height;
  ctx.clearRect(0, 0, width, height);
  if (items.some((i) => i.mask)) {
    const layer = new OffscreenCanvas(view.width, view.height);
    layer.getContext('2d')!.putImageData(new ImageData(maskLayer(items, style, view.width, view.height), view.width, view.height), 0, 0);
    ctx.imageSmoothingEnabled = false; // crisp mask edges when zoomed in
    ctx.drawImage(layer, 0, 0, width, height);
  }
  // Outlines and labels stay a constant size on screen whatever the image size.
  const unit = Math.max(1, Math.min(width, height) / 400);
  ctx.font = `600 ${LABEL_FONT_PX * unit}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  for (const item of items) {
    const b = item.box;
    if (!b) continue;
    const x = b.x1 * sx;
    const y = b.y1 * sy;
    const hovered = item.id === style.hovered;
    ctx.lineWidth = (hovered ? 3 : 2) * unit;
    ctx.strokeStyle = cssColor(item.color, hovered ? 1 : Math.max(0.85, itemOpacity(item, style)));
    ctx.strokeRect(x, y, (b.x2 - b.x1) * sx, (b.y2 - b.y1) * sy);
    const text = itemCaption(item);
    const pad = 3 * unit;
    const tabH = LABEL_FONT_PX * unit + 2 * pad;
    const tabY = y >= tabH ? y - tabH : y; // inside the box when there is no room above
    const tabW = ctx.measureText(text).width + 2 * pad;
    const tabX = labelTabX(x, tabW, width);
    ctx.fillStyle = cssColor(item.color);
    ctx.fillRect(tabX, tabY, tabW, tabH);
    ctx.fillStyle = '#fff';
    ctx.fillText(text, tabX + pad, tabY + pad);
  }
}

/** Where a label tab starts: at its box's left edge, moved left as far as it takes to stay inside
 * the canvas (a box near the right edge would otherwise cut its label off), never past 0. */
export function labelTabX(boxX: number, tabWidth: number, canvasWidth: number): number {
  return Math.max(0, Math.min(boxX, canvasWidth - tabWidth));
}
