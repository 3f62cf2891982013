import * as http from 'node:http';
import { ConnectClient } from '@aws-sdk/client-connect';
import { ChimeSDKVoiceClient } from '@aws-sdk/client-chime-sdk-voice';
import { Sha256 } from '@smithy/core/checksum';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Emulator } from '../../../local/emulator';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' };

export interface ClientOptions {
  readonly region?: string;
  readonly maxAttempts?: number;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Retries (when allowed) wait 5 ms, so tests never sleep for real. */
function retryStrategy(maxAttempts: number): ConfiguredRetryStrategy {
  return new ConfiguredRetryStrategy(maxAttempts, () => 5);
}

export function connectClient(emu: Emulator, opts: ClientOptions = {}): ConnectClient {
  return new ConnectClient({
    region: opts.region ?? REGION,
    endpoint: emu.endpoint,
    credentials: opts.credentials ?? CREDENTIALS,
    retryStrategy: retryStrategy(opts.maxAttempts ?? 1),
  });
}

export function chimeClient(emu: Emulator, opts: ClientOptions = {}): ChimeSDKVoiceClient {
  return new ChimeSDKVoiceClient({
    region: opts.region ?? REGION,
    endpoint: emu.endpoint,
    credentials: opts.credentials ?? CREDENTIALS,
    retryStrategy: retryStrategy(opts.maxAttempts ?? 1),
  });
}

/** Runs `fn`, expecting it to throw; returns the error. */
export type CaughtError = Error & { name: string; $metadata: { httpStatusCode?: number; requestId?: string }; [k: string]: unknown };

export async function caught(fn: () => Promise<unknown>): Promise<CaughtError> {
  try {
    await fn();
  } catch (e) {
    return e as CaughtError;
  }
  throw new Error('expected the call to fail, it succeeded');
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A plain HTTP request (no SDK), optionally SigV4-signed for `service` (signing name). */
export async function rawRequest(
  emu: Emulator,
  req: {
    method: string;
    path: string;
    query?: Record<string, string>;
    body?: string;
    headers?: Record<string, string>;
    sign?: { service: string; region?: string };
  },
): Promise<RawResponse> {
  const url = new URL(emu.endpoint);
  let headers: Record<string, string> = { host: url.host, ...(req.headers ?? {}) };
  if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
  if (req.sign) {
    const signer = new SignatureV4({
      service: req.sign.service,
      region: req.sign.region ?? REGION,
      credentials: CREDENTIALS,
      sha256: Sha256,
    });
    const signed = await signer.sign({
      method: req.method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: req.path,
      query: req.query ?? {},
      headers,
      body: req.body,
    });
    headers = signed.headers as Record<string, string>;
  }
  const qs = req.query
    ? `?${Object.entries(req.query)
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
        .join('&')}`
    : '';
  return new Promise<RawResponse>((resolve, reject) => {
    const r = http.request(
      { host: url.hostname, port: url.port, method: req.method, path: `${req.path}${qs}`, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}
