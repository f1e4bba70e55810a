/// <reference lib="webworker" />
/**
 * The inference worker's entry: it wires the protocol handler to the worker global and to the
 * engine. Everything else lives in `handler.ts`, which tests drive without a worker.
 */
import { loadModel } from '../engine';
import { WorkerHandler } from './handler';
import type { Request } from './protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const handler = new WorkerHandler(loadModel, (response) => scope.postMessage(response));
scope.addEventListener('message', (event: MessageEvent<Request>) => void handler.handle(event.data));
