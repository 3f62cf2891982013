/**
 * Request sending: the events CloudFormation builds for a custom resource, and one request sent through
 * the Provider framework (./provider.ts) with the resource's status shown in the stack record while it
 * runs, the hooks called around it (onRequest, onPoll) and its outcome logged.
 */
import type { ResolveContext } from './intrinsics';
import { defaultRequestId, normalizeHandler, sendRequest, type ProviderOutcome } from './provider';
import type { Props } from './run';
import type { StackRecord } from './stack-record';
import type {
  CfnTemplate,
  CustomResourceEvent,
  DeployedResource,
  LocalDeployerOptions,
  Phase,
  RequestProgress,
  RequestType,
  ResourceStatus,
} from './types';

/** The status a resource shows while its request runs. */
const IN_PROGRESS: Readonly<Record<RequestType, ResourceStatus>> = {
  Create: 'CREATE_IN_PROGRESS',
  Update: 'UPDATE_IN_PROGRESS',
  Delete: 'DELETE_IN_PROGRESS',
};

type Progress = Omit<RequestProgress, 'stage' | 'status' | 'reason'>;

export class RequestSender {
  private readonly functions: ReturnType<typeof normalizeHandler>;

  constructor(
    private readonly options: LocalDeployerOptions,
    private readonly record: StackRecord,
  ) {
    this.functions = normalizeHandler(options.handler, options.singleFunctionIsComplete ?? true);
  }

  /** What intrinsics of `template` resolve against: the stack's identity and the custom resources `deployed` so far. */
  resolveContext(template: CfnTemplate, deployed: Map<string, DeployedResource>): ResolveContext {
    return {
      template,
      region: this.record.region,
      accountId: this.record.accountId,
      partition: this.options.partition ?? 'aws',
      urlSuffix: this.options.urlSuffix ?? 'amazonaws.com',
      stackName: this.record.stackName,
      stackId: this.record.stackId,
      parameters: this.options.parameters ?? {},
      deployed: (id) => deployed.get(id),
    };
  }

  event(
    requestType: RequestType,
    logicalId: string,
    resourceType: string,
    properties: Props,
    physicalResourceId?: string,
    oldProperties?: Props,
  ): CustomResourceEvent {
    const requestId = (this.options.newRequestId ?? defaultRequestId)();
    const region = this.record.region;
    return {
      RequestType: requestType,
      ServiceToken: String(properties.ServiceToken ?? ''),
      ResponseURL: `https://cloudformation-custom-resource-response-${region.replace(/-/g, '')}.s3.amazonaws.com/local-deploy/${requestId}`,
      StackId: this.record.stackId,
      RequestId: requestId,
      LogicalResourceId: logicalId,
      ResourceType: resourceType,
      ResourceProperties: properties,
      ...(physicalResourceId !== undefined ? { PhysicalResourceId: physicalResourceId } : {}),
      ...(oldProperties !== undefined ? { OldResourceProperties: oldProperties } : {}),
    };
  }

  /** The resource's status once its request is answered (a deleted resource leaves the stack's list). */
  private markOutcome(event: CustomResourceEvent, outcome: ProviderOutcome): void {
    const { LogicalResourceId: logicalId, ResourceType: type, RequestType: requestType } = event;
    const ok = outcome.status === 'SUCCESS';
    if (requestType === 'Create') {
      this.record.mark(logicalId, type, ok ? 'CREATE_COMPLETE' : 'CREATE_FAILED', outcome.physicalResourceId);
    } else if (requestType === 'Update') {
      this.record.mark(
        logicalId,
        type,
        ok ? 'UPDATE_COMPLETE' : 'UPDATE_FAILED',
        ok ? outcome.physicalResourceId : event.PhysicalResourceId,
      );
    } else if (ok) {
      this.record.mark(logicalId, type, 'DELETE_COMPLETE', event.PhysicalResourceId);
      this.record.unlist(logicalId);
    } else {
      this.record.mark(logicalId, type, 'DELETE_FAILED', event.PhysicalResourceId);
    }
  }

  /** The request through the Provider framework, with the deployer's options. */
  private provide(event: CustomResourceEvent, progress: Progress): Promise<ProviderOutcome> {
    const onPoll = this.options.onPoll;
    return sendRequest(this.functions, event, {
      maxPolls: this.options.maxPolls,
      pollIntervalMs: this.options.pollIntervalMs ?? 0,
      totalTimeoutMs: this.options.totalTimeoutMs,
      functionTimeoutMs: this.options.functionTimeoutMs,
      clock: this.options.clock,
      functionName: this.options.functionName ?? 'local-provider-handler',
      region: this.record.region,
      accountId: this.record.accountId,
      ...(onPoll ? { beforePoll: (poll: number, physicalResourceId: string) => onPoll({ ...progress, physicalResourceId, poll }) } : {}),
    });
  }

  /**
   * Sends one request through the Provider framework, with the resource's status shown in the stack
   * (unless `listed` is false: the Delete of a replaced resource's other physical id leaves the logical
   * resource as it is).
   */
  async send(phase: Phase, event: CustomResourceEvent, { listed = true }: { listed?: boolean } = {}): Promise<ProviderOutcome> {
    const { LogicalResourceId: logicalId, ResourceType: type, RequestType: requestType } = event;
    if (listed) this.record.mark(logicalId, type, IN_PROGRESS[requestType], event.PhysicalResourceId);
    const stackStatus = this.record.status!;
    const progress: Progress = {
      phase,
      logicalId,
      resourceType: type,
      requestType,
      ...(event.PhysicalResourceId !== undefined ? { physicalResourceId: event.PhysicalResourceId } : {}),
    };
    await this.options.onRequest?.({ stage: 'start', ...progress });
    const outcome = await this.provide(event, progress);
    this.record.log.push({
      phase,
      logicalId,
      resourceType: type,
      requestType,
      physicalResourceId: event.PhysicalResourceId,
      resourceProperties: event.ResourceProperties,
      oldResourceProperties: event.OldResourceProperties,
      answeredBy: outcome.answeredBy,
      status: outcome.status,
      responsePhysicalResourceId: outcome.physicalResourceId,
      data: outcome.status === 'SUCCESS' ? outcome.data : undefined,
      reason: outcome.reason,
      polls: outcome.polls,
      stackStatus,
    });
    if (listed) this.markOutcome(event, outcome);
    await this.options.onRequest?.({
      stage: 'end',
      ...progress,
      status: outcome.status,
      ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
    });
    return outcome;
  }

  /** A Delete of one resource (`listed` as in send); the failure, if any. */
  async delete(
    phase: Phase,
    resource: Pick<DeployedResource, 'logicalId' | 'type' | 'physicalResourceId' | 'properties'>,
    { listed = true }: { listed?: boolean } = {},
  ): Promise<{ logicalId: string; physicalResourceId: string; reason: string } | undefined> {
    const event = this.event('Delete', resource.logicalId, resource.type, resource.properties, resource.physicalResourceId);
    const outcome = await this.send(phase, event, { listed });
    if (outcome.status !== 'FAILED') return undefined;
    return { logicalId: resource.logicalId, physicalResourceId: resource.physicalResourceId, reason: outcome.reason ?? '' };
  }
}
