import { isComplete, onEvent } from '../../lambda/index';
import { logger } from '../../lambda/logger';
import type { Emulator } from '../../local/emulator';
import { VC, afterOnEvent, createEvent, startTestEmulator, vcProps } from './fixtures';

describe('structured logs', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
    emulator.seedVoiceConnector({ voiceConnectorId: 'abcdef1ghij2klmno3pqr4' });
    emulator.seedChimeNumber({ phoneNumber: '+12065550100' });
  });
  afterAll(async () => {
    logger.setLogLevel('SILENT');
    await emulator.stop();
  });

  it('write one JSON line per AWS call with the request id, resource type, logical id and outcome, and no credentials', async () => {
    // GIVEN logs captured from stdout
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    logger.setLogLevel('INFO');
    try {
      // WHEN an event runs
      const event = createEvent(VC, vcProps({ VoiceConnectorId: 'abcdef1ghij2klmno3pqr4', PhoneNumbers: ['+12065550100'] }), 'Numbers');
      // (a voice connector's create is made by isComplete, which runs with the same event keys)
      await isComplete(afterOnEvent(event, await onEvent(event)));
      // THEN each line is JSON with the event keys, and the AWS call is logged with its outcome
      const records = lines
        .flatMap((l) => l.split('\n'))
        .filter((l) => l.trim().startsWith('{'))
        .map((l) => JSON.parse(l));
      const call = records.find((r) => r.operation === 'AssociatePhoneNumbersWithVoiceConnector');
      expect(call).toMatchObject({
        message: 'AWS call succeeded',
        requestId: event.RequestId,
        resourceType: VC,
        logicalResourceId: 'Numbers',
        awsService: 'chime',
        region: 'us-east-1',
      });
      expect(lines.join('')).not.toContain(process.env.AWS_SECRET_ACCESS_KEY as string);
    } finally {
      spy.mockRestore();
    }
  });
});
