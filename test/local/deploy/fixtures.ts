/**
 * A fake Provider handler that records every call and answers deterministically, and builders of
 * hand-written templates.
 */
import type {
  CfnTemplate,
  CustomResourceEvent,
  IsCompleteEvent,
  IsCompleteResult,
  Json,
  OnEventResult,
  TemplateResource,
} from '../../../local/deploy';

export const PROVIDER = 'ProviderOnEventFn';
export const TYPE = 'Custom::Thing';

type Props = Record<string, Json>;

/** A custom resource served by the template's provider function. */
export function custom(properties: Props = {}, extra: Partial<TemplateResource> = {}, type = TYPE): TemplateResource {
  return { Type: type, Properties: { ServiceToken: { 'Fn::GetAtt': [PROVIDER, 'Arn'] }, ...properties }, ...extra };
}

/** A template with the provider's (ignored) Lambda function and the given resources. */
export function template(resources: Record<string, TemplateResource>, extra: Partial<CfnTemplate> = {}): CfnTemplate {
  return {
    Resources: {
      [PROVIDER]: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'framework.onEvent', Runtime: 'nodejs20.x' } },
      ...resources,
    },
    ...extra,
  };
}

export interface Call {
  readonly fn: 'onEvent' | 'isComplete';
  readonly type: CustomResourceEvent['RequestType'];
  readonly logicalId: string;
  readonly physicalId?: string;
}

/**
 * Create returns `<LogicalId>-<n>` and Data { Value, Id }; Update keeps the physical id unless
 * `replaceWhen` says otherwise; Delete returns nothing. `failWhen` makes onEvent (or isComplete) throw.
 */
export class FakeHandler {
  readonly events: CustomResourceEvent[] = [];
  readonly calls: Call[] = [];
  /** Physical ids that exist now (created and not deleted). */
  readonly live = new Set<string>();
  failWhen: (event: CustomResourceEvent) => string | undefined = () => undefined;
  failCompleteWhen: (event: IsCompleteEvent) => string | undefined = () => undefined;
  replaceWhen: (event: CustomResourceEvent) => boolean = () => false;
  /** When set, isComplete answers false until this returns true. */
  completeWhen: ((event: IsCompleteEvent) => boolean) | undefined;
  /** Data returned with IsComplete true. */
  completeData: Record<string, Json> | undefined;
  omitPhysicalId = false;
  private counter = 0;

  readonly onEvent = async (event: CustomResourceEvent): Promise<OnEventResult | undefined> => {
    this.events.push(event);
    this.calls.push({ fn: 'onEvent', type: event.RequestType, logicalId: event.LogicalResourceId, physicalId: event.PhysicalResourceId });
    const failure = this.failWhen(event);
    if (failure) throw new Error(failure);
    const data = (id: string) => ({ Value: String(event.ResourceProperties.Value ?? ''), Id: id });
    switch (event.RequestType) {
      case 'Create': {
        if (this.omitPhysicalId) return { Data: data(event.RequestId) };
        const id = `${event.LogicalResourceId}-${++this.counter}`;
        this.live.add(id);
        return { PhysicalResourceId: id, Data: data(id) };
      }
      case 'Update': {
        const id = this.replaceWhen(event) ? `${event.LogicalResourceId}-${++this.counter}` : event.PhysicalResourceId!;
        this.live.add(id);
        return { PhysicalResourceId: id, Data: data(id) };
      }
      case 'Delete':
        this.live.delete(event.PhysicalResourceId!);
        return undefined;
    }
  };

  readonly isComplete = async (event: IsCompleteEvent): Promise<IsCompleteResult> => {
    this.calls.push({
      fn: 'isComplete',
      type: event.RequestType,
      logicalId: event.LogicalResourceId,
      physicalId: event.PhysicalResourceId,
    });
    const failure = this.failCompleteWhen(event);
    if (failure) throw new Error(failure);
    if (this.completeWhen && !this.completeWhen(event)) return { IsComplete: false };
    return { IsComplete: true, ...(this.completeData ? { Data: this.completeData } : {}) };
  };

  /** The onEvent calls as `Type LogicalId [PhysicalId]` strings. */
  sent(): string[] {
    return this.events.map((e) => `${e.RequestType} ${e.LogicalResourceId}${e.PhysicalResourceId ? ` ${e.PhysicalResourceId}` : ''}`);
  }

  clear(): void {
    this.events.length = 0;
    this.calls.length = 0;
  }
}

/** Request ids req-1, req-2, ... */
export function requestIds(): () => string {
  let n = 0;
  return () => `req-${++n}`;
}
