/**
 * The ARNs the emulator reads and writes, in one place: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`,
 * with the resource parts of Amazon Connect (`instance/ID`, `instance/ID/contact-flow/ID`,
 * `traffic-distribution-group/ID`, `phone-number/ID`) and of Chime SDK Voice (`vc/ID`), as the Service
 * Authorization Reference gives them (docs/service-facts.md, "ARN formats").
 */

export interface ArnParts {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  readonly resource: string;
}

/** The five parts of an ARN; undefined for anything that is not one. */
export function parseArn(arn: string): ArnParts | undefined {
  const m = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)$/.exec(arn);
  if (!m) return undefined;
  return { partition: m[1], service: m[2], region: m[3], accountId: m[4], resource: m[5] };
}

// ---- Amazon Connect -------------------------------------------------------------------------------

export const instanceArn = (region: string, accountId: string, id: string): string =>
  `arn:aws:connect:${region}:${accountId}:instance/${id}`;
export const tdgArn = (region: string, accountId: string, id: string): string =>
  `arn:aws:connect:${region}:${accountId}:traffic-distribution-group/${id}`;
export const flowArn = (region: string, accountId: string, instanceId: string, flowId: string): string =>
  `arn:aws:connect:${region}:${accountId}:instance/${instanceId}/contact-flow/${flowId}`;
export const phoneNumberArn = (region: string, accountId: string, id: string): string =>
  `arn:aws:connect:${region}:${accountId}:phone-number/${id}`;

/** The Connect ARN's parts and the resource id its resource part names, or undefined for any other ARN. */
function connectResource(arn: string, pattern: RegExp): { readonly parts: ArnParts; readonly ids: string[] } | undefined {
  const parts = parseArn(arn);
  if (!parts || parts.service !== 'connect') return undefined;
  const m = pattern.exec(parts.resource);
  return m ? { parts, ids: m.slice(1) } : undefined;
}

/** An instance ARN (`.../instance/ID`): its parts and the instance id. */
export function parseInstanceArn(arn: string): (ArnParts & { readonly instanceId: string }) | undefined {
  const r = connectResource(arn, /^instance\/([^/]+)$/);
  return r && { ...r.parts, instanceId: r.ids[0] };
}

/** A traffic distribution group ARN (`.../traffic-distribution-group/ID`): its parts and the group id. */
export function parseTdgArn(arn: string): (ArnParts & { readonly tdgId: string }) | undefined {
  const r = connectResource(arn, /^traffic-distribution-group\/([^/]+)$/);
  return r && { ...r.parts, tdgId: r.ids[0] };
}

/** A contact flow ARN (`.../instance/ID/contact-flow/ID`): its parts, the instance id and the flow id. */
export function parseFlowArn(arn: string): (ArnParts & { readonly instanceId: string; readonly flowId: string }) | undefined {
  const r = connectResource(arn, /^instance\/([^/]+)\/contact-flow\/([^/]+)$/);
  return r && { ...r.parts, instanceId: r.ids[0], flowId: r.ids[1] };
}

/** A Connect phone number ARN (`.../phone-number/ID`): its parts and the phone number id. */
export function parsePhoneNumberArn(arn: string): (ArnParts & { readonly phoneNumberId: string }) | undefined {
  const r = connectResource(arn, /^phone-number\/([^/]+)$/);
  return r && { ...r.parts, phoneNumberId: r.ids[0] };
}

// ---- Chime SDK Voice ------------------------------------------------------------------------------

export const voiceConnectorArn = (region: string, accountId: string, id: string): string => `arn:aws:chime:${region}:${accountId}:vc/${id}`;

/** A voice connector ARN (`arn:PARTITION:chime:REGION:ACCOUNT:vc/ID`, a 12-digit account): its parts and the connector id. */
export function parseVoiceConnectorArn(arn: string): (ArnParts & { readonly voiceConnectorId: string }) | undefined {
  const parts = parseArn(arn);
  if (!parts || parts.service !== 'chime' || !/^\d{12}$/.test(parts.accountId) || parts.region === '') return undefined;
  const m = /^vc\/([^/]+)$/.exec(parts.resource);
  return m ? { ...parts, voiceConnectorId: m[1] } : undefined;
}

// ---- AWS End User Messaging SMS and Voice (the source of ImportPhoneNumber) ------------------------

/** An End User Messaging phone number ARN: `arn:aws:sms-voice:REGION:ACCOUNT:phone-number/ID`. */
export const sourcePhoneNumberArn = (region: string, accountId: string, id: string): string =>
  `arn:aws:sms-voice:${region}:${accountId}:phone-number/${id}`;

/** An End User Messaging phone number ARN: its parts and the number's id; undefined for any other ARN. */
export function parseSourcePhoneNumberArn(arn: string): (ArnParts & { readonly sourceId: string }) | undefined {
  const parts = parseArn(arn);
  if (!parts || parts.service !== 'sms-voice') return undefined;
  const m = /^phone-number\/([^/]+)$/.exec(parts.resource);
  return m ? { ...parts, sourceId: m[1] } : undefined;
}
