/** Parsing of the ARN formats in docs/service-facts.md (from the Service Authorization Reference). Pure: no SDK, no CDK. */

const PARTITION = 'aws[a-z-]*';
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d';
/** An AWS region name, e.g. 'us-east-1'. */
export const REGION_NAME = new RegExp(`^${REGION}$`);
const ACCOUNT = '\\d{12}';
const ID = '[A-Za-z0-9-]{1,100}';

export interface ConnectArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}
export interface InstanceArn extends ConnectArn {
  readonly kind: 'instance';
  readonly instanceId: string;
}
export interface TrafficDistributionGroupArn extends ConnectArn {
  readonly kind: 'traffic-distribution-group';
  readonly trafficDistributionGroupId: string;
}
export type TargetArn = InstanceArn | TrafficDistributionGroupArn;
export interface ContactFlowArn extends ConnectArn {
  readonly instanceId: string;
  readonly contactFlowId: string;
}
export interface PhoneNumberArn extends ConnectArn {
  readonly phoneNumberId: string;
}

const connectArn = (resource: string) => new RegExp(`^arn:(${PARTITION}):connect:(${REGION}):(${ACCOUNT}):${resource}$`);

const INSTANCE_RE = connectArn(`instance/(${ID})`);
const TDG_RE = connectArn(`traffic-distribution-group/(${ID})`);
const FLOW_RE = connectArn(`instance/(${ID})/contact-flow/(${ID})`);
const PHONE_NUMBER_RE = connectArn(`(?:instance/${ID}/)?phone-number/(${ID})`);

/** A Connect instance or traffic distribution group ARN, or undefined when it is neither. */
export function parseTargetArn(arn: string): TargetArn | undefined {
  let m = INSTANCE_RE.exec(arn);
  if (m) return { kind: 'instance', partition: m[1], region: m[2], account: m[3], instanceId: m[4] };
  m = TDG_RE.exec(arn);
  if (m) {
    return { kind: 'traffic-distribution-group', partition: m[1], region: m[2], account: m[3], trafficDistributionGroupId: m[4] };
  }
  return undefined;
}

/** A contact-flow ARN, or undefined. */
export function parseContactFlowArn(arn: string): ContactFlowArn | undefined {
  const m = FLOW_RE.exec(arn);
  return m ? { partition: m[1], region: m[2], account: m[3], instanceId: m[4], contactFlowId: m[5] } : undefined;
}

/** A phone-number ARN (also the legacy instance/{id}/phone-number/{id} form), or undefined. */
export function parsePhoneNumberArn(arn: string): PhoneNumberArn | undefined {
  const m = PHONE_NUMBER_RE.exec(arn);
  return m ? { partition: m[1], region: m[2], account: m[3], phoneNumberId: m[4] } : undefined;
}

/** The instance ARN a contact flow belongs to. */
export function instanceArnOfFlow(flow: ContactFlowArn): string {
  return `arn:${flow.partition}:connect:${flow.region}:${flow.account}:instance/${flow.instanceId}`;
}
