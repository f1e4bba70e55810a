/**
 * Readers for an evaluation set in the layout `python -m models.dataset` writes (COCO and RefCOCO
 * conventions): images/, instances.json (COCO, RLE masks), refs.json (RefCOCO refs),
 * captions.json (COCO captions) and semantic/*.png label maps (0 background, else category id).
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { decodeImage } from '../../runtime/image/decode-image';
import type { CocoAnnotation, CocoCategory, CocoDataset, CocoImage } from '../coco-types';

export interface DatasetImage extends CocoImage {
  readonly file_name: string;
  readonly width: number;
  readonly height: number;
}

export interface DatasetInstances extends CocoDataset {
  readonly images: readonly DatasetImage[];
}

/** One RefCOCO ref: an object and the sentences that describe it. */
export interface Ref {
  readonly ref_id: number;
  readonly image_id: number;
  readonly ann_id: number;
  readonly category_id: number;
  readonly split: string;
  readonly sentences: readonly { readonly sent: string }[];
}

export interface Dataset {
  readonly dir: string;
  /** The folder's name, used to label reports. */
  readonly name: string;
  readonly instances: DatasetInstances;
  readonly refs: readonly Ref[];
  /** Reference captions by image id. */
  readonly captions: ReadonlyMap<number, readonly string[]>;
  readonly annotations: ReadonlyMap<number, CocoAnnotation>;
}

async function readJson<T>(dir: string, file: string): Promise<T> {
  const path = join(dir, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`${path} is missing: the data folder must be what \`python -m models.dataset\` writes (${(err as Error).message})`);
  }
  return JSON.parse(text) as T;
}

export async function readDataset(dir: string): Promise<Dataset> {
  const instances = await readJson<DatasetInstances>(dir, 'instances.json');
  const refs = await readJson<Ref[]>(dir, 'refs.json');
  const captionFile = await readJson<{ annotations: { image_id: number; caption: string }[] }>(dir, 'captions.json');
  const captions = new Map<number, string[]>();
  for (const c of captionFile.annotations) captions.set(c.image_id, [...(captions.get(c.image_id) ?? []), c.caption]);
  const annotations = new Map(instances.annotations.map((a) => [a.id, a]));
  for (const r of refs) {
    if (!annotations.has(r.ann_id)) throw new Error(`refs.json: ref ${r.ref_id} points at annotation ${r.ann_id}, which instances.json lacks`);
  }
  return { dir, name: basename(dir), instances, refs, captions, annotations };
}

/** The first `limit` images (all when undefined), with the annotations and refs of those images. */
export function limitDataset(data: Dataset, limit: number | undefined): Dataset {
  if (limit === undefined || limit >= data.instances.images.length) return data;
  const images = data.instances.images.slice(0, limit);
  const keep = new Set(images.map((i) => i.id));
  return {
    ...data,
    instances: { ...data.instances, images, annotations: data.instances.annotations.filter((a) => keep.has(a.image_id)) },
    refs: data.refs.filter((r) => keep.has(r.image_id)),
  };
}

export function readImageBytes(data: Dataset, image: DatasetImage): Promise<Uint8Array> {
  return readFile(join(data.dir, 'images', image.file_name));
}

/**
 * The ground-truth label map of an image, one byte per pixel. The PNGs are 8-bit grey; the runtime's
 * decoder returns RGBA, whose red channel holds the grey value unchanged.
 */
export async function readLabelMap(data: Dataset, image: DatasetImage): Promise<Uint8Array> {
  const stem = image.file_name.replace(/\.[^.]+$/, '');
  const bytes = await readFile(join(data.dir, 'semantic', `${stem}.png`));
  const { image: rgba } = await decodeImage(bytes);
  if (rgba.width !== image.width || rgba.height !== image.height) {
    throw new Error(`semantic/${stem}.png is ${rgba.width}x${rgba.height}, but instances.json says ${image.width}x${image.height}`);
  }
  const labels = new Uint8Array(rgba.width * rgba.height);
  for (let i = 0; i < labels.length; i++) labels[i] = rgba.data[4 * i]!;
  return labels;
}

export function categoryByName(categories: readonly CocoCategory[]): Map<string, number> {
  return new Map(categories.map((c) => [c.name ?? String(c.id), c.id]));
}
