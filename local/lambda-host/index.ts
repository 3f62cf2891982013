/**
 * The Lambda host every local runner of the handler shares (local/deploy, local/contract, bench/): a
 * function's execution environments, its Lambda context, and its timeout.
 *
 * - A LambdaFunction keeps warm environments (./environments.ts): an invocation takes a free one, or
 *   starts one (a cold start); module state lives as long as its environment, as in Lambda.
 * - invokeWithTimeout gives the invocation a context and a deadline measured on the clock the deploy
 *   runs on (an AdvanceableClock with now(), else real time). At the deadline the invocation fails as
 *   Lambda reports it ("Task timed out after N.NN seconds") and its environment is terminated: an
 *   environment in a worker thread (the default for a bundle) does nothing after its deadline, and the
 *   function's next invocation starts a fresh one, as Lambda does after a timeout. An in-process handler
 *   cannot be stopped: its promise is abandoned and runs on.
 */
import { randomUUID } from 'node:crypto';
import { functionEnvironment, InProcessEnvironment, WorkerEnvironment } from './environments';
import type { Environment, LambdaContext } from './environments';

export { functionEnvironment, InProcessEnvironment, WorkerEnvironment };
export type { Environment, LambdaContext };

/** Where a bundle runs: a worker thread (stopped at its deadline) or this realm (bench's call attribution). */
export type Isolation = 'worker' | 'in-process';

/** Starts one execution environment of a bundle. */
export const bundleEnvironment = (file: string, isolation: Isolation = 'worker'): Environment =>
  isolation === 'worker' ? new WorkerEnvironment(file) : new InProcessEnvironment(file);

/**
 * Put on a context by invokeWithTimeout: a host that can end the invocation's environment sets `stop`,
 * which the timeout awaits before it reports.
 */
export const INVOCATION_CONTROL = Symbol.for('cdk-phone-numbers.lambda-host.invocation');

interface InvocationControl {
  /** Set by the host: ends the invocation's environment. */
  stop?: () => Promise<void>;
  /** Set by invokeWithTimeout: the host started an environment for this invocation (its init is not timed). */
  coldStarted?: () => void;
}

type ControlledContext = LambdaContext & { [INVOCATION_CONTROL]?: InvocationControl };

/** One Lambda function: its environments, each serving one invocation at a time. */
export class LambdaFunction {
  private readonly idle: Environment[] = [];
  private readonly live = new Set<Environment>();
  private readonly reclaim = new Map<Environment, NodeJS.Timeout>();
  private started = 0;
  private busy = 0;
  private peak = 0;

  /**
   * @param start starts one environment (loads the code afresh)
   * @param idleMs an environment idle this long (real time) is ended, as Lambda reclaims idle ones; the
   * next invocation starts afresh. @default Infinity (kept while the function is)
   */
  constructor(
    private readonly start: () => Environment,
    private readonly idleMs = Number.POSITIVE_INFINITY,
  ) {}

  /** Runs one invocation in a free environment, or a new one. */
  async invoke(entry: string, event: unknown, context?: LambdaContext): Promise<unknown> {
    const control = (context as ControlledContext | undefined)?.[INVOCATION_CONTROL];
    let env = this.idle.pop();
    if (!env) {
      env = this.coldStart();
      control?.coldStarted?.();
    }
    clearTimeout(this.reclaim.get(env));
    this.busy++;
    this.peak = Math.max(this.peak, this.busy);
    let stopped = false;
    if (control) {
      const mine = env;
      control.stop = () => {
        stopped = true;
        return this.end(mine);
      };
    }
    try {
      return await env.invoke(entry, event, context);
    } finally {
      this.busy--;
      if (!stopped) this.release(env);
    }
  }

  /** Starts environments until `count` have been started (as provisioned concurrency would). */
  prewarm(count: number): void {
    while (this.started < count) this.release(this.coldStart());
  }

  /** Its code's exports, and which of them are functions (starts an environment if none is up). */
  get exports(): Pick<Environment, 'exports' | 'functions'> {
    if (this.live.size === 0) this.prewarm(this.started + 1);
    return [...this.live][0];
  }

  /** Environments started so far (cold starts). */
  get coldStarts(): number {
    return this.started;
  }

  /** Most invocations in flight at once. */
  get peakConcurrency(): number {
    return this.peak;
  }

  /** Ends every environment. */
  async stop(): Promise<void> {
    await Promise.all([...this.live].map((e) => this.end(e)));
  }

  /** Ends one environment: it is never handed out again. */
  private end(env: Environment): Promise<void> {
    this.live.delete(env);
    clearTimeout(this.reclaim.get(env));
    this.reclaim.delete(env);
    const i = this.idle.indexOf(env);
    if (i >= 0) this.idle.splice(i, 1);
    return env.terminate();
  }

  /** Back to the free environments, ended once idle for idleMs. */
  private release(env: Environment): void {
    if (!this.live.has(env)) return;
    this.idle.push(env);
    if (Number.isFinite(this.idleMs)) this.reclaim.set(env, setTimeout(() => void this.end(env), this.idleMs).unref());
  }

  private coldStart(): Environment {
    const env = this.start();
    this.started++;
    this.live.add(env);
    return env;
  }
}

/** The clock an invocation's deadline is measured on (the deployer's AdvanceableClock). */
export interface InvocationClock {
  now?(): number;
}

export interface InvocationOptions {
  readonly functionName: string;
  readonly region?: string;
  readonly accountId?: string;
  readonly timeoutMs: number;
  readonly clock?: InvocationClock;
}

/** What Lambda reports for an invocation that ran past the function's timeout. */
export function lambdaTimeoutMessage(timeoutMs: number): string {
  return `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`;
}

/** The Lambda runtime ended the invocation at the function's timeout. */
export class LambdaTimeoutError extends Error {}

let invocationCounter = 0;

function lambdaContext(options: InvocationOptions, now: () => number, deadline: () => number): ControlledContext {
  const region = options.region ?? 'us-east-1';
  const day = new Date(now()).toISOString().slice(0, 10).replace(/-/g, '/');
  const context: ControlledContext = {
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${options.accountId ?? '123456789012'}:function:${options.functionName}`,
    memoryLimitInMB: '128',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `${day}/[$LATEST]${String(++invocationCounter).padStart(32, '0')}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline() - now()),
  };
  // Not enumerable: a handler that copies or prints its context does not see it.
  Object.defineProperty(context, INVOCATION_CONTROL, { value: {}, enumerable: false });
  return context;
}

/**
 * Resolves 'timeout' once the deadline has passed: on the clock, checked every millisecond of real time
 * (the clock moves when the deploy or the emulator advances it); in real time, by a timer. The timers
 * never keep the process alive on their own.
 */
class DeadlineWatch {
  readonly expired: Promise<'timeout'>;
  private resolve!: (v: 'timeout') => void;
  private timer?: NodeJS.Timeout;
  private cancelled = false;

  constructor(
    private readonly now: (() => number) | undefined,
    private readonly timeoutMs: number,
    private deadline: number,
  ) {
    this.expired = new Promise<'timeout'>((resolve) => (this.resolve = resolve));
    this.schedule();
  }

  /** Starts over from a new deadline (after a cold start: Lambda's timeout covers the invoke phase). */
  restart(deadline: number): void {
    clearTimeout(this.timer);
    this.deadline = deadline;
    this.schedule();
  }

  cancel(): void {
    this.cancelled = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    const now = this.now;
    if (!now) {
      this.timer = setTimeout(() => this.resolve('timeout'), this.timeoutMs).unref();
      return;
    }
    const check = () => {
      if (this.cancelled) return;
      if (now() >= this.deadline) this.resolve('timeout');
      else this.timer = setTimeout(check, 1).unref();
    };
    this.timer = setTimeout(check, 1).unref();
  }
}

/**
 * Runs `fn` as Lambda would, with a context and the function's timeout. Past the deadline (seen while
 * it runs, or when it settles) the invocation's environment is stopped, if its host can (set on the
 * context's INVOCATION_CONTROL), and LambdaTimeoutError is thrown.
 */
export async function invokeWithTimeout(
  fn: (payload: unknown, context: LambdaContext) => Promise<unknown>,
  payload: unknown,
  options: InvocationOptions,
): Promise<unknown> {
  const clockNow = options.clock?.now?.bind(options.clock);
  const now = clockNow ?? Date.now;
  let deadline = now() + options.timeoutMs;
  const context = lambdaContext(options, now, () => deadline);
  const watch = new DeadlineWatch(clockNow, options.timeoutMs, deadline);
  context[INVOCATION_CONTROL]!.coldStarted = () => {
    deadline = now() + options.timeoutMs;
    watch.restart(deadline);
  };
  const run = Promise.resolve()
    .then(() => fn(payload, context))
    .then((value) => ({ value }));
  try {
    const first = await Promise.race([run, watch.expired]);
    if (first === 'timeout' || (clockNow && clockNow() >= deadline)) {
      run.catch(() => undefined);
      await context[INVOCATION_CONTROL]?.stop?.();
      throw new LambdaTimeoutError(lambdaTimeoutMessage(options.timeoutMs));
    }
    return first.value;
  } finally {
    watch.cancel();
  }
}
