/** Short names for ARNs and ids in tables: the kind and the first 8 characters of the id. */
import { parseContactFlowArn, parsePhoneNumberArn, parseTargetArn } from '../../lambda/contract/arns';

const short = (id: string): string => (id.length > 9 ? `${id.slice(0, 8)}…` : id);

/** 'instance 11111111…' / 'tdg 5b9e2c71…'; anything else as given. */
export function targetName(arn: string | undefined): string {
  if (arn === undefined || arn === '') return '-';
  const t = parseTargetArn(arn);
  if (!t) return arn;
  return t.kind === 'instance' ? `instance ${short(t.instanceId)}` : `tdg ${short(t.trafficDistributionGroupId)}`;
}

/** 'flow aaaaaaaa…' for a flow ARN or a bare flow id. */
export function flowName(arnOrId: string | undefined): string {
  if (arnOrId === undefined || arnOrId === '') return '-';
  const f = parseContactFlowArn(arnOrId);
  return `flow ${short(f ? f.contactFlowId : arnOrId)}`;
}

export function phoneNumberArnName(arn: string): string {
  const p = parsePhoneNumberArn(arn);
  return p ? `phone-number ${short(p.phoneNumberId)}` : arn;
}

/** 'SupportLineB0BEB757' -> 'SupportLine' when the suffix is CDK's 8-hex hash. */
export function constructId(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '') || logicalId;
}
