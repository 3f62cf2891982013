/**
 * The entry of a worker thread that is one Lambda execution environment (./index.ts): loads a CommonJS
 * handler bundle once (its module state lives as long as the worker, as in a warm Lambda container),
 * then runs one invocation per message. The host terminates the worker at an invocation's deadline.
 *
 * Only node built-ins and ./protocol are imported: ./worker-file.ts compiles this file alone.
 */
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { CLOCK_SLOTS, SLOT_DATE_OFFSET_MS, SLOT_REMAINING_MS } from './protocol';
import type { ErrorShape, InvokeAnswer, InvokeMessage, LoadReport, WorkerInit } from './protocol';

const init = workerData as WorkerInit;
const clock = new Float64Array(init.clock, 0, CLOCK_SLOTS);
// The SDK's Node-version notice, once per worker, is noise here.
process.removeAllListeners('warning');
// The handler's Date.now() is the host's (real time, or a test's clock): its completion deadline reads it.
const realNow = Date.now.bind(Date);
Date.now = () => realNow() + clock[SLOT_DATE_OFFSET_MS];

function errorShape(e: unknown): ErrorShape {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { message: String(e) };
}

function load(): { exports: Record<string, unknown>; report: LoadReport } {
  try {
    const exports = createRequire(init.bundle)(init.bundle) as Record<string, unknown>;
    const names = Object.keys(exports);
    return { exports, report: { kind: 'loaded', exports: names, functions: names.filter((k) => typeof exports[k] === 'function') } };
  } catch (e) {
    return { exports: {}, report: { kind: 'load-failed', error: errorShape(e) } };
  }
}

const bundle = load();
init.report.postMessage(bundle.report);
init.report.close();
const loaded = new Int32Array(init.loaded);
Atomics.store(loaded, 0, 1);
Atomics.notify(loaded, 0);

/** Makes this thread's process.env the host's, as the handler would read it in process. */
function applyEnvironment(env: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  Object.assign(process.env, env);
}

/** Lambda's boundary: the result crosses as JSON. */
const asJson = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

async function invoke(m: InvokeMessage): Promise<InvokeAnswer> {
  applyEnvironment(m.env);
  const context = m.context && { ...m.context, getRemainingTimeInMillis: () => Math.max(0, clock[SLOT_REMAINING_MS]) };
  try {
    const fn = bundle.exports[m.entry] as (event: unknown, context: unknown) => unknown;
    return { id: m.id, kind: 'result', value: asJson(await fn(m.event, context)) };
  } catch (e) {
    return { id: m.id, kind: 'error', error: errorShape(e) };
  }
}

parentPort!.on('message', (m: InvokeMessage) => {
  void invoke(m).then((answer) => parentPort!.postMessage(answer));
});
