import { Construct } from 'constructs';

/** Thrown at synth when a construct's props are invalid; lists every problem found. */
export class PhoneNumberPropsError extends Error {
  constructor(scope: Construct, problems: string[]) {
    super(`${scope.node.path}: ${problems.join(' ')}`);
    this.name = 'PhoneNumberPropsError';
  }
}

/** Throws a PhoneNumberPropsError when `problems` is not empty. */
export function throwIfInvalid(scope: Construct, problems: string[]): void {
  if (problems.length > 0) throw new PhoneNumberPropsError(scope, problems);
}
