/** Errors of the local deployer. Each sets `name`; deploy and destroy failures carry what failed and why. */

/** The template cannot be deployed as written (cycle, unsupported intrinsic, changed resource type...). */
export class TemplateError extends Error {
  constructor(message: string) {
    super(`Template error: ${message}`);
    this.name = 'TemplateError';
  }
}

export interface FailedRequest {
  readonly logicalId: string;
  readonly physicalResourceId?: string;
  readonly reason: string;
}

/** A Create or Update failed; the stack was rolled back (see `rollbackFailures` for what could not be). */
export class DeployFailedError extends Error {
  constructor(
    readonly logicalId: string,
    readonly requestType: 'Create' | 'Update',
    readonly reason: string,
    readonly rollbackFailures: FailedRequest[] = [],
  ) {
    super(
      `${logicalId} failed to ${requestType.toLowerCase()}: ${firstLine(reason)}` +
        (rollbackFailures.length > 0
          ? `; rollback failed for ${rollbackFailures.map((f) => `${f.logicalId} (${firstLine(f.reason)})`).join(', ')}`
          : '; the stack was rolled back'),
    );
    this.name = 'DeployFailedError';
  }
}

/** Some resources could not be deleted; they (and the resources they depend on) are still deployed. */
export class DestroyFailedError extends Error {
  constructor(readonly failures: FailedRequest[]) {
    super(`delete failed for ${failures.map((f) => `${f.logicalId} (${firstLine(f.reason)})`).join(', ')}`);
    this.name = 'DestroyFailedError';
  }
}

export function firstLine(text: string): string {
  return text.split('\n')[0];
}
