/**
 * What the parts of one deploy share: the shapes of a deploy in progress (what it started from, what it
 * has done so far), the resource policies CloudFormation honours, and the `Deployment` each part works
 * on (the options, the stack record, the request sender).
 */
import type { ResolveContext } from './intrinsics';
import type { RequestSender } from './requests';
import type { StackRecord } from './stack-record';
import type { CfnTemplate, DeployedResource, Json, LocalDeployerOptions, Phase, RetainedEntry, TemplateResource } from './types';

export const RETAIN = 'Retain';
export const RETAIN_EXCEPT_ON_CREATE = 'RetainExceptOnCreate';
export const DELETION_POLICIES = ['Delete', RETAIN, RETAIN_EXCEPT_ON_CREATE, 'Snapshot'];
export const UPDATE_REPLACE_POLICIES = ['Delete', RETAIN, 'Snapshot'];

export type Props = Record<string, Json>;

/** One resource handled in the forward phase of a deploy, in the order they finished. */
export type Attempt =
  | { readonly kind: 'create'; readonly logicalId: string; readonly after: DeployedResource }
  | { readonly kind: 'update' | 'replace'; readonly logicalId: string; readonly before: DeployedResource; readonly after: DeployedResource }
  | {
      readonly kind: 'createFailed';
      readonly logicalId: string;
      readonly type: string;
      readonly physicalResourceId: string;
      readonly properties: Props;
      readonly reason: string;
      readonly deletionPolicy?: string;
    }
  | {
      readonly kind: 'updateFailed';
      readonly logicalId: string;
      readonly before: DeployedResource;
      readonly properties: Props;
      readonly reason: string;
      readonly sent: boolean;
    };

/** One deploy in progress: what it started from, and what it has done so far. */
export interface DeployRun {
  readonly template: CfnTemplate;
  readonly phase: Phase;
  /** The custom resources deployed before this deploy. */
  readonly previous: Map<string, DeployedResource>;
  /** The custom resources as this deploy leaves them so far (what Ref and Fn::GetAtt of later resources read). */
  readonly current: Map<string, DeployedResource>;
  readonly attempts: Attempt[];
  readonly unchanged: string[];
  readonly ctx: ResolveContext;
}

/** A Delete of the cleanup phase: an old physical id of a replaced resource, or a resource gone from the template. */
export interface CleanupEntry {
  readonly resource: DeployedResource;
  /** The policy that keeps the physical resource; no Delete is sent then. */
  readonly retainedBy?: RetainedEntry['policy'];
  readonly replaced: boolean;
}

/** What every part of a deploy works on. */
export interface Deployment {
  readonly options: LocalDeployerOptions;
  /** The stack as CloudFormation holds it: status, resources, templates, logs. */
  readonly record: StackRecord;
  readonly requests: RequestSender;
  /** Custom resources in flight at once. */
  readonly concurrency: number;
}

export const policiesOf = (resource: TemplateResource): Pick<DeployedResource, 'deletionPolicy' | 'updateReplacePolicy'> => ({
  deletionPolicy: resource.DeletionPolicy,
  updateReplacePolicy: resource.UpdateReplacePolicy,
});

export const withoutServiceToken = (props: Props): Props =>
  Object.fromEntries(Object.entries(props).filter(([key]) => key !== 'ServiceToken'));

export const has = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

/** Whether a stack delete or a removal from the template keeps the physical resource. */
export const retainedOnDelete = (deletionPolicy: string | undefined): boolean =>
  deletionPolicy === RETAIN || deletionPolicy === RETAIN_EXCEPT_ON_CREATE;
