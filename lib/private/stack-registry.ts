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

/** The keys recorded under `namespace` in the stack of `scope`, in the order they were recorded. */
export function registeredKeys(scope: Construct, namespace: string): string[] {
  const prefix = `${namespace}\u0000`;
  return [...(registries.get(Stack.of(scope))?.keys() ?? [])].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
}
