import type { MemberShape, OperationModel } from '../../../local/emulator/model';
import { validateInput } from '../../../local/emulator/validation';

/** An operation whose input has exactly these members. */
const op = (input: Record<string, MemberShape>): OperationModel => ({
  http: { method: 'POST', uri: '/test', code: 200 },
  input,
  output: {},
  errors: [],
});

const CONSTRAINT = 'failed to satisfy constraint';

describe('emulator input validation', () => {
  it('accepts input that meets every constraint of the model', () => {
    const model = op({
      Name: { type: 'string', required: true, length: { min: 1, max: 5 }, pattern: '^[a-z]+$' },
      Kind: { type: 'enum', values: ['DID', 'TOLL_FREE'] },
      Max: { type: 'integer', range: { min: 1, max: 10 } },
      Force: { type: 'boolean' },
      Ids: { type: 'list', length: { max: 2 }, member: { type: 'string', length: { min: 2 } } },
      Tags: { type: 'map', length: { max: 2 }, key: { type: 'string', length: { max: 3 } }, value: { type: 'string' } },
      Filter: { type: 'structure', members: { Prefix: { type: 'string', required: true } } },
    });
    expect(
      validateInput(model, {
        Name: 'abc',
        Kind: 'DID',
        Max: 10,
        Force: false,
        Ids: ['ab', 'cd'],
        Tags: { k: 'v' },
        Filter: { Prefix: '+1' },
      }),
    ).toBeUndefined();
  });

  it('names a missing required member, in the lower-camel path of the wire', () => {
    expect(validateInput(op({ PhoneNumber: { type: 'string', required: true } }), {})).toBe(
      `1 validation error detected: Value null at 'phoneNumber' ${CONSTRAINT}: Member must not be null`,
    );
  });

  it('counts string lengths in code points, and names both bounds', () => {
    const model = op({ Name: { type: 'string', length: { min: 2, max: 3 } } });
    expect(validateInput(model, { Name: '😀😀😀' })).toBeUndefined();
    expect(validateInput(model, { Name: 'a' })).toContain('Member must have length greater than or equal to 2');
    expect(validateInput(model, { Name: 'abcd' })).toContain('Member must have length less than or equal to 3');
  });

  it("shows a broken pattern with the model's doubled backslashes folded, and the value it refused", () => {
    const model = op({ PhoneNumber: { type: 'string', pattern: '\\\\+[1-9]\\\\d{1,14}$' } });
    expect(validateInput(model, { PhoneNumber: '+12065550100' })).toBeUndefined();
    expect(validateInput(model, { PhoneNumber: '2065550100x' })).toBe(
      `1 validation error detected: Value '2065550100x' at 'phoneNumber' ${CONSTRAINT}: ` +
        'Member must satisfy regular expression pattern: \\+[1-9]\\d{1,14}$',
    );
  });

  it('lists the allowed values of an enum, the first 12 of a long one', () => {
    expect(validateInput(op({ Kind: { type: 'enum', values: ['DID', 'TOLL_FREE'] } }), { Kind: 'MOBILE' })).toContain(
      'Member must satisfy enum value set: [DID, TOLL_FREE]',
    );
    const many = Array.from({ length: 14 }, (_, i) => `V${i}`);
    expect(validateInput(op({ Kind: { type: 'enum', values: many } }), { Kind: 'X' })).toContain(`[${many.slice(0, 12).join(', ')}, ...]`);
  });

  it('checks integers and their range', () => {
    const model = op({ Max: { type: 'integer', range: { min: 1, max: 10 } } });
    expect(validateInput(model, { Max: 1.5 })).toContain('Member must be an integer');
    expect(validateInput(model, { Max: 0 })).toContain('Member must have value greater than or equal to 1');
    expect(validateInput(model, { Max: 11 })).toContain('Member must have value less than or equal to 10');
  });

  it('checks the type of every kind of member', () => {
    const model = op({
      S: { type: 'string' },
      B: { type: 'boolean' },
      L: { type: 'list' },
      M: { type: 'map' },
      T: { type: 'structure' },
      At: { type: 'timestamp' },
    });
    const message = validateInput(model, { S: 1, B: 'true', L: 'x', M: [], T: null, At: 'anything' });
    expect(message).toMatch(/^4 validation errors detected: /);
    expect(message).toContain(`Value '1' at 's' ${CONSTRAINT}: Member must be a string`);
    expect(message).toContain("at 'b' failed to satisfy constraint: Member must be a boolean");
    expect(message).toContain("at 'l' failed to satisfy constraint: Member must be a list");
    expect(message).toContain("at 'm' failed to satisfy constraint: Member must be a map");
    // null counts as absent (hence 4 above); a structure given as a string is refused
    expect(validateInput(model, { T: 'x' })).toContain("at 't' failed to satisfy constraint: Member must be a structure");
  });

  it('checks the entries of lists, maps and structures, with the path of each entry', () => {
    const model = op({
      Ids: { type: 'list', length: { max: 2 }, member: { type: 'string', length: { min: 2 } } },
      Tags: { type: 'map', length: { max: 1 }, key: { type: 'string', length: { max: 3 } }, value: { type: 'string', length: { max: 2 } } },
      Filter: { type: 'structure', members: { Prefix: { type: 'string', required: true } } },
    });
    const message = validateInput(model, { Ids: ['ab', 'c', 'de'], Tags: { long: 'abc', k: 'v' }, Filter: {} }) ?? '';
    expect(message).toContain("at 'ids' failed to satisfy constraint: Member must have length less than or equal to 2");
    expect(message).toContain(`Value 'c' at 'ids.2.member' ${CONSTRAINT}: Member must have length greater than or equal to 2`);
    expect(message).toContain("at 'tags' failed to satisfy constraint: Member must have length less than or equal to 1");
    expect(message).toContain("Value 'long' at 'tags.key' failed to satisfy constraint");
    expect(message).toContain("Value 'abc' at 'tags.long.value' failed to satisfy constraint");
    expect(message).toContain("Value null at 'filter.prefix' failed to satisfy constraint: Member must not be null");
    expect(message).toMatch(/^6 validation errors detected: /);
  });
});
