import { ResourceTypes } from '../../lambda/contract';
import { ON_EVENT_DONE, RESOURCES, handler } from '../../lambda/index';
import type { Emulator } from '../../local/emulator';
import { VC, startTestEmulator, updateEvent, vcProps } from './fixtures';

describe('the one Lambda entry point', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
    emulator.seedVoiceConnector({ voiceConnectorId: 'abcdef1ghij2klmno3pqr4' });
    emulator.seedChimeNumber({ phoneNumber: '+12065550100' });
  });
  afterAll(async () => {
    await emulator.stop();
  });

  it('runs onEvent for a CloudFormation event and marks its result', async () => {
    // GIVEN an event as the Provider framework passes it to onEvent (an Update: a voice connector's
    // create is made by isComplete)
    const event = updateEvent(
      VC,
      'id',
      vcProps({ VoiceConnectorId: 'abcdef1ghij2klmno3pqr4', PhoneNumbers: ['+12065550100'] }),
      vcProps({ VoiceConnectorId: 'abcdef1ghij2klmno3pqr4', PhoneNumbers: [] }),
    );
    // WHEN the entry point handles it
    const result = (await handler(event)) as unknown as Record<string, unknown>;
    // THEN the change is applied and the result carries a physical id and the marker
    expect(emulator.snapshot().voiceConnectors.abcdef1ghij2klmno3pqr4).toEqual(['+12065550100']);
    expect(result.PhysicalResourceId).toBe('id');
    expect(result[ON_EVENT_DONE]).toBe(true);
    expect(result).not.toHaveProperty('IsComplete');
  });

  it('runs isComplete for the event the framework builds from the onEvent result, making no change', async () => {
    const event = updateEvent(
      VC,
      'id',
      vcProps({ VoiceConnectorId: 'abcdef1ghij2klmno3pqr4', PhoneNumbers: ['+12065550100'] }),
      vcProps({ VoiceConnectorId: 'abcdef1ghij2klmno3pqr4', PhoneNumbers: [] }),
    );
    const first = await handler(event);
    emulator.clearCalls();
    // The framework's waiter passes { ...event, ...onEventResult }.
    const second = await handler({ ...event, ...first } as never);
    expect(second).toEqual({ IsComplete: true });
    expect(emulator.calls()).toEqual([]);
  });

  it('serves each resource type on the failure ladder it declares (the top of lambda/index.ts)', () => {
    const declared = Object.fromEntries(
      Object.entries(RESOURCES).map(([type, entry]) => [type, [entry.failures.onEvent.kind, entry.failures.giveUp.kind]]),
    );
    // A replacing ClaimedPhoneNumber Update claims in onEvent and answers the new ARN: it runs again there.
    // The others answer a physical id known before any call, and have isComplete run the change again.
    expect(declared).toEqual({
      [ResourceTypes.CLAIMED_PHONE_NUMBER]: ['rerun', 'in-step'],
      [ResourceTypes.PHONE_NUMBER_FLOW_BINDING]: ['defer', 'undo'],
      [ResourceTypes.VOICE_CONNECTOR_NUMBERS]: ['defer', 'none'],
    });
  });
});
