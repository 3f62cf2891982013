/**
 * One line per resource event, the way `cdk deploy` prints them:
 *   STACK | n/total | elapsed | STATUS | resource type | logical id [reason]
 * The elapsed column is simulated time (the stand-in's compressed clock), prefixed with '+'.
 */
import type { LocalDeployer } from '../deploy/deployer';
import { firstLine } from '../deploy/errors';
import type { RequestProgress, RetainedEntry } from '../deploy/types';
import type { Clock } from '../emulator/types';
import { phoneNumberArnName } from './names';
import { formatDuration, padEnd, type Style } from './style';

export type StackOperation = 'CREATE' | 'UPDATE' | 'DELETE';

/** Wide enough for the resource statuses; the rare longer stack statuses (cleanup, rollback) stick out. */
const STATUS_WIDTH = 'CREATE_IN_PROGRESS'.length;
const TYPE_WIDTH = 'Custom::PhoneNumberFlowBinding'.length;
const STACK_TYPE = 'AWS::CloudFormation::Stack';

export class ProgressPrinter {
  private done = 0;
  private total = 0;
  private begun = 0;
  private operation: StackOperation = 'CREATE';
  private printedRetained = 0;
  private sawCleanup = false;
  private sawRollback = false;
  private deployer: LocalDeployer | undefined;
  private typeOf: (logicalId: string) => string | undefined = () => undefined;

  constructor(
    private readonly write: (line: string) => void,
    private readonly style: Style,
    private readonly clock: Clock,
    private readonly stackName: string,
  ) {}

  /**
   * Starts an operation of `total` resource events (n/total counts them as they complete). `typeOf`
   * gives the type of a logical id in the templates involved (a retained resource sends no request).
   */
  begin(operation: StackOperation, total: number, deployer: LocalDeployer, typeOf: (logicalId: string) => string | undefined): void {
    this.typeOf = typeOf;
    this.operation = operation;
    this.total = total;
    this.done = 0;
    this.begun = this.clock.now();
    this.deployer = deployer;
    this.printedRetained = deployer.retained.length;
    this.sawCleanup = false;
    this.sawRollback = false;
    this.line(`${operation}_IN_PROGRESS`, STACK_TYPE, this.stackName);
  }

  /** LocalDeployerOptions.onRequest. */
  readonly onRequest = (p: RequestProgress): void => {
    this.flushRetained();
    if (p.stage === 'start' && p.phase === 'cleanup' && !this.sawCleanup) {
      this.sawCleanup = true;
      this.line('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', STACK_TYPE, this.stackName);
    }
    if (p.stage === 'start' && p.phase === 'rollback' && !this.sawRollback) {
      this.sawRollback = true;
      this.line(this.operation === 'CREATE' ? 'ROLLBACK_IN_PROGRESS' : 'UPDATE_ROLLBACK_IN_PROGRESS', STACK_TYPE, this.stackName);
    }
    const verb = p.requestType.toUpperCase();
    if (p.stage === 'start') {
      this.line(`${verb}_IN_PROGRESS`, p.resourceType, p.logicalId + (p.phase === 'rollback' ? ' (rollback)' : ''));
      return;
    }
    if (p.phase !== 'rollback') this.done++;
    const failed = p.status === 'FAILED';
    const suffix = (p.phase === 'rollback' ? ' (rollback)' : '') + (failed && p.reason ? ` ${firstLine(p.reason)}` : '');
    this.line(`${verb}_${failed ? 'FAILED' : 'COMPLETE'}`, p.resourceType, p.logicalId + suffix);
  };

  /** Ends the operation with the stack's final status. */
  end(status: string): void {
    this.flushRetained();
    this.line(status, STACK_TYPE, this.stackName);
  }

  /** Resources CloudFormation retained (DeletionPolicy / UpdateReplacePolicy Retain): no request was sent. */
  private flushRetained(): void {
    const retained: readonly RetainedEntry[] = this.deployer?.retained ?? [];
    for (const r of retained.slice(this.printedRetained)) {
      this.done++;
      const type = this.typeOf(r.logicalId) ?? 'Custom::Unknown';
      this.line('DELETE_SKIPPED', type, `${r.logicalId} (kept by its ${r.policy}: ${phoneNumberArnName(r.physicalResourceId)})`);
    }
    this.printedRetained = retained.length;
  }

  private line(status: string, type: string, subject: string): void {
    const width = String(this.total).length;
    const counter = `${String(Math.min(this.done, this.total)).padStart(width)}/${this.total}`;
    const elapsed = `+${formatDuration(this.clock.now() - this.begun)}`.padStart(7);
    const colored =
      status.includes('FAILED') || status.includes('ROLLBACK')
        ? this.style.red(status)
        : status.endsWith('COMPLETE')
          ? this.style.green(status)
          : status === 'DELETE_SKIPPED'
            ? this.style.yellow(status)
            : status;
    this.write(`${this.stackName} | ${counter} | ${elapsed} | ${padEnd(colored, STATUS_WIDTH)} | ${padEnd(type, TYPE_WIDTH)} | ${subject}`);
  }
}
