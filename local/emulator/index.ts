/**
 * Local, wire-faithful emulator of the Amazon Connect and Chime SDK Voice phone-number APIs.
 * Point unmodified AWS SDK v3 clients at `emulator.endpoint` (client `endpoint` option, or
 * AWS_ENDPOINT_URL_CONNECT / AWS_ENDPOINT_URL_CHIME_SDK_VOICE). Both services share the port and are told
 * apart by the SigV4 signing name (`connect` / `chime`) in the Authorization header's credential scope.
 *
 * Layout: server.ts (HTTP, pipeline, call log), model.ts (+ model/phone-number-api.json, the extract of
 * the official models written by model/generate.ts: routes and constraints), validation.ts, auth.ts, rate-limit.ts,
 * faults.ts, state.ts (inventory, seeds, snapshot), connect.ts, chime.ts, clock.ts, cli.ts.
 *
 * Request pipeline: auth (403 AccessDeniedException / ForbiddenException; nothing logged as applied)
 * -> route (404 UnknownOperationException) -> decode input (labels, query, body) -> token bucket
 * (429 ThrottlingException / ThrottledClientException) -> `error` fault -> `delay` fault -> model
 * validation (400 InvalidParameterException / BadRequestException) -> handler -> `dropAfterApply` fault.
 *
 * The service behaviour modelled here is in docs/service-facts.md, each fact with its source; the
 * emulator's own choices where no source says are listed at the top of connect.ts and chime.ts.
 *
 * CloudFormation (signing name `cloudformation`, cloudformation.ts): DescribeStacks, GetTemplate and
 * DescribeStackResources about the stacks a LocalDeployer publishes to `emulator.stacks`.
 *
 * Example:
 *   const clock = createManualClock();
 *   const emu = await startEmulator({ clock, asyncDelayMs: 30_000 });
 *   const instanceArn = emu.seedInstance({ instanceId: 'a1000000-0000-4000-8000-000000000001' });
 *   emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: ['+12065550100'] });
 *   emu.injectFault({ kind: 'asyncFail', operation: 'ClaimPhoneNumber', phoneNumber: '+12065550100', message: 'no' });
 *   const credentials = { accessKeyId: 'AKID', secretAccessKey: 'x' };
 *   const connect = new ConnectClient({ region: 'us-east-1', endpoint: emu.endpoint, credentials });
 *   await connect.send(new ClaimPhoneNumberCommand({ TargetArn: instanceArn, PhoneNumber: '+12065550100' })); // IN_PROGRESS
 *   clock.advance(30_000); // DescribePhoneNumber now says FAILED, Message 'no'
 *   await emu.stop();
 */
export * from './types';
export { startEmulator } from './server';
export { createManualClock } from './clock';
export type { CloudFormationCall, CloudFormationStacks, PublishedResource, PublishedStack } from './stacks';
