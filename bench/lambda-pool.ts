/**
 * Lambda's execution model for a handler under CloudFormation's parallelism: each invocation runs in
 * an execution environment (container) that serves one invocation at a time; a free warm one is
 * reused, otherwise a new one starts. Module-level state (SDK clients, their retry state, caches) is
 * per container, so N parallel invocations share nothing: no client-side rate limiter coordinates them.
 *
 * In process, a container is one freshly evaluated copy of the handler module (`start`), an execution
 * environment of the shared Lambda host (local/lambda-host), which keeps the free ones.
 */
import { performance } from 'node:perf_hooks';
import { functionEnvironment, LambdaFunction } from '../local/lambda-host';
// The key the handler adds to its onEvent result: isComplete events carry it.
import { ON_EVENT_DONE } from '../lambda/events';

export type Invoke = (event: unknown) => Promise<unknown>;

/** One invocation: what it was for, and when it started and ended (ms since the pool started). */
export interface Invocation {
  readonly logicalId: string;
  readonly requestType: string;
  /** onEvent, or isComplete (the event carries the onEvent result). */
  readonly phase: 'onEvent' | 'isComplete';
  readonly start: number;
  readonly end: number;
}

export class LambdaPool {
  /** Every invocation, in the order they ended. */
  readonly invocations: Invocation[] = [];
  private readonly origin = performance.now();
  private readonly lambda: LambdaFunction;

  /** `start` evaluates the handler module afresh and returns its entry point. */
  constructor(start: () => Invoke) {
    this.lambda = new LambdaFunction(() => functionEnvironment(start()));
  }

  /** The function to give the local deployer: every call runs in a free container. */
  readonly handler = async (event: unknown): Promise<unknown> => {
    const start = performance.now() - this.origin;
    try {
      return await this.lambda.invoke('handler', event);
    } finally {
      const e = (event ?? {}) as Record<string, unknown>;
      this.invocations.push({
        logicalId: String(e.LogicalResourceId),
        requestType: String(e.RequestType),
        phase: e[ON_EVENT_DONE] === true || 'IsComplete' in e ? 'isComplete' : 'onEvent',
        start,
        end: performance.now() - this.origin,
      });
    }
  };

  /**
   * Starts `count` containers ahead of the invocations (as provisioned concurrency would). In Lambda,
   * cold starts run in parallel on separate hosts; in one process they would queue on one CPU and
   * charge the measured run for it. Their cost is measured on its own (bench/cold-start.ts).
   */
  prewarm(count: number): void {
    this.lambda.prewarm(count);
  }

  /** Containers started so far (cold starts). */
  get containers(): number {
    return this.lambda.coldStarts;
  }

  /** Most invocations in flight at once. */
  get peakConcurrency(): number {
    return this.lambda.peakConcurrency;
  }
}
