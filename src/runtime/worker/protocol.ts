/**
 * Messages between the page (`client.ts`) and the inference worker (`handler.ts`). Every message
 * carries the id of the request it belongs to, so several requests can be in flight and each
 * progress event, result or error finds its caller (the web-llm uuid pattern, typed).
 */
import type { ErrorPayload } from '../errors';
import type {
  CaptionResult,
  DetectionsResult,
  LoadProgress,
  PackageSource,
  ReferResult,
  RgbaImage,
  RunProgress,
  SemanticResult,
  UfoModel,
} from '../api';
import type { Dtype } from '../config';

/** What `loadModel` accepts besides the source, minus the callbacks that cannot cross threads. */
export interface LoadOptions {
  backend?: 'webgpu' | 'wasm';
  dtype?: Dtype;
}

export type ImageInput = Blob | ArrayBuffer | Uint8Array | RgbaImage;

/** The work a `run` request asks for, one variant per UfoModel task method. */
export type RunTask =
  | { kind: 'refer'; imageId: string; expression: string; mask?: boolean }
  | { kind: 'detect'; imageId: string }
  | { kind: 'instances'; imageId: string }
  | { kind: 'semantic'; imageId: string }
  | { kind: 'caption'; imageId: string };

export type RunKind = RunTask['kind'];

/** The result each run kind resolves to. */
export interface RunResults {
  refer: ReferResult;
  detect: DetectionsResult;
  instances: DetectionsResult;
  semantic: SemanticResult;
  caption: CaptionResult;
}

export type Request =
  | { type: 'load'; id: number; source: PackageSource; options: LoadOptions }
  | { type: 'addImage'; id: number; input: ImageInput }
  | { type: 'releaseImage'; id: number; imageId: string }
  | { type: 'run'; id: number; task: RunTask }
  /** Abort request `target`; it then fails with a CancelledError. Gets no answer of its own. */
  | { type: 'cancel'; id: number; target: number }
  | { type: 'dispose'; id: number };

/** What the page learns about the loaded model: the UfoModel fields that are not methods. */
export type ModelInfo = Pick<UfoModel, 'config' | 'backend' | 'tasks'>;

/** An image as the page sees it: the handle's plain fields (the worker keeps the real handle). */
export interface ImageInfo {
  id: string;
  width: number;
  height: number;
}

export type ResultValue = ImageInfo | RunResults[RunKind] | null;

export type Response =
  | { type: 'ready'; id: number; info: ModelInfo }
  | { type: 'result'; id: number; value: ResultValue }
  | { type: 'error'; id: number; error: ErrorPayload }
  | { type: 'progress'; id: number; progress: { kind: 'load'; event: LoadProgress } | { kind: 'run'; event: RunProgress } };

/** The part of `Worker` (page side) and of the worker's global scope that the protocol uses. */
export interface Endpoint {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}
