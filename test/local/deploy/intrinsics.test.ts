import { LocalDeployer, TemplateError } from '../../../local/deploy';
import type { Json } from '../../../local/deploy';
import { custom, FakeHandler, template } from './fixtures';

/** Deploys A (Value 'a') and B with `properties`; returns what B received. */
async function resolvedFor(
  properties: Record<string, Json>,
  extra: object = {},
  parameters?: Record<string, string>,
): Promise<Record<string, Json>> {
  const fake = new FakeHandler();
  const deployer = new LocalDeployer({ handler: fake, stackName: 'S', region: 'eu-west-2', accountId: '111122223333', parameters });
  await deployer.deploy(template({ A: custom({ Value: 'a' }), B: custom(properties) }, extra));
  return Object.fromEntries(Object.entries(fake.events[1].ResourceProperties).filter(([key]) => key !== 'ServiceToken'));
}

describe('intrinsic functions in custom resource properties', () => {
  it('resolves pseudo parameters', async () => {
    await expect(
      resolvedFor({
        R: { Ref: 'AWS::Region' },
        A: { Ref: 'AWS::AccountId' },
        P: { Ref: 'AWS::Partition' },
        U: { Ref: 'AWS::URLSuffix' },
        N: { Ref: 'AWS::StackName' },
        I: { Ref: 'AWS::StackId' },
      }),
    ).resolves.toEqual({
      R: 'eu-west-2',
      A: '111122223333',
      P: 'aws',
      U: 'amazonaws.com',
      N: 'S',
      I: 'arn:aws:cloudformation:eu-west-2:111122223333:stack/S/00000000-0000-4000-8000-000000000000',
    });
  });

  it('resolves Fn::Join, Fn::Select, Fn::Split and Fn::GetAtt in both forms', async () => {
    await expect(
      resolvedFor({
        J: { 'Fn::Join': [':', ['x', { Ref: 'A' }, { 'Fn::GetAtt': ['A', 'Value'] }]] },
        S: { 'Fn::Select': [1, { 'Fn::Split': ['/', 'p/q/r'] }] },
        G: { 'Fn::GetAtt': 'A.Id' },
      }),
    ).resolves.toEqual({ J: 'x:A-1:a', S: 'q', G: 'A-1' });
  });

  it('resolves Fn::Sub with variables, references, attributes and escaped literals', async () => {
    await expect(
      resolvedFor({
        Plain: { 'Fn::Sub': 'arn:${AWS::Partition}:x:${AWS::Region}:${A}/${A.Value}/${!Literal}' },
        WithVars: { 'Fn::Sub': ['${Greeting}, ${A}', { Greeting: { 'Fn::Join': ['', ['he', 'llo']] } }] },
      }),
    ).resolves.toEqual({ Plain: 'arn:aws:x:eu-west-2:A-1/a/${Literal}', WithVars: 'hello, A-1' });
  });

  it('resolves parameters (given, or their Default) and Fn::FindInMap', async () => {
    const extra = {
      Parameters: {
        Given: { Type: 'String', Default: 'd1' },
        Defaulted: { Type: 'String', Default: 'd2' },
        List: { Type: 'CommaDelimitedList', Default: 'x,y' },
      },
      Mappings: { Regions: { 'eu-west-2': { Name: 'London' } } },
    };
    await expect(
      resolvedFor(
        {
          G: { Ref: 'Given' },
          D: { Ref: 'Defaulted' },
          L: { 'Fn::Select': [1, { Ref: 'List' }] },
          M: { 'Fn::FindInMap': ['Regions', { Ref: 'AWS::Region' }, 'Name'] },
        },
        extra,
        { Given: 'g' },
      ),
    ).resolves.toEqual({ G: 'g', D: 'd2', L: 'y', M: 'London' });
  });

  it('drops AWS::NoValue and passes numbers and booleans as strings, as CloudFormation does', async () => {
    await expect(
      resolvedFor({
        Gone: { Ref: 'AWS::NoValue' },
        List: ['a', { Ref: 'AWS::NoValue' }, 2],
        Count: 3,
        Flag: false,
        Nested: { On: true },
      }),
    ).resolves.toEqual({ List: ['a', '2'], Count: '3', Flag: 'false', Nested: { On: 'true' } });
  });

  it('fails on an unsupported intrinsic function', async () => {
    const fake = new FakeHandler();
    const deployer = new LocalDeployer({ handler: fake });
    await expect(deployer.deploy(template({ A: custom({ X: { 'Fn::ImportValue': 'Shared' } }) }))).rejects.toThrow(
      'A failed to create: Template error: intrinsic function Fn::ImportValue is not supported by the local deployer',
    );
    expect(fake.events).toHaveLength(0);
  });

  it('fails on a custom resource with a Condition', async () => {
    const deployer = new LocalDeployer({ handler: new FakeHandler() });
    await expect(deployer.deploy(template({ A: custom({}, { Condition: 'IsProd' }) }))).rejects.toThrow(TemplateError);
  });
});
