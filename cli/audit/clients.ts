/**
 * SDK clients of the audit: the standard credential chain (AWS_PROFILE, environment, SSO, instance
 * roles), the region of --region or the SDK's own resolution (AWS_REGION, the profile), the endpoints
 * of AWS_ENDPOINT_URL_<SERVICE> (read by the SDK itself), and the handler's retry strategy: throttling
 * retried patiently with short delays, never fatal (lambda/clients). Counts every operation and attempt.
 */
import { ChimeSDKVoiceClient } from '@aws-sdk/client-chime-sdk-voice';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ConnectClient } from '@aws-sdk/client-connect';
import type {
  DeserializeHandler,
  DeserializeHandlerArguments,
  InitializeHandler,
  InitializeHandlerArguments,
  HandlerExecutionContext,
  MetadataBearer,
  MiddlewareStack,
} from '@smithy/types';
import { PhoneNumbersRetryStrategy } from '../../lambda/clients';
import { AuditUsageError } from './errors';

/** Operations and attempts per `service:Operation`. */
export type CallCounts = Map<string, { calls: number; attempts: number }>;

type AnyClient = ConnectClient | ChimeSDKVoiceClient | CloudFormationClient;

function countCalls(client: AnyClient, service: string, counts: CallCounts): void {
  const stack = client.middlewareStack as unknown as MiddlewareStack<object, MetadataBearer>;
  const entryOf = (context: HandlerExecutionContext) => {
    const key = `${service}:${context.commandName?.replace(/Command$/, '')}`;
    const entry = counts.get(key) ?? { calls: 0, attempts: 0 };
    counts.set(key, entry);
    return entry;
  };
  // Once per call, before the retries...
  stack.add(
    (next: InitializeHandler<object, MetadataBearer>, context: HandlerExecutionContext) => (args: InitializeHandlerArguments<object>) => {
      entryOf(context).calls += 1;
      return next(args);
    },
    { step: 'initialize', name: 'auditCallCount' },
  );
  // ...and once per attempt: the deserialize step runs inside the retry loop.
  stack.add(
    (next: DeserializeHandler<object, MetadataBearer>, context: HandlerExecutionContext) => (args: DeserializeHandlerArguments<object>) => {
      entryOf(context).attempts += 1;
      return next(args);
    },
    { step: 'deserialize', name: 'auditAttemptCount' },
  );
}

export class AuditClients {
  readonly counts: CallCounts = new Map();
  private readonly cache = new Map<string, AnyClient>();

  private constructor(readonly region: string) {}

  /** Clients in the region of --region (else the SDK's), once the region and credentials are known to resolve. */
  static async create(regionFlag: string | undefined): Promise<AuditClients> {
    const probe = new CloudFormationClient(regionFlag ? { region: regionFlag } : {});
    let region: string;
    try {
      region = await probe.config.region();
    } catch {
      region = '';
    }
    if (!region) {
      probe.destroy();
      throw new AuditUsageError('no region: pass --region REGION, or set AWS_REGION (or a region in the profile of AWS_PROFILE).');
    }
    try {
      await probe.config.credentials();
    } catch (err) {
      throw new AuditUsageError(
        `no credentials (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and ` +
          'AWS_SECRET_ACCESS_KEY, or run where a role is available (the standard AWS SDK credential chain).',
      );
    } finally {
      probe.destroy();
    }
    return new AuditClients(region);
  }

  private get<T extends AnyClient>(service: string, region: string, make: () => T): T {
    const key = `${service}:${region}`;
    let client = this.cache.get(key) as T | undefined;
    if (!client) {
      client = make();
      countCalls(client, service, this.counts);
      this.cache.set(key, client);
    }
    return client;
  }

  private settings(region: string) {
    return { region, retryStrategy: new PhoneNumbersRetryStrategy() };
  }

  cloudFormation(): CloudFormationClient {
    return this.get('cloudformation', this.region, () => new CloudFormationClient(this.settings(this.region)));
  }

  connect(region: string): ConnectClient {
    return this.get('connect', region, () => new ConnectClient(this.settings(region)));
  }

  chime(region: string): ChimeSDKVoiceClient {
    return this.get('chime', region, () => new ChimeSDKVoiceClient(this.settings(region)));
  }

  destroy(): void {
    for (const c of this.cache.values()) c.destroy();
    this.cache.clear();
  }
}
