/**
 * The local emulator in its own thread. The service is never in the caller's process: run in the
 * benchmark's process, its CPU time (parsing, signing checks, state) would be charged to the
 * handler's calls, which on this shared machine is a large share of a fleet run. The handle offers
 * the emulator's public methods, made asynchronous.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { StackDirectory } from '../local/deploy';
import type { Emulator, EmulatorOptions } from '../local/emulator';

const METHODS = [
  'seedAvailableNumbers',
  'seedInstance',
  'seedContactFlow',
  'seedVoiceConnector',
  'seedChimeNumber',
  'seedClaimedNumber',
  'injectFault',
  'clearFaults',
  'calls',
  'clearCalls',
  'snapshot',
  'stop',
] as const;
type Methods = (typeof METHODS)[number];

type Async<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never };

export type RemoteEmulator = Async<Pick<Emulator, Methods>> & {
  readonly endpoint: string;
  readonly port: number;
  /**
   * Where the local deployer publishes its stack's state (LocalDeployer option `stacks`), for the
   * handler to read over CloudFormation's API. Messages to the thread keep their order, and each is
   * sent before the handler's next request can leave.
   */
  readonly stacks: StackDirectory;
};

/** Starts the emulator (with these options) in a worker thread. */
export function startEmulatorThread(options: EmulatorOptions): Promise<RemoteEmulator> {
  const script = path.join(__dirname, 'emulator-thread.ts');
  // The worker compiles the TypeScript source the same way as the bench itself (ts-node, no type check).
  const worker = new Worker(`require('ts-node').register({ transpileOnly: true }); require(${JSON.stringify(script)});`, {
    eval: true,
    workerData: options,
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  return new Promise((resolveStart, rejectStart) => {
    worker.once('error', rejectStart);
    worker.on('message', (msg: { id?: number; ready?: boolean; endpoint?: string; port?: number; result?: unknown; error?: string }) => {
      if (msg.id === undefined) {
        if (!msg.ready) {
          rejectStart(new Error(`emulator thread failed to start: ${msg.error}`));
          return;
        }
        const call =
          (method: string) =>
          (...args: unknown[]) =>
            new Promise((resolve, reject) => {
              const id = ++next;
              pending.set(id, { resolve, reject });
              worker.postMessage({ id, method, args });
            });
        const handle = Object.fromEntries(METHODS.map((m) => [m, call(m)])) as Record<string, unknown>;
        const stop = handle.stop as () => Promise<void>;
        handle.stop = async () => {
          await stop();
          await worker.terminate();
        };
        const stacks: StackDirectory = {
          publish: (state) => {
            call('stacks.publish')(state).catch((err: Error) =>
              process.stderr.write(`emulator thread: stack state not published: ${err.message}\n`),
            );
          },
        };
        resolveStart({ ...handle, stacks, endpoint: msg.endpoint as string, port: msg.port as number } as RemoteEmulator);
        return;
      }
      const waiter = pending.get(msg.id);
      pending.delete(msg.id);
      if (!waiter) return;
      if (msg.error !== undefined) waiter.reject(new Error(msg.error));
      else waiter.resolve(msg.result);
    });
  });
}
