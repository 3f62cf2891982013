import { ConnectClient, DescribePhoneNumberCommand } from '@aws-sdk/client-connect';
import type { RetryErrorInfo, RetryToken } from '@smithy/types';
import {
  MAX_ATTEMPTS,
  MAX_RETRY_DELAY_FACTOR,
  MAX_THROTTLE_DELAY_FACTOR,
  MAX_THROTTLED_ATTEMPTS,
  PhoneNumbersRetryStrategy,
  backoffDelayMs,
  connect,
  throttleDelayMs,
} from '../../lambda/clients';
import type { Emulator } from '../../local/emulator';
import { startTestEmulator } from './fixtures';

const THROTTLING: RetryErrorInfo = { errorType: 'THROTTLING' };
const TRANSIENT: RetryErrorInfo = { errorType: 'TRANSIENT' };
const CLIENT_ERROR: RetryErrorInfo = { errorType: 'CLIENT_ERROR' };
const SERVER_ERROR: RetryErrorInfo = { errorType: 'SERVER_ERROR' };

/** Refreshes the token once per error, in order; returns the tokens, or the index of the refusal. */
async function retries(
  strategy: PhoneNumbersRetryStrategy,
  errors: RetryErrorInfo[],
): Promise<{ tokens: RetryToken[]; refusedAt?: number }> {
  let token = await strategy.acquireInitialRetryToken();
  const tokens: RetryToken[] = [];
  for (let i = 0; i < errors.length; i++) {
    try {
      token = await strategy.refreshRetryTokenForRetry(token, errors[i]);
      tokens.push(token);
    } catch {
      return { tokens, refusedAt: i };
    }
  }
  return { tokens };
}

describe('the retry strategy', () => {
  afterEach(() => jest.restoreAllMocks());

  it('retries a throttled call up to MAX_THROTTLED_ATTEMPTS attempts, far more than a transient one', async () => {
    // GIVEN a call throttled on every attempt
    const strategy = new PhoneNumbersRetryStrategy();
    // WHEN the SDK asks for a retry after each throttle
    const { tokens, refusedAt } = await retries(strategy, Array(MAX_THROTTLED_ATTEMPTS + 5).fill(THROTTLING));
    // THEN it gets MAX_THROTTLED_ATTEMPTS - 1 retries (MAX_THROTTLED_ATTEMPTS attempts in all), then a refusal
    expect(tokens).toHaveLength(MAX_THROTTLED_ATTEMPTS - 1);
    expect(refusedAt).toBe(MAX_THROTTLED_ATTEMPTS - 1);
    expect(MAX_THROTTLED_ATTEMPTS).toBeGreaterThan(MAX_ATTEMPTS);
  });

  it('keeps every throttling delay under MAX_THROTTLE_DELAY_FACTOR x base, doubling from the base until then', async () => {
    // GIVEN the largest jitter and a 100 ms base
    jest.spyOn(Math, 'random').mockReturnValue(0.999);
    process.env.PHONE_NUMBERS_RETRY_BASE_DELAY_MS = '100';
    try {
      // WHEN a call is throttled six times
      const { tokens } = await retries(new PhoneNumbersRetryStrategy(), Array(6).fill(THROTTLING));
      // THEN the delays grow 100, 200, 400, 800 (x 0.999) and stay under the 800 ms cap
      expect(MAX_THROTTLE_DELAY_FACTOR * 100).toBe(800);
      expect(tokens.map((t) => t.getRetryDelay())).toEqual([99, 199, 399, 799, 799, 799]);
    } finally {
      process.env.PHONE_NUMBERS_RETRY_BASE_DELAY_MS = '2';
    }
  });

  it('retries transient errors up to MAX_ATTEMPTS attempts with exponential backoff capped at MAX_RETRY_DELAY_FACTOR x base', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.999);
    process.env.PHONE_NUMBERS_RETRY_BASE_DELAY_MS = '100';
    try {
      const { tokens, refusedAt } = await retries(new PhoneNumbersRetryStrategy(), Array(MAX_ATTEMPTS + 3).fill(TRANSIENT));
      expect(tokens).toHaveLength(MAX_ATTEMPTS - 1);
      expect(refusedAt).toBe(MAX_ATTEMPTS - 1);
      const delays = tokens.map((t) => t.getRetryDelay());
      expect(delays.slice(0, 3)).toEqual([99, 199, 399]);
      expect(Math.max(...delays)).toBe(Math.floor(0.999 * MAX_RETRY_DELAY_FACTOR * 100));
    } finally {
      process.env.PHONE_NUMBERS_RETRY_BASE_DELAY_MS = '2';
    }
  });

  it('counts transient retries apart from throttling: throttles in between do not use up the transient attempts', async () => {
    // GIVEN a call throttled 20 times, then failing transiently
    const errors = [...Array(20).fill(THROTTLING), ...Array(MAX_ATTEMPTS + 3).fill(TRANSIENT)];
    // WHEN it is retried
    const { refusedAt } = await retries(new PhoneNumbersRetryStrategy(), errors);
    // THEN the transient errors still get MAX_ATTEMPTS - 1 retries
    expect(refusedAt).toBe(20 + MAX_ATTEMPTS - 1);
  });

  it('does not retry client errors nor non-transient server errors', async () => {
    expect((await retries(new PhoneNumbersRetryStrategy(), [CLIENT_ERROR])).refusedAt).toBe(0);
    expect((await retries(new PhoneNumbersRetryStrategy(), [SERVER_ERROR])).refusedAt).toBe(0);
  });

  it('keeps no state between calls: a storm of throttles on one call does not delay the next call', async () => {
    // GIVEN a strategy that just saw a long run of throttles
    const strategy = new PhoneNumbersRetryStrategy();
    await retries(strategy, Array(100).fill(THROTTLING));
    // WHEN another call starts
    const token = await strategy.acquireInitialRetryToken();
    // THEN it starts at once, with no delay and no retry counted
    expect(token.getRetryDelay()).toBe(0);
    expect(token.getRetryCount()).toBe(0);
  });

  it('draws delays within [0, cap) for any retry count', () => {
    for (let retry = 0; retry < 50; retry++) {
      const t = throttleDelayMs(retry, 500);
      const b = backoffDelayMs(retry, 500);
      expect(t).toBeGreaterThanOrEqual(0);
      expect(t).toBeLessThan(Math.min(MAX_THROTTLE_DELAY_FACTOR * 500, 500 * 2 ** retry));
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(Math.min(MAX_RETRY_DELAY_FACTOR * 500, 500 * 2 ** retry));
    }
  });

  it('reaches both ends of that range: 0, and just under the cap (full jitter)', () => {
    const random = jest.spyOn(Math, 'random');
    try {
      random.mockReturnValue(0);
      expect(throttleDelayMs(3, 500)).toBe(0);
      expect(backoffDelayMs(3, 500)).toBe(0);
      random.mockReturnValue(0.999999);
      expect(throttleDelayMs(30, 500)).toBe(Math.floor(0.999999 * MAX_THROTTLE_DELAY_FACTOR * 500));
      expect(backoffDelayMs(30, 500)).toBe(Math.floor(0.999999 * MAX_RETRY_DELAY_FACTOR * 500));
    } finally {
      random.mockRestore();
    }
  });
});

describe('the handler clients against a throttling service', () => {
  let emulator: Emulator;
  let arn: string;
  beforeEach(async () => {
    emulator = await startTestEmulator();
    const instanceArn = emulator.seedInstance({ instanceId: '6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7' });
    arn = emulator.seedClaimedNumber({ phoneNumber: '+12065550100', targetArn: instanceArn });
  });
  afterEach(async () => {
    await emulator.stop();
  });

  const describeNumber = (client: ConnectClient) => client.send(new DescribePhoneNumberCommand({ PhoneNumberId: arn }));
  const attempts = () => emulator.calls().filter((c) => c.operation === 'DescribePhoneNumber').length;

  it('waits out a long run of throttling (more than the SDK default attempts, more than MAX_ATTEMPTS) and succeeds', async () => {
    // GIVEN DescribePhoneNumber throttled 30 times in a row
    emulator.injectFault({
      kind: 'error',
      operation: 'DescribePhoneNumber',
      times: 30,
      errorName: 'ThrottlingException',
      status: 429,
      message: 'Rate exceeded',
    });
    // WHEN the handler's client calls it
    const out = await describeNumber(connect('us-east-1'));
    // THEN the 31st attempt answers
    expect(out.ClaimedPhoneNumberSummary?.PhoneNumberArn).toBe(arn);
    expect(out.$metadata.attempts).toBe(31);
    expect(attempts()).toBe(31);
  });

  it('gives up after MAX_THROTTLED_ATTEMPTS throttled attempts with the service error', async () => {
    emulator.injectFault({
      kind: 'error',
      operation: 'DescribePhoneNumber',
      times: MAX_THROTTLED_ATTEMPTS,
      errorName: 'ThrottlingException',
      status: 429,
      message: 'Rate exceeded',
    });
    await expect(describeNumber(connect('us-east-1'))).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(attempts()).toBe(MAX_THROTTLED_ATTEMPTS);
  });

  it('gives up after MAX_ATTEMPTS attempts on a service that keeps failing with 500', async () => {
    emulator.injectFault({
      kind: 'error',
      operation: 'DescribePhoneNumber',
      times: MAX_ATTEMPTS + 5,
      errorName: 'InternalServiceException',
      status: 500,
      message: 'unavailable',
    });
    await expect(describeNumber(connect('us-east-1'))).rejects.toMatchObject({ name: 'InternalServiceException' });
    expect(attempts()).toBe(MAX_ATTEMPTS);
  });
});
