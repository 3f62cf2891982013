import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ClaimedPhoneNumber, PhoneNumberFlowBinding, VoiceConnectorNumbers } from '../../lib';
import { ownershipValue } from '../../lambda/identity';
import { HANDLER_ACTIONS, HANDLER_POLICY, HANDLER_TIMEOUT, QUERY_INTERVAL, TOTAL_TIMEOUT } from '../../lib/private/provider';
import { FLOW_ARN, INSTANCE_ARN, newStack } from './fixtures';

/** Our handler functions: the Provider framework adds functions of its own, which run 'framework.*'. */
const handlerFunctions = (stack: Stack) =>
  Template.fromStack(stack).findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } });

function stackWithEveryConstruct(count: number): Stack {
  const stack = newStack();
  for (let i = 0; i < count; i++) {
    const number = new ClaimedPhoneNumber(stack, `Number${i}`, { targetArn: INSTANCE_ARN, countryCode: 'US' });
    new PhoneNumberFlowBinding(stack, `Binding${i}`, { phoneNumber: number, contactFlowArn: FLOW_ARN });
    new VoiceConnectorNumbers(stack, `Trunk${i}`, {
      voiceConnectorId: `vc${String(i).padStart(19, '0')}`,
      phoneNumbers: [`+1206555${String(i).padStart(4, '0')}`],
    });
  }
  return stack;
}

describe('the stack-wide provider', () => {
  it.each([1, 50])('holds exactly one handler function and one provider for %i of each construct', (count) => {
    // GIVEN / WHEN
    const stack = stackWithEveryConstruct(count);
    const template = Template.fromStack(stack);
    // THEN
    expect(Object.keys(handlerFunctions(stack))).toHaveLength(1);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.resourceCountIs('Custom::ClaimedPhoneNumber', count);
    template.resourceCountIs('Custom::PhoneNumberFlowBinding', count);
    template.resourceCountIs('Custom::VoiceConnectorNumbers', count);
    // Every custom resource points at the same service token.
    const tokens = new Set(
      Object.values(template.toJSON().Resources as Record<string, { Type: string; Properties: { ServiceToken: unknown } }>)
        .filter((r) => r.Type.startsWith('Custom::'))
        .map((r) => JSON.stringify(r.Properties.ServiceToken)),
    );
    expect(tokens.size).toBe(1);
  });

  it('runs the handler on Node.js 24 on arm64 with a timeout under 14 minutes and JSON logs', () => {
    const stack = stackWithEveryConstruct(1);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: HANDLER_TIMEOUT.toSeconds(),
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
    });
    expect(HANDLER_TIMEOUT.toMinutes()).toBeLessThanOrEqual(14);
  });

  it('keeps the handler and the waiter within CloudFormation one hour', () => {
    expect(HANDLER_TIMEOUT.toSeconds() + TOTAL_TIMEOUT.toSeconds()).toBeLessThan(3600);
    const template = Template.fromStack(stackWithEveryConstruct(1));
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as Array<{
      Properties: { DefinitionString: unknown };
    }>;
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    const interval = QUERY_INTERVAL.toSeconds();
    expect(definition).toContain(`\\"IntervalSeconds\\":${interval}`);
    expect(definition).toContain(`\\"MaxAttempts\\":${Math.ceil(TOTAL_TIMEOUT.toSeconds() / interval)}`);
  });

  it('gives the handler, the framework and the waiter log groups with a retention', () => {
    const template = Template.fromStack(stackWithEveryConstruct(1));
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup')) as Array<{ Properties: { RetentionInDays?: number } }>;
    expect(groups.length).toBeGreaterThanOrEqual(3);
    for (const group of groups) expect(group.Properties.RetentionInDays).toBe(365);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { LoggingConfiguration: Match.objectLike({ Level: 'ALL' }) });
  });

  it('grants each action on its documented resource types, scoped to the account and partition', () => {
    const template = Template.fromStack(stackWithEveryConstruct(1));
    const inAccount = (service: string, pattern: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:*:123456789012:${pattern}`]],
    });
    const one = <T>(items: T[]): T | T[] => (items.length === 1 ? items[0] : items);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith(
          HANDLER_POLICY.map((st) => ({
            Sid: st.sid,
            Effect: 'Allow',
            Action: one([...st.actions]),
            Resource: one(
              st.resources.map((r) => (r === '*' ? '*' : r === 'own-stack' ? { Ref: 'AWS::StackId' } : inAccount(r.service, r.pattern))),
            ),
            ...(st.condition
              ? {
                  Condition: {
                    StringLike: { 'aws:ResourceTag/cdk-phone-numbers:owner': { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '/*']] } },
                  },
                }
              : {}),
          })),
        ),
      },
    });
    expect(HANDLER_POLICY.map((st) => st.sid)).toEqual([
      'PhoneNumbersInThisAccount',
      'ReleaseThisStacksNumbers',
      'ClaimAndMoveNumbers',
      'ImportNumbers',
      'BindFlowsToNumbers',
      'VoiceConnectorsInThisAccount',
      'ReadChimeNumbers',
      'ReadStacks',
    ]);
  });

  it('releases only numbers whose ownership tag names this stack, and no other statement grants ReleasePhoneNumber', () => {
    const template = Template.fromStack(stackWithEveryConstruct(1));
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[]; Condition?: unknown }> } } }).Properties
          .PolicyDocument.Statement,
    );
    const releasing = statements.filter((st) => ([] as string[]).concat(st.Action).includes('connect:ReleasePhoneNumber'));
    expect(releasing).toHaveLength(1);
    // The tag value is STACK_NAME/LOGICAL_ID@marker (lambda/identity.ts): the stack's own prefix, then anything.
    expect(releasing[0].Condition).toEqual({
      StringLike: { 'aws:ResourceTag/cdk-phone-numbers:owner': { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '/*']] } },
    });
    expect(ownershipValue('arn:aws:cloudformation:us-east-1:123456789012:stack/Phones/uuid', 'Main', 'r', 'claim')).toMatch(/^Phones\//);
  });

  describe('against the Service Authorization Reference table in docs/service-facts.md', () => {
    const facts = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'service-facts.md'), 'utf8');
    /** Rows of the markdown table that follows `heading`: cells with backticks stripped. */
    const tableAfter = (heading: string): string[][] => {
      const section = facts.slice(facts.indexOf(heading));
      const lines = section.split('\n');
      const start = lines.findIndex((l) => l.startsWith('| ---'));
      const rows: string[][] = [];
      for (const line of lines.slice(start + 1)) {
        if (!line.startsWith('|')) break;
        rows.push(
          line
            .split('|')
            .slice(1, -1)
            .map((c) => c.trim()),
        );
      }
      return rows;
    };
    /** Resource type -> an example ARN (partition aws, account 123456789012, another region than the stack's). */
    const exampleArns = new Map(
      tableAfter('## ARN formats').map(([type, arn]) => [
        type.replace(/`/g, ''),
        arn
          .replace(/`/g, '')
          .replace('${Partition}', 'aws')
          .replace('${Region}', 'eu-west-2')
          .replace('${Account}', '123456789012')
          .replace(/\$\{VoiceConnectorId\}/, 'abcdef1ghij2klmno3pqr4')
          .replace(/\$\{\w+\}/g, '0a1b2c3d-0000-4000-8000-00000000000a'),
      ]),
    );
    /** Action -> documented resource types (required ones marked with `*` in the table; the mark is dropped). */
    const documented = new Map(
      tableAfter('## IAM: the Service Authorization Reference rows').map(([action, types]) => [
        action.replace(/`/g, ''),
        [...types.matchAll(/`([a-z-]+)\*?`/g)].map((m) => m[1]),
      ]),
    );

    /** Every (action, resource) the synthesized policy grants, with the partition and account resolved. */
    function granted(): Map<string, string[]> {
      const template = Template.fromStack(stackWithEveryConstruct(1));
      const out = new Map<string, string[]>();
      const resolve = (r: unknown): string => {
        if (typeof r === 'string') return r;
        // The stack's own id: the one stack ARN the `stack` row's example stands for.
        if ((r as { Ref?: string }).Ref === 'AWS::StackId') return exampleArns.get('stack') as string;
        const parts = (r as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
        return parts.map((p) => (typeof p === 'string' ? p : 'aws')).join('');
      };
      const handlerRole = Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.includes('HandlerRole')) as string;
      for (const policy of Object.values(template.findResources('AWS::IAM::Policy')) as Array<{
        Properties: {
          Roles: Array<{ Ref: string }>;
          PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> };
        };
      }>) {
        if (!policy.Properties.Roles.some((r) => r.Ref === handlerRole)) continue;
        for (const st of policy.Properties.PolicyDocument.Statement) {
          const actions = (Array.isArray(st.Action) ? st.Action : [st.Action]).filter((action) =>
            /^(connect|chime|cloudformation):/.test(action),
          );
          if (actions.length === 0) continue; // the log group's statement
          const resources = (Array.isArray(st.Resource) ? st.Resource : [st.Resource]).map(resolve);
          for (const action of actions) out.set(action, [...(out.get(action) ?? []), ...resources]);
        }
      }
      return out;
    }
    /** IAM's ARN matching: `*` any run of characters (slashes included), `?` one character. */
    const matches = (pattern: string, arn: string): boolean =>
      new RegExp(
        `^${pattern
          .split('')
          .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
          .join('')}$`,
      ).test(arn);

    it('has a row for every action the handler is granted, and an ARN for every resource type it names', () => {
      expect([...documented.keys()].sort()).toEqual([...HANDLER_ACTIONS].sort());
      for (const types of documented.values()) for (const type of types) expect(exampleArns.has(type)).toBe(true);
    });

    it.each(HANDLER_ACTIONS.map((a) => [a]))('%s: every documented resource type is granted, and nothing else', (action) => {
      const patterns = granted().get(action) ?? [];
      const types = documented.get(action) ?? [];
      if (types.length === 0) {
        expect(patterns).toEqual(['*']);
        return;
      }
      expect(patterns).not.toContain('*');
      for (const type of types) {
        expect({ type, granted: patterns.some((p) => matches(p, exampleArns.get(type) as string)) }).toEqual({ type, granted: true });
      }
      for (const pattern of patterns) {
        expect({ pattern, documented: types.some((t) => matches(pattern, exampleArns.get(t) as string)) }).toEqual({
          pattern,
          documented: true,
        });
      }
    });

    it('would catch a policy that lost a resource type: the contact flow of AssociatePhoneNumberContactFlow is needed', () => {
      const withoutFlow = (granted().get('connect:AssociatePhoneNumberContactFlow') ?? []).filter((p) => !p.includes('contact-flow'));
      expect(withoutFlow.some((p) => matches(p, exampleArns.get('contact-flow') as string))).toBe(false);
      expect(withoutFlow.some((p) => matches(p, exampleArns.get('phone-number') as string))).toBe(true);
    });
  });

  it('grants exactly the actions the handler source calls, no more and no fewer', () => {
    // Every `new XCommand(` in lambda/, by the SDK package it is imported from.
    const root = path.join(__dirname, '..', '..', 'lambda');
    const files = fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const called = new Set<string>();
    for (const file of files) {
      const source = fs.readFileSync(path.join(root, file), 'utf8');
      const service = source.includes("from '@aws-sdk/client-connect'")
        ? 'connect'
        : source.includes("from '@aws-sdk/client-chime-sdk-voice'")
          ? 'chime'
          : source.includes('cloudFormationSdk()')
            ? 'cloudformation'
            : undefined;
      for (const m of source.matchAll(/new (\w+)Command\(/g)) called.add(`${service}:${m[1]}`);
      // The SDK's paginators send their operation's command (paginateListPhoneNumbersV2: ListPhoneNumbersV2)
      for (const m of source.matchAll(/\bpaginate(\w+)\(/g)) called.add(`${service}:${m[1]}`);
    }
    expect([...HANDLER_ACTIONS].sort()).toEqual([...called].sort());
  });

  it('grants no wildcard action anywhere in the stack', () => {
    const template = Template.fromStack(stackWithEveryConstruct(1));
    const actions = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (
        p as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[] }> } } }
      ).Properties.PolicyDocument.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])),
    );
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action).not.toMatch(/\*/);
  });
});
