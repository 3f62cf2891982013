/**
 * The approach users copy today, as a peer to measure against: `AwsCustomResource` resources
 * (Custom::AWS), each making ONE SDK call per CloudFormation event (onCreate / onUpdate / onDelete),
 * with a client built the SDK's default way (standard retry mode: 3 attempts, its own backoff), no
 * waiting for asynchronous operations, response fields flattened into the resource's attributes.
 *
 * Written for the benchmark in the style of aws-cdk-lib's AwsCustomResource runtime handler (that
 * handler answers CloudFormation over HTTPS itself, which the local deploy does not provide); it reads
 * the same properties the construct synthesizes: Create / Update / Delete as JSON strings with
 * `service`, `action`, `parameters`, `physicalResourceId` ({ id } or { responsePath }).
 */
import { createRequire } from 'node:module';

/**
 * The SDK packages are loaded at the first event that needs them, as the AwsCustomResource runtime
 * loads the service's package on demand: a cold start pays for the one client it uses.
 */
const load = createRequire(__filename);

interface SdkCall {
  readonly service: string;
  readonly action: string;
  readonly parameters?: Record<string, unknown>;
  readonly physicalResourceId?: { readonly id?: string; readonly responsePath?: string };
}

interface Event {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly RequestId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, unknown>;
}

const PHYSICAL_ID_REFERENCE = 'PHYSICAL:RESOURCEID:';

type Package = Record<string, unknown>;
const CONNECT = { module: '@aws-sdk/client-connect', client: 'ConnectClient' };
const CHIME_VOICE = { module: '@aws-sdk/client-chime-sdk-voice', client: 'ChimeSDKVoiceClient' };
const PACKAGES: Record<string, { module: string; client: string }> = {
  connect: CONNECT,
  'client-connect': CONNECT,
  chimesdkvoice: CHIME_VOICE,
  'client-chime-sdk-voice': CHIME_VOICE,
};

/** 'Connect', '@aws-sdk/client-connect', 'ChimeSDKVoice', ... -> its package (loaded now) and client class name. */
function packageOf(service: string): { pkg: Package; client: string } {
  const key = service.toLowerCase().replace(/^@aws-sdk\//, '');
  const found = PACKAGES[key];
  if (!found) throw new Error(`naive handler: unsupported service '${service}' (use Connect or ChimeSDKVoice)`);
  return { pkg: load(found.module) as Package, client: found.client };
}

/** { a: { b: 1 }, c: [x] } -> { 'a.b': '1', 'c.0': 'x' }, as the AwsCustomResource handler flattens responses. */
export function flatten(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value === null || value === undefined) return out;
  if (typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === '$metadata') continue;
      flatten(v, prefix ? `${prefix}.${k}` : k, out);
    }
    return out;
  }
  out[prefix] = value instanceof Date ? value.toISOString() : String(value);
  return out;
}

/** The SDK call of an event, with the physical-id reference replaced. */
function callOf(event: Event): SdkCall | undefined {
  const raw = event.ResourceProperties[event.RequestType];
  if (raw === undefined) return undefined;
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  return JSON.parse(event.PhysicalResourceId ? text.split(PHYSICAL_ID_REFERENCE).join(event.PhysicalResourceId) : text) as SdkCall;
}

/** One container's entry point: a fresh SDK client per event, the SDK's defaults, one call. */
export async function handler(event: Event): Promise<{ PhysicalResourceId: string; Data: Record<string, string> }> {
  const call = callOf(event);
  let data: Record<string, string> = {};
  if (call) {
    const { pkg, client: clientName } = packageOf(call.service);
    const Client = pkg[clientName] as new (config: { region?: string }) => { send(command: unknown): Promise<unknown>; destroy(): void };
    const Command = pkg[`${call.action.charAt(0).toUpperCase()}${call.action.slice(1)}Command`] as
      (new (input: unknown) => unknown) | undefined;
    if (!Command) throw new Error(`naive handler: ${call.service} has no action '${call.action}'`);
    const client = new Client({ region: process.env.AWS_REGION });
    try {
      data = flatten(await client.send(new Command(call.parameters ?? {})));
    } finally {
      client.destroy();
    }
  }
  const fromResponse = call?.physicalResourceId?.responsePath;
  const physicalId =
    call?.physicalResourceId?.id ??
    (fromResponse !== undefined ? data[fromResponse] : undefined) ??
    event.PhysicalResourceId ??
    event.RequestId;
  return { PhysicalResourceId: physicalId, Data: data };
}
