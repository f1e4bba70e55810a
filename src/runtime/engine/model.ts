/**
 * The in-thread UFO engine: each task entry point is glue — preprocess, run the graphs, decode,
 * post-process, format — over the package's config, which supplies every number.
 */
import type {
  BackendInfo,
  Box,
  CaptionResult,
  Detection,
  DetectionsResult,
  ImageHandle,
  Mask,
  ReferOptions,
  ReferResult,
  RgbaImage,
  RunOptions,
  SemanticResult,
  StageTimings,
  UfoModel,
} from '../api';
import type { PackageConfig, TaskKind, TaskSpec } from '../config';
import { DeviceLostError, InputError, UnsupportedTaskError, throwIfAborted } from '../errors';
import { resizeNormalizeCpu } from '../image/resize-input-cpu';
import type { LoadedPackage } from '../package';
import { matrixNms } from '../postprocess/matrix-nms';
import { softNmsLinear } from '../postprocess/soft-nms';
import { binsToBox, gridRef, parseInts, toImageBox, type XYXY } from './answers';
import { beamSearch } from './beam-search';
import { decodeBatch, type DecodeResult, type StepFn } from './decode';
import { type MaskBackend, type MaskSet, type MaskShape, type MaskStates, type Queries, unpackMask } from './masks';
import { createSession, type Ort, type Session, type Tensor } from './ort';
import { buildPrompt, type Prompt } from './prompts';
import { float32, int64, readFloat, readInt, release } from './tensors';

/** An image the engine holds: the working pixels and the model inputs and results made from them. */
interface ImageEntry {
  handle: ImageHandle;
  image: RgbaImage;
  /** Working size / original size (1 unless a huge image was downscaled). */
  scale: number;
  pixels: Map<string, Float32Array>;
  /** Model inputs resized on the GPU (WebGPU path), by size; destroyed with the image. */
  gpuPixels: Map<number, GPUBuffer>;
  results: Map<string, Promise<unknown>>;
}

/** Resizes an image into the model's input tensor on the GPU (gpu-stages.ts). */
export type GpuResize = (image: RgbaImage, size: number, mean: readonly [number, number, number], std: readonly [number, number, number]) => GPUBuffer;

/** What the engine needs of an image decoder (src/runtime/image). */
export type ImageDecoder = (input: Blob | ArrayBuffer | Uint8Array | RgbaImage, signal?: AbortSignal) => Promise<{ image: RgbaImage; originalWidth: number; originalHeight: number; scale: number }>;

/** Outputs that feed another graph or our WGSL: they stay on the GPU on the WebGPU path. */
const GPU_OUTPUT = /^(text_kv|img_feat|hidden|grid_kv_\d+|img_kv_\d+|present_\d+)$/;

class Clock {
  readonly timings: StageTimings = {};
  private last = performance.now();
  lap(stage: string): void {
    const now = performance.now();
    this.timings[stage] = (this.timings[stage] ?? 0) + (now - this.last);
    this.last = now;
  }
}

export class EngineModel implements UfoModel {
  readonly config: PackageConfig;
  readonly tasks: Readonly<Record<string, TaskKind>>;
  private readonly sessions = new Map<string, Promise<Session>>();
  private readonly textKv = new Map<string, Promise<Tensor>>();
  private readonly images = new Map<string, ImageEntry>();
  private nextImage = 0;

  constructor(
    private readonly ort: Ort,
    readonly backend: BackendInfo,
    private readonly pkg: LoadedPackage,
    private maskBackend: MaskBackend,
    private readonly decodeImage: ImageDecoder,
  ) {
    this.config = pkg.config;
    this.tasks = Object.fromEntries(Object.values(pkg.config.tasks).map((t) => [t.name, t.kind]));
  }

  private gpuResize: GpuResize | null = null;

  /** Move resizing and mask post-processing to WGSL once ORT's GPUDevice exists. */
  useGpuStages(masks: MaskBackend, resize: GpuResize): void {
    this.maskBackend = masks;
    this.gpuResize = resize;
  }

  // ------------------------------------------------------------------ images
  async addImage(input: Blob | ArrayBuffer | Uint8Array | RgbaImage, options: { signal?: AbortSignal } = {}): Promise<ImageHandle> {
    const decoded = await this.decodeImage(input, options.signal);
    const handle: ImageHandle = { id: `img${this.nextImage++}`, width: decoded.originalWidth, height: decoded.originalHeight };
    this.images.set(handle.id, { handle, image: decoded.image, scale: decoded.scale, pixels: new Map(), gpuPixels: new Map(), results: new Map() });
    return handle;
  }

  releaseImage(image: ImageHandle): void {
    this.images.get(image.id)?.gpuPixels.forEach((b) => b.destroy());
    this.images.delete(image.id);
  }

  /** Set when the GPU device is lost: every later request fails with DeviceLostError. */
  private lostReason: string | null = null;

  markDeviceLost(reason: string): void {
    this.lostReason = reason || 'unknown reason';
  }

  private entry(image: ImageHandle): ImageEntry {
    if (this.lostReason !== null) throw new DeviceLostError(this.lostReason);
    const e = this.images.get(image.id);
    if (!e) throw new InputError('That image is no longer loaded; add it again.');
    return e;
  }

  /** Results of fixed-prompt tasks depend only on the image: compute once, then reuse. */
  private cached<T>(e: ImageEntry, key: string, run: () => Promise<T>): Promise<T> {
    const hit = e.results.get(key) as Promise<T> | undefined;
    if (hit) return hit;
    const p = run();
    e.results.set(key, p);
    p.catch(() => e.results.delete(key)); // a failed or cancelled run is not remembered
    return p;
  }

  // ------------------------------------------------------------------ building blocks
  private task(kinds: readonly TaskKind[], label: string): TaskSpec {
    for (const kind of kinds) {
      const t = Object.values(this.config.tasks).find((x) => x.kind === kind);
      if (t) return t;
    }
    throw new UnsupportedTaskError(label, Object.keys(this.config.tasks));
  }

  private session(graph: string): Promise<Session> {
    let s = this.sessions.get(graph);
    if (!s) {
      const spec = this.config.graphs[graph]!;
      s = createSession(this.ort, this.backend, {
        name: graph,
        model: this.pkg.graphs[graph]!,
        weights: this.pkg.weights,
        gpuOutputs: spec.outputs.filter((o) => GPU_OUTPUT.test(o)),
      });
      this.sessions.set(graph, s);
    }
    return s;
  }

  /** Prompt keys/values; fixed prompts are computed once per model and kept. */
  private async promptKv(prompt: Prompt, keep: boolean): Promise<Tensor> {
    const key = prompt.ids.join(',');
    const hit = keep ? this.textKv.get(key) : undefined;
    if (hit) return hit;
    const run = (async () => {
      const s = await this.session('text_encoder');
      const out = await s.run({ ids: int64(this.ort, prompt.ids, [1, prompt.ids.length]) });
      return out.text_kv!;
    })();
    if (keep) this.textKv.set(key, run);
    return run;
  }

  private pixels(e: ImageEntry, t: TaskSpec): Tensor {
    const dims = [1, 3, t.imageSize, t.imageSize];
    if (this.gpuResize && t.interpolation === 'bilinear') {
      // WebGPU path: the image is resized on the GPU and feeds the encoder without a round trip.
      let buffer = e.gpuPixels.get(t.imageSize);
      if (!buffer) {
        buffer = this.gpuResize(e.image, t.imageSize, this.config.preprocess.mean, this.config.preprocess.std);
        e.gpuPixels.set(t.imageSize, buffer);
      }
      return this.ort.Tensor.fromGpuBuffer(buffer, { dataType: 'float32', dims });
    }
    const key = `${t.imageSize}:${t.interpolation}`;
    let data = e.pixels.get(key);
    if (!data) {
      const { mean, std } = this.config.preprocess;
      data = resizeNormalizeCpu(e.image, t.imageSize, t.interpolation, mean, std);
      e.pixels.set(key, data);
    }
    return float32(this.ort, data, dims);
  }

  private async encode(t: TaskSpec, e: ImageEntry, prompt: Prompt, clock: Clock, o: RunOptions): Promise<Record<string, Tensor>> {
    o.onProgress?.({ phase: 'encode' });
    const textKv = await this.promptKv(prompt, !t.kind.startsWith('refer'));
    clock.lap('text');
    throwIfAborted(o.signal);
    const session = await this.session(t.encoder);
    try {
      const out = await session.run({ pixels: this.pixels(e, t), text_kv: textKv });
      clock.lap('encoder');
      return out;
    } finally {
      if (t.kind.startsWith('refer')) release(textKv);
    }
  }

  private async stepper(t: TaskSpec): Promise<StepFn> {
    const session = await this.session(t.decoder);
    const spec = this.config.graphs[t.decoder]!;
    const pastNames = spec.inputs.filter((n) => n.startsWith('past_'));
    const presentNames = spec.outputs.filter((n) => n.startsWith('present_'));
    const { ort } = this;
    const temperature = float32(ort, new Float32Array([t.temperature]), [1]);
    return async (ids, pos, past, rows) => {
      const feeds: Record<string, Tensor> = {
        ids: int64(ort, ids, [ids.length, 1]),
        pos: int64(ort, [pos], [1]),
        rows: int64(ort, rows, [rows.length]),
        temperature,
      };
      pastNames.forEach((n, j) => (feeds[n] = past[j]!));
      const out = await session.run(feeds);
      return {
        nextId: await readInt(out.next_id!),
        maxProb: Array.from(await readFloat(out.max_prob!)),
        hidden: out.hidden!,
        present: presentNames.map((n) => out[n]!),
        topkLogp: Array.from(await readFloat(out.topk_logp!)),
        topkIds: await readInt(out.topk_ids!),
      };
    };
  }

  /** The encoder's per-layer decoder prefix (grid_kv_j or img_kv_j), in layer order. */
  private prefix(t: TaskSpec, enc: Record<string, Tensor>): Tensor[] {
    return this.config.graphs[t.encoder]!.outputs.filter((n) => /_kv_\d+$/.test(n)).map((n) => enc[n]!);
  }

  private async decode(t: TaskSpec, prefix: Tensor[], count: number, states: MaskStates, o: RunOptions, clock: Clock): Promise<DecodeResult> {
    o.onProgress?.({ phase: 'decode', fraction: 0 });
    const tok = this.config.tokens;
    let firstToken: ((id: number) => boolean) | null = null;
    if (t.grid) {
      // Spec §7: after step 0 only answers that can name a class stay in the batch. "background"
      // (detection's no-object answer) is kept only where the task lists it as a class.
      const first = new Set(t.classes.map((c) => this.pkg.tokenizer.encode(c)[0]!));
      firstToken = (id) => first.has(id);
    }
    const result = await decodeBatch(await this.stepper(t), prefix, {
      count, start: tok.cls, end: tok.sep, mask: tok.mask, maxLength: t.maxLength,
      states, firstToken, signal: o.signal,
      onStep: (s) => o.onProgress?.({ phase: 'decode', fraction: (s + 1) / t.maxLength }),
    });
    throwIfAborted(o.signal); // a cancel during the last step must not yield a result
    clock.lap('decode');
    return result;
  }

  /** The answer of a grid point as comma parts, if its first part is one of the task's classes. */
  private classAnswer(t: TaskSpec, ids: number[]): { label: number; parts: string[] } | null {
    const parts = this.pkg.tokenizer.decode(ids).split(',');
    const name = parts[0]!.trim();
    const label = t.classes.indexOf(name);
    return label < 0 ? null : { label, parts };
  }

  private box(b: XYXY, e: ImageEntry): Box {
    return { x1: b[0] / e.scale, y1: b[1] / e.scale, x2: b[2] / e.scale, y2: b[3] / e.scale };
  }

  private mask(set: MaskSet, index: number, e: ImageEntry): Mask {
    return { width: e.image.width, height: e.image.height, data: unpackMask(set, index, e.image.height, e.image.width) };
  }

  /** Create every graph's session now, so the first request's timings measure inference. */
  async openSessions(): Promise<void> {
    for (const graph of Object.keys(this.config.graphs)) await this.session(graph);
  }

  /**
   * Run every graph once on the smallest input (an empty prompt, a blank image, one decoder step)
   * so that shader compilation happens now rather than in the user's first request.
   */
  async warmup(): Promise<void> {
    const tok = this.config.tokens;
    const textKv = await this.promptKv({ ids: [tok.cls], expression: '', truncated: false }, false);
    const seen = new Set<string>();
    try {
      for (const t of Object.values(this.config.tasks)) {
        if (seen.has(t.encoder + t.decoder)) continue;
        seen.add(t.encoder + t.decoder);
        const size = t.imageSize;
        const pixels = float32(this.ort, new Float32Array(3 * size * size), [1, 3, size, size]);
        const enc = await (await this.session(t.encoder)).run({ pixels, text_kv: textKv });
        const prefix = this.prefix(t, enc);
        const out = await (await this.stepper(t))([tok.cls], 0, prefix, [0]);
        [...Object.values(enc), out.hidden, ...out.present].forEach(release);
      }
    } finally {
      release(textKv);
    }
  }

  // ------------------------------------------------------------------ tasks
  async refer(image: ImageHandle, expression: string, o: ReferOptions = {}): Promise<ReferResult> {
    const e = this.entry(image);
    const t = this.task(o.mask === false ? ['refer-box', 'refer-mask'] : ['refer-mask', 'refer-box'], 'refer');
    const clock = new Clock();
    const prompt = buildPrompt(t, this.pkg.tokenizer, this.config.tokens, expression);
    o.onProgress?.({ phase: 'preprocess' });
    const enc = await this.encode(t, e, prompt, clock, o);
    const feat = enc.img_feat!;
    const states = this.maskBackend.states();
    let queries: Queries | null = null;
    try {
      const prefix = this.prefix(t, enc);
      const dec = await this.decode(t, prefix, 1, states, o, clock).finally(() => prefix.forEach(release));
      const ids = dec.ids[0]!;
      const text = this.pkg.tokenizer.decode(ids);
      const parts = text.split(',');
      const bins = parts.length >= 4 ? parseInts(parts.slice(0, 4)) : null;
      const { width, height } = e.image;
      const box = bins ? this.box(toImageBox(binsToBox(bins, [0.5, 0.5], t.numBins), t.imageSize, width, height), e) : null;
      let mask: Mask | null = null;
      if (t.kind === 'refer-mask' && states.count(0) === this.config.mask.tokens) {
        o.onProgress?.({ phase: 'masks' });
        const p = this.config.graphs[t.encoder]!.patches!;
        queries = await states.queries([0]);
        const set = await this.maskBackend.masks(feat, queries, { n: 1, p, c: this.config.model.embedDim, h0: height, w0: width }, false);
        if (set.count[0]! > 0) mask = this.mask(set, 0, e);
        clock.lap('masks');
      }
      return { expression: prompt.expression, truncated: prompt.truncated, box, mask, text, tokens: ids, timings: clock.timings };
    } finally {
      release(feat);
      states.dispose();
      if (queries && !(queries instanceof Float32Array)) queries.destroy();
    }
  }

  async detect(image: ImageHandle, o: RunOptions = {}): Promise<DetectionsResult> {
    const e = this.entry(image);
    const t = this.task(['grid-box'], 'detection');
    return this.cached(e, t.name, async () => {
      const clock = new Clock();
      const enc = await this.encode(t, e, buildPrompt(t, this.pkg.tokenizer, this.config.tokens), clock, o);
      release(enc.img_feat);
      const prefix = this.prefix(t, enc);
      const states = this.maskBackend.states(); // detection answers have no <MASK>: it stays empty
      const dec = await this.decode(t, prefix, t.grid!.points, states, o, clock).finally(() => {
        prefix.forEach(release);
        states.dispose();
      });
      o.onProgress?.({ phase: 'postprocess' });
      const boxes: number[] = [];
      const labels: number[] = [];
      const scores: number[] = [];
      for (const g of byFirstScore(dec)) {
        const answer = this.classAnswer(t, dec.ids[g]!);
        const bins = answer && answer.parts.length >= 5 ? parseInts(answer.parts.slice(1, 5)) : null;
        if (!answer || !bins) continue;
        boxes.push(...toImageBox(binsToBox(bins, gridRef(g, t.grid!.side), t.numBins), t.imageSize, e.image.width, e.image.height));
        labels.push(answer.label);
        scores.push(dec.probs[g]![0]!);
        if (labels.length === t.maxDetections) break;
      }
      const nms = softNmsLinear(boxes, scores, labels, {
        iouThreshold: Number(t.postprocess.iou_threshold ?? 0.5),
        minScore: Number(t.postprocess.min_score ?? 1e-3),
      });
      const detections: Detection[] = nms.indices.map((i, k) => ({
        label: t.classes[labels[i]!]!,
        labelIndex: labels[i]!,
        score: nms.scores[k]!,
        box: this.box(boxes.slice(4 * i, 4 * i + 4) as XYXY, e),
        mask: null,
      }));
      clock.lap('postprocess');
      return { detections, timings: clock.timings };
    });
  }

  /** Grid points whose answer is a class and exactly 16 <MASK>s, in score order (spec §5.1 step 1). */
  private maskCandidates(t: TaskSpec, dec: DecodeResult): { points: number[]; labels: number[]; scores: number[] } {
    const out = { points: [] as number[], labels: [] as number[], scores: [] as number[] };
    for (const g of byFirstScore(dec)) {
      const answer = this.classAnswer(t, dec.ids[g]!);
      const masks = dec.ids[g]!.filter((id) => id === this.config.tokens.mask).length;
      if (!answer || masks !== this.config.mask.tokens) continue;
      out.points.push(g);
      out.labels.push(answer.label);
      out.scores.push(dec.probs[g]![0]!);
    }
    return out;
  }

  /**
   * The shared front of the two mask tasks: encode, decode every grid point, keep the candidates
   * and hand their mask queries, with the image features, to `finish`.
   */
  private async gridMasks<T>(
    e: ImageEntry,
    t: TaskSpec,
    o: RunOptions,
    finish: (g: { feat: Tensor; queries: Queries; c: ReturnType<EngineModel['maskCandidates']>; shape: MaskShape; clock: Clock }) => Promise<T>,
  ): Promise<T> {
    const clock = new Clock();
    const enc = await this.encode(t, e, buildPrompt(t, this.pkg.tokenizer, this.config.tokens), clock, o);
    const feat = enc.img_feat!;
    const states = this.maskBackend.states();
    let queries: Queries | null = null;
    try {
      const prefix = this.prefix(t, enc);
      const dec = await this.decode(t, prefix, t.grid!.points, states, o, clock).finally(() => prefix.forEach(release));
      const c = this.maskCandidates(t, dec);
      o.onProgress?.({ phase: 'masks' });
      const p = this.config.graphs[t.encoder]!.patches!;
      const shape = { n: c.points.length, p, c: this.config.model.embedDim, h0: e.image.height, w0: e.image.width };
      queries = await states.queries(c.points);
      return await finish({ feat, queries, c, shape, clock });
    } finally {
      release(feat);
      states.dispose();
      if (queries && !(queries instanceof Float32Array)) queries.destroy();
    }
  }

  async segmentInstances(image: ImageHandle, o: RunOptions = {}): Promise<DetectionsResult> {
    const e = this.entry(image);
    const t = this.task(['grid-mask'], 'instance segmentation');
    return this.cached(e, t.name, () =>
      this.gridMasks(e, t, o, async ({ feat, queries, c, shape, clock }) => {
        const set = await this.maskBackend.masks(feat, queries, shape, true);
        clock.lap('masks');
        // Spec §5.1 steps 7-8: drop empty masks; score = first-token score x mean prob inside.
        const n = shape.n;
        const kept = [...Array(n).keys()].filter((i) => set.count[i]! > 0);
        const scores = kept.map((i) => c.scores[i]! * (set.probSum[i]! / set.count[i]!));
        const inter = new Uint32Array(kept.length * kept.length);
        kept.forEach((i, a) => kept.forEach((j, b) => (inter[a * kept.length + b] = set.intersections[i * n + j]!)));
        const nms = matrixNms(inter, kept.map((i) => c.labels[i]!), scores, {
          sigma: Number(t.postprocess.sigma ?? 2), filterThr: Number(t.postprocess.filter_threshold ?? 0.05), maxNum: t.maxDetections,
        });
        const detections: Detection[] = nms.indices.map((a, k) => {
          const i = kept[a]!;
          return { label: t.classes[c.labels[i]!]!, labelIndex: c.labels[i]!, score: nms.scores[k]!, box: null, mask: this.mask(set, i, e) };
        });
        clock.lap('postprocess');
        return { detections, timings: clock.timings };
      }),
    );
  }

  async segmentSemantic(image: ImageHandle, o: RunOptions = {}): Promise<SemanticResult> {
    const e = this.entry(image);
    const t = this.task(['grid-semantic'], 'semantic segmentation');
    return this.cached(e, t.name, () =>
      this.gridMasks(e, t, o, async ({ feat, queries, c, shape, clock }) => {
        const labels = await this.maskBackend.semantic(feat, queries, Uint32Array.from(c.labels), Float32Array.from(c.scores), shape, t.classes.length);
        clock.lap('masks');
        const counts = new Map<number, number>();
        for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
        const present = [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([index, count]) => ({ index, name: t.classes[index]!, share: count / labels.length }));
        clock.lap('postprocess');
        return { width: shape.w0, height: shape.h0, labels, classes: t.classes, present, timings: clock.timings };
      }),
    );
  }

  async caption(image: ImageHandle, o: RunOptions = {}): Promise<CaptionResult> {
    const e = this.entry(image);
    const t = this.task(['caption'], 'caption');
    return this.cached(e, t.name, async () => {
      const clock = new Clock();
      const enc = await this.encode(t, e, buildPrompt(t, this.pkg.tokenizer, this.config.tokens), clock, o);
      release(enc.img_feat);
      o.onProgress?.({ phase: 'decode' });
      const tok = this.config.tokens;
      const prefix = this.prefix(t, enc);
      const ids = await beamSearch(await this.stepper(t), prefix, {
        beams: t.beams, start: tok.cls, end: tok.sep, maxLength: t.maxLength, lengthPenalty: t.lengthPenalty, signal: o.signal,
      }).finally(() => prefix.forEach(release));
      clock.lap('decode');
      return { text: this.pkg.tokenizer.decode(ids), tokens: ids, timings: clock.timings };
    });
  }

  async dispose(): Promise<void> {
    for (const kv of this.textKv.values()) release(await kv.catch(() => null));
    this.textKv.clear();
    for (const s of this.sessions.values()) await (await s.catch(() => null))?.release();
    this.sessions.clear();
    for (const e of this.images.values()) e.gpuPixels.forEach((b) => b.destroy());
    this.images.clear();
  }
}

/** Grid points by first-token score, descending; ties keep grid order (a stable sort). */
function byFirstScore(dec: DecodeResult): number[] {
  return [...dec.probs.keys()].sort((a, b) => dec.probs[b]![0]! - dec.probs[a]![0]!);
}
