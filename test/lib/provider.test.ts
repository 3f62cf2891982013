import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ClaimedPhoneNumber, PhoneNumberFlowBinding, VoiceConnectorNumbers } from '../../lib';
import {
  CHIME_SCOPED_ACTIONS,
  CHIME_UNSCOPED_ACTIONS,
  CLOUDFORMATION_ACTIONS,
  CONNECT_SCOPED_ACTIONS,
  CONNECT_UNSCOPED_ACTIONS,
  HANDLER_TIMEOUT,
  QUERY_INTERVAL,
  TOTAL_TIMEOUT,
} from '../../lib/private/provider';
import { FLOW_ARN, INSTANCE_ARN, newStack } from './fixtures';

/** Our handler functions: the Provider framework adds functions of its own, which run 'framework.*'. */
const handlerFunctions = (stack: Stack) =>
  Template.fromStack(stack).findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } });

function stackWithEveryConstruct(count: number): Stack {
  const stack = newStack();
  for (let i = 0; i < count; i++) {
    const number = new ClaimedPhoneNumber(stack, `Number${i}`, { targetArn: INSTANCE_ARN, countryCode: 'US' });
    new PhoneNumberFlowBinding(stack, `Binding${i}`, { phoneNumber: number, contactFlowArn: FLOW_ARN });
    new VoiceConnectorNumbers(stack, `Trunk${i}`, { voiceConnectorId: `vc${i}`, phoneNumbers: [`+1206555${String(i).padStart(4, '0')}`] });
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
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as Array<{ Properties: { DefinitionString: unknown } }>;
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

  it('grants only the actions the handler calls, scoped to the account and partition where IAM allows', () => {
    const template = Template.fromStack(stackWithEveryConstruct(1));
    const scoped = (service: string, resource: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:*:123456789012:${resource}/*`]],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'PhoneNumbersInThisAccount',
            Effect: 'Allow',
            Action: CONNECT_SCOPED_ACTIONS,
            Resource: [scoped('connect', 'phone-number'), scoped('connect', 'instance'), scoped('connect', 'traffic-distribution-group')],
          },
          { Sid: 'SearchAndListNumbers', Effect: 'Allow', Action: CONNECT_UNSCOPED_ACTIONS, Resource: '*' },
          { Sid: 'VoiceConnectorsInThisAccount', Effect: 'Allow', Action: CHIME_SCOPED_ACTIONS, Resource: scoped('chime', 'vc') },
          { Sid: 'ReadChimeNumbers', Effect: 'Allow', Action: 'chime:GetPhoneNumber', Resource: '*' },
          { Sid: 'ReadOwnStack', Effect: 'Allow', Action: CLOUDFORMATION_ACTIONS, Resource: { Ref: 'AWS::StackId' } },
        ]),
      },
    });
  });

  it('grants exactly the actions the handler source calls, no more and no fewer', () => {
    // Every `new XCommand(` in lambda/, by the SDK package it is imported from.
    const root = path.join(__dirname, '..', '..', 'lambda');
    const files = fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const called = new Set<string>();
    for (const file of files) {
      const source = fs.readFileSync(path.join(root, file), 'utf8');
      const service = source.includes("from '@aws-sdk/client-connect'") ? 'connect'
        : source.includes("from '@aws-sdk/client-chime-sdk-voice'") ? 'chime'
          : source.includes('cloudFormationSdk()') ? 'cloudformation' : undefined;
      for (const m of source.matchAll(/new (\w+)Command\(/g)) called.add(`${service}:${m[1]}`);
    }
    const granted = [...CONNECT_SCOPED_ACTIONS, ...CONNECT_UNSCOPED_ACTIONS, ...CHIME_SCOPED_ACTIONS, ...CHIME_UNSCOPED_ACTIONS, ...CLOUDFORMATION_ACTIONS];
    expect([...granted].sort()).toEqual([...called].sort());
  });

  it('grants no wildcard action anywhere in the stack', () => {
    const template = Template.fromStack(stackWithEveryConstruct(1));
    const actions = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[] }> } } }).Properties.PolicyDocument.Statement.flatMap(
        (s) => (Array.isArray(s.Action) ? s.Action : [s.Action]),
      ),
    );
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action).not.toMatch(/\*/);
  });
});
