import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * Remembers, per stack, which construct claimed a key first (a phone number on a voice connector, a
 * number's flow binding), so that a second claim in the same stack fails at synth with both paths.
 */
const registries = new WeakMap<Stack, Map<string, string>>();

/** Records `key` for `owner`; returns the path of the construct that recorded it before, if any. */
export function registerOnce(scope: Construct, namespace: string, key: string, owner: Construct): string | undefined {
  const stack = Stack.of(scope);
  let registry = registries.get(stack);
  if (!registry) {
    registry = new Map();
    registries.set(stack, registry);
  }
  const qualified = `${namespace}\u0000${key}`;
  const previous = registry.get(qualified);
  if (previous !== undefined) return previous;
  registry.set(qualified, owner.node.path);
  return undefined;
}
