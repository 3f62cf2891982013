/**
 * The declarations of a stack's template: this library's custom resources, their properties resolved
 * as CloudFormation resolves them before the handler sees them (local/deploy/intrinsics), and read with
 * the shapes of lambda/contract, so the audit decodes a declaration exactly as the handler does.
 */
import {
  parsePhoneNumberArn,
  parseTargetArn,
  OWNER_TAG_KEY,
  ResourceTypes,
  type ClaimedPhoneNumberProperties,
  type PhoneNumberFlowBindingProperties,
  type VoiceConnectorNumbersProperties,
} from '../../lambda/contract';
import { ownerOf } from '../../lambda/identity';
import { resolveProperties, type ResolveContext } from '../../local/deploy/intrinsics';
import type { CfnTemplate, DeployedResource, Json, TemplateResource } from '../../local/deploy/types';
import type { ClaimDeclaration, FlowDeclaration, Holder, TrunkDeclaration } from './model';

export const LIBRARY_TYPES: readonly string[] = Object.values(ResourceTypes);

/** A stack to read: its template, and what CloudFormation holds for it when deployed. */
export interface StackSource {
  readonly stackName: string;
  readonly stackId?: string;
  readonly region: string;
  readonly accountId: string;
  readonly template: CfnTemplate;
  readonly parameters?: Readonly<Record<string, string>>;
  /** logical id -> physical id, for a deployed stack. */
  readonly physicalIds?: ReadonlyMap<string, string>;
}

export interface StackDeclarations {
  readonly claims: ClaimDeclaration[];
  readonly flows: FlowDeclaration[];
  readonly trunks: TrunkDeclaration[];
  readonly skipped: string[];
}

/** What an attribute of a resource not deployed (or not a number) resolves to: tells the binding which claim it names. */
const REF_PREFIX = 'cdk-phone-numbers-audit:ref:';
const refOf = (logicalId: string, attribute: string): string => `${REF_PREFIX}${logicalId}:${attribute}`;
const logicalIdOfRef = (value: string): string | undefined =>
  value.startsWith(REF_PREFIX) ? value.slice(REF_PREFIX.length).split(':')[0] : undefined;

export function hasLibraryResources(template: CfnTemplate): boolean {
  return Object.values(template.Resources).some((r) => LIBRARY_TYPES.includes(r.Type));
}

function resolveContext(s: StackSource): ResolveContext {
  const stackId = s.stackId ?? `arn:aws:cloudformation:${s.region}:${s.accountId}:stack/${s.stackName}/not-deployed`;
  return {
    template: s.template,
    region: s.region,
    accountId: s.accountId,
    partition: 'aws',
    urlSuffix: 'amazonaws.com',
    stackName: s.stackName,
    stackId,
    parameters: s.parameters ?? {},
    deployed: (logicalId: string): DeployedResource => {
      const physical = s.physicalIds?.get(logicalId);
      const numberArn = physical !== undefined && parsePhoneNumberArn(physical) ? physical : undefined;
      const data: Record<string, Json> = {
        PhoneNumberArn: numberArn ?? refOf(logicalId, 'PhoneNumberArn'),
        PhoneNumberId: numberArn ? parsePhoneNumberArn(numberArn)!.phoneNumberId : refOf(logicalId, 'PhoneNumberId'),
        PhoneNumber: refOf(logicalId, 'PhoneNumber'),
        TargetArn: refOf(logicalId, 'TargetArn'),
      };
      return {
        logicalId,
        type: s.template.Resources[logicalId]?.Type ?? '',
        physicalResourceId: physical ?? refOf(logicalId, 'Ref'),
        data,
        properties: {},
      };
    },
  };
}

function holderOf(s: StackSource, logicalId: string, resource: TemplateResource): Holder {
  const path = resource.Metadata?.['aws:cdk:path'];
  // The construct's path: a custom resource sits at <construct>/Resource/Default (or .../Resource).
  const constructPath = typeof path === 'string' ? path.replace(/(\/Resource)?(\/Default)?$/, '') : undefined;
  return { stack: s.stackName, logicalId, path: constructPath || `${s.stackName}/${logicalId}` };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function claimOf(s: StackSource, holder: Holder, p: ClaimedPhoneNumberProperties): ClaimDeclaration {
  const tags = Object.fromEntries((p.Tags ?? []).filter((t) => t.Key !== OWNER_TAG_KEY).map((t) => [t.Key, t.Value]));
  const physicalId = s.physicalIds?.get(holder.logicalId);
  return {
    holder,
    owner: ownerOf(s.stackId ?? s.stackName, holder.logicalId),
    region: parseTargetArn(p.TargetArn)?.region ?? s.region,
    targetArn: p.TargetArn,
    ...(str(p.PhoneNumber) ? { phoneNumber: p.PhoneNumber } : {}),
    ...(p.PhoneNumber === undefined ? { search: [p.CountryCode, p.Type ?? 'DID', p.Prefix].filter(Boolean).join(' ') } : {}),
    ...(p.Description !== undefined ? { description: p.Description } : {}),
    tags,
    ...(physicalId !== undefined && parsePhoneNumberArn(physicalId) ? { physicalId } : {}),
  };
}

function flowOf(holder: Holder, p: PhoneNumberFlowBindingProperties): FlowDeclaration {
  const claim = logicalIdOfRef(p.PhoneNumberArn);
  return {
    holder,
    ...(claim !== undefined ? { claimLogicalId: claim } : { phoneNumberArn: p.PhoneNumberArn }),
    contactFlowArn: p.ContactFlowArn,
  };
}

function trunkOf(s: StackSource, holder: Holder, p: VoiceConnectorNumbersProperties): TrunkDeclaration {
  return { holder, voiceConnectorId: p.VoiceConnectorId, phoneNumbers: [...(p.PhoneNumbers ?? [])], region: p.Region ?? s.region };
}

/** This library's resources in the stack's template, as declarations; those that cannot be read are `skipped`. */
export function declarationsOf(s: StackSource): StackDeclarations {
  const out: StackDeclarations = { claims: [], flows: [], trunks: [], skipped: [] };
  const ctx = resolveContext(s);
  for (const [logicalId, resource] of Object.entries(s.template.Resources)) {
    if (!LIBRARY_TYPES.includes(resource.Type)) continue;
    const holder = holderOf(s, logicalId, resource);
    let props: Record<string, Json>;
    try {
      props = resolveProperties(resource.Properties, ctx);
    } catch (err) {
      out.skipped.push(`${holder.path}: its properties could not be resolved (${err instanceof Error ? err.message : String(err)})`);
      continue;
    }
    switch (resource.Type) {
      case ResourceTypes.CLAIMED_PHONE_NUMBER:
        out.claims.push(claimOf(s, holder, props as unknown as ClaimedPhoneNumberProperties));
        break;
      case ResourceTypes.PHONE_NUMBER_FLOW_BINDING:
        out.flows.push(flowOf(holder, props as unknown as PhoneNumberFlowBindingProperties));
        break;
      default:
        out.trunks.push(trunkOf(s, holder, props as unknown as VoiceConnectorNumbersProperties));
    }
  }
  return out;
}
