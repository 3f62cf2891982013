/** The command line of `cdk-phone-numbers audit`. */
import { AuditUsageError } from './errors';
import { ALLOWABLE, type Verdict } from './model';

export interface AuditOptions {
  readonly region?: string;
  readonly stacks: string[];
  readonly appDir?: string;
  readonly json: boolean;
  readonly allow: Verdict[];
  readonly noColor: boolean;
  readonly help: boolean;
}

export const USAGE = `Usage: cdk-phone-numbers audit [options]

Reports every telephone number of the account and region against what the stacks declare:
ok, drift, missing, conflict, kept (held by no stack after a removal policy kept it), unowned.

Options:
  --region REGION     the region to audit (default: AWS_REGION, or the region of AWS_PROFILE)
  --stack NAME        audit this deployed stack (repeatable; default: every stack)
  --app DIR           audit the code of a cloud assembly (e.g. cdk.out) instead of the deployed templates
  --json              write one JSON document to stdout instead of a table
  --allow V1,V2       verdicts that do not fail the audit, of: ${ALLOWABLE.join(', ')}
  --no-color          no colour in the table (also NO_COLOR=1)
  -h, --help          this help

Exit codes: 0 every verdict ok or allowed; 1 another verdict found; 2 usage or access error.
Credentials, region and endpoints come from the standard AWS SDK settings (AWS_PROFILE, AWS_REGION,
AWS_ENDPOINT_URL_CONNECT, AWS_ENDPOINT_URL_CHIME_SDK_VOICE, AWS_ENDPOINT_URL_CLOUDFORMATION).
`;

function valueOf(argv: readonly string[], i: number, flag: string): string {
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new AuditUsageError(`${flag} needs a value. See cdk-phone-numbers audit --help.`);
  return v;
}

function parseAllow(value: string): Verdict[] {
  return value.split(',').map((raw) => {
    const v = raw.trim() as Verdict;
    if (!ALLOWABLE.includes(v))
      throw new AuditUsageError(`--allow ${value}: "${raw}" is not a verdict to allow; use some of ${ALLOWABLE.join(', ')}.`);
    return v;
  });
}

export function parseAuditArgs(argv: readonly string[]): AuditOptions {
  const o = { stacks: [] as string[], json: false, allow: [] as Verdict[], noColor: false, help: false } as {
    -readonly [K in keyof AuditOptions]: AuditOptions[K];
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      return valueOf(argv, i++, flag);
    };
    switch (flag) {
      case '--region':
        o.region = value();
        break;
      case '--stack':
        o.stacks.push(value());
        break;
      case '--app':
        o.appDir = value();
        break;
      case '--allow':
        o.allow.push(...parseAllow(value()));
        break;
      case '--json':
        o.json = true;
        break;
      case '--no-color':
        o.noColor = true;
        break;
      case '-h':
      case '--help':
        o.help = true;
        break;
      default:
        throw new AuditUsageError(`unknown option ${argv[i]}. See cdk-phone-numbers audit --help.`);
    }
  }
  return o;
}
