/**
 * The maxPageSize option (and the CLI's --max-page-size): ListPhoneNumbersV2 answers at most that many
 * numbers a page, whatever MaxResults asks, so that a few numbers span several pages (issue 21).
 */
import { ListPhoneNumbersV2Command, paginateListPhoneNumbersV2, type ConnectClient } from '@aws-sdk/client-connect';
import { parseArgs } from '../../../local/emulator/cli';
import { startEmulator, type Emulator } from '../../../local/emulator';
import { connectClient } from './helpers';

const NUMBERS = ['+12065550100', '+12065550101', '+12065550102', '+12065550103', '+12065550104'];

describe('emulator option maxPageSize', () => {
  let emu: Emulator;
  let connect: ConnectClient;

  async function start(maxPageSize?: number): Promise<void> {
    emu = await startEmulator({ port: 0, ...(maxPageSize !== undefined ? { maxPageSize } : {}) });
    connect = connectClient(emu);
    const target = emu.seedInstance({ instanceId: '11111111-1111-4111-8111-111111111111' });
    for (const phoneNumber of NUMBERS) emu.seedClaimedNumber({ phoneNumber, targetArn: target });
  }
  afterEach(async () => {
    connect?.destroy();
    await emu?.stop();
  });

  it('caps each ListPhoneNumbersV2 page below the MaxResults asked; the pages together hold every number once', async () => {
    await start(2);
    const first = await connect.send(new ListPhoneNumbersV2Command({ MaxResults: 1000 }));
    expect(first.ListPhoneNumbersSummaryList?.map((n) => n.PhoneNumber)).toEqual(NUMBERS.slice(0, 2));
    expect(first.NextToken).toBeDefined();
    const pages: string[][] = [];
    for await (const page of paginateListPhoneNumbersV2({ client: connect, pageSize: 1000 }, {}))
      pages.push((page.ListPhoneNumbersSummaryList ?? []).map((n) => n.PhoneNumber as string));
    expect(pages).toEqual([NUMBERS.slice(0, 2), NUMBERS.slice(2, 4), NUMBERS.slice(4)]);
  });

  it('leaves a smaller MaxResults alone, and without the option answers MaxResults numbers a page', async () => {
    await start(3);
    const asked = await connect.send(new ListPhoneNumbersV2Command({ MaxResults: 1 }));
    expect(asked.ListPhoneNumbersSummaryList).toHaveLength(1);
    await emu.stop();
    connect.destroy();
    await start();
    const all = await connect.send(new ListPhoneNumbersV2Command({ MaxResults: 1000 }));
    expect(all.ListPhoneNumbersSummaryList?.map((n) => n.PhoneNumber)).toEqual(NUMBERS);
    expect(all.NextToken).toBeUndefined();
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxPageSize %p, naming it', async (maxPageSize) => {
    await expect(startEmulator({ port: 0, maxPageSize })).rejects.toThrow(`invalid maxPageSize: ${maxPageSize}`);
  });

  it('reads --max-page-size from the command line, and refuses a value that is not a whole number of at least 1', () => {
    expect(parseArgs(['--max-page-size', '2']).maxPageSize).toBe(2);
    expect(parseArgs([]).maxPageSize).toBeUndefined();
    expect(() => parseArgs(['--max-page-size', '0'])).toThrow('invalid --max-page-size: 0');
    expect(() => parseArgs(['--max-page-size', 'ten'])).toThrow('invalid --max-page-size: NaN');
  });
});
