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

/**
 * A Create or Update failed; the stack was rolled back. `rollbackFailures`: what could not be rolled
 * back (the stack ended ROLLBACK_FAILED / UPDATE_ROLLBACK_FAILED); `cleanupFailures`: Deletes that failed
 * in the update rollback's cleanup phase (the stack still ended UPDATE_ROLLBACK_COMPLETE).
 */
export class DeployFailedError extends Error {
  constructor(
    readonly logicalId: string,
    readonly requestType: 'Create' | 'Update',
    readonly reason: string,
    readonly rollbackFailures: FailedRequest[] = [],
    readonly stackStatus?: string,
    readonly cleanupFailures: FailedRequest[] = [],
  ) {
    super(
      `${logicalId} failed to ${requestType.toLowerCase()}: ${firstLine(reason)}` +
        (rollbackFailures.length > 0
          ? `; rollback failed for ${rollbackFailures.map((f) => `${f.logicalId} (${firstLine(f.reason)})`).join(', ')}`
          : '; the stack was rolled back') +
        (cleanupFailures.length > 0
          ? `; cleanup could not delete ${cleanupFailures.map((f) => `${f.logicalId} ${f.physicalResourceId ?? ''} (${firstLine(f.reason)})`).join(', ')}`
          : ''),
    );
    this.name = 'DeployFailedError';
  }
}

/** The stack is in a status from which CloudFormation refuses the operation. */
export class StackStatusError extends Error {
  constructor(
    readonly stackId: string,
    readonly status: string,
    fix: string,
  ) {
    super(`Stack:${stackId} is in ${status} state and can not be updated. ${fix}`);
    this.name = 'StackStatusError';
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
