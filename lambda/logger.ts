/**
 * Structured JSON logs (Powertools Logger), created once at module load. Each event runs inside
 * `withEventLogger`, so concurrent events in one process (tests) keep their own keys, and the SDK
 * middleware in ./clients logs every AWS call with the keys of the event that made it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'cdk-phone-numbers' });

const current = new AsyncLocalStorage<Logger>();

/** The logger of the event being handled (or the module logger outside an event). */
export function log(): Logger {
  return current.getStore() ?? logger;
}

export interface EventLogKeys {
  readonly requestId: string;
  readonly requestType: string;
  readonly resourceType: string;
  readonly logicalResourceId: string;
  readonly physicalResourceId?: string;
  readonly phase: 'onEvent' | 'isComplete';
}

export function withEventLogger<T>(keys: EventLogKeys, fn: () => Promise<T>): Promise<T> {
  const child = logger.createChild();
  child.appendKeys({ ...keys });
  return current.run(child, fn);
}
