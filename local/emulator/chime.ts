/**
 * Amazon Chime SDK Voice operations: voice connectors and the numbers of the account's inventory.
 *
 * Behaviour with a public source (docs/service-facts.md): Associate / Disassociate answer HTTP 200 and
 * list the numbers that failed in PhoneNumberErrors; ForceAssociate takes numbers from other
 * connectors; a blank voice connector id is refused with 400 BadRequest by model validation (`.*\S.*`;
 * the reading voiceConnectorId 'strict' also refuses ids that are not 21-22 lowercase alphanumerics or a UUID).
 *
 * Choices where no source says (all unverified):
 * - Associate: a number not in the inventory -> PhoneNumberErrors entry `NotFound`; on another connector
 *   without ForceAssociate -> entry `PhoneNumberAssociationsExist`; already on this connector -> success.
 * - Disassociate: a number not in the inventory -> entry `NotFound`; not associated with this connector ->
 *   entry `NotFound` or `Validation` (the reading disassociateNotAssociated; the API reference's sample
 *   shows only the all-success answer `{"PhoneNumberErrors":[]}`).
 * - Unknown (well-formed) voice connector -> NotFoundException 404.
 * - ListPhoneNumbers with FilterName but no FilterValue (or the reverse) -> BadRequestException.
 * - GetPhoneNumber / ListPhoneNumbers leave out PhoneNumberArn and NetworkType-style members the model
 *   allows: their format is not documented.
 */
import type { Handler, OperationContext } from './context';
import { decodeToken, encodeToken, page } from './context';
import { chimeErrors as E, ServiceError } from './errors';
import { parseVoiceConnectorArn, voiceConnectorArn } from './arns';
import { chimeNumberType, countryOf, normalizeE164 } from './phone-numbers';
import type { ChimeNumber, VoiceConnector } from './state';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function requireConnector(ctx: OperationContext, id: string): VoiceConnector {
  const vc = ctx.rs.voiceConnectors.get(id);
  if (!vc) throw E.notFound(`The requested resource was not found: voice connector ${id}`);
  return vc;
}

function renderNumber(n: ChimeNumber): Record<string, unknown> {
  return {
    PhoneNumberId: n.e164,
    E164PhoneNumber: n.e164,
    Country: countryOf(n.e164),
    Type: chimeNumberType(n.e164),
    ProductType: 'VoiceConnector',
    Status: n.association ? 'Assigned' : 'Unassigned',
    Capabilities: { InboundCall: true, OutboundCall: true, InboundSMS: false, OutboundSMS: false, InboundMMS: false, OutboundMMS: false },
    Associations: n.association
      ? [{ Value: n.association.voiceConnectorId, Name: 'VoiceConnectorId', AssociatedTimestamp: iso(n.association.at) }]
      : [],
    CallingNameStatus: 'Unassigned',
    CreatedTimestamp: iso(n.created),
    UpdatedTimestamp: iso(n.updated),
  };
}

interface PhoneNumberError {
  PhoneNumberId: string;
  ErrorCode: string;
  ErrorMessage: string;
}

/** Injected phoneNumberError faults for this call: number -> error entry. Each matching fault is consumed once per call. */
function injectedErrors(ctx: OperationContext, operation: string, numbers: readonly string[]): Map<string, PhoneNumberError> {
  const out = new Map<string, PhoneNumberError>();
  for (const f of ctx.faults.peekPhoneNumberErrors(operation)) {
    const e164 = normalizeE164(f.phoneNumber);
    if (!numbers.includes(e164) || out.has(e164)) continue;
    ctx.faults.consume(f);
    ctx.consumedFaults.push('phoneNumberError');
    out.set(e164, { PhoneNumberId: e164, ErrorCode: f.errorCode, ErrorMessage: f.message ?? `Injected ${f.errorCode} for ${e164}` });
  }
  return out;
}

type NumberEntry = NonNullable<ReturnType<OperationContext['rs']['chimeNumbers']['get']>>;

/**
 * The shared shape of Associate / Disassociate: each distinct number of the request either fails with
 * an entry in PhoneNumberErrors (an injected fault, not in the inventory, or what `apply` returns) or
 * has `apply` change it. The answer is HTTP 200 either way.
 */
function perNumber(
  ctx: OperationContext,
  operation: string,
  input: Record<string, unknown>,
  apply: (n: NumberEntry, e164: string) => PhoneNumberError | undefined,
): { PhoneNumberErrors: PhoneNumberError[] } {
  const numbers = [...new Set((input.E164PhoneNumbers as string[]).map(normalizeE164))];
  const injected = injectedErrors(ctx, operation, numbers);
  const errors: PhoneNumberError[] = [];
  for (const e164 of numbers) {
    const n = ctx.rs.chimeNumbers.get(e164);
    const error =
      injected.get(e164) ??
      (n
        ? apply(n, e164)
        : { PhoneNumberId: e164, ErrorCode: 'NotFound', ErrorMessage: `Phone number ${e164} is not in the account's inventory.` });
    if (error) errors.push(error);
  }
  return { PhoneNumberErrors: errors };
}

const associatePhoneNumbersWithVoiceConnector: Handler = (ctx, input) => {
  const vc = requireConnector(ctx, input.VoiceConnectorId as string);
  const force = input.ForceAssociate === true;
  return perNumber(ctx, 'AssociatePhoneNumbersWithVoiceConnector', input, (n, e164) => {
    if (n.association?.voiceConnectorId === vc.id) return undefined;
    if (n.association && !force) {
      return {
        PhoneNumberId: e164,
        ErrorCode: 'PhoneNumberAssociationsExist',
        ErrorMessage: `Phone number ${e164} is associated with voice connector ${n.association.voiceConnectorId}.`,
      };
    }
    n.association = { voiceConnectorId: vc.id, at: ctx.now };
    n.updated = ctx.now;
    return undefined;
  });
};

const disassociatePhoneNumbersFromVoiceConnector: Handler = (ctx, input) => {
  const vc = requireConnector(ctx, input.VoiceConnectorId as string);
  return perNumber(ctx, 'DisassociatePhoneNumbersFromVoiceConnector', input, (n, e164) => {
    if (n.association?.voiceConnectorId !== vc.id) {
      return {
        PhoneNumberId: e164,
        ErrorCode: ctx.readings.disassociateNotAssociated,
        ErrorMessage: `Phone number ${e164} is not associated with voice connector ${vc.id}.`,
      };
    }
    n.association = undefined;
    n.updated = ctx.now;
    return undefined;
  });
};

const getVoiceConnector: Handler = (ctx, input) => {
  const vc = requireConnector(ctx, input.VoiceConnectorId as string);
  return {
    VoiceConnector: {
      VoiceConnectorId: vc.id,
      AwsRegion: ctx.region,
      Name: vc.name,
      OutboundHostName: `${vc.id}.voiceconnector.chime.aws`,
      RequireEncryption: true,
      CreatedTimestamp: iso(vc.created),
      UpdatedTimestamp: iso(vc.updated),
      VoiceConnectorArn: voiceConnectorArn(ctx.region, ctx.accountId, vc.id),
    },
  };
};

const getPhoneNumber: Handler = (ctx, input) => {
  const e164 = normalizeE164(input.PhoneNumberId as string);
  const n = ctx.rs.chimeNumbers.get(e164);
  if (!n) throw E.notFound(`The requested resource was not found: phone number ${input.PhoneNumberId as string}`);
  return { PhoneNumber: renderNumber(n) };
};

const listPhoneNumbers: Handler = (ctx, input) => {
  const filterName = input.FilterName as string | undefined;
  const filterValue = input.FilterValue as string | undefined;
  if ((filterName === undefined) !== (filterValue === undefined)) {
    throw E.badRequest('FilterName and FilterValue must be given together.');
  }
  const max = (input.MaxResults as number | undefined) ?? 100;
  let after: string | undefined;
  if (input.NextToken !== undefined) {
    after = decodeToken('ListPhoneNumbers', input.NextToken as string);
    if (after === undefined) throw E.badRequest('Invalid NextToken');
  }
  const matches = [...ctx.rs.chimeNumbers.values()].filter((n) => {
    const rendered = renderNumber(n);
    if (input.Status !== undefined && rendered.Status !== input.Status) return false;
    if (input.ProductType !== undefined && rendered.ProductType !== input.ProductType) return false;
    if (filterName === 'VoiceConnectorId') return n.association?.voiceConnectorId === filterValue;
    if (filterName !== undefined) return false; // no voice connector groups or SIP rules in the emulator
    return true;
  });
  const { items, last } = page(matches, (n) => n.e164, after, max);
  return {
    PhoneNumbers: items.map(renderNumber),
    ...(last !== undefined ? { NextToken: encodeToken('ListPhoneNumbers', last) } : {}),
  };
};

// ---- tags of voice connectors (TagResource / UntagResource / ListTagsForResource) ----------------
// Routes and shapes: see `additions` in model/phone-number-api.json. Choices where the docs are silent:
// - Only voice connectors (`arn:PARTITION:chime:REGION:ACCOUNT:vc/ID`) are taggable here; any other ARN, or a
//   connector not in this account and region -> NotFoundException.
// - More than 50 tags on the connector after the request -> ResourceLimitExceededException (the limit of the
//   request's Tags list, applied to the resource as Connect does).

const MAX_CONNECTOR_TAGS = 50;

function taggableConnector(ctx: OperationContext, arn: string): VoiceConnector {
  const p = parseVoiceConnectorArn(arn);
  if (!p || p.region !== ctx.region || p.accountId !== ctx.accountId) throw E.notFound(`The requested resource was not found: ${arn}`);
  return requireConnector(ctx, p.voiceConnectorId);
}

const tagResource: Handler = (ctx, input) => {
  const vc = taggableConnector(ctx, input.ResourceARN as string);
  const merged = { ...(vc.tags ?? {}) };
  for (const t of input.Tags as Array<{ Key: string; Value: string }>) merged[t.Key] = t.Value;
  if (Object.keys(merged).length > MAX_CONNECTOR_TAGS) {
    throw new ServiceError(
      'ResourceLimitExceededException',
      400,
      `A resource can have at most ${MAX_CONNECTOR_TAGS} tags; this request would leave ${Object.keys(merged).length}.`,
    );
  }
  vc.tags = merged;
  vc.updated = ctx.now;
  return undefined;
};

const untagResource: Handler = (ctx, input) => {
  const vc = taggableConnector(ctx, input.ResourceARN as string);
  const tags = { ...(vc.tags ?? {}) };
  for (const k of input.TagKeys as string[]) delete tags[k];
  vc.tags = tags;
  return undefined;
};

const listTagsForResource: Handler = (ctx, input) => {
  const vc = taggableConnector(ctx, input.ResourceARN as string);
  return { Tags: Object.entries(vc.tags ?? {}).map(([Key, Value]) => ({ Key, Value })) };
};

export const CHIME_HANDLERS: Record<string, Handler> = {
  AssociatePhoneNumbersWithVoiceConnector: associatePhoneNumbersWithVoiceConnector,
  DisassociatePhoneNumbersFromVoiceConnector: disassociatePhoneNumbersFromVoiceConnector,
  GetVoiceConnector: getVoiceConnector,
  GetPhoneNumber: getPhoneNumber,
  ListPhoneNumbers: listPhoneNumbers,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};
