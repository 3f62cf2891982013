import { Token } from 'aws-cdk-lib';
import { IContactFlowRef, IInstanceRef, ITrafficDistributionGroupRef } from 'aws-cdk-lib/aws-connect';
import { CfnVoiceConnector, IVoiceConnectorRef } from 'aws-cdk-lib/aws-chime';

/**
 * aws-cdk-lib's reference interfaces (`aws-cdk-lib/interfaces`) turned into the strings the handler takes.
 * Each construct takes a string or a reference for the same thing; exactly one must be set.
 */

/** The names of the set props among `choices`, or a problem naming them when not exactly one is set. */
export function exactlyOne(choices: Record<string, unknown>, why: string): string[] {
  const set = Object.keys(choices).filter((k) => choices[k] !== undefined);
  if (set.length === 1) return [];
  const names = Object.keys(choices).map((k) => `\`${k}\``);
  const list = `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
  return set.length === 0
    ? [`none of ${list} is set; set exactly one (${why}).`]
    : [`${set.map((k) => `\`${k}\``).join(' and ')} are ${set.length === 2 ? 'both' : 'all'} set; set exactly one of ${list} (${why}).`];
}

/** The target ARN from a string, an instance or a traffic distribution group (the first set; `exactlyOne` checks there is one). */
export function targetArnOf(props: {
  readonly targetArn?: string;
  readonly instance?: IInstanceRef;
  readonly trafficDistributionGroup?: ITrafficDistributionGroupRef;
}): string | undefined {
  return (
    props.targetArn ??
    props.instance?.instanceRef.instanceArn ??
    props.trafficDistributionGroup?.trafficDistributionGroupRef.trafficDistributionGroupArn
  );
}

/** The contact flow ARN from a string or a flow reference. */
export function contactFlowArnOf(props: { readonly contactFlowArn?: string; readonly contactFlow?: IContactFlowRef }): string | undefined {
  return props.contactFlowArn ?? props.contactFlow?.contactFlowRef.contactFlowArn;
}

/** Chime SDK Voice's ARN of a voice connector: `arn:PARTITION:chime:REGION:ACCOUNT:vc/ID`. */
const VOICE_CONNECTOR_ARN = /^arn:aws[a-z-]*:chime:[a-z0-9-]*:\d{12}:vc\/([a-z0-9]+)$/;

/**
 * The voice connector id from a string or a reference. A `CfnVoiceConnector` gives its `VoiceConnectorId`
 * attribute; another reference gives its ARN (the id is read from it) or, unresolved, what it resolves to,
 * which must then be the id.
 */
export function voiceConnectorIdOf(props: {
  readonly voiceConnectorId?: string;
  readonly voiceConnector?: IVoiceConnectorRef;
}): string | undefined {
  if (props.voiceConnector === undefined) return props.voiceConnectorId;
  if (CfnVoiceConnector.isCfnVoiceConnector(props.voiceConnector)) return props.voiceConnector.attrVoiceConnectorId;
  const arn = props.voiceConnector.voiceConnectorRef.voiceConnectorArn;
  if (Token.isUnresolved(arn)) return arn;
  return VOICE_CONNECTOR_ARN.exec(arn)?.[1] ?? arn;
}
