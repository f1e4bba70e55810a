/**
 * The runtime's public contract. The in-thread engine (Node, tests, the worker's inside) and the
 * worker proxy the app talks to both implement `UfoModel`, so callers do not care where
 * inference runs (the web-llm pattern).
 */
import type { PackageConfig, TaskKind } from './config';

/** Pixels as ImageData lays them out: RGBA, row-major, 8 bits per channel. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

export const BACKENDS = ['webgpu', 'wasm', 'cpu'] as const;
/** webgpu / wasm: onnxruntime-web EPs in the browser; cpu: onnxruntime-node. */
export type Backend = (typeof BACKENDS)[number];

export interface BackendInfo {
  backend: Backend;
  /** WebGPU adapter description (vendor, architecture) when backend is webgpu. */
  adapter?: string;
  /** Why WebGPU was not used, when it was asked for and the runtime fell back. Never silent. */
  fallbackReason?: string;
}

/** Pixel coordinates in the original image, x1 <= x2, y1 <= y2. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** A binary mask at the original image size: 1 byte per pixel, 0 or 1, row-major. */
export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Milliseconds per stage of the last request, e.g. preprocess, text, encoder, decode, masks, post. */
export type StageTimings = Record<string, number>;

export interface Detection {
  label: string;
  /** Index into the task's class list. */
  labelIndex: number;
  score: number;
  box: Box | null;
  mask: Mask | null;
}

export interface ReferResult {
  /** The cleaned expression the model was asked about (spec §3 CleanCaption). */
  expression: string;
  /** True when the expression was longer than the model's prompt allows and was cut. */
  truncated: boolean;
  box: Box | null;
  mask: Mask | null;
  /** The generated answer as text, and its token ids. */
  text: string;
  tokens: number[];
  timings: StageTimings;
}

export interface DetectionsResult {
  detections: Detection[];
  timings: StageTimings;
}

export interface SemanticResult {
  width: number;
  height: number;
  /** Class index per pixel (into `classes`), row-major. */
  labels: Uint32Array;
  classes: string[];
  /** Classes that occur in the map, with their pixel share (0..1). */
  present: { index: number; name: string; share: number }[];
  timings: StageTimings;
}

export interface CaptionResult {
  text: string;
  tokens: number[];
  timings: StageTimings;
}

export type LoadProgress =
  | { status: 'initiate'; file: string; total: number }
  | { status: 'progress'; file: string; loaded: number; total: number }
  | { status: 'done'; file: string; total: number; cached: boolean }
  | { status: 'phase'; phase: 'tokenizer' | 'sessions' | 'warmup'; message: string }
  | { status: 'ready' };

export type RunPhase = 'preprocess' | 'encode' | 'decode' | 'masks' | 'postprocess';
export interface RunProgress {
  phase: RunPhase;
  /** 0..1 within the phase when known (decode: step / max steps). */
  fraction?: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
}

export interface ReferOptions extends RunOptions {
  /** Ask for the mask too (referring segmentation) when the package has it; default true. */
  mask?: boolean;
}

/** A decoded image the model can be asked about several times; image work is reused. */
export interface ImageHandle {
  readonly id: string;
  readonly width: number;
  readonly height: number;
}

export interface UfoModel {
  readonly config: PackageConfig;
  readonly backend: BackendInfo;
  /** Task names the package declares, by kind. */
  readonly tasks: Readonly<Record<string, TaskKind>>;
  /** Decode and register an image (encoded bytes or pixels). Large images are downscaled safely. */
  addImage(input: Blob | ArrayBuffer | Uint8Array | RgbaImage, options?: { signal?: AbortSignal }): Promise<ImageHandle>;
  releaseImage(image: ImageHandle): void;
  refer(image: ImageHandle, expression: string, options?: ReferOptions): Promise<ReferResult>;
  detect(image: ImageHandle, options?: RunOptions): Promise<DetectionsResult>;
  segmentInstances(image: ImageHandle, options?: RunOptions): Promise<DetectionsResult>;
  segmentSemantic(image: ImageHandle, options?: RunOptions): Promise<SemanticResult>;
  caption(image: ImageHandle, options?: RunOptions): Promise<CaptionResult>;
  dispose(): Promise<void>;
}

/** Where a package comes from. */
export type PackageSource =
  | { kind: 'url'; url: string }
  | { kind: 'hf'; repo: string; revision?: string }
  | { kind: 'files'; files: ReadonlyMap<string, Blob> }
  | { kind: 'path'; path: string };
