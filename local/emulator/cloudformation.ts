/**
 * The part of CloudFormation a custom-resource handler reads about its own stack, served from what the
 * local deployer publishes (`emulator.stacks`, a local/deploy StackDirectory; the shapes are in ./stacks):
 * DescribeStacks, GetTemplate and DescribeStackResources, and for `cdk-phone-numbers audit` (and the AWS CLI of `npm start -- --keep`) the
 * paged ListStacks and ListStackResources,
 * over the AWS Query protocol (form-encoded POST, XML answers) that the real @aws-sdk/client-cloudformation
 * speaks. Requests are told apart from Connect and Chime by the SigV4
 * signing name `cloudformation` in the credential scope.
 *
 * As the real service: a stack is found by its stack id (also once deleted, with DELETE_COMPLETE) or by
 * its name (only while not deleted), in the caller's account and region; any other name answers 400
 * ValidationError "Stack with id X does not exist". Injected `error` faults (FaultRegistry) apply by
 * operation name, like Connect's and Chime's.
 */
import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import type { FaultRegistry } from './faults';
import type { CloudFormationCall, CloudFormationStacks, PublishedStack as StackState } from './stacks';

export type { CloudFormationCall, CloudFormationStacks } from './stacks';

const XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
export const CLOUDFORMATION_OPERATIONS = [
  'DescribeStacks',
  'GetTemplate',
  'DescribeStackResources',
  'ListStacks',
  'ListStackResources',
] as const;
/** DescribeStackResources answers at most this many resources of a stack (`CFN/DescribeStackResources`). */
export const DESCRIBE_STACK_RESOURCES_LIMIT = 100;
/** Items per page of ListStacks and ListStackResources (the service pages both; their size is not documented). */
export const CLOUDFORMATION_PAGE_SIZE = 100;

export class StackRegistry implements CloudFormationStacks {
  private readonly stacks = new Map<string, StackState>();
  private log: CloudFormationCall[] = [];
  private seq = 0;

  publish(stack: StackState): void {
    this.stacks.set(stack.stackId, JSON.parse(JSON.stringify(stack)) as StackState);
  }

  get(stackId: string): StackState | undefined {
    return this.stacks.get(stackId);
  }

  list(): StackState[] {
    return [...this.stacks.values()];
  }

  calls(): CloudFormationCall[] {
    return this.log.map((c) => ({ ...c }));
  }

  clearCalls(): void {
    this.log = [];
  }

  reset(): void {
    this.stacks.clear();
    this.log = [];
  }

  /** A stack by id (deleted ones too) or by name (live ones only), in this account and region. */
  find(nameOrId: string, accountId: string, region: string): StackState | undefined {
    const inScope = (s: StackState) => s.accountId === accountId && s.region === region;
    const byId = this.stacks.get(nameOrId);
    if (byId) return inScope(byId) ? byId : undefined;
    // The latest live stack of that name (a name is reused after its stack is deleted).
    return [...this.stacks.values()].reverse().find((s) => inScope(s) && s.stackName === nameOrId && s.status !== 'DELETE_COMPLETE');
  }

  record(call: Omit<CloudFormationCall, 'seq'>): void {
    this.log.push({ seq: ++this.seq, ...call });
  }
}

class QueryError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
  }
}

const escapeXml = (text: string): string =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#xD;');

const iso = (ms: number): string => new Date(ms).toISOString();

/** <Name>escaped</Name>, or nothing for undefined. */
const el = (name: string, value: string | undefined): string => (value === undefined ? '' : `<${name}>${escapeXml(value)}</${name}>`);

function stackXml(s: StackState): string {
  const parameters = Object.entries(s.parameters ?? {})
    .map(([k, v]) => `<member>${el('ParameterKey', k)}${el('ParameterValue', v)}</member>`)
    .join('');
  return (
    '<member>' +
    el('StackId', s.stackId) +
    el('StackName', s.stackName) +
    (parameters ? `<Parameters>${parameters}</Parameters>` : '') +
    el('CreationTime', iso(s.creationTime)) +
    el('LastUpdatedTime', s.lastUpdatedTime === undefined ? undefined : iso(s.lastUpdatedTime)) +
    el('StackStatus', s.status) +
    el('StackStatusReason', s.statusReason) +
    '<DisableRollback>false</DisableRollback><Tags/><EnableTerminationProtection>false</EnableTerminationProtection>' +
    '</member>'
  );
}

function resourcesXml(s: StackState): string {
  return s.resources
    .map(
      (r) =>
        '<member>' +
        el('StackName', s.stackName) +
        el('StackId', s.stackId) +
        el('LogicalResourceId', r.logicalResourceId) +
        el('PhysicalResourceId', r.physicalResourceId) +
        el('ResourceType', r.resourceType) +
        el('Timestamp', iso(r.timestamp)) +
        el('ResourceStatus', r.resourceStatus) +
        '</member>',
    )
    .join('');
}

/** The NextToken of a page that ends before item `offset`, and back (undefined when not one of ours). */
const pageToken = (operation: string, offset: number): string => Buffer.from(`${operation}:${offset}`, 'utf8').toString('base64');
function pageOffset(operation: string, token: string | undefined): number {
  if (token === undefined) return 0;
  const m = new RegExp(`^${operation}:(\\d+)$`).exec(Buffer.from(token, 'base64').toString('utf8'));
  if (!m) throw new QueryError('ValidationError', 400, `Invalid NextToken: ${token}`);
  return Number(m[1]);
}

/** One page of items as `<Tag>members</Tag>` and its NextToken element when more follow. */
function pageXml<T>(operation: string, tag: string, items: readonly T[], token: string | undefined, render: (item: T) => string): string {
  const offset = pageOffset(operation, token);
  const end = offset + CLOUDFORMATION_PAGE_SIZE;
  const next = end < items.length ? el('NextToken', pageToken(operation, end)) : '';
  return `<${tag}>${items.slice(offset, end).map(render).join('')}</${tag}>${next}`;
}

/** ListStacks: every stack of the scope, deleted ones too, filtered by StackStatusFilter.member.N. */
function stackSummaryXml(s: StackState): string {
  return (
    '<member>' +
    el('StackId', s.stackId) +
    el('StackName', s.stackName) +
    el('CreationTime', iso(s.creationTime)) +
    el('LastUpdatedTime', s.lastUpdatedTime === undefined ? undefined : iso(s.lastUpdatedTime)) +
    el('StackStatus', s.status) +
    el('StackStatusReason', s.statusReason) +
    '</member>'
  );
}

function resourceSummaryXml(r: StackState['resources'][number]): string {
  return (
    '<member>' +
    el('LogicalResourceId', r.logicalResourceId) +
    el('PhysicalResourceId', r.physicalResourceId) +
    el('ResourceType', r.resourceType) +
    el('LastUpdatedTimestamp', iso(r.timestamp)) +
    el('ResourceStatus', r.resourceStatus) +
    '</member>'
  );
}

function respond(operation: string, result: string, requestId: string): string {
  return (
    `<${operation}Response xmlns="${XMLNS}"><${operation}Result>${result}</${operation}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`
  );
}

function errorXml(err: QueryError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${err.type}</Type><Code>${escapeXml(err.code)}</Code>` +
    `<Message>${escapeXml(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseForm(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    out[decode(eq < 0 ? pair : pair.slice(0, eq))] = decode(eq < 0 ? '' : pair.slice(eq + 1));
  }
  return out;
}

export interface CloudFormationRequestScope {
  readonly accountId: string;
  readonly region: string;
}

/** Answers one CloudFormation Query request (already authenticated; the scope comes from its signature). */
export async function serveCloudFormation(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  registry: StackRegistry,
  faults: FaultRegistry,
  scope: CloudFormationRequestScope,
): Promise<void> {
  const requestId = randomUUID();
  const url = req.url ?? '/';
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  const input = { ...parseForm(query), ...parseForm(await readBody(req)) };
  const operation = input.Action ?? 'Unknown';
  let status = 200;
  let body: string;
  let stackStatus: string | undefined;
  let errorCode: string | undefined;
  try {
    const fault = faults.take('error', operation);
    if (fault)
      throw new QueryError(
        fault.errorName,
        fault.status,
        fault.message ?? `Injected ${fault.errorName}`,
        fault.status >= 500 ? 'Receiver' : 'Sender',
      );
    const stackFor = (name: string | undefined): StackState => {
      if (name === undefined || name === '')
        throw new QueryError(
          'ValidationError',
          400,
          "1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null",
        );
      const stack = registry.find(name, scope.accountId, scope.region);
      if (!stack) throw new QueryError('ValidationError', 400, `Stack with id ${name} does not exist`);
      return stack;
    };
    switch (operation) {
      case 'DescribeStacks': {
        const stacks =
          input.StackName === undefined
            ? registry.list().filter((s) => s.accountId === scope.accountId && s.region === scope.region && s.status !== 'DELETE_COMPLETE')
            : [stackFor(input.StackName)];
        stackStatus = stacks.length === 1 ? stacks[0].status : undefined;
        body = respond(operation, `<Stacks>${stacks.map(stackXml).join('')}</Stacks>`, requestId);
        break;
      }
      case 'GetTemplate': {
        const stack = stackFor(input.StackName);
        body = respond(
          operation,
          `${el('TemplateBody', JSON.stringify(stack.template))}<StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable>`,
          requestId,
        );
        break;
      }
      case 'DescribeStackResources': {
        const stack = stackFor(input.StackName);
        // As the service: only the first 100 resources of a stack (ListStackResources pages through all).
        const resources =
          input.LogicalResourceId === undefined
            ? { ...stack, resources: stack.resources.slice(0, DESCRIBE_STACK_RESOURCES_LIMIT) }
            : { ...stack, resources: stack.resources.filter((r) => r.logicalResourceId === input.LogicalResourceId) };
        body = respond(operation, `<StackResources>${resourcesXml(resources)}</StackResources>`, requestId);
        break;
      }
      case 'ListStacks': {
        const wanted = Object.entries(input)
          .filter(([k]) => k.startsWith('StackStatusFilter.member.'))
          .map(([, v]) => v);
        const stacks = registry
          .list()
          .filter(
            (s) => s.accountId === scope.accountId && s.region === scope.region && (wanted.length === 0 || wanted.includes(s.status)),
          );
        body = respond(operation, pageXml(operation, 'StackSummaries', stacks, input.NextToken, stackSummaryXml), requestId);
        break;
      }
      case 'ListStackResources': {
        const stack = stackFor(input.StackName);
        body = respond(
          operation,
          pageXml(operation, 'StackResourceSummaries', stack.resources, input.NextToken, resourceSummaryXml),
          requestId,
        );
        break;
      }
      default:
        throw new QueryError(
          'InvalidAction',
          400,
          `The action ${operation} is not valid for this web service (the local emulator serves ${CLOUDFORMATION_OPERATIONS.join(', ')}).`,
        );
    }
  } catch (e) {
    const err = e instanceof QueryError ? e : new QueryError('InternalFailure', 500, `Emulator failure: ${String(e)}`, 'Receiver');
    status = err.status;
    errorCode = err.code;
    body = errorXml(err, requestId);
  }
  registry.record({
    operation,
    accountId: scope.accountId,
    region: scope.region,
    input,
    status,
    ...(stackStatus ? { stackStatus } : {}),
    ...(errorCode ? { errorCode } : {}),
  });
  res.writeHead(status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': requestId,
    Date: new Date().toUTCString(),
  });
  res.end(body);
}
