/**
 * What the Lambda host (./index.ts) and its worker entry (./worker.ts) say to each other. Types and
 * constants only: the worker entry is compiled on its own (./worker-file.ts).
 */
import type { MessagePort } from 'node:worker_threads';

/** The Lambda context's data, as the host sends it (the worker adds getRemainingTimeInMillis). */
export interface ContextFields {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly callbackWaitsForEmptyEventLoop: boolean;
}

/** workerData of a worker: the bundle to load, and the memory both sides share. */
export interface WorkerInit {
  /** Absolute path of the CommonJS bundle. */
  readonly bundle: string;
  /** Float64 slots (SLOT_*) the host keeps current while an invocation runs. */
  readonly clock: SharedArrayBuffer;
  /** Int32 slot 0: set to 1 once the load report is on `report`. */
  readonly loaded: SharedArrayBuffer;
  readonly report: MessagePort;
}

/** The invocation's remaining time, read on the clock the deploy runs on. */
export const SLOT_REMAINING_MS = 0;
/** What the host's Date.now() is ahead of real time (a test may run the handler's Date on its clock). */
export const SLOT_DATE_OFFSET_MS = 1;
export const CLOCK_SLOTS = 2;

export interface ErrorShape {
  readonly name?: string;
  readonly message: string;
  readonly stack?: string;
}

/** The worker's answer to loading the bundle: the names it exports and which are functions, or why it failed. */
export type LoadReport =
  | { readonly kind: 'loaded'; readonly exports: string[]; readonly functions: string[] }
  | { readonly kind: 'load-failed'; readonly error: ErrorShape };

export interface InvokeMessage {
  readonly id: number;
  /** The export to call (e.g. 'handler'). */
  readonly entry: string;
  readonly event: unknown;
  /** Absent when the caller gave no context (the handler then gets none, as in process). */
  readonly context?: ContextFields;
  /** The host's process.env now: the handler reads its settings on every invocation. */
  readonly env: Record<string, string>;
}

export type InvokeAnswer =
  | { readonly id: number; readonly kind: 'result'; readonly value: unknown }
  | { readonly id: number; readonly kind: 'error'; readonly error: ErrorShape };
