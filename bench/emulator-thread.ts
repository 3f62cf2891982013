/**
 * Runs the local emulator in a worker thread and answers the bench's calls on its methods over
 * messages. See ./remote-emulator.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startEmulator, type Emulator, type EmulatorOptions } from '../local/emulator';

interface Request {
  readonly id: number;
  readonly method: string;
  readonly args: unknown[];
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('emulator-thread must run in a worker thread');
  const emu: Emulator = await startEmulator(workerData as EmulatorOptions);
  port.on('message', async (req: Request) => {
    try {
      // 'stacks.publish' and the like reach the emulator's CloudFormation stack registry.
      const [target, name] = req.method.startsWith('stacks.')
        ? [emu.stacks as unknown, req.method.slice('stacks.'.length)]
        : [emu as unknown, req.method];
      const fn = (target as Record<string, (...args: unknown[]) => unknown>)[name];
      if (typeof fn !== 'function') throw new Error(`the emulator has no method '${req.method}'`);
      const result = await fn.apply(target, req.args);
      port.postMessage({ id: req.id, result });
      if (req.method === 'stop') port.close();
    } catch (err) {
      port.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
  port.postMessage({ ready: true, endpoint: emu.endpoint, port: emu.port });
}

main().catch((err) => {
  parentPort?.postMessage({ ready: false, error: err instanceof Error ? err.message : String(err) });
});
