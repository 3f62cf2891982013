/**
 * Injected faults. Each fault has a remaining count (`times`, default 1) and is consumed by the calls it affects.
 */
import { sameNumber } from './phone-numbers';
import type { Fault } from './types';

interface Armed {
  readonly fault: Fault;
  remaining: number;
  /** Matching calls still to let pass before the fault applies (Fault.skip). */
  skip: number;
}

type FaultOf<K extends Fault['kind']> = Extract<Fault, { kind: K }>;

export class FaultRegistry {
  private armed: Armed[] = [];

  inject(fault: Fault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error(`Fault.times must be a positive integer, got ${times}`);
    const skip = fault.skip ?? 0;
    if (!Number.isInteger(skip) || skip < 0) throw new Error(`Fault.skip must be a non-negative integer, got ${skip}`);
    this.armed.push({ fault, remaining: times, skip });
  }

  clear(): void {
    this.armed = [];
  }

  /** Consumes and returns the first armed fault of this kind for this operation (and number, where relevant). */
  take<K extends Fault['kind']>(kind: K, operation: string, phoneNumber?: string): FaultOf<K> | undefined {
    const entry = this.armed.find(
      (a) =>
        a.fault.kind === kind &&
        a.fault.operation === operation &&
        (phoneNumber === undefined || ('phoneNumber' in a.fault && sameNumber(a.fault.phoneNumber, phoneNumber))),
    );
    if (!entry) return undefined;
    if (entry.skip > 0) {
      entry.skip -= 1;
      return undefined;
    }
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.armed = this.armed.filter((a) => a !== entry);
    return entry.fault as FaultOf<K>;
  }

  /** All armed phoneNumberError faults for an operation (not consumed). */
  peekPhoneNumberErrors(operation: string): ReadonlyArray<FaultOf<'phoneNumberError'>> {
    const matching = this.armed.filter((a) => a.fault.kind === 'phoneNumberError' && a.fault.operation === operation);
    // A fault still skipping lets this call pass (and counts it).
    const skipping = new Set(matching.filter((a) => a.skip > 0));
    for (const a of skipping) a.skip -= 1;
    return matching.filter((a) => !skipping.has(a)).map((a) => a.fault as FaultOf<'phoneNumberError'>);
  }

  /** Consumes one use of a specific fault object. */
  consume(fault: Fault): void {
    const entry = this.armed.find((a) => a.fault === fault);
    if (!entry) return;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.armed = this.armed.filter((a) => a !== entry);
  }
}
