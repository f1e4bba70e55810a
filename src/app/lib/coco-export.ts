/**
 * The results on screen as COCO-style JSON: one image, its categories, one annotation per shown
 * result (bbox [x, y, w, h], compressed RLE segmentation, score), and the caption. Only what is
 * shown is exported, so the file matches the canvas.
 */
import { rle } from '../../eval';
import type { Box } from '../../runtime/api';
import type { ResultItem, ResultView } from './result-view';

export interface CocoExport {
  info: { description: string; model: string; mode: string; expression?: string; date_created: string };
  images: { id: number; file_name: string; width: number; height: number }[];
  categories: { id: number; name: string }[];
  annotations: {
    id: number;
    image_id: number;
    category_id: number;
    bbox: [number, number, number, number] | null;
    area: number;
    segmentation: { size: [number, number]; counts: string } | null;
    score: number | null;
    iscrowd: 0;
  }[];
  captions: { image_id: number; caption: string }[];
}

const round2 = (v: number) => Math.round(v * 100) / 100;

export function boxToXywh(b: Box): [number, number, number, number] {
  return [round2(b.x1), round2(b.y1), round2(b.x2 - b.x1), round2(b.y2 - b.y1)];
}

export function toCoco(view: ResultView, items: readonly ResultItem[], meta: { fileName: string; model: string; date: Date }): CocoExport {
  const names = [...new Set(items.map((i) => i.label))];
  const annotations = items.map((item, index) => {
    const encoded = item.mask ? rle.encode(item.mask.data, item.mask.height, item.mask.width) : null;
    const bbox = item.box ? boxToXywh(item.box) : encoded ? rle.toBbox(encoded) : null;
    return {
      id: index + 1,
      image_id: 1,
      category_id: names.indexOf(item.label) + 1,
      bbox: bbox ? ([...bbox] as [number, number, number, number]) : null,
      area: encoded ? rle.area(encoded) : bbox ? round2(bbox[2] * bbox[3]) : 0,
      segmentation: encoded ? { size: [encoded.size[0], encoded.size[1]] as [number, number], counts: rle.toString(encoded) } : null,
      score: item.score,
      iscrowd: 0 as const,
    };
  });
  return {
    info: {
      description: 'UFO Web results',
      model: meta.model,
      mode: view.mode,
      ...(view.expression ? { expression: view.expression } : {}),
      date_created: meta.date.toISOString(),
    },
    images: [{ id: 1, file_name: meta.fileName, width: view.width, height: view.height }],
    categories: names.map((name, i) => ({ id: i + 1, name })),
    annotations,
    captions: view.mode === 'caption' && view.text ? [{ image_id: 1, caption: view.text }] : [],
  };
}
