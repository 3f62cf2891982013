/**
 * A stack of more than 100 resources (this library's stacks hold up to 500): the handler reads its own
 * stack's physical ids with ListStackResources, paged, because DescribeStackResources answers only the
 * first 100 (docs/service-facts.md; the emulator answers the same). Whole deploys with the real handler
 * bundle (`npm run bundle`).
 */
import { ClaimedPhoneNumber, PhoneNumberFlowBinding } from '../../../lib';
import { newStack, startWorld, uuid, type World } from './real-stack';

const FILLERS = 105;
const MAIN = '+12065559000';
const OTHER = '+12065559001';
const fillerNumber = (i: number): string => `+1312555${String(1000 + i)}`;

describe('a stack of more than 100 resources', () => {
  let w: World;
  afterEach(async () => w?.stop());

  it("removing a binding unbinds its number, though another binding's number is past the 100th resource", async () => {
    w = await startWorld({ phoneNumbersPerTarget: 200 });
    const instance = w.emu.seedInstance({ instanceId: uuid(1) });
    const flowA = w.emu.seedContactFlow({ instanceId: uuid(1), contactFlowId: uuid(10) });
    const flowB = w.emu.seedContactFlow({ instanceId: uuid(1), contactFlowId: uuid(11) });
    const fillers = Array.from({ length: FILLERS }, (_, i) => fillerNumber(i));
    w.emu.seedAvailableNumbers({ countryCode: 'US', type: 'DID', phoneNumbers: [...fillers, MAIN, OTHER] });

    const build = (withMainBinding: boolean) => {
      const stack = newStack();
      // The fillers come first in the template: every resource below sits past the 100th.
      fillers.forEach((phoneNumber, i) => new ClaimedPhoneNumber(stack, `Filler${i}`, { targetArn: instance, phoneNumber }));
      const main = new ClaimedPhoneNumber(stack, 'Main', { targetArn: instance, phoneNumber: MAIN });
      const other = new ClaimedPhoneNumber(stack, 'Other', { targetArn: instance, phoneNumber: OTHER });
      if (withMainBinding) new PhoneNumberFlowBinding(stack, 'MainFlow', { phoneNumber: main, contactFlowArn: flowA });
      new PhoneNumberFlowBinding(stack, 'OtherFlow', { phoneNumber: other, contactFlowArn: flowB });
      return stack;
    };
    /** The ids of the flows the number rings (the emulator keeps them by region and instance). */
    const flowsOf = (n: string) => w.emu.snapshot().claimed.find((c) => c.phoneNumber === n)?.flows;
    const d = w.deployer();

    await d.deploy(build(true));
    expect(d.resources().length).toBeGreaterThan(100);
    expect(Object.values(flowsOf(MAIN) ?? {})).toEqual([uuid(10)]);

    // MainFlow leaves the stack: its Delete reads the other bindings' declarations. OtherFlow's number is
    // a GetAtt of a resource past the 100th: unread, it would stay "maybe this number" and MAIN stay bound.
    await d.deploy(build(false));

    expect(d.status).toBe('UPDATE_COMPLETE');
    expect(Object.values(flowsOf(MAIN) ?? {})).toEqual([]);
    expect(Object.values(flowsOf(OTHER) ?? {})).toEqual([uuid(11)]);
  });
});
