/** The app's pure helpers: result views, overlay pixels and hit test, COCO export, error words. */
import { describe, expect, it } from 'vitest';
import { rle } from '../../eval';
import { CancelledError, ImageError, PackageError } from '../../runtime/errors';
import { toCoco } from './coco-export';
import { describeError } from './describe-error';
import { labelTabX } from './draw-overlay';
import { displaySize } from './image-file';
import { modesOf } from './modes';
import { itemAt, maskLayer } from './overlay';
import { detectionsView, referView, semanticView } from './result-view';

const image = { key: 7, width: 4, height: 2 };
// Row-major 4x2: the left column pair of the top row.
const leftMask = { width: 4, height: 2, data: Uint8Array.of(1, 1, 0, 0, 0, 0, 0, 0) };

describe('result views', () => {
  it('orders detections best first and gives each its own colour', () => {
    const v = detectionsView('detect', {
      timings: { encoder: 1 },
      detections: [
        { label: 'star', labelIndex: 3, score: 0.2, box: { x1: 0, y1: 0, x2: 1, y2: 1 }, mask: null },
        { label: 'circle', labelIndex: 0, score: 0.9, box: { x1: 1, y1: 0, x2: 3, y2: 2 }, mask: null },
      ],
    }, image);
    expect(v.items.map((i) => i.label)).toEqual(['circle', 'star']);
    expect(v.items[0]!.color).not.toEqual(v.items[1]!.color);
    expect(v.imageKey).toBe(7);
  });

  it('gives a referred object no item when the model found nothing', () => {
    const r = { expression: 'x', truncated: false, box: null, mask: null, text: '', tokens: [], timings: {} };
    expect(referView(r, image).items).toEqual([]);
  });

  it('turns a semantic map into one masked item per present class, background left out', () => {
    const v = semanticView({
      width: 4, height: 2, labels: Uint32Array.of(1, 1, 0, 0, 2, 0, 0, 0), classes: ['background', 'circle', 'star'], timings: {},
      present: [{ index: 0, name: 'background', share: 0.625 }, { index: 1, name: 'circle', share: 0.25 }, { index: 2, name: 'star', share: 0.125 }],
    }, image);
    expect(v.items.map((i) => i.label)).toEqual(['circle', 'star']);
    expect([...v.items[0]!.mask!.data]).toEqual([1, 1, 0, 0, 0, 0, 0, 0]);
    expect([...v.items[1]!.mask!.data]).toEqual([0, 0, 0, 0, 1, 0, 0, 0]);
  });
});

describe('overlay', () => {
  const items = [
    { id: 'a', label: 'a', score: 0.9, box: { x1: 0, y1: 0, x2: 4, y2: 2 }, mask: null, color: [10, 20, 30] as const },
    { id: 'b', label: 'b', score: 0.8, box: null, mask: leftMask, color: [200, 0, 0] as const },
  ];

  it('tints mask pixels only, at the chosen opacity, brighter when hovered', () => {
    const px = maskLayer(items, { opacity: 0.5, hovered: null }, 4, 2);
    expect([...px.slice(0, 4)]).toEqual([200, 0, 0, 128]);
    expect(px[2 * 4 + 3]).toBe(0);
    expect(maskLayer(items, { opacity: 0.5, hovered: 'b' }, 4, 2)[3]).toBe(204);
  });

  it('finds the mask under the pointer first, then the smallest box', () => {
    expect(itemAt(items, 0.5, 0.5)?.id).toBe('b');
    expect(itemAt(items, 3.5, 1.5)?.id).toBe('a');
    expect(itemAt(items, 9, 9)).toBeNull();
  });
});

describe('label tabs', () => {
  it('start at the box, shift left to stay inside the canvas, and never start before 0', () => {
    expect(labelTabX(20, 50, 200)).toBe(20);
    expect(labelTabX(180, 50, 200)).toBe(150);
    expect(labelTabX(30, 250, 200)).toBe(0);
  });
});

describe('COCO export', () => {
  it('writes [x, y, w, h] boxes, compressed RLE that decodes to the mask, labels, scores and the caption', () => {
    const v = detectionsView('instances', {
      timings: {},
      detections: [{ label: 'circle', labelIndex: 0, score: 0.75, box: { x1: 0, y1: 0, x2: 2, y2: 1 }, mask: leftMask }],
    }, image);
    const coco = toCoco(v, v.items, { fileName: 'a.png', model: 'ufo-tiny', date: new Date(0) });
    expect(coco.images).toEqual([{ id: 1, file_name: 'a.png', width: 4, height: 2 }]);
    expect(coco.categories).toEqual([{ id: 1, name: 'circle' }]);
    const [ann] = coco.annotations;
    expect(ann).toMatchObject({ bbox: [0, 0, 2, 1], score: 0.75, category_id: 1, area: 2, iscrowd: 0 });
    expect([...rle.decode(rle.fromString(ann!.segmentation!.counts, 2, 4))]).toEqual([...leftMask.data]);
    const cap = toCoco({ ...v, mode: 'caption', items: [], text: 'a red circle' }, [], { fileName: 'a.png', model: 'm', date: new Date(0) });
    expect(cap.captions).toEqual([{ image_id: 1, caption: 'a red circle' }]);
  });
});

describe('plain words', () => {
  it('names the situation and what to do', () => {
    expect(describeError(new CancelledError(), 'run')).toMatchObject({ tone: 'info', title: 'Cancelled' });
    expect(describeError(new ImageError('bad bytes'), 'image')).toMatchObject({ tone: 'error', title: 'That file could not be opened' });
    expect(describeError(new PackageError('config.json is missing.'), 'load').detail).toMatch(/built-in model/);
    expect(describeError(new TypeError('Failed to fetch'), 'load').detail).toMatch(/connection/);
  });
});

describe('modes and sizes', () => {
  it('maps task kinds to modes in the app order', () => {
    expect(modesOf({ a: 'caption', b: 'refer-box', c: 'refer-mask', d: 'grid-semantic' })).toEqual(['refer', 'semantic', 'caption']);
  });

  it('downscales only large images for display, keeping the aspect ratio', () => {
    expect(displaySize(640, 480)).toEqual({ width: 640, height: 480 });
    expect(displaySize(8000, 4000)).toEqual({ width: 2048, height: 1024 });
  });
});
