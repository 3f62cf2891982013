/**
 * The audit and `npm start`: the stand-in left running by --keep serves what the audit reads (every
 * stack, with no --stack), and --deploy-only still stops right after the first deploy, with no audit.
 */
import { runStart, type StartIo } from '../../../local/start/run';
import { audit, type JsonReport } from '../../cli/helpers';

function capture(): { io: StartIo; stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: { write: (t: string) => (out += t), isTTY: false }, stderr: { write: (t: string) => (err += t) }, env: {} },
    stdout: () => out,
    stderr: () => err,
  };
}

describe('npm start and the audit', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('--deploy-only --keep: no audit step, and the stand-in it leaves serving answers the audit of every stack', async () => {
    // GIVEN the example app deployed by npm start -- --deploy-only --keep
    const c = capture();
    const { code, standIn } = await runStart(['--deploy-only', '--keep', '--no-color'], c.io);
    try {
      expect({ code, stderr: c.stderr() }).toEqual({ code: 0, stderr: '' });
      expect(c.stdout()).not.toContain('== Audit');
      expect(c.stdout()).not.toContain('== 2.');

      // WHEN the audit runs against it, with the variables npm start printed and no --stack
      Object.assign(process.env, standIn!.sdkEnvironment);
      const run = await audit(['--json']);

      // THEN it finds the example's stack and each of its numbers as declared, and the seeded leftovers
      const report = JSON.parse(run.stdout) as JsonReport;
      expect(report.audited.stacks).toEqual(['PhoneNumbersExample']);
      expect(report.summary).toEqual({ ok: 4, drift: 0, missing: 0, conflict: 0, kept: 0, unowned: 2 });
      expect(report.numbers.find((r) => r.phoneNumber === '+12065550100')).toMatchObject({
        verdict: 'ok',
        holder: expect.stringMatching(/^PhoneNumbersExample\/MainLine/),
        flow: expect.stringMatching(/contact-flow\/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee$/),
      });
      expect(report.numbers.filter((r) => r.verdict === 'unowned').map((r) => r.phoneNumber)).toEqual(['+12065550199', '+12065550152']);
      expect(run.code).toBe(1);
    } finally {
      await standIn?.stop();
    }
  });
});
