/**
 * Local deploy: runs a synthesized stack's custom resources through CloudFormation's lifecycle
 * (create, update, replacement cleanup, rollback, delete) and the CDK Provider framework, in process,
 * against any handler — typically the real bundle (dist/handler/index.js) pointed at local/emulator.
 *
 * Example:
 *   const handler = loadHandlerBundle(require.resolve('../../dist/handler'));
 *   const deployer = new LocalDeployer({ handler, clock, pollIntervalMs: 10_000 });
 *   await deployer.deploy(stack);            // create
 *   await deployer.deploy(changedStack);     // update (+ cleanup)
 *   deployer.outputs('SupportLineB0BEB757'); // { physicalResourceId, data }
 *   await deployer.destroy();
 */
export { LocalDeployer } from './deployer';
export { DeployFailedError, DestroyFailedError, StackStatusError, TemplateError } from './errors';
export type { FailedRequest } from './errors';
export { AttributeMissingError, jsonEqual, placeholderAttribute, placeholderRef, resolveProperties, stringifyScalars } from './intrinsics';
export type { ResolveContext } from './intrinsics';
export {
  CREATE_FAILED_PHYSICAL_ID_MARKER,
  DEFAULT_FUNCTION_TIMEOUT_MS,
  DEFAULT_TOTAL_TIMEOUT_MS,
  MAX_RESPONSE_BYTES,
  MISSING_PHYSICAL_ID_MARKER,
  PROVIDER_QUERY_INTERVAL_MS,
  RESPONSE_TOO_LONG_REASON,
  TIMED_OUT_REASON,
  lambdaTimeoutMessage,
  loadHandlerBundle,
  normalizeHandler,
  pollLimit,
  sendRequest,
} from './provider';
export type { ProviderOptions, ProviderOutcome } from './provider';
export { runGraph } from './schedule';
export type { GraphRun } from './schedule';
export { customDependencies, customResourceOrder, directDependencies, isCustomResource, loadTemplate, topologicalOrder } from './template';
export type * from './types';
