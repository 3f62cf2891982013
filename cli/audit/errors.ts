/** Errors that end the audit with exit code 2 (usage or access), each with the message a person acts on. */

/** Exit code of a usage or access error. */
export const USAGE_EXIT = 2;

export class AuditUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditUsageError';
  }
}

/** The IAM action of an SDK call: service prefix and operation name. */
export const IAM_PREFIX = { connect: 'connect', chime: 'chime', cloudformation: 'cloudformation' } as const;

const DENIED = /AccessDenied|Forbidden|Unauthorized|UnrecognizedClient|InvalidClientTokenId|NotAuthorized/;

/** The error of an SDK call as exit 2 when it is an access problem (named with its IAM action); undefined otherwise. */
export function accessError(err: unknown, service: keyof typeof IAM_PREFIX, operation: string): AuditUsageError | undefined {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  if (!(DENIED.test(e?.name ?? '') || status === 403 || status === 401)) return undefined;
  return new AuditUsageError(
    `access denied to ${IAM_PREFIX[service]}:${operation} (${e.name ?? 'error'}: ${e.message ?? ''}). ` +
      `Allow the IAM action ${IAM_PREFIX[service]}:${operation} to the role or user running the audit (README "Audit" lists every action it needs).`,
  );
}
