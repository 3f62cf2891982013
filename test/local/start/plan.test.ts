/** The preview of a change: what each resource's new properties will do to the numbers. */
import type { CfnTemplate, DeployedResource, DeployResult, Json, TemplateResource } from '../../../local/deploy';
import { compareWithResult, planChange } from '../../../local/start/plan';

const ACCOUNT = '123456789012';
const I1 = 'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-4333-8444-555555555555';
const I2 = 'arn:aws:connect:us-east-1:123456789012:instance/7d3f5c2a-9b1e-4c8d-a6f0-3e2b1c9d8a74';
const FLOW1 = `${I1}/contact-flow/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee`;
const FLOW1B = `${I1}/contact-flow/bbbbbbbb-cccc-4ddd-8eee-ffffffffffff`;
const ARN = 'arn:aws:connect:us-east-1:123456789012:phone-number/0f1e2d3c-4b5a-4968-8776-655443322110';
const VC = 'abcdef1ghij2klmno3pqr4';
const TOKEN = { 'Fn::GetAtt': ['Fn', 'Arn'] };
const SERVICE_TOKEN = `arn:aws:local-placeholder:us-east-1:${ACCOUNT}:Fn`;
const CONTEXT = {
  region: 'us-east-1',
  accountId: ACCOUNT,
  partition: 'aws',
  urlSuffix: 'amazonaws.com',
  stackName: 'Phones',
  stackId: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/Phones/00000000-0000-4000-8000-000000000000`,
  parameters: {},
};

type Props = Record<string, Json>;

const claim = (p: Props, retain = true): TemplateResource => ({
  Type: 'Custom::ClaimedPhoneNumber',
  Properties: { ServiceToken: TOKEN, FormatVersion: '1', RemovalPolicy: retain ? 'retain' : 'destroy', ...p },
  DeletionPolicy: retain ? 'Retain' : 'Delete',
  UpdateReplacePolicy: retain ? 'Retain' : 'Delete',
});
const binding = (flow: string): TemplateResource => ({
  Type: 'Custom::PhoneNumberFlowBinding',
  Properties: {
    ServiceToken: TOKEN,
    FormatVersion: '1',
    PhoneNumberArn: { 'Fn::GetAtt': ['Main', 'PhoneNumberArn'] },
    ContactFlowArn: flow,
    PhoneNumberTargetArn: { 'Fn::GetAtt': ['Main', 'TargetArn'] },
  },
});
const trunk = (numbers: string[], region = 'us-east-1'): TemplateResource => ({
  Type: 'Custom::VoiceConnectorNumbers',
  Properties: {
    ServiceToken: TOKEN,
    FormatVersion: '1',
    VoiceConnectorId: VC,
    PhoneNumbers: numbers,
    ForceAssociate: 'false',
    Region: region,
  },
});
const template = (resources: Record<string, TemplateResource>): CfnTemplate => ({
  Resources: { Fn: { Type: 'AWS::Lambda::Function' }, ...resources },
});

/** What the deployer holds after deploying `t` (the Main number is +12065550100 at ARN, target from its properties). */
function deployedFrom(t: CfnTemplate): DeployedResource[] {
  return Object.entries(t.Resources)
    .filter(([, r]) => r.Type.startsWith('Custom::'))
    .map(([logicalId, r]) => {
      const raw = r.Properties as Props;
      const properties: Props = { ...raw, ServiceToken: SERVICE_TOKEN };
      if (r.Type === 'Custom::PhoneNumberFlowBinding')
        Object.assign(properties, { PhoneNumberArn: ARN, PhoneNumberTargetArn: String((t.Resources.Main.Properties as Props).TargetArn) });
      const data: Record<string, Json> =
        r.Type === 'Custom::ClaimedPhoneNumber'
          ? { PhoneNumber: '+12065550100', PhoneNumberArn: ARN, PhoneNumberId: ARN.split('/')[1], TargetArn: String(raw.TargetArn) }
          : {};
      return {
        logicalId,
        type: r.Type,
        physicalResourceId: r.Type === 'Custom::ClaimedPhoneNumber' ? ARN : `${logicalId}-id`,
        data,
        properties,
        deletionPolicy: r.DeletionPolicy,
        updateReplacePolicy: r.UpdateReplacePolicy,
      };
    });
}

const plan = (from: CfnTemplate, to: CfnTemplate) => planChange({ template: to, deployed: deployedFrom(from), context: CONTEXT });

describe('the preview of a change', () => {
  it('says a moved number moves in place and is bound again in its new instance, and that nothing is released', () => {
    const before = template({ Main: claim({ TargetArn: I1, PhoneNumber: '+12065550100' }), MainFlow: binding(FLOW1) });
    const flow2 = `${I2}/contact-flow/e4a1b7c9-2d5f-4a3e-8b6c-9f0d1e2a3b4c`;
    const after = template({ Main: claim({ TargetArn: I2, PhoneNumber: '+12065550100' }), MainFlow: binding(flow2) });

    const changes = plan(before, after);

    expect(changes.map((c) => [c.logicalId, c.action])).toEqual([
      ['Main', 'update'],
      ['MainFlow', 'update'],
    ]);
    expect(changes[0].effects).toEqual(['+12065550100: moves instance 11111111… -> instance 7d3f5c2a… (same number, nothing released)']);
    expect(changes[1].effects).toEqual([
      '+12065550100: its move drops the binding to flow aaaaaaaa… (Connect does not carry it along)',
      '+12065550100: bound to flow e4a1b7c9… in the new instance, after the move',
    ]);
    expect(changes.flatMap((c) => c.released)).toEqual([]);
  });

  it('says a flow change within the instance rebinds in place, and lists nothing for unchanged resources', () => {
    const before = template({
      Main: claim({ TargetArn: I1, PhoneNumber: '+12065550100' }),
      MainFlow: binding(FLOW1),
      Trunk: trunk(['+12065550150']),
    });
    const after = template({
      Main: claim({ TargetArn: I1, PhoneNumber: '+12065550100' }),
      MainFlow: binding(FLOW1B),
      Trunk: trunk(['+12065550150']),
    });

    const changes = plan(before, after);

    expect(changes).toEqual([
      {
        logicalId: 'MainFlow',
        type: 'Custom::PhoneNumberFlowBinding',
        action: 'update',
        effects: ['+12065550100: rebound flow aaaaaaaa… -> flow bbbbbbbb…, in place'],
        released: [],
      },
    ]);
  });

  it('says another declared number is a replacement that keeps the old number under RETAIN and releases it under DESTROY, and that its binding follows', () => {
    for (const retain of [true, false]) {
      const before = template({ Main: claim({ TargetArn: I1, PhoneNumber: '+12065550100' }, retain), MainFlow: binding(FLOW1) });
      const after = template({ Main: claim({ TargetArn: I1, PhoneNumber: '+12065550101' }, retain), MainFlow: binding(FLOW1) });

      const [main, flow] = plan(before, after);

      expect(main.action).toBe('replace');
      expect(main.effects[0]).toMatch(/^another number: \+12065550101/);
      expect(main.effects[1]).toBe(
        retain
          ? '+12065550100 stays claimed (RemovalPolicy.RETAIN) but leaves the stack'
          : '+12065550100 is RELEASED (RemovalPolicy.DESTROY): cooldown, churn quota',
      );
      expect(main.released).toEqual(retain ? [] : ['+12065550100']);
      expect(flow).toMatchObject({
        action: 'replace',
        effects: ['the new number: bind to flow aaaaaaaa…', '+12065550100: unbind from flow aaaaaaaa… (only if still bound to it)'],
      });
    }
  });

  it('says a search changed to the very number held keeps it in place', () => {
    const before = template({ Main: claim({ TargetArn: I1, CountryCode: 'US', Type: 'DID', Prefix: '+1206' }) });
    const after = template({ Main: claim({ TargetArn: I1, PhoneNumber: '+12065550100' }) });

    expect(plan(before, after)).toEqual([
      expect.objectContaining({ action: 'update', effects: ['+12065550100: kept in place (it satisfies the new declaration)'] }),
    ]);
  });

  it('says which trunk numbers are associated and disassociated, and that a region change replaces', () => {
    const before = template({ Trunk: trunk(['+12065550150', '+12065550151']) });

    expect(plan(before, template({ Trunk: trunk(['+12065550151', '+12065550152']) }))).toEqual([
      expect.objectContaining({
        action: 'update',
        effects: [
          `connector ${VC}: associate +12065550152`,
          `connector ${VC}: disassociate +12065550150 (only those still on it; they stay in the inventory)`,
        ],
      }),
    ]);
    expect(plan(before, template({ Trunk: trunk(['+12065550150', '+12065550151'], 'us-west-2') }))[0].action).toBe('replace');
  });

  it('says what a removed resource gives up: a retained number stays claimed, a destroyed one is released, a binding unbinds', () => {
    const before = template({
      Kept: claim({ TargetArn: I1, PhoneNumber: '+12065550100' }),
      Gone: claim({ TargetArn: I1, PhoneNumber: '+12065550100' }, false),
      Main: claim({ TargetArn: I1, PhoneNumber: '+12065550100' }),
      MainFlow: binding(FLOW1),
    });
    const after = template({ Main: claim({ TargetArn: I1, PhoneNumber: '+12065550100' }) });

    const changes = plan(before, after);

    expect(changes.map((c) => [c.logicalId, c.action, c.released])).toEqual([
      ['Kept', 'retain', []],
      ['Gone', 'delete', ['+12065550100']],
      ['MainFlow', 'delete', []],
    ]);
    expect(changes[2].effects).toEqual(['+12065550100: unbind from flow aaaaaaaa… (only if still bound to it)']);
  });

  it('marks what only the deploy will tell for a new search claim', () => {
    const changes = plan(
      template({}),
      template({ Main: claim({ TargetArn: I1, CountryCode: 'US', Type: 'DID', Prefix: '+1206' }), MainFlow: binding(FLOW1) }),
    );

    expect(changes.map((c) => c.action)).toEqual(['create', 'create']);
    expect(changes[0].effects).toEqual(['a US DID number starting +1206 found by search: claim it, on instance 11111111…']);
    expect(changes[1].effects).toEqual(['the new number: bind to flow aaaaaaaa…']);
  });
});

describe('comparing the preview with what the deploy did', () => {
  const result = (r: Partial<DeployResult>): DeployResult => ({
    operation: 'update',
    created: [],
    updated: [],
    replaced: [],
    unchanged: [],
    deleted: [],
    cleanupFailures: [],
    ...r,
  });
  const change = (logicalId: string, action: 'create' | 'update' | 'replace' | 'delete' | 'retain') => ({
    logicalId,
    type: 'Custom::X',
    action,
    effects: [],
    released: [],
  });

  it('finds nothing to report when the actions match (a retained removal is a delete to the deployer)', () => {
    expect(
      compareWithResult(
        [change('A', 'update'), change('B', 'replace'), change('C', 'retain')],
        result({ updated: ['A', 'B'], replaced: ['B'], deleted: ['C'] }),
      ),
    ).toEqual([]);
  });

  it('names each resource the deploy treated otherwise, and what it did that was not previewed', () => {
    expect(
      compareWithResult([change('A', 'update'), change('B', 'update')], result({ updated: ['A', 'B', 'C'], replaced: ['B'] })),
    ).toEqual(['B: previewed update, deployed replace', 'C: not previewed, deployed update']);
  });
});
