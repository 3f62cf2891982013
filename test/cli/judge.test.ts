/**
 * The verdicts as a pure function of declarations and numbers: the paths the end-to-end tests do not
 * reach with a deploy (a FAILED claim, tags and owner changed by hand, bindings of numbers given by ARN,
 * a stack not audited).
 */
import { OWNER_TAG_KEY } from '../../lambda/contract';
import { onePerNumber } from '../../cli/audit/inventory';
import { exitCodeOf, judge, ownerPart } from '../../cli/audit/judge';
import type { ClaimDeclaration, ConnectNumber, Declarations } from '../../cli/audit/model';

const INSTANCE = 'arn:aws:connect:us-east-1:123456789012:instance/11111111-0000-4000-8000-000000000001';
const FLOW = `${INSTANCE}/contact-flow/f1000000-0000-4000-8000-000000000001`;
const ARN = 'arn:aws:connect:us-east-1:123456789012:phone-number/aaaaaaaa-0000-4000-8000-000000000001';

const declarations = (d: Partial<Declarations>): Declarations => ({
  stacks: ['Phones'],
  otherLiveStacks: [],
  claims: [],
  flows: [],
  trunks: [],
  skipped: [],
  ...d,
});

const claim = (c: Partial<ClaimDeclaration> = {}): ClaimDeclaration => ({
  holder: { stack: 'Phones', logicalId: 'Main', path: 'Phones/Main' },
  owner: 'Phones/Main',
  region: 'us-east-1',
  targetArn: INSTANCE,
  phoneNumber: '+12065550100',
  tags: {},
  ...c,
});

const number = (n: Partial<ConnectNumber> = {}): ConnectNumber => ({
  region: 'us-east-1',
  phoneNumber: '+12065550100',
  phoneNumberArn: ARN,
  targetArn: INSTANCE,
  instanceId: '11111111-0000-4000-8000-000000000001',
  tags: { [OWNER_TAG_KEY]: 'Phones/Main@c0123456789a' },
  status: 'CLAIMED',
  flows: {},
  ...n,
});

describe('the verdicts', () => {
  it('reads the owner part of an ownership tag value, whichever event wrote it', () => {
    expect(ownerPart('Phones/Main@c0123456789a')).toBe('Phones/Main');
    expect(ownerPart('Phones/Main')).toBe('Phones/Main');
    expect(ownerPart(undefined)).toBeUndefined();
  });

  it('finds drift in a FAILED status, a tag and the owner changed by hand, declared vs found', () => {
    const report = judge(declarations({ claims: [claim({ tags: { team: 'ops', cost: 'cc1' } })] }), {
      connect: [number({ status: 'FAILED', tags: { [OWNER_TAG_KEY]: 'Other/Thing@a0123456789a', team: 'sales' } })],
      chime: [],
    });
    expect(report.numbers[0].verdict).toBe('drift');
    expect(report.numbers[0].differences).toEqual([
      { field: 'status', declared: 'CLAIMED', actual: 'FAILED' },
      { field: 'tags.team', declared: 'ops', actual: 'sales' },
      { field: 'tags.cost', declared: 'cc1', actual: '(none)' },
      { field: 'owner', declared: 'Phones/Main', actual: 'Other/Thing' },
    ]);
  });

  it('takes a number IN_PROGRESS as a change on its way, not drift', () => {
    const report = judge(declarations({ claims: [claim()] }), { connect: [number({ status: 'IN_PROGRESS' })], chime: [] });
    expect(report.numbers[0]).toMatchObject({ verdict: 'ok', status: 'IN_PROGRESS' });
  });

  it('judges a number bound by ARN (fromPhoneNumberArn) by its flow, and a binding of a number not claimed as missing', () => {
    const binding = { holder: { stack: 'Phones', logicalId: 'Bind', path: 'Phones/Bind' }, phoneNumberArn: ARN, contactFlowArn: FLOW };
    const gone = { ...binding, holder: { ...binding.holder, path: 'Phones/Gone' }, phoneNumberArn: ARN.replace('aaaaaaaa', 'bbbbbbbb') };
    const report = judge(declarations({ flows: [binding, gone] }), {
      connect: [number({ tags: {}, flows: { '11111111-0000-4000-8000-000000000001': FLOW } })],
      chime: [],
    });
    expect(report.numbers.map((r) => [r.phoneNumber, r.verdict, r.holder])).toEqual([
      ['+12065550100', 'ok', 'Phones/Bind'],
      [ARN.replace('aaaaaaaa', 'bbbbbbbb'), 'missing', 'Phones/Gone'],
    ]);
  });

  it('finds a conflict when two bindings name the same number', () => {
    const binding = (id: string) => ({
      holder: { stack: 'Phones', logicalId: id, path: `Phones/${id}` },
      phoneNumberArn: ARN,
      contactFlowArn: FLOW,
    });
    const report = judge(declarations({ flows: [binding('A'), binding('B')] }), { connect: [number()], chime: [] });
    expect(report.numbers[0]).toMatchObject({ verdict: 'conflict', declaredBy: ['Phones/A', 'Phones/B'] });
  });

  it('leaves out what a live stack not audited holds (by its ownership tag, or a Chime number no audited stack lists)', () => {
    const decl = declarations({ otherLiveStacks: ['Other'] });
    const report = judge(decl, {
      connect: [
        number({ tags: { [OWNER_TAG_KEY]: 'Other/Main@c0123456789a' } }),
        number({ phoneNumber: '+12065550101', tags: { [OWNER_TAG_KEY]: 'Gone/Main@c0123456789a' } }),
      ],
      chime: [{ region: 'us-east-1', phoneNumber: '+12065550150', voiceConnectorId: 'abcdef1ghij2klmno3pqr4' }],
    });
    expect(report.numbers.map((r) => [r.phoneNumber, r.verdict, r.holder])).toEqual([['+12065550101', 'kept', 'Gone/Main']]);
  });

  it('finds a Chime number a VoiceConnectorNumbers lists but the inventory does not hold missing', () => {
    const trunk = {
      holder: { stack: 'Phones', logicalId: 'Trunk', path: 'Phones/Trunk' },
      voiceConnectorId: 'abcdef1ghij2klmno3pqr4',
      phoneNumbers: ['+12065550150'],
      region: 'us-east-1',
    };
    const report = judge(declarations({ trunks: [trunk] }), { connect: [], chime: [] });
    expect(report.numbers).toEqual([
      expect.objectContaining({
        phoneNumber: '+12065550150',
        service: 'chime-sdk-voice',
        verdict: 'missing',
        voiceConnector: 'abcdef1ghij2klmno3pqr4',
        holder: 'Phones/Trunk',
      }),
    ]);
  });

  it('exits 0 only when every verdict is ok or allowed', () => {
    const report = judge(declarations({}), { connect: [number({ tags: {} })], chime: [] });
    expect(report.summary).toEqual({ ok: 0, drift: 0, missing: 0, conflict: 0, kept: 0, unowned: 1 });
    expect(exitCodeOf(report, [])).toBe(1);
    expect(exitCodeOf(report, ['unowned'])).toBe(0);
    expect(exitCodeOf(judge(declarations({}), { connect: [], chime: [] }), [])).toBe(0);
  });

  it('keeps one entry of a traffic distribution group number listed in both its regions: its claim region', () => {
    const home = number();
    const replica = number({ region: 'us-west-2', flows: {} });
    expect(onePerNumber([replica, home])).toEqual([home]);
    expect(onePerNumber([home, replica])).toEqual([home]);
  });
});
