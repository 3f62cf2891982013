/** The report for people (a table, coloured on a terminal) and for pipelines (one JSON document). */
import { formatTable, type Style } from '../../local/start/style';
import { VERDICTS, type Report, type ReportRow, type Verdict } from './model';

/** What the JSON document says besides the rows: what was audited. */
export interface Audited {
  readonly region: string;
  /** 'stacks' (deployed templates) or the cloud assembly directory. */
  readonly source: string;
  readonly stacks: readonly string[];
}

/** The JSON document (README "Audit" documents its schema). */
export function toJson(report: Report, audited: Audited): string {
  return `${JSON.stringify({ audited, numbers: report.numbers, summary: report.summary }, null, 2)}\n`;
}

function colourOf(style: Style, verdict: Verdict): (text: string) => string {
  if (verdict === 'ok') return style.green;
  if (verdict === 'kept' || verdict === 'unowned') return style.yellow;
  return style.red;
}

/** An ARN without its partition, service, region and account: `instance/ID`, `instance/ID/contact-flow/ID`. */
export const shortArn = (arn: string | undefined): string =>
  arn === undefined ? '' : arn.startsWith('arn:') ? arn.split(':').slice(5).join(':') : arn;

/** A contact flow ARN as `contact-flow/ID` (its instance is the target's, shown beside it). */
const flowOnly = (arn: string): string => arn.split('/').slice(-2).join('/');

function cells(style: Style, r: ReportRow): string[] {
  return [
    colourOf(style, r.verdict)(r.verdict),
    r.phoneNumber,
    r.service === 'connect' ? shortArn(r.target) : '',
    r.flow === undefined ? '' : r.flow.split(', ').map(flowOnly).join(', '),
    r.voiceConnector ?? '',
    r.status ?? '',
    r.verdict === 'conflict' ? r.declaredBy.join(' + ') : (r.holder ?? ''),
  ];
}

export function summaryLine(report: Report): string {
  return VERDICTS.map((v) => `${v} ${report.summary[v]}`).join(', ');
}

/** The table, each row followed by its differences (declared vs found), then the summary line. */
export function toTable(report: Report, style: Style): string {
  const header = ['verdict', 'number', 'target', 'flow', 'voice connector', 'status', 'holder'];
  const rows = report.numbers.map((r) => cells(style, r));
  const [head, ...lines] = formatTable(header, rows, style);
  const out = [head];
  report.numbers.forEach((r, i) => {
    out.push(lines[i]);
    for (const d of r.differences) out.push(style.dim(`    ${d.field}: declared ${d.declared}, found ${d.actual}`));
  });
  if (report.numbers.length === 0) out.push('(no numbers claimed and none declared)');
  out.push('', summaryLine(report));
  return `${out.join('\n')}\n`;
}
