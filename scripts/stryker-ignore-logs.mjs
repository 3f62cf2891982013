// @ts-check
/**
 * A StrykerJS ignorer (stryker.config.mjs `ignorers: ['logs']`): no mutant inside a call of the handler's
 * logger, `log().info(...)`, `log().warn(...)`, `log().error(...)`, `log().debug(...)`. What the handler
 * logs is not one of its guarantees (no test asserts a log line's wording, by design), so such mutants
 * would only survive and cost a test run each; they are reported as Ignored, outside the score.
 */
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

const LEVELS = new Set(['debug', 'info', 'warn', 'error']);

/** @param {import('@babel/core').NodePath} path */
function isLogCall(path) {
  if (!path.isCallExpression()) return false;
  const callee = path.node.callee;
  if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier' || !LEVELS.has(callee.property.name)) return false;
  const target = callee.object;
  return target.type === 'CallExpression' && target.callee.type === 'Identifier' && target.callee.name === 'log';
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'logs', {
    /** @param {import('@babel/core').NodePath} path */
    shouldIgnore: (path) => (isLogCall(path) ? 'a log line (what the handler logs is not one of its guarantees)' : undefined),
  }),
];
