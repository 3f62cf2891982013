/**
 * Execution environments: where one copy of a handler bundle lives and runs, one invocation at a time.
 * - worker (the default): a worker thread (./worker.ts); terminate() ends it, whatever it was doing, as
 *   Lambda ends an environment whose invocation timed out;
 * - in-process: the bundle evaluated in this realm; it cannot be stopped (terminate() only forgets it),
 *   but it shares this process's globals (the bench's call attribution wraps http.request here);
 * - a function: an in-process handler the caller already has.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { CLOCK_SLOTS, SLOT_DATE_OFFSET_MS, SLOT_REMAINING_MS } from './protocol';
import type { ContextFields, ErrorShape, InvokeAnswer, InvokeMessage, LoadReport, WorkerInit } from './protocol';
import { workerEntryFile } from './worker-file';

/** The Lambda context a handler receives (the subset of the Node.js runtime's context a handler reads). */
export interface LambdaContext extends ContextFields {
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

export interface Environment {
  /** The names the bundle exports. */
  readonly exports: readonly string[];
  /** Those of them that are functions. */
  readonly functions: readonly string[];
  invoke(entry: string, event: unknown, context?: LambdaContext): Promise<unknown>;
  /** Ends the environment; what it was running has no effect afterwards (worker) or runs on unseen (in process). */
  terminate(): Promise<void>;
}

/** How long a worker may take to load its bundle before the host gives up on it. */
const LOAD_TIMEOUT_MS = 60_000;

/** This realm's process.env as strings: what a handler loaded in process would read. */
function environmentNow(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

function rebuildError(shape: ErrorShape): Error {
  const err = new Error(shape.message);
  if (shape.name) err.name = shape.name;
  if (shape.stack) err.stack = shape.stack;
  return err;
}

const contextFields = (c: LambdaContext): ContextFields => ({
  functionName: c.functionName,
  functionVersion: c.functionVersion,
  invokedFunctionArn: c.invokedFunctionArn,
  memoryLimitInMB: c.memoryLimitInMB,
  awsRequestId: c.awsRequestId,
  logGroupName: c.logGroupName,
  logStreamName: c.logStreamName,
  callbackWaitsForEmptyEventLoop: c.callbackWaitsForEmptyEventLoop,
});

/**
 * A worker thread holding the bundle, loaded before the constructor returns (so that its module state
 * is created now, from the environment of now, as an in-process load would, and a bad bundle fails here).
 * While an invocation runs, the invocation's remaining time (on the deploy's clock) and this realm's
 * Date.now() are copied into shared memory every millisecond; the worker's context and Date read them.
 */
export class WorkerEnvironment implements Environment {
  readonly exports: readonly string[];
  readonly functions: readonly string[];
  private readonly worker: Worker;
  private readonly clock = new Float64Array(new SharedArrayBuffer(CLOCK_SLOTS * Float64Array.BYTES_PER_ELEMENT));
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private next = 0;
  private ended?: Promise<void>;

  constructor(readonly file: string) {
    const loaded = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const { port1, port2 } = new MessageChannel();
    const init: WorkerInit = {
      bundle: path.resolve(file),
      clock: this.clock.buffer as SharedArrayBuffer,
      loaded: loaded.buffer as SharedArrayBuffer,
      report: port2,
    };
    this.syncClock();
    this.worker = new Worker(workerEntryFile(), { workerData: init, transferList: [port2], env: environmentNow() });
    this.worker.unref();
    Atomics.wait(loaded, 0, 0, LOAD_TIMEOUT_MS);
    const report = receiveMessageOnPort(port1)?.message as LoadReport | undefined;
    port1.close();
    if (report?.kind !== 'loaded') {
      void this.worker.terminate();
      if (report) throw rebuildError(report.error);
      throw new Error(`${file}: the Lambda host's worker did not load it within ${LOAD_TIMEOUT_MS / 1000} s`);
    }
    this.exports = report.exports;
    this.functions = report.functions;
    this.worker.on('message', (m: InvokeAnswer) => this.answer(m));
    this.worker.on('error', (e: Error) => this.failAll(e));
    this.worker.on('exit', () => this.failAll(new Error('the execution environment was stopped')));
  }

  invoke(entry: string, event: unknown, context?: LambdaContext): Promise<unknown> {
    if (this.ended) return Promise.reject(new Error('the execution environment was stopped'));
    const id = ++this.next;
    this.syncClock(context);
    const sync = setInterval(() => this.syncClock(context), 1).unref();
    const message: InvokeMessage = { id, entry, event, context: context && contextFields(context), env: environmentNow() };
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage(message);
    }).finally(() => clearInterval(sync));
  }

  terminate(): Promise<void> {
    this.ended ??= this.worker.terminate().then(() => undefined);
    return this.ended;
  }

  private syncClock(context?: LambdaContext): void {
    if (context) this.clock[SLOT_REMAINING_MS] = context.getRemainingTimeInMillis();
    // Whole milliseconds, as Date.now() gives them.
    this.clock[SLOT_DATE_OFFSET_MS] = Math.round(Date.now() - (performance.timeOrigin + performance.now()));
  }

  private answer(m: InvokeAnswer): void {
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    if (m.kind === 'error') w.reject(rebuildError(m.error));
    else w.resolve(m.value);
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}

/**
 * The bundle evaluated afresh in this realm. Evaluated rather than required: neither Node's require
 * cache nor a test runner's module registry (jest ignores require.cache) may hand back an instance
 * loaded earlier, and the bundle must see this realm's globals (jest gives each test file its own
 * `process.env`).
 */
export class InProcessEnvironment implements Environment {
  readonly exports: readonly string[];
  readonly functions: readonly string[];
  private readonly module: Record<string, unknown>;

  constructor(file: string) {
    const resolved = require.resolve(path.resolve(file));
    const module = { exports: {} as Record<string, unknown> };
    const evaluate = new Function('exports', 'require', 'module', '__filename', '__dirname', fs.readFileSync(resolved, 'utf8'));
    evaluate(module.exports, createRequire(resolved), module, resolved, path.dirname(resolved));
    this.module = module.exports;
    this.exports = Object.keys(this.module);
    this.functions = this.exports.filter((k) => typeof this.module[k] === 'function');
  }

  async invoke(entry: string, event: unknown, context?: LambdaContext): Promise<unknown> {
    return (this.module[entry] as (e: unknown, c?: LambdaContext) => unknown)(event, context);
  }

  async terminate(): Promise<void> {}
}

/** An in-process function as an environment whose one export is `handler`. */
export function functionEnvironment(fn: (event: unknown, context?: LambdaContext) => unknown): Environment {
  return {
    exports: ['handler'],
    functions: ['handler'],
    invoke: async (_entry, event, context) => fn(event, context),
    terminate: async () => undefined,
  };
}
