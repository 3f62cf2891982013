import { CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { VoiceConnectorNumbers } from '../../lib';
import { newStack } from './fixtures';

const VC = 'abcdef1ghij2klmno3pqr4';

describe('VoiceConnectorNumbers', () => {
  it('declares the numbers, the connector, the stack region and forceAssociate false by default', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new VoiceConnectorNumbers(stack, 'Trunk', { voiceConnectorId: VC, phoneNumbers: ['+12065550150', '12065550151'] });
    // THEN
    Template.fromStack(stack).hasResourceProperties('Custom::VoiceConnectorNumbers', {
      FormatVersion: '1',
      VoiceConnectorId: VC,
      PhoneNumbers: ['+12065550150', '12065550151'],
      ForceAssociate: 'false',
      Region: 'us-east-1',
    });
  });

  it('passes forceAssociate and an explicit region', () => {
    const stack = newStack();
    new VoiceConnectorNumbers(stack, 'Trunk', {
      voiceConnectorId: VC,
      phoneNumbers: ['+12065550150'],
      forceAssociate: true,
      region: 'eu-west-2',
    });
    Template.fromStack(stack).hasResourceProperties('Custom::VoiceConnectorNumbers', { ForceAssociate: 'true', Region: 'eu-west-2' });
  });

  it('uses the deploy-time region of an environment-agnostic stack', () => {
    const stack = new Stack();
    new VoiceConnectorNumbers(stack, 'Trunk', { voiceConnectorId: VC, phoneNumbers: ['+12065550150'] });
    Template.fromStack(stack).hasResourceProperties('Custom::VoiceConnectorNumbers', { Region: { Ref: 'AWS::Region' } });
  });

  it('skips validation of a token list and a token connector id', () => {
    const stack = newStack();
    const list = new CfnParameter(stack, 'Numbers', { type: 'CommaDelimitedList' }).valueAsList;
    const id = new CfnParameter(stack, 'Vc').valueAsString;
    expect(() => new VoiceConnectorNumbers(stack, 'Trunk', { voiceConnectorId: id, phoneNumbers: list })).not.toThrow();
  });

  // Each bad value fails at synth with a message naming the construct path, the value and the fix.
  it.each<{ when: string; props: { voiceConnectorId?: string; phoneNumbers?: string[]; region?: string }; error: RegExp }>([
    {
      when: 'phoneNumbers is empty',
      props: { phoneNumbers: [] },
      error: /TestStack\/Trunk: phoneNumbers \[\] is empty; expected at least one E.164 number/,
    },
    {
      when: 'a number is not E.164',
      props: { phoneNumbers: ['+1 206 555 0150'] },
      error: /phoneNumbers entry '\+1 206 555 0150' is not an E.164 number/,
    },
    {
      when: 'a number is listed twice, with and without the leading +',
      props: { phoneNumbers: ['+12065550150', '12065550150'] },
      error: /phoneNumbers lists '12065550150' twice \(as '\+12065550150' and '12065550150'\); list each number once/,
    },
    {
      when: 'voiceConnectorId is empty',
      props: { voiceConnectorId: '' },
      error: /voiceConnectorId '' is invalid; expected a non-empty id without white space/,
    },
    { when: 'voiceConnectorId has white space', props: { voiceConnectorId: 'ab cd' }, error: /voiceConnectorId 'ab cd' is invalid/ },
    {
      when: 'region is not a region',
      props: { region: 'Oregon' },
      error: /region 'Oregon' is not an AWS region; expected e.g. 'us-east-1'/,
    },
  ])('fails when $when', ({ props, error }) => {
    expect(
      () => new VoiceConnectorNumbers(newStack(), 'Trunk', { voiceConnectorId: VC, phoneNumbers: ['+12065550150'], ...props }),
    ).toThrow(error);
  });

  it('fails when one number is declared in two VoiceConnectorNumbers of a stack', () => {
    const stack = newStack();
    new VoiceConnectorNumbers(stack, 'A', { voiceConnectorId: VC, phoneNumbers: ['+12065550150'] });
    expect(
      () =>
        new VoiceConnectorNumbers(stack, 'B', {
          voiceConnectorId: 'zotherv0iceconnector01',
          phoneNumbers: ['12065550150', '+12065550199'],
        }),
    ).toThrow(
      /TestStack\/B: phoneNumbers '12065550150' \(already in TestStack\/A\) is declared twice in this stack; a number sits on one voice connector at a time/,
    );
  });
});
