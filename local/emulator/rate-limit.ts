/**
 * Token buckets per account, region, service and operation (docs/service-facts.md: each Connect
 * phone-number API has its own quota, 2/s burst 5 by default; Chime SDK Voice publishes no per-API
 * rates, so 10/s burst 20 is unverified, the emulator's own choice).
 */
import type { Clock, RateLimit } from './types';
import type { ServiceName } from './model';

export const DEFAULT_CONNECT_RATE: RateLimit = { ratePerSecond: 2, burst: 5 };
export const DEFAULT_CHIME_RATE: RateLimit = { ratePerSecond: 10, burst: 20 };

interface Bucket {
  tokens: number;
  last: number;
}

export interface RateLimiterOptions {
  readonly connectRate?: RateLimit;
  readonly chimeRate?: RateLimit;
  readonly rateOverrides?: Record<string, RateLimit>;
  readonly rateScale?: number;
  /** Time source for refills. */
  readonly clock: Clock;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly options: RateLimiterOptions) {}

  limitFor(service: ServiceName, operation: string): RateLimit {
    const base =
      this.options.rateOverrides?.[operation] ??
      (service === 'connect' ? (this.options.connectRate ?? DEFAULT_CONNECT_RATE) : (this.options.chimeRate ?? DEFAULT_CHIME_RATE));
    const scale = this.options.rateScale ?? 1;
    return { ratePerSecond: base.ratePerSecond * scale, burst: base.burst * scale };
  }

  /** Takes one token; false when the bucket is empty (the call must be throttled). */
  tryTake(accountId: string, region: string, service: ServiceName, operation: string): boolean {
    const limit = this.limitFor(service, operation);
    const key = `${accountId}/${region}/${service}/${operation}`;
    const now = this.options.clock.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: limit.burst, last: now };
      this.buckets.set(key, bucket);
    }
    const elapsed = Math.max(0, now - bucket.last) / 1000;
    bucket.tokens = Math.min(limit.burst, bucket.tokens + elapsed * limit.ratePerSecond);
    bucket.last = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return true;
    }
    return false;
  }
}
