import { CustomResource, Resource, Stack, Token } from 'aws-cdk-lib';
import { IVoiceConnectorRef } from 'aws-cdk-lib/aws-chime';
import { Construct } from 'constructs';
import {
  FORMAT_VERSION,
  ResourceTypes,
  VoiceConnectorNumbersProperties,
  normalizeE164,
  validateVoiceConnectorNumbers,
} from '../lambda/contract';
import { throwIfInvalid } from './private/errors';
import { PhoneNumbersProvider } from './private/provider';
import { exactlyOne, voiceConnectorIdOf } from './private/refs';
import { registerOnce } from './private/stack-registry';

/** Properties of a VoiceConnectorNumbers: a voice connector, and the numbers that sit on it. */
export interface VoiceConnectorNumbersProps {
  /**
   * The id of the Amazon Chime SDK Voice connector, e.g. 'abcdef1ghij2klmno3pqr4'.
   * Set exactly one of `voiceConnectorId` and `voiceConnector`.
   * @default - none: `voiceConnector` names the connector
   */
  readonly voiceConnectorId?: string;
  /**
   * The voice connector: a `CfnVoiceConnector` (its `VoiceConnectorId` attribute is used), or any
   * `IVoiceConnectorRef` whose reference is the connector's ARN (`arn:aws:chime:REGION:ACCOUNT:vc/ID`) or id.
   * @default - none: `voiceConnectorId` names the connector
   */
  readonly voiceConnector?: IVoiceConnectorRef;
  /** E.164 numbers from the account's Chime SDK Voice inventory, e.g. ['+12065550100']. */
  readonly phoneNumbers: string[];
  /**
   * Take numbers that sit on another voice connector. Without it, such a number fails the deploy
   * with its name and the connector is left as it was.
   * @default false
   */
  readonly forceAssociate?: boolean;
  /**
   * The region of the voice connector.
   * @default - the stack's region
   */
  readonly region?: string;
}

/**
 * Attaches phone numbers to an Amazon Chime SDK Voice connector. Updates add and remove only the
 * difference; a change of connector moves the numbers at once; deleting detaches only the numbers
 * still on this connector.
 *
 * @resource Custom::VoiceConnectorNumbers
 *
 * @example
 * import { App, Stack } from 'aws-cdk-lib';
 * import { VoiceConnectorNumbers } from 'cdk-phone-numbers';
 *
 * const stack = new Stack(new App(), 'Telephony', { env: { account: '123456789012', region: 'us-east-1' } });
 * new VoiceConnectorNumbers(stack, 'Trunk', {
 *   voiceConnectorId: 'abcdef1ghij2klmno3pqr4',
 *   phoneNumbers: ['+12065550150', '+12065550151'],
 *   forceAssociate: false, // the default: a number on another connector fails the deploy, naming it
 * });
 */
export class VoiceConnectorNumbers extends Resource {
  constructor(scope: Construct, id: string, props: VoiceConnectorNumbersProps) {
    super(scope, id);

    throwIfInvalid(
      this,
      exactlyOne({ voiceConnectorId: props.voiceConnectorId, voiceConnector: props.voiceConnector }, 'the connector the numbers sit on'),
    );
    const properties: VoiceConnectorNumbersProperties = {
      FormatVersion: FORMAT_VERSION,
      VoiceConnectorId: voiceConnectorIdOf(props)!,
      PhoneNumbers: props.phoneNumbers,
      ForceAssociate: String(props.forceAssociate ?? false),
      Region: props.region ?? Stack.of(this).region,
    };
    throwIfInvalid(this, validateVoiceConnectorNumbers(properties, Token.isUnresolved));

    // A number sits on one connector at a time: two constructs of one stack must not both claim it.
    if (!Token.isUnresolved(props.phoneNumbers)) {
      const clashes: string[] = [];
      for (const phoneNumber of props.phoneNumbers) {
        if (Token.isUnresolved(phoneNumber)) continue;
        const previous = registerOnce(this, 'voice-connector-number', normalizeE164(phoneNumber), this);
        if (previous !== undefined) clashes.push(`'${phoneNumber}' (already in ${previous})`);
      }
      if (clashes.length > 0) {
        throwIfInvalid(this, [
          `phoneNumbers ${clashes.join(', ')} ${clashes.length > 1 ? 'are' : 'is'} declared twice in this stack; ` +
            'a number sits on one voice connector at a time. List each number in one VoiceConnectorNumbers.',
        ]);
      }
    }

    new CustomResource(this, 'Resource', {
      serviceToken: PhoneNumbersProvider.of(this).serviceToken,
      resourceType: ResourceTypes.VOICE_CONNECTOR_NUMBERS,
      properties,
    });
  }
}
