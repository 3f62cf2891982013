/**
 * SigV4 Authorization header parsing. The emulator does not know secret keys, so it checks that the
 * header is well formed (algorithm, credential scope, signed headers including host, hex signature,
 * an X-Amz-Date matching the scope date) and takes the region and signing name from the scope.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface SigV4Scope {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request\s*,\s*SignedHeaders=([a-z0-9;._-]+)\s*,\s*Signature=([0-9a-f]{64})$/;

export type AuthResult = { ok: true; scope: SigV4Scope } | { ok: false; reason: string; service?: string };

export function parseAuthorization(headers: IncomingHttpHeaders): AuthResult {
  const header = headers.authorization;
  if (!header) return { ok: false, reason: 'Missing Authentication Token' };
  const m = AUTH_RE.exec(header.trim());
  if (!m) {
    const svc = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(header)?.[1];
    return { ok: false, reason: 'Authorization header is not a well-formed AWS Signature Version 4 header', service: svc };
  }
  const [, accessKeyId, date, region, service, signed] = m;
  const signedHeaders = signed.split(';');
  if (!signedHeaders.includes('host')) {
    return { ok: false, reason: "'Host' must be a signed header", service };
  }
  const amzDate = headers['x-amz-date'];
  const dateHeader = Array.isArray(amzDate) ? amzDate[0] : amzDate;
  if (!dateHeader || !/^\d{8}T\d{6}Z$/.test(dateHeader) || dateHeader.slice(0, 8) !== date) {
    return { ok: false, reason: 'X-Amz-Date is missing or does not match the credential scope date', service };
  }
  return { ok: true, scope: { accessKeyId, date, region, service, signedHeaders } };
}
