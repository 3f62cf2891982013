/**
 * The account every contract scenario starts from: two Connect instances with flows, free numbers to
 * search and claim, a number already claimed in the account (to adopt), a number another stack owns and
 * has bound (a bystander nothing may touch), voice connectors in two regions, and Chime numbers (one of
 * them on a connector through someone else's declaration).
 */
import { AssociatePhoneNumberContactFlowCommand, ConnectClient } from '@aws-sdk/client-connect';
import { AssociatePhoneNumbersWithVoiceConnectorCommand, ChimeSDKVoiceClient } from '@aws-sdk/client-chime-sdk-voice';
import { OWNER_TAG_KEY } from '../../lambda/contract';
import type { Emulator } from '../emulator';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const OTHER_REGION = 'us-west-2';
export const STACK_NAME = 'ContractStack';
export const OWNER_TAG = OWNER_TAG_KEY;
export const CREDENTIALS = { accessKeyId: 'AKIDCONTRACT', secretAccessKey: 'x' };

export const INSTANCE_1 = '11111111-1111-4111-8111-111111111111';
export const INSTANCE_2 = '22222222-2222-4222-8222-222222222222';
export const FLOW_1A = 'a1a1a1a1-0000-4000-8000-00000000001a';
export const FLOW_1B = 'b1b1b1b1-0000-4000-8000-00000000001b';
export const FLOW_2 = 'c2c2c2c2-0000-4000-8000-000000000002';

export const instanceArn = (id: string): string => `arn:aws:connect:${REGION}:${ACCOUNT}:instance/${id}`;
export const flowArn = (instanceId: string, flowId: string): string => `${instanceArn(instanceId)}/contact-flow/${flowId}`;

/** Free numbers a search finds (all under +1206). */
export const SEARCH_POOL = ['+12065550101', '+12065550102', '+12065550103', '+12065550104'];
/** Free numbers declared by number. */
export const SPECIFIC_1 = '+12065550110';
export const SPECIFIC_2 = '+12065550111';
/** Claimed in the account before any deploy, owned by no stack: adoptable. */
export const ADOPTABLE = '+12065550120';
/** Claimed and owned by another stack, bound to FLOW_1A: nothing here may touch it. */
export const BYSTANDER = '+12065550130';
export const BYSTANDER_OWNER = 'OtherStack/TheirLine@c0123456789a';
/** Declared by nobody, never available: a claim of it fails (the resource that makes a deploy fail). */
export const UNAVAILABLE = '+12065550199';

export const VC_A = 'abcdef1ghij2klmno3pqr4';
export const VC_B = 'bcdefg2hijk3lmnop4qrs5';
/** In OTHER_REGION. */
export const VC_WEST = 'cdefgh3ijkl4mnopq5rst6';
/** Someone else's connector, holding CHIME_BYSTANDER. */
export const VC_OTHER = 'defghi4jklm5nopqr6stu7';
export const CHIME_NUMBERS = ['+12065550150', '+12065550151', '+12065550152'];
export const CHIME_WEST_NUMBERS = ['+15035550170', '+15035550171'];
export const CHIME_BYSTANDER = '+12065550160';

export interface SeedClients {
  readonly connect: ConnectClient;
  readonly chime: ChimeSDKVoiceClient;
}

export function createSeedClients(emu: Emulator): SeedClients {
  return {
    connect: new ConnectClient({ region: REGION, endpoint: emu.endpoint, credentials: CREDENTIALS, maxAttempts: 1 }),
    chime: new ChimeSDKVoiceClient({ region: REGION, endpoint: emu.endpoint, credentials: CREDENTIALS, maxAttempts: 1 }),
  };
}

/** Seeds the emulator; the flow binding and the association of the bystanders go through the real API. */
export async function seedWorld(emu: Emulator, clients: SeedClients): Promise<void> {
  emu.seedInstance({ instanceId: INSTANCE_1 });
  emu.seedInstance({ instanceId: INSTANCE_2 });
  emu.seedContactFlow({ instanceId: INSTANCE_1, contactFlowId: FLOW_1A });
  emu.seedContactFlow({ instanceId: INSTANCE_1, contactFlowId: FLOW_1B });
  emu.seedContactFlow({ instanceId: INSTANCE_2, contactFlowId: FLOW_2 });
  emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: [...SEARCH_POOL, SPECIFIC_1, SPECIFIC_2] });
  emu.seedClaimedNumber({
    phoneNumber: ADOPTABLE,
    targetArn: instanceArn(INSTANCE_1),
    description: 'legacy line',
    tags: { team: 'legacy' },
  });
  const bystanderArn = emu.seedClaimedNumber({
    phoneNumber: BYSTANDER,
    targetArn: instanceArn(INSTANCE_1),
    description: 'theirs',
    tags: { [OWNER_TAG]: BYSTANDER_OWNER },
  });
  for (const voiceConnectorId of [VC_A, VC_B, VC_OTHER]) emu.seedVoiceConnector({ voiceConnectorId });
  emu.seedVoiceConnector({ voiceConnectorId: VC_WEST, region: OTHER_REGION });
  for (const phoneNumber of [...CHIME_NUMBERS, CHIME_BYSTANDER]) emu.seedChimeNumber({ phoneNumber });
  for (const phoneNumber of CHIME_WEST_NUMBERS) emu.seedChimeNumber({ phoneNumber, region: OTHER_REGION });

  await clients.connect.send(
    new AssociatePhoneNumberContactFlowCommand({ PhoneNumberId: bystanderArn, InstanceId: INSTANCE_1, ContactFlowId: FLOW_1A }),
  );
  await clients.chime.send(
    new AssociatePhoneNumbersWithVoiceConnectorCommand({ VoiceConnectorId: VC_OTHER, E164PhoneNumbers: [CHIME_BYSTANDER] }),
  );
}
