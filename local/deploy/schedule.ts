/**
 * Runs tasks over a dependency graph with bounded concurrency, as CloudFormation runs independent
 * resources in parallel. A task starts when all its prerequisites succeeded, in the given order of
 * ids among those ready (so concurrency 1 is deterministic). A task whose prerequisite failed or was
 * skipped is skipped.
 */
export interface GraphRun {
  readonly succeeded: string[];
  readonly failed: string[];
  /** Never started: a prerequisite failed, or stopOnFailure stopped the run. */
  readonly skipped: string[];
}

export async function runGraph(
  ids: readonly string[],
  prerequisites: (id: string) => Iterable<string>,
  task: (id: string) => Promise<boolean>,
  options: { concurrency: number; stopOnFailure: boolean },
): Promise<GraphRun> {
  const members = new Set(ids);
  const prereqs = new Map(ids.map((id) => [id, [...prerequisites(id)].filter((p) => members.has(p) && p !== id)]));
  const pending = [...ids];
  const running = new Map<string, Promise<{ id: string; ok: boolean }>>();
  const succeeded: string[] = [];
  const failed: string[] = [];
  const skipped: string[] = [];
  let stopped = false;
  const limit = Math.max(1, Math.floor(options.concurrency));

  for (;;) {
    // Skip what can no longer run.
    let changed = true;
    while (changed) {
      changed = false;
      for (const id of [...pending]) {
        const blocked = (prereqs.get(id) ?? []).some((p) => failed.includes(p) || skipped.includes(p));
        if (blocked) {
          pending.splice(pending.indexOf(id), 1);
          skipped.push(id);
          changed = true;
        }
      }
    }
    if (!stopped) {
      for (const id of [...pending]) {
        if (running.size >= limit) break;
        if ((prereqs.get(id) ?? []).every((p) => succeeded.includes(p))) {
          pending.splice(pending.indexOf(id), 1);
          running.set(
            id,
            task(id).then(
              (ok) => ({ id, ok }),
              () => ({ id, ok: false }),
            ),
          );
        }
      }
    }
    if (running.size === 0) break;
    const { id, ok } = await Promise.race(running.values());
    running.delete(id);
    (ok ? succeeded : failed).push(id);
    if (!ok && options.stopOnFailure) stopped = true;
  }
  skipped.push(...pending);
  return { succeeded, failed, skipped };
}
