/**
 * Lambda's execution model for a handler under CloudFormation's parallelism: each invocation runs in
 * an execution environment (container) that serves one invocation at a time; a free warm one is
 * reused, otherwise a new one starts. Module-level state (SDK clients, their retry state, caches) is
 * per container, so N parallel invocations share nothing: no client-side rate limiter coordinates them.
 *
 * In process, a container is one freshly evaluated copy of the handler module (`start`).
 */
import { performance } from 'node:perf_hooks';
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
  private readonly idle: Invoke[] = [];
  private started = 0;
  private busy = 0;
  private peak = 0;

  /** `start` evaluates the handler module afresh and returns its entry point. */
  constructor(private readonly start: () => Invoke) {}

  /** The function to give the local deployer: every call runs in a free container. */
  readonly handler = async (event: unknown): Promise<unknown> => {
    let container = this.idle.pop();
    if (!container) {
      container = this.start();
      this.started++;
    }
    this.busy++;
    this.peak = Math.max(this.peak, this.busy);
    const start = performance.now() - this.origin;
    try {
      return await container(event);
    } finally {
      const e = (event ?? {}) as Record<string, unknown>;
      this.invocations.push({
        logicalId: String(e.LogicalResourceId),
        requestType: String(e.RequestType),
        phase: e[ON_EVENT_DONE] === true || 'IsComplete' in e ? 'isComplete' : 'onEvent',
        start,
        end: performance.now() - this.origin,
      });
      this.busy--;
      this.idle.push(container);
    }
  };

  /**
   * Starts `count` containers ahead of the invocations (as provisioned concurrency would). In Lambda,
   * cold starts run in parallel on separate hosts; in one process they would queue on one CPU and
   * charge the measured run for it. Their cost is measured on its own (bench/cold-start.ts).
   */
  prewarm(count: number): void {
    while (this.started < count) {
      this.idle.push(this.start());
      this.started++;
    }
  }

  /** Containers started so far (cold starts). */
  get containers(): number {
    return this.started;
  }

  /** Most invocations in flight at once. */
  get peakConcurrency(): number {
    return this.peak;
  }
}
