import { CfnParameter, Fn, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ClaimedPhoneNumber, ClaimedPhoneNumbers } from '../../lib';
import { INSTANCE_ARN, newStack } from './fixtures';

const NUMBERS = ['+12065550100', '+12065550101', '+12065550102'];

describe('ClaimedPhoneNumbers', () => {
  /** Logical id -> PhoneNumber of every Custom::ClaimedPhoneNumber of a stack built from `numbers`. */
  const declared = (numbers: string[], extra: Record<string, unknown> = {}) => {
    const stack = newStack();
    new ClaimedPhoneNumbers(stack, 'Ported', { targetArn: INSTANCE_ARN, phoneNumbers: numbers, ...extra });
    const resources = Template.fromStack(stack).findResources('Custom::ClaimedPhoneNumber');
    return Object.fromEntries(
      Object.entries(resources).map(([id, r]) => [id, (r as { Properties: { PhoneNumber: string } }).Properties.PhoneNumber]),
    );
  };

  it('declares one ClaimedPhoneNumber per number, each with the shared target, description, tags and removal policy', () => {
    const stack = newStack();
    const ported = new ClaimedPhoneNumbers(stack, 'Ported', {
      targetArn: INSTANCE_ARN,
      phoneNumbers: NUMBERS,
      description: 'Ported',
      tags: { source: 'port' },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::ClaimedPhoneNumber', 3);
    for (const n of NUMBERS) {
      template.hasResource('Custom::ClaimedPhoneNumber', {
        Properties: Match.objectLike({
          PhoneNumber: n,
          TargetArn: INSTANCE_ARN,
          Description: 'Ported',
          Tags: [{ Key: 'source', Value: 'port' }],
          RemovalPolicy: 'retain',
        }),
        DeletionPolicy: 'Retain',
      });
    }
    expect(ported.numbers.map((c) => c.node.id)).toEqual(['Number12065550100', 'Number12065550101', 'Number12065550102']);
    expect(ported.numbers.every((c) => c instanceof ClaimedPhoneNumber)).toBe(true);
  });

  it('names each resource after its number: reordering the list changes no logical id, removing one removes only its own', () => {
    const first = declared(NUMBERS);
    expect(declared([...NUMBERS].reverse())).toEqual(first);
    const fewer = declared([NUMBERS[0], NUMBERS[2]]);
    expect(Object.keys(fewer).every((id) => id in first)).toBe(true);
    expect(Object.values(fewer).sort()).toEqual([NUMBERS[0], NUMBERS[2]]);
  });

  it('finds the ClaimedPhoneNumber of a number, and says which numbers it has when asked for another', () => {
    const ported = new ClaimedPhoneNumbers(newStack(), 'Ported', { targetArn: INSTANCE_ARN, phoneNumbers: NUMBERS });
    expect(ported.number('+12065550101')).toBe(ported.numbers[1]);
    expect(() => ported.number('+12065559999')).toThrow(
      /TestStack\/Ported: '\+12065559999' is not one of its phoneNumbers \(\+12065550100, /,
    );
  });

  it('fails at synth on a number listed twice: one number, one owner', () => {
    expect(() => declared([NUMBERS[0], NUMBERS[1], NUMBERS[0]])).toThrow(/TestStack\/Ported: phoneNumbers lists '\+12065550100' twice/);
  });

  it('fails at synth on an empty list, and on a list or an entry known only at deploy time (a resource is named after its number)', () => {
    expect(() => declared([])).toThrow(/phoneNumbers is empty; list at least one E.164 number/);
    const stack = newStack();
    const param = new CfnParameter(stack, 'Numbers', { type: 'CommaDelimitedList' });
    expect(() => new ClaimedPhoneNumbers(stack, 'A', { targetArn: INSTANCE_ARN, phoneNumbers: param.valueAsList })).toThrow(
      /phoneNumbers is a deploy-time value; list the numbers at synth/,
    );
    expect(() => new ClaimedPhoneNumbers(stack, 'B', { targetArn: INSTANCE_ARN, phoneNumbers: [Fn.select(0, param.valueAsList)] })).toThrow(
      /a phoneNumbers entry is a deploy-time value/,
    );
  });

  it('keeps the stack-wide rule: a number it lists cannot be declared again by another construct', () => {
    const stack = newStack();
    new ClaimedPhoneNumbers(stack, 'Ported', { targetArn: INSTANCE_ARN, phoneNumbers: NUMBERS });
    expect(() => new ClaimedPhoneNumber(stack, 'Main', { targetArn: INSTANCE_ARN, phoneNumber: NUMBERS[1] })).toThrow(
      /phoneNumber '\+12065550101' is already declared by TestStack\/Ported\/Number12065550101; a number has one owner/,
    );
  });
});
