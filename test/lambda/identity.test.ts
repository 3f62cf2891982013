import { MAX_TAG_VALUE_LENGTH } from '../../lambda/contract';
import { clientToken, isOwnedBy, ownerOf, ownershipValue, stackNameOf } from '../../lambda/identity';

const UUID = /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/;
const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/PhoneStack/0a1b2c3d-0000-4000-8000-000000000000';
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

describe('client tokens', () => {
  it('are UUID-shaped, deterministic, and differ per input', () => {
    const a = clientToken(STACK_ID, 'Number', 'req-1', '+12065550100');
    expect(a).toMatch(UUID);
    expect(clientToken(STACK_ID, 'Number', 'req-1', '+12065550100')).toBe(a);
    expect(clientToken(STACK_ID, 'Number', 'req-2', '+12065550100')).not.toBe(a);
  });
});

describe('ownership tag values', () => {
  it('name the stack and the logical id, then a marker of the event and whether it claimed or adopted', () => {
    expect(stackNameOf(STACK_ID)).toBe('PhoneStack');
    expect(ownershipValue(STACK_ID, 'Number', 'r', 'claim')).toMatch(/^PhoneStack\/Number@c[0-9a-f]{11}$/);
    expect(ownershipValue(STACK_ID, 'Number', 'r', 'adopt')).toMatch(/^PhoneStack\/Number@a[0-9a-f]{11}$/);
  });

  it('stay within the 256-character tag value limit for the longest names, hashing the rest', () => {
    const longStack = STACK_ID.replace('PhoneStack', 'S'.repeat(128));
    const longLogical = 'L'.repeat(255);
    const value = ownershipValue(longStack, longLogical, 'r', 'claim');
    expect(value.length).toBeLessThanOrEqual(MAX_TAG_VALUE_LENGTH);
    expect(value).toMatch(TAG_VALUE);
    expect(isOwnedBy(value, longStack, longLogical)).toBe(true);
    expect(isOwnedBy(value, longStack, `${longLogical.slice(1)}X`)).toBe(false);
    expect(ownerOf(longStack, longLogical)).not.toBe(ownerOf(longStack, `${longLogical.slice(1)}X`));
  });

  it('tell one owner from another, whichever event wrote them', () => {
    const v = ownershipValue(STACK_ID, 'Number', 'r', 'adopt');
    expect(isOwnedBy(v, STACK_ID, 'Number')).toBe(true);
    expect(isOwnedBy(v, STACK_ID, 'Number2')).toBe(false);
    expect(isOwnedBy(v, STACK_ID.replace('PhoneStack', 'Other'), 'Number')).toBe(false);
    expect(isOwnedBy(undefined, STACK_ID, 'Number')).toBe(false);
  });
});
