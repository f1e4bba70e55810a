/**
 * Measurements shared by the Node and the browser benchmarks (scripts/bench.ts drives both):
 * per-task stage times of a model, grid-batched against one-by-one decoding, the mask back-ends
 * against instance count and image size. Everything here is platform-neutral; the caller passes
 * the ORT module, the backend and a way to read memory.
 */
import type { BackendInfo, RgbaImage, StageTimings, UfoModel } from '../src/runtime/api';
import type { Dtype, TaskKind, TaskSpec } from '../src/runtime/config';
import { createModel } from '../src/runtime/engine';
import { decodeBatch, type StepFn } from '../src/runtime/engine/decode';
import { cpuMasks, type MaskBackend, unpackMask } from '../src/runtime/engine/masks';
import { createSession, type Ort, type Session, type Tensor } from '../src/runtime/engine/ort';
import { buildPrompt } from '../src/runtime/engine/prompts';
import { float32, int64, readFloat, readInt, release } from '../src/runtime/engine/tensors';
import { decodeImage } from '../src/runtime/image/decode-image';
import { resizeNormalizeCpu } from '../src/runtime/image/resize-input-cpu';
import type { LoadedPackage } from '../src/runtime/package';

/** Bytes in use now: the JS heap, plus whatever else the platform can tell (Node: RSS, buffers). */
export type MemoryProbe = () => Record<string, number>;

export type Log = (line: string) => void;

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function medianStages(runs: readonly StageTimings[]): StageTimings {
  const keys = new Set(runs.flatMap((r) => Object.keys(r)));
  return Object.fromEntries([...keys].map((k) => [k, median(runs.map((r) => r[k] ?? 0))]));
}

async function time<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await run();
  return [value, performance.now() - start];
}

// ---------------------------------------------------------------- whole tasks

export interface TaskBench {
  /** The first call (for cpu and wasm it also creates the task's sessions). */
  first: StageTimings;
  /** Medians over the warm calls; `total` is the wall time of the call, `image` of addImage. */
  warm: StageTimings;
  warmRuns: number;
  /** resizeNormalizeCpu to the task's input size alone: part of `encoder` in the engine's timings. */
  preprocess: number;
}

export interface ModelBench {
  backend: string;
  dtype: Dtype;
  /** Weights bytes: what a WebGPU session uploads to GPU buffers. */
  weightBytes: number;
  /** createModel: onnxruntime start-up (and, on WebGPU, warm-up with shader compilation). */
  loadMs: number;
  tasks: Record<string, TaskBench>;
  memory: { afterLoad: Record<string, number>; afterTasks: Record<string, number> };
}

function runTask(model: UfoModel, kind: TaskKind, image: Parameters<UfoModel['detect']>[0], expression: string): Promise<{ timings: StageTimings }> {
  switch (kind) {
    case 'grid-box':
      return model.detect(image);
    case 'grid-mask':
      return model.segmentInstances(image);
    case 'grid-semantic':
      return model.segmentSemantic(image);
    case 'caption':
      return model.caption(image);
    case 'refer-box':
      return model.refer(image, expression, { mask: false });
    case 'refer-mask':
      return model.refer(image, expression, { mask: true });
  }
}

export interface TaskBenchOptions {
  backend: BackendInfo['backend'];
  image: Uint8Array;
  expression: string;
  /** Warm calls per task after the first. */
  warmRuns: number;
  /** Task names to run (all by default). */
  tasks?: readonly string[];
  memory: MemoryProbe;
  log: Log;
}

/**
 * Every task of the package on one image: a first call, then warm calls. A fresh image handle per
 * call, because the engine caches fixed-prompt results per image.
 */
export async function benchTasks(pkg: LoadedPackage, o: TaskBenchOptions): Promise<ModelBench> {
  const [model, loadMs] = await time(() => createModel(pkg, { backend: o.backend }));
  const afterLoad = o.memory();
  const decoded = (await decodeImage(o.image)).image;
  const { mean, std } = pkg.config.preprocess;
  const tasks: Record<string, TaskBench> = {};
  try {
    for (const [name, kind] of Object.entries(model.tasks)) {
      if (o.tasks && !o.tasks.includes(name)) continue;
      const spec: TaskSpec = pkg.config.tasks[name]!;
      const runs: StageTimings[] = [];
      for (let r = 0; r <= o.warmRuns; r++) {
        const [handle, image] = await time(() => model.addImage(o.image));
        const [result, total] = await time(() => runTask(model, kind, handle, o.expression));
        model.releaseImage(handle);
        runs.push({ image, ...result.timings, total });
      }
      const pre = Array.from({ length: 3 }, () => {
        const start = performance.now();
        resizeNormalizeCpu(decoded, spec.imageSize, spec.interpolation, mean, std);
        return performance.now() - start;
      });
      tasks[name] = { first: runs[0]!, warm: medianStages(runs.slice(1)), warmRuns: o.warmRuns, preprocess: median(pre) };
      o.log(`  ${model.backend.backend}/${pkg.dtype} ${name}: first ${runs[0]!.total!.toFixed(0)} ms, warm ${tasks[name]!.warm.total!.toFixed(0)} ms`);
    }
  } finally {
    await model.dispose();
  }
  return { backend: model.backend.backend, dtype: pkg.dtype, weightBytes: pkg.weights.data.byteLength, loadMs, tasks, memory: { afterLoad, afterTasks: o.memory() } };
}

// ---------------------------------------------------------------- grid decoding

export interface GridDecodeBench {
  backend: string;
  task: string;
  /** Per grid-point count: the batched decode, the same points decoded one by one, and memory. */
  rows: {
    points: number;
    batchedMs: number;
    /** null where one-by-one decoding was not run that far (slow back-ends decode fewer points alone). */
    aloneMs: number | null;
    steps: number;
    /** Largest KV cache (all layers) a step produced, bytes: on the GPU for WebGPU. */
    peakCacheBytes: number;
  }[];
  /** Batched and one-by-one gave the same tokens for every point decoded both ways. */
  identical: boolean;
  /** The prompt through the text encoder, and the image through the grid encoder: first and second run. */
  encoderMs: { text: number; first: number; warm: number };
  /** The tensors a grid request keeps alive, for the GPU-memory estimate (bytes). */
  tensorBytes: Record<string, number>;
}

function tensorBytes(t: Tensor): number {
  return t.dims.reduce((a, b) => a * b, 1) * (t.type === 'int64' ? 8 : 4);
}

/** Decoder outputs the host reads each step; every other output stays on the GPU on WebGPU. */
const HOST_OUTPUTS = ['next_id', 'max_prob', 'topk_logp', 'topk_ids'];

/** One decoder step with per-layer caches, named as the package's graph spec names them. */
function stepper(ort: Ort, session: Session, pastNames: string[], presentNames: string[], temperature: number, peak: { bytes: number }): StepFn {
  const temp = float32(ort, new Float32Array([temperature]), [1]);
  return async (ids, pos, past, rows) => {
    const feeds: Record<string, Tensor> = {
      ids: int64(ort, ids, [ids.length, 1]), pos: int64(ort, [pos], [1]), rows: int64(ort, rows, [rows.length]), temperature: temp,
    };
    pastNames.forEach((n, j) => (feeds[n] = past[j]!));
    const out = await session.run(feeds);
    const present = presentNames.map((n) => out[n]!);
    peak.bytes = Math.max(peak.bytes, present.reduce((a, t) => a + tensorBytes(t), 0));
    return {
      nextId: await readInt(out.next_id!), maxProb: Array.from(await readFloat(out.max_prob!)), hidden: out.hidden!,
      present, topkLogp: Array.from(await readFloat(out.topk_logp!)), topkIds: await readInt(out.topk_ids!),
    };
  };
}

/**
 * The first grid task's prompt and image through the text encoder and the grid encoder, then its
 * decoder: the first `points` grid points (at most the whole grid) in one pruned batch, against each point alone
 * (decodeBatch with count 1, as decode.test.ts checks their equality). Each point alone costs the
 * same whatever else is decoded, so the one-by-one time for N points is the sum over the first N.
 * Batched times are medians of `runs`.
 */
export async function benchGridDecode(
  ort: Ort, info: BackendInfo, pkg: LoadedPackage, image: RgbaImage, points: readonly number[], alonePoints: number, runs: number, log: Log,
): Promise<GridDecodeBench> {
  const config = pkg.config;
  const t = Object.values(config.tasks).find((x) => x.grid !== null)!;
  const session = (graph: string) => {
    const gpuOutputs = info.backend === 'webgpu' ? config.graphs[graph]!.outputs.filter((o) => !HOST_OUTPUTS.includes(o)) : [];
    return createSession(ort, info, { name: graph, model: pkg.graphs[graph]!, weights: pkg.weights, gpuOutputs });
  };
  const text = await session('text_encoder');
  const encoder = await session(t.encoder);
  const decoder = await session(t.decoder);
  const kvNames = config.graphs[t.encoder]!.outputs.filter((n) => /_kv_\d+$/.test(n));
  const decoderSpec = config.graphs[t.decoder]!;
  const prompt = buildPrompt(t, pkg.tokenizer, config.tokens);
  const [textOut, textMs] = await time(() => text.run({ ids: int64(ort, prompt.ids, [1, prompt.ids.length]) }));
  const textKv = textOut.text_kv!;
  const pixels = resizeNormalizeCpu(image, t.imageSize, t.interpolation, config.preprocess.mean, config.preprocess.std);
  const encode = () => encoder.run({ pixels: float32(ort, pixels, [1, 3, t.imageSize, t.imageSize]), text_kv: textKv });
  const [firstEnc, firstMs] = await time(encode);
  Object.values(firstEnc).forEach(release);
  const [enc, warmMs] = await time(encode);
  const prefix = kvNames.map((n) => enc[n]!);
  const first = new Set(t.classes.map((c) => pkg.tokenizer.encode(c)[0]!));
  const tok = config.tokens;
  const peak = { bytes: 0 };
  const step = stepper(
    ort, decoder, decoderSpec.inputs.filter((n) => n.startsWith('past_')), decoderSpec.outputs.filter((n) => n.startsWith('present_')), t.temperature, peak,
  );
  const options = {
    start: tok.cls, end: tok.sep, mask: tok.mask, maxLength: t.maxLength, states: cpuMasks(config.model.embedDim, config.mask.tokens).states(),
    firstToken: (id: number) => first.has(id),
  };
  const rows: GridDecodeBench['rows'] = [];
  let identical = true;
  // Counts past the package's grid (UFO-Tiny has 36 points, the official models 625) become the whole grid.
  const counts = [...new Set(points.map((n) => Math.min(n, t.grid!.points)))];
  try {
    const max = Math.max(...counts);
    // One untimed pass: the first run of a graph pays for kernel selection (and shaders on WebGPU).
    await decodeBatch(step, prefix, { ...options, count: max });
    const batched = new Map<number, { ms: number; steps: number; peak: number; ids: number[][] }>();
    for (const n of counts) {
      peak.bytes = 0;
      const times: number[] = [];
      let ids: number[][] = [];
      let steps = 0;
      for (let k = 0; k < runs; k++) {
        const [r, ms] = await time(() => decodeBatch(step, prefix, { ...options, count: n, initialRows: [...Array(n).keys()] }));
        times.push(ms);
        ids = r.ids;
        steps = r.batchSizes.length;
      }
      batched.set(n, { ms: median(times), steps, peak: peak.bytes, ids });
    }
    const alone: number[] = [];
    const all = batched.get(max)!.ids;
    for (let g = 0; g < Math.min(alonePoints, max); g++) {
      const [r, ms] = await time(() => decodeBatch(step, prefix, { ...options, count: 1, initialRows: [g] }));
      alone.push(ms);
      if (r.ids[0]!.join() !== all[g]!.join()) identical = false;
    }
    for (const n of counts) {
      const b = batched.get(n)!;
      const aloneMs = n <= alone.length ? alone.slice(0, n).reduce((a, c) => a + c, 0) : null;
      rows.push({ points: n, batchedMs: b.ms, aloneMs, steps: b.steps, peakCacheBytes: b.peak });
      log(`  ${info.backend} grid decode ${n} points: batched ${b.ms.toFixed(0)} ms, one by one ${aloneMs === null ? 'not run' : `${aloneMs.toFixed(0)} ms`}`);
    }
    return {
      backend: info.backend, task: t.name, rows, identical, encoderMs: { text: textMs, first: firstMs, warm: warmMs },
      tensorBytes: { text_kv: tensorBytes(textKv), prefix_kv: prefix.reduce((a, p) => a + tensorBytes(p), 0), img_feat: tensorBytes(enc.img_feat!) },
    };
  } finally {
    release(textKv);
    Object.values(enc).forEach(release);
    await Promise.all([text.release(), encoder.release(), decoder.release()]);
  }
}

// ---------------------------------------------------------------- mask post-processing

export interface MaskCase {
  n: number;
  h0: number;
  w0: number;
}

export interface MaskBench extends MaskCase {
  backend: string;
  /** Median of masks() (similarity, resize, stats, pairwise intersections, readback) and semantic(). */
  masksMs: number;
  semanticMs: number;
  /** Unpacking every mask to 1 byte per pixel, as the API returns them (CPU, both back-ends). */
  unpackMs: number;
  /** Buffers the mask pipeline holds at once (logits, packed bits, intersections) and the API's masks. */
  workingBytes: number;
  outputBytes: number;
}

/** Seeded values in [-1, 1) (mulberry32), so every platform measures the same data. */
export function seeded(length: number, seed: number): Float32Array {
  let a = seed >>> 0;
  return Float32Array.from({ length }, () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  });
}

/**
 * A mask back-end on synthetic features and queries of the model's shape (p x p x c features, 16
 * queries per instance), for each case: the runtime's mask path without the model in front of it.
 */
export async function benchMasks(
  name: string, backend: MaskBackend, feat: Tensor, p: number, c: number, cases: readonly MaskCase[], runs: number, log: Log,
): Promise<MaskBench[]> {
  const out: MaskBench[] = [];
  for (const { n, h0, w0 } of cases) {
    const queries = seeded(n * 16 * c, n);
    const labels = Uint32Array.from({ length: n }, (_, i) => 1 + (i % 5));
    const scores = Float32Array.from({ length: n }, (_, i) => 1 - i / (2 * n));
    const shape = { n, p, c, h0, w0 };
    const masks: number[] = [];
    const semantic: number[] = [];
    const unpack: number[] = [];
    // Run 0 is a warm-up (pipeline compilation on WebGPU) and is not counted.
    for (let r = 0; r <= runs; r++) {
      const [set, ms] = await time(() => backend.masks(feat, queries, shape, true));
      const [, semMs] = await time(() => backend.semantic(feat, queries, labels, scores, shape, 6));
      const start = performance.now();
      for (let i = 0; i < n; i++) unpackMask(set, i, h0, w0);
      if (r > 0) {
        masks.push(ms);
        semantic.push(semMs);
        unpack.push(performance.now() - start);
      }
    }
    const words = Math.ceil(w0 / 32);
    const workingBytes = n * (4 * p) ** 2 * 4 + n * h0 * words * 4 + n * n * 4;
    out.push({ backend: name, n, h0, w0, masksMs: median(masks), semanticMs: median(semantic), unpackMs: median(unpack), workingBytes, outputBytes: n * h0 * w0 });
    log(`  masks ${name} N=${n} ${w0}x${h0}: ${median(masks).toFixed(1)} ms, semantic ${median(semantic).toFixed(1)} ms`);
  }
  return out;
}

// ---------------------------------------------------------------- image size

export interface ImageSizeBench {
  side: number;
  /** addImage's decode of raw pixels (checks and the working copy). */
  imageMs: number;
  /** Resize and normalise to each input size the package uses. */
  preprocessMs: Record<string, number>;
  rgbaBytes: number;
}

/** A deterministic test card: gradients with a few hard edges, so resizing has real work. */
export function syntheticImage(side: number): RgbaImage {
  const data = new Uint8ClampedArray(side * side * 4);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const i = 4 * (y * side + x);
      const inside = (x * 7) % side < side / 3 && (y * 5) % side < side / 2;
      data[i] = (255 * x) / side;
      data[i + 1] = inside ? 255 : (255 * y) / side;
      data[i + 2] = inside ? 0 : 128;
      data[i + 3] = 255;
    }
  }
  return { width: side, height: side, data };
}

export async function benchImageSizes(pkg: LoadedPackage, sides: readonly number[], runs: number, log: Log): Promise<ImageSizeBench[]> {
  const { mean, std } = pkg.config.preprocess;
  const inputs = new Map(Object.values(pkg.config.tasks).map((t) => [`${t.imageSize}`, t]));
  const out: ImageSizeBench[] = [];
  for (const side of sides) {
    const image = syntheticImage(side);
    const imageMs: number[] = [];
    const pre: Record<string, number[]> = {};
    for (let r = 0; r < runs; r++) {
      imageMs.push((await time(() => decodeImage(image)))[1]);
      for (const [size, t] of inputs) {
        const start = performance.now();
        resizeNormalizeCpu(image, t.imageSize, t.interpolation, mean, std);
        (pre[size] ??= []).push(performance.now() - start);
      }
    }
    const preprocessMs = Object.fromEntries(Object.entries(pre).map(([k, v]) => [k, median(v)]));
    out.push({ side, imageMs: median(imageMs), preprocessMs, rgbaBytes: side * side * 4 });
    log(`  image ${side} px: addImage ${median(imageMs).toFixed(1)} ms, preprocess ${JSON.stringify(preprocessMs, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(1)) : v))}`);
  }
  return out;
}
