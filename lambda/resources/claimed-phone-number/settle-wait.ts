/**
 * Waiting inside one invocation for an asynchronous change to settle (a claim to be CLAIMED, a release
 * to be done), checking every settlePollMs for at most settleWaitMs (./deadline; 0 turns it off). The
 * Provider framework keeps nothing of an isComplete answer that is not complete, so what a later poll
 * would have to find again is better waited for here.
 */
import { sleep } from '../../clients';
import { settlePollMs, settleWaitMs } from '../../deadline';

/**
 * Runs `check` until it answers true, pausing between checks, within the wait. Bounded by count as well
 * as by time: the clock may be one that stands still (a local run's). With the wait off, `check` runs
 * once when `checkOnce` says so, else not at all. Tells whether `check` answered true.
 */
export async function settledWithin(check: () => Promise<boolean>, checkOnce: boolean): Promise<boolean> {
  const wait = settleWaitMs();
  if (wait <= 0 && !checkOnce) return false;
  const pause = Math.max(settlePollMs(), 1);
  const waitUntil = Date.now() + wait;
  for (let checks = Math.floor(wait / pause); ; checks--) {
    if (await check()) return true;
    if (checks <= 0 || Date.now() + pause > waitUntil) return false;
    await sleep(pause);
  }
}
