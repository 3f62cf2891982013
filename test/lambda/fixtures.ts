/**
 * Shared builders for handler tests: CloudFormation events as the Provider framework delivers them,
 * and an emulator wired to the handler's SDK clients through the standard endpoint variables.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { resetClients } from '../../lambda/clients';
import * as stack from '../../lambda/stack';
import { FORMAT_VERSION, ResourceTypes } from '../../lambda/contract';
import type { IsCompleteRequest, IsCompleteResponse, OnEventResponse } from '../../lambda/events';
import { isComplete, onEvent } from '../../lambda/index';
import { logger } from '../../lambda/logger';
import { settingsEnvironment } from '../../lambda/settings';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../local/emulator';

logger.setLogLevel('SILENT');

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const ALT_REGION = 'us-west-2';
export const STACK_NAME = 'PhoneStack';
export const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${STACK_NAME}/0a1b2c3d-0000-4000-8000-000000000000`;

type Props = Record<string, unknown>;

let requestCounter = 0;
export const newRequestId = (): string => `00000000-0000-4000-8000-${String(++requestCounter).padStart(12, '0')}`;

function base(resourceType: string, logicalId: string) {
  return {
    ServiceToken: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:provider-framework-onEvent`,
    ResponseURL: 'https://cloudformation-custom-resource-response.example/response',
    StackId: STACK_ID,
    RequestId: newRequestId(),
    LogicalResourceId: logicalId,
    ResourceType: resourceType,
  };
}

const withToken = (props: Props): Props & { ServiceToken: string } => ({ ServiceToken: base('', '').ServiceToken, ...props });

export function createEvent(resourceType: string, props: Props, logicalId = 'Resource'): CloudFormationCustomResourceEvent {
  return { ...base(resourceType, logicalId), RequestType: 'Create', ResourceProperties: withToken(props) };
}

export function updateEvent(
  resourceType: string,
  physicalId: string,
  props: Props,
  oldProps: Props,
  logicalId = 'Resource',
): CloudFormationCustomResourceEvent {
  return {
    ...base(resourceType, logicalId),
    RequestType: 'Update',
    PhysicalResourceId: physicalId,
    ResourceProperties: withToken(props),
    OldResourceProperties: withToken(oldProps),
  };
}

export function deleteEvent(
  resourceType: string,
  physicalId: string,
  props: Props,
  logicalId = 'Resource',
): CloudFormationCustomResourceEvent {
  return { ...base(resourceType, logicalId), RequestType: 'Delete', PhysicalResourceId: physicalId, ResourceProperties: withToken(props) };
}

/** The event isComplete receives: the onEvent result merged into the event, as the framework does. */
export function afterOnEvent(event: CloudFormationCustomResourceEvent, result: OnEventResponse): IsCompleteRequest {
  return { ...event, ...result } as IsCompleteRequest;
}

/**
 * onEvent, then isComplete until it says complete (calling `between` before each poll, e.g. to advance a
 * clock). `response` is what CloudFormation gets: the framework merges the complete isComplete answer
 * (a claimed number's ARN as physical id, the attributes) into onEvent's.
 */
export async function runToCompletion(
  event: CloudFormationCustomResourceEvent,
  between: () => void = () => undefined,
  maxPolls = 20,
): Promise<{ onEvent: OnEventResponse; isComplete: IsCompleteResponse; response: OnEventResponse; polls: number }> {
  const result = await onEvent(event);
  const request = afterOnEvent(event, result);
  for (let polls = 1; polls <= maxPolls; polls++) {
    between();
    const done = await isComplete(request);
    if (done.IsComplete) {
      const response = { PhysicalResourceId: done.PhysicalResourceId ?? result.PhysicalResourceId, Data: { ...result.Data, ...done.Data } };
      return { onEvent: result, isComplete: done, response, polls };
    }
  }
  throw new Error(`not complete after ${maxPolls} polls`);
}

/**
 * onEvent as CloudFormation sees its outcome: every Create is made by isComplete (a failed one then gets
 * a Delete that undoes it), so it is polled here until complete, as the Provider's waiter does; the
 * physical id and Data are the framework's merge of both answers.
 */
export async function onEventCompletingCreates(
  event: CloudFormationCustomResourceEvent,
  between: () => void = () => undefined,
): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  const result = await onEvent(event);
  if (event.RequestType !== 'Create') return result;
  for (let poll = 0; poll < 5; poll++) {
    between();
    const done = await isComplete(afterOnEvent(event, result));
    // The framework merges the complete answer into its response: a claimed number's ARN comes from it.
    if (done.IsComplete)
      return { PhysicalResourceId: done.PhysicalResourceId ?? result.PhysicalResourceId, Data: { ...result.Data, ...done.Data } };
  }
  throw new Error('the create did not complete in 5 polls');
}

/**
 * Call inside a describe: the stack as CloudFormation reports it (lambda/stack) is stubbed before each
 * test: by default outside any rollback, with no other declarations known; a test that needs a
 * rollback or a rename sets the spies (read them after the beforeEach has run).
 */
export function stubStackState(): { readonly rollingBack: jest.SpyInstance; readonly declarations: jest.SpyInstance } {
  const spies = {} as { rollingBack: jest.SpyInstance; declarations: jest.SpyInstance };
  beforeEach(() => {
    spies.rollingBack = jest.spyOn(stack, 'isRollingBack').mockResolvedValue(false);
    spies.declarations = jest.spyOn(stack, 'otherDeclarations').mockResolvedValue(undefined);
  });
  afterEach(() => jest.restoreAllMocks());
  return spies;
}

// ---- property builders --------------------------------------------------------------------------

export const claimedProps = (p: Props): Props => ({ FormatVersion: FORMAT_VERSION, RemovalPolicy: 'destroy', ...p });
export const bindingProps = (p: Props): Props => ({ FormatVersion: FORMAT_VERSION, ...p });
export const vcProps = (p: Props): Props => ({ FormatVersion: FORMAT_VERSION, ForceAssociate: 'false', Region: REGION, ...p });

export const CLAIMED = ResourceTypes.CLAIMED_PHONE_NUMBER;
export const BINDING = ResourceTypes.PHONE_NUMBER_FLOW_BINDING;
export const VC = ResourceTypes.VOICE_CONNECTOR_NUMBERS;

// ---- emulator -----------------------------------------------------------------------------------

/**
 * Starts an emulator on a free port and points the handler's (fresh) clients at it. Rates are scaled
 * up 1000 times unless the test sets `rateScale` (throttling tests use the default quotas).
 */
export async function startTestEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = await startEmulator({ port: 0, rateScale: 1000, ...options });
  process.env.AWS_ENDPOINT_URL_CONNECT = emulator.endpoint;
  process.env.AWS_ENDPOINT_URL_CHIME_SDK_VOICE = emulator.endpoint;
  process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = emulator.endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'secret-example';
  process.env.AWS_REGION = REGION;
  // The emulator's asynchronous operations run on a clock the test drives: no waiting in an invocation.
  Object.assign(process.env, settingsEnvironment({ retryBaseDelayMs: 2, settleWaitMs: 0 }));
  resetClients();
  return emulator;
}

/** The operations the handler called, in order (optionally only mutating ones). */
export function operations(emulator: Emulator, filter?: (op: string) => boolean): string[] {
  return emulator
    .calls()
    .filter((c) => c.status !== 429)
    .map((c) => c.operation)
    .filter((op) => (filter ? filter(op) : true));
}

const READS = /^(Describe|List|Search|Get|BatchGet)/;
export const mutating = (op: string): boolean => !READS.test(op);

/** Numbers, country US, type DID: +1206555 then four digits from `start`. */
export function usNumbers(count: number, start = 100): string[] {
  return Array.from({ length: count }, (_, i) => `+1206555${String(start + i).padStart(4, '0')}`);
}
