import { CfnParameter, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ClaimedPhoneNumber, PhoneNumberType } from '../../lib';
import { INSTANCE_ARN, NUMBER_ARN, TDG_ARN, newStack } from './fixtures';

const template = (stack: Stack) => Template.fromStack(stack);

describe('ClaimedPhoneNumber', () => {
  describe('when the props are valid', () => {
    it('declares a Custom::ClaimedPhoneNumber with the search properties and DID as the default type', () => {
      // GIVEN
      const stack = newStack();
      // WHEN
      new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'US', prefix: '+1206' });
      // THEN
      template(stack).hasResourceProperties('Custom::ClaimedPhoneNumber', {
        FormatVersion: '1',
        TargetArn: INSTANCE_ARN,
        CountryCode: 'US',
        Type: 'DID',
        Prefix: '+1206',
        PhoneNumber: Match.absent(),
        RemovalPolicy: 'retain-except-on-create',
      });
    });

    it('sends a specific number without search properties', () => {
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'Number', { targetArn: TDG_ARN, phoneNumber: '+12065550100', description: 'Main' });
      template(stack).hasResourceProperties('Custom::ClaimedPhoneNumber', {
        TargetArn: TDG_ARN,
        PhoneNumber: '+12065550100',
        Description: 'Main',
        CountryCode: Match.absent(),
        Type: Match.absent(),
      });
    });

    it('retains the number on deletion and on replacement by default, except when the deploy that created it rolls back', () => {
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'US' });
      template(stack).hasResource('Custom::ClaimedPhoneNumber', {
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({ RemovalPolicy: 'retain-except-on-create' }),
      });
    });

    it('retains the number even on a failed first deploy with RemovalPolicy.RETAIN', () => {
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'US', removalPolicy: RemovalPolicy.RETAIN });
      template(stack).hasResource('Custom::ClaimedPhoneNumber', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({ RemovalPolicy: 'retain' }),
      });
    });

    it('fails when the removal policy is SNAPSHOT, naming the supported ones', () => {
      const stack = newStack();
      expect(
        () =>
          new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'US', removalPolicy: RemovalPolicy.SNAPSHOT }),
      ).toThrow(/RETAIN_ON_UPDATE_OR_DELETE.*RETAIN.*DESTROY/);
    });

    it('releases the number on deletion and replacement only with RemovalPolicy.DESTROY', () => {
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'US', removalPolicy: RemovalPolicy.DESTROY });
      template(stack).hasResource('Custom::ClaimedPhoneNumber', {
        DeletionPolicy: 'Delete',
        UpdateReplacePolicy: 'Delete',
        Properties: Match.objectLike({ RemovalPolicy: 'destroy' }),
      });
    });

    it('keeps the template policy and the handler property in step when applyRemovalPolicy is called later', () => {
      const stack = newStack();
      const number = new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'US' });
      number.applyRemovalPolicy(RemovalPolicy.DESTROY);
      template(stack).hasResource('Custom::ClaimedPhoneNumber', {
        DeletionPolicy: 'Delete',
        UpdateReplacePolicy: 'Delete',
        Properties: Match.objectLike({ RemovalPolicy: 'destroy' }),
      });
    });

    it('renders props tags and Tags.of() tags together, sorted by key', () => {
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'US', tags: { team: 'support' } });
      Tags.of(stack).add('cost-centre', '42');
      template(stack).hasResourceProperties('Custom::ClaimedPhoneNumber', {
        Tags: [
          { Key: 'cost-centre', Value: '42' },
          { Key: 'team', Value: 'support' },
        ],
      });
    });

    it('exposes the attributes from the custom resource data', () => {
      const stack = newStack();
      const number = new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'US' });
      const resolved = (v: string) => stack.resolve(v);
      const logicalId = Object.keys(template(stack).findResources('Custom::ClaimedPhoneNumber'))[0];
      expect(resolved(number.phoneNumberArn)).toEqual({ 'Fn::GetAtt': [logicalId, 'PhoneNumberArn'] });
      expect(resolved(number.phoneNumberId)).toEqual({ 'Fn::GetAtt': [logicalId, 'PhoneNumberId'] });
      expect(resolved(number.phoneNumber)).toEqual({ 'Fn::GetAtt': [logicalId, 'PhoneNumber'] });
      expect(resolved(number.targetArn)).toEqual({ 'Fn::GetAtt': [logicalId, 'TargetArn'] });
    });

    it('tells a search the specific numbers the stack declares, including those declared after it', () => {
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'Search', { targetArn: INSTANCE_ARN, countryCode: 'US' });
      new ClaimedPhoneNumber(stack, 'Main', { targetArn: INSTANCE_ARN, phoneNumber: '+12065550100' });
      new ClaimedPhoneNumber(stack, 'Other', { targetArn: INSTANCE_ARN, phoneNumber: '+12065550042' });
      template(stack).hasResourceProperties('Custom::ClaimedPhoneNumber', {
        CountryCode: 'US',
        ExcludedPhoneNumbers: ['+12065550042', '+12065550100'],
      });
      template(stack).hasResourceProperties('Custom::ClaimedPhoneNumber', {
        PhoneNumber: '+12065550100',
        ExcludedPhoneNumbers: Match.absent(),
      });
    });

    it('sends no exclusions when the stack declares no specific number', () => {
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'Search', { targetArn: INSTANCE_ARN, countryCode: 'US' });
      template(stack).hasResourceProperties('Custom::ClaimedPhoneNumber', { ExcludedPhoneNumbers: Match.absent() });
    });

    it('skips validation of values that are tokens at synth', () => {
      const stack = newStack();
      const target = new CfnParameter(stack, 'Target').valueAsString;
      const phone = new CfnParameter(stack, 'Phone').valueAsString;
      expect(() => new ClaimedPhoneNumber(stack, 'Number', { targetArn: target, phoneNumber: phone })).not.toThrow();
    });

    it('imports a number by ARN with its id and environment', () => {
      const stack = newStack();
      const imported = ClaimedPhoneNumber.fromPhoneNumberArn(stack, 'Imported', NUMBER_ARN);
      expect(imported.phoneNumberArn).toBe(NUMBER_ARN);
      expect(imported.phoneNumberId).toBe('cccccccc-bbbb-cccc-dddd-eeeeeeeeeeee');
      expect(imported.env).toEqual({ account: '123456789012', region: 'us-east-1' });
    });

    it('raises no warning or error annotation for a valid number', () => {
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'GB', phoneNumberType: PhoneNumberType.TOLL_FREE });
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    });
  });

  describe('validation', () => {
    const build = (props: Record<string, unknown>) => () =>
      new ClaimedPhoneNumber(newStack(), 'Number', { targetArn: INSTANCE_ARN, ...props } as never);

    // Each bad value fails at synth with a message naming the construct path, the value and the fix.
    it.each<{ when: string; props: Record<string, unknown>; error: RegExp }>([
      {
        when: 'takeOver is set with a search: there is nothing to take over',
        props: { countryCode: 'US', takeOver: true },
        error: /TestStack\/Number: takeOver is set with countryCode/,
      },
      {
        when: 'neither phoneNumber nor countryCode is set',
        props: {},
        error: /TestStack\/Number: none of phoneNumber, countryCode and sourcePhoneNumberArn is set; set exactly one/,
      },
      {
        when: 'both phoneNumber and countryCode are set',
        props: { phoneNumber: '+12065550100', countryCode: 'US' },
        error: /phoneNumber '\+12065550100' and countryCode 'US' are both set; set exactly one/,
      },
      {
        when: 'phoneNumber is not E.164',
        props: { phoneNumber: '206-555-0100' },
        error: /phoneNumber '206-555-0100' is not an E.164 number; expected '\+' then 2-15 digits/,
      },
      {
        when: 'phoneNumberType is set with phoneNumber',
        props: { phoneNumber: '+12065550100', phoneNumberType: PhoneNumberType.DID },
        error: /phoneNumberType 'DID' is set with phoneNumber; phoneNumberType only applies with countryCode/,
      },
      {
        when: 'prefix is set with phoneNumber',
        props: { phoneNumber: '+12065550100', prefix: '+1206' },
        error: /prefix '\+1206' is set with phoneNumber/,
      },
      {
        when: "countryCode is not a country Amazon Connect accepts: 'us'",
        props: { countryCode: 'us' },
        error: /countryCode 'us' is not a country code Amazon Connect accepts; expected an upper-case ISO 3166-1 alpha-2 code/,
      },
      { when: "countryCode is not a country Amazon Connect accepts: 'XX'", props: { countryCode: 'XX' }, error: /countryCode 'XX'/ },
      {
        when: 'phoneNumberType is not a phone number type',
        props: { countryCode: 'US', phoneNumberType: 'MOBILE' },
        error: /phoneNumberType 'MOBILE' is not a phone number type; expected one of TOLL_FREE, DID/,
      },
      {
        when: 'the old name type is set, naming phoneNumberType',
        props: { countryCode: 'US', type: PhoneNumberType.TOLL_FREE },
        error:
          /TestStack\/Number: type 'TOLL_FREE' is set; the property is now phoneNumberType \(type is a reserved word in Go\)\. Rename it\./,
      },
      {
        when: "prefix does not match +digits: '1206'",
        props: { countryCode: 'US', prefix: '1206' },
        error: /prefix '1206' is invalid; expected '\+' then 1-11 digits/,
      },
      {
        when: "prefix does not match +digits: '+123456789012'",
        props: { countryCode: 'US', prefix: '+123456789012' },
        error: /prefix '\+123456789012' is invalid/,
      },
      {
        when: 'targetArn is neither an instance nor a traffic distribution group ARN',
        props: { countryCode: 'US', targetArn: 'arn:aws:connect:us-east-1:123456789012:queue/abc' },
        error: /targetArn 'arn:aws:connect:us-east-1:123456789012:queue\/abc' is not a Connect instance or traffic distribution group ARN/,
      },
      {
        when: 'description is longer than 500 characters',
        props: { countryCode: 'US', description: 'x'.repeat(501) },
        error: /description has 501 characters; at most 500 are allowed/,
      },
      {
        when: 'a tag key starts with aws:',
        props: { countryCode: 'US', tags: { 'aws:owner': 'me' } },
        error: /tag key 'aws:owner' is invalid; expected 1-128 letters/,
      },
      {
        when: 'a tag key is longer than 128 characters',
        props: { countryCode: 'US', tags: { ['k'.repeat(129)]: 'v' } },
        error: /tag key 'k{129}' is invalid/,
      },
      {
        when: 'a tag value is longer than 256 characters',
        props: { countryCode: 'US', tags: { team: 'v'.repeat(257) } },
        error: /tag 'team' has a value of 257 characters; at most 256/,
      },
      {
        when: 'removalPolicy is neither RETAIN nor DESTROY',
        props: { countryCode: 'US', removalPolicy: RemovalPolicy.SNAPSHOT },
        error: /removalPolicy snapshot is not supported for a phone number; use RemovalPolicy.RETAIN/,
      },
    ])('fails when $when', ({ props, error }) => {
      expect(build(props)).toThrow(error);
    });

    it('passes takeOver to the handler as TakeOver: true, and leaves it out by default', () => {
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'Taken', { targetArn: INSTANCE_ARN, phoneNumber: '+12065550100', takeOver: true });
      new ClaimedPhoneNumber(stack, 'Plain', { targetArn: INSTANCE_ARN, phoneNumber: '+12065550101' });
      const props = Object.values(template(stack).findResources('Custom::ClaimedPhoneNumber')).map(
        (r) => (r as { Properties: Record<string, unknown> }).Properties,
      );
      expect(props.map((p) => [p.PhoneNumber, p.TakeOver])).toEqual([
        ['+12065550100', 'true'],
        ['+12065550101', undefined],
      ]);
    });

    it('fails when more than 49 tags are declared', () => {
      const tags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
      expect(build({ countryCode: 'US', tags })).toThrow(
        /tags has 50 entries; at most 49 are allowed \(the service allows 50 and one is the ownership tag\)/,
      );
    });

    it('fails at synth when Tags.of() pushes the tags over 49', () => {
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'Number', { targetArn: INSTANCE_ARN, countryCode: 'US' });
      for (let i = 0; i < 50; i++) Tags.of(stack).add(`k${i}`, 'v');
      expect(() => Template.fromStack(stack)).toThrow(/TestStack\/Number: tags has 50 entries; at most 49/);
    });

    it('fails when one specific number is declared twice in a stack', () => {
      const stack = newStack();
      new ClaimedPhoneNumber(stack, 'First', { targetArn: INSTANCE_ARN, phoneNumber: '+12065550100' });
      expect(() => new ClaimedPhoneNumber(stack, 'Second', { targetArn: TDG_ARN, phoneNumber: '+12065550100' })).toThrow(
        /TestStack\/Second: phoneNumber '\+12065550100' is already declared by TestStack\/First; a number has one owner/,
      );
    });

    it('fails when an imported ARN is not a phone number ARN', () => {
      expect(() => ClaimedPhoneNumber.fromPhoneNumberArn(newStack(), 'Imported', INSTANCE_ARN)).toThrow(
        /TestStack\/Imported: phoneNumberArn 'arn:aws:connect:.*instance\/.*' is not a phone number ARN/,
      );
    });
  });
});
