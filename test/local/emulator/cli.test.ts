import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { ConnectClient, SearchAvailablePhoneNumbersCommand } from '@aws-sdk/client-connect';
import { ChimeSDKVoiceClient, GetVoiceConnectorCommand } from '@aws-sdk/client-chime-sdk-voice';
import { CREDENTIALS } from './helpers';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Resolves with the endpoint once the CLI prints it; rejects if the process exits first. */
function waitForEndpoint(child: ChildProcess, output: { text: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output.text += chunk.toString('utf8');
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(output.text);
      if (m && /seeded chime inventory numbers/.test(output.text)) resolve(m[0]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => {
      output.text += c.toString('utf8');
    });
    child.once('exit', (code) => reject(new Error(`emulator exited early (${code}):\n${output.text}`)));
  });
}

describe('npm run emulator', () => {
  let child: ChildProcess | undefined;

  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child!.once('exit', r));
      process.kill(-child.pid, 'SIGTERM'); // the process group of the npm process this test started
      await exited;
    }
  });

  it('prints its endpoint and seeded inventory, answers SDK calls, and stops on SIGTERM', async () => {
    // detached: own process group, so npm, ts-node and node can be signalled together by the group id
    child = spawn('npm', ['run', 'emulator', '--', '--port', '0'], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { text: '' };
    const endpoint = await waitForEndpoint(child, output);
    expect(output.text).toContain(
      'seeded connect instance: arn:aws:connect:us-east-1:123456789012:instance/10ca1000-0000-4000-8000-000000000001',
    );

    const connect = new ConnectClient({ region: 'us-east-1', endpoint, credentials: CREDENTIALS });
    const r = await connect.send(
      new SearchAvailablePhoneNumbersCommand({
        InstanceId: '10ca1000-0000-4000-8000-000000000001',
        PhoneNumberCountryCode: 'US',
        PhoneNumberType: 'TOLL_FREE',
      }),
    );
    expect(r.AvailableNumbersList?.map((n) => n.PhoneNumber)).toEqual(['+18885550100', '+18885550101', '+18885550102']);
    const chime = new ChimeSDKVoiceClient({ region: 'us-east-1', endpoint, credentials: CREDENTIALS });
    const vc = await chime.send(new GetVoiceConnectorCommand({ VoiceConnectorId: 'localv0iceconnector001' }));
    expect(vc.VoiceConnector?.Name).toBe('local-voice-connector');
    connect.destroy();
    chime.destroy();

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    expect(child.exitCode !== null || child.signalCode !== null).toBe(true);
  }, 60_000);
});
