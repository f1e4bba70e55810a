/**
 * The model package's config.json: the single source of truth for dimensions, prompts, token ids,
 * resolutions, class lists and graph files. `parseConfig` validates it once and names the first bad
 * field; the rest of the runtime reads only the typed result.
 */
import { PackageError } from './errors';

export const TASK_KINDS = ['grid-box', 'grid-mask', 'grid-semantic', 'refer-box', 'refer-mask', 'caption'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const DTYPES = ['fp32', 'fp16', 'q4'] as const;
export type Dtype = (typeof DTYPES)[number];

export const INTERPOLATIONS = ['bilinear', 'bicubic-pil'] as const;
export type Interpolation = (typeof INTERPOLATIONS)[number];

export interface ModelDims {
  embedDim: number;
  numHeads: number;
  headDim: number;
  depth: number;
  globalLayers: number[];
  windowLayers: number[];
  meanLayers: number[];
  patchSize: number;
  windowSize: number;
  vocabSize: number;
  maxTextPositions: number;
}

export interface TaskSpec {
  name: string;
  kind: TaskKind;
  imageSize: number;
  interpolation: Interpolation;
  /** For refer tasks a template containing "{expression}". */
  prompt: string;
  maxLength: number;
  encoder: string;
  decoder: string;
  classes: string[];
  grid: { perWindow: number; side: number; points: number } | null;
  numBins: number;
  maxDetections: number;
  postprocess: Record<string, number | string>;
  beams: number;
  temperature: number;
  lengthPenalty: number;
}

export interface GraphSpec {
  inputs: string[];
  outputs: string[];
  imageSize: number | null;
  patches: number | null;
  layers: number[];
  topk: number;
}

export interface TokenIds {
  pad: number;
  unk: number;
  cls: number;
  sep: number;
  comma: number;
  mask: number;
  dec: number;
  enc: number;
}

export interface PackageFile {
  bytes: number;
  sha256: string;
}

export interface PackageConfig {
  name: string;
  family: string;
  formatVersion: number;
  model: ModelDims;
  tokens: TokenIds;
  preprocess: { mean: [number, number, number]; std: [number, number, number] };
  mask: { tokens: number; upsample: number; threshold: number };
  tasks: Record<string, TaskSpec>;
  graphs: Record<string, GraphSpec>;
  dtypes: Partial<Record<Dtype, { weights: string; graphs: Record<string, string> }>>;
  files: Record<string, PackageFile>;
}

export const SUPPORTED_FORMAT_VERSION = 1;

/** Reads fields of one JSON object, naming `source` and the field path in every error. */
class Reader {
  constructor(
    private readonly source: string,
    private readonly path: string,
    private readonly obj: Record<string, unknown>,
  ) {}

  static root(source: string, json: unknown): Reader {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new PackageError(`${source} is not a JSON object.`, { file: source });
    }
    return new Reader(source, '', json as Record<string, unknown>);
  }

  private fail(key: string, want: string): never {
    const field = this.path ? `${this.path}.${key}` : key;
    throw new PackageError(`${this.source}: field "${field}" must be ${want}.`, { file: this.source, field });
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  obj_(key: string): Reader {
    const v = this.obj[key];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(key, 'an object');
    return new Reader(this.source, this.path ? `${this.path}.${key}` : key, v as Record<string, unknown>);
  }

  keys(): string[] {
    return Object.keys(this.obj);
  }

  /** Every field, each of which must be a number or a string. */
  scalars(): Record<string, number | string> {
    const out: Record<string, number | string> = {};
    for (const [k, v] of Object.entries(this.obj)) {
      if (typeof v !== 'number' && typeof v !== 'string') this.fail(k, 'a number or a string');
      out[k] = v;
    }
    return out;
  }

  str(key: string): string {
    const v = this.obj[key];
    if (typeof v !== 'string' || v.length === 0) this.fail(key, 'a non-empty string');
    return v;
  }

  num(key: string, min = -Infinity): number {
    const v = this.obj[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) this.fail(key, `a number >= ${min}`);
    return v;
  }

  int(key: string, min = 0): number {
    const v = this.num(key, min);
    if (!Number.isInteger(v)) this.fail(key, `an integer >= ${min}`);
    return v;
  }

  ints(key: string): number[] {
    const v = this.obj[key];
    if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x) && x >= 0)) this.fail(key, 'a list of non-negative integers');
    return v as number[];
  }

  strs(key: string): string[] {
    const v = this.obj[key];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.length > 0)) this.fail(key, 'a list of strings');
    return v as string[];
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const v = this.obj[key];
    if (typeof v !== 'string' || !allowed.includes(v as T)) this.fail(key, `one of ${allowed.join(', ')}`);
    return v as T;
  }

  triple(key: string): [number, number, number] {
    const v = this.obj[key];
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number')) this.fail(key, 'a list of 3 numbers');
    return v as [number, number, number];
  }
}

function parseTask(name: string, r: Reader, graphs: Record<string, GraphSpec>, source: string): TaskSpec {
  const kind = r.oneOf('kind', TASK_KINDS);
  const task: TaskSpec = {
    name,
    kind,
    imageSize: r.int('image_size', 1),
    interpolation: r.oneOf('interpolation', INTERPOLATIONS),
    prompt: r.str('prompt'),
    maxLength: r.int('max_length', 1),
    encoder: r.str('encoder'),
    decoder: r.str('decoder'),
    classes: r.has('classes') ? r.strs('classes') : [],
    grid: null,
    numBins: r.has('num_bins') ? r.int('num_bins', 1) : 0,
    maxDetections: r.has('max_detections') ? r.int('max_detections', 1) : 100,
    postprocess: r.has('postprocess') ? r.obj_('postprocess').scalars() : {},
    beams: r.has('beams') ? r.int('beams', 1) : 1,
    temperature: r.has('temperature') ? r.num('temperature', 1e-6) : 1,
    lengthPenalty: r.has('length_penalty') ? r.num('length_penalty') : 0,
  };
  if (kind.startsWith('grid')) {
    const g = r.obj_('grid');
    task.grid = { perWindow: g.int('per_window', 1), side: g.int('side', 1), points: g.int('points', 1) };
    if (task.classes.length === 0) throw new PackageError(`${source}: task "${name}" has no classes.`, { file: source, field: `tasks.${name}.classes` });
  }
  if ((kind === 'grid-box' || kind.startsWith('refer')) && task.numBins === 0) {
    throw new PackageError(`${source}: task "${name}" needs num_bins.`, { file: source, field: `tasks.${name}.num_bins` });
  }
  if (kind.startsWith('refer') && !task.prompt.includes('{expression}')) {
    throw new PackageError(`${source}: the prompt of "${name}" lacks {expression}.`, { file: source, field: `tasks.${name}.prompt` });
  }
  for (const g of [task.encoder, task.decoder]) {
    if (!graphs[g]) throw new PackageError(`${source}: task "${name}" uses graph "${g}", which "graphs" does not declare.`, { file: source, field: `tasks.${name}` });
  }
  return task;
}

export function parseConfig(json: unknown, source = 'config.json'): PackageConfig {
  const r = Reader.root(source, json);
  if (r.str('format') !== 'ufo-web-package') {
    throw new PackageError(`${source} is not a UFO Web package config (format is not "ufo-web-package").`, { file: source, field: 'format' });
  }
  const formatVersion = r.int('format_version', 1);
  if (formatVersion > SUPPORTED_FORMAT_VERSION) {
    throw new PackageError(`${source} uses package format ${formatVersion}; this app reads up to ${SUPPORTED_FORMAT_VERSION}. Update the app.`, { file: source, field: 'format_version' });
  }
  const m = r.obj_('model');
  const model: ModelDims = {
    embedDim: m.int('embed_dim', 1),
    numHeads: m.int('num_heads', 1),
    headDim: m.int('head_dim', 1),
    depth: m.int('depth', 1),
    globalLayers: m.ints('global_layers'),
    windowLayers: m.ints('window_layers'),
    meanLayers: m.ints('mean_layers'),
    patchSize: m.int('patch_size', 1),
    windowSize: m.int('window_size', 1),
    vocabSize: m.int('vocab_size', 1),
    maxTextPositions: m.int('max_text_positions', 1),
  };
  const t = r.obj_('tokens');
  const tokens: TokenIds = {
    pad: t.int('pad'), unk: t.int('unk'), cls: t.int('cls'), sep: t.int('sep'), comma: t.int('comma'),
    mask: t.int('mask'), dec: t.int('dec'), enc: t.int('enc'),
  };
  const p = r.obj_('preprocess');
  const mk = r.obj_('mask');
  const g = r.obj_('graphs');
  const graphs: Record<string, GraphSpec> = {};
  for (const name of g.keys()) {
    const gr = g.obj_(name);
    graphs[name] = {
      inputs: gr.strs('inputs'),
      outputs: gr.strs('outputs'),
      imageSize: gr.has('image_size') ? gr.int('image_size', 1) : null,
      patches: gr.has('patches') ? gr.int('patches', 1) : null,
      layers: gr.has('layers') ? gr.ints('layers') : [],
      topk: gr.has('topk') ? gr.int('topk', 1) : 0,
    };
  }
  const ts = r.obj_('tasks');
  const tasks: Record<string, TaskSpec> = {};
  for (const name of ts.keys()) tasks[name] = parseTask(name, ts.obj_(name), graphs, source);
  const d = r.obj_('dtypes');
  const dtypes: PackageConfig['dtypes'] = {};
  for (const name of d.keys()) {
    if (!(DTYPES as readonly string[]).includes(name)) throw new PackageError(`${source}: unknown dtype "${name}" in "dtypes" (known: ${DTYPES.join(', ')}).`, { file: source, field: `dtypes.${name}` });
    const dr = d.obj_(name);
    const files = dr.obj_('graphs');
    const byGraph: Record<string, string> = {};
    for (const gname of files.keys()) byGraph[gname] = files.str(gname);
    for (const gname of Object.keys(graphs)) {
      if (!byGraph[gname]) throw new PackageError(`${source}: dtype "${name}" has no file for graph "${gname}".`, { file: source, field: `dtypes.${name}.graphs.${gname}` });
    }
    dtypes[name as Dtype] = { weights: dr.str('weights'), graphs: byGraph };
  }
  if (Object.keys(dtypes).length === 0) throw new PackageError(`${source}: "dtypes" lists no weights.`, { file: source, field: 'dtypes' });
  const f = r.has('files') ? r.obj_('files') : null;
  const files: Record<string, PackageFile> = {};
  for (const name of f?.keys() ?? []) {
    const fr = f!.obj_(name);
    files[name] = { bytes: fr.int('bytes'), sha256: fr.str('sha256') };
  }
  return {
    name: r.str('name'),
    family: r.str('family'),
    formatVersion,
    model,
    tokens,
    preprocess: { mean: p.triple('mean'), std: p.triple('std') },
    mask: { tokens: mk.int('tokens', 1), upsample: mk.int('upsample', 1), threshold: mk.num('threshold') },
    tasks,
    graphs,
    dtypes,
    files,
  };
}
