/**
 * Regenerates `phone-number-api.json` (beside this file): the project's extract of the official
 * service models (routes, members with their constraints, modelled errors), with the `doc` strings
 * dropped, then MODEL_UPDATES applied: what the current official models say that the base extract
 * (taken from an older model release) does not. The emulator reads only the vendored copy, so it runs
 * from a fresh clone.
 *
 *   npx ts-node --transpile-only local/emulator/model/generate.ts path/to/base-extract.json
 *
 * Each update names its source; docs/service-facts.md lists them too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

type Json = Record<string, unknown>;

/** Voice connector ids as the botocore model (1.43.11) has them: NonEmptyString, `.*\S.*`. */
export const VOICE_CONNECTOR_ID_PATTERN = '.*\\S.*';

interface ModelUpdate {
  /** Why, and where it is written. */
  readonly source: string;
  readonly apply: (services: Record<string, { operations: Record<string, Json> }>) => void;
}

const member = (ops: Record<string, Json>, op: string, side: 'input' | 'output'): Record<string, Json> => {
  const o = ops[op] as Record<string, Record<string, Json>> | undefined;
  if (!o) throw new Error(`generate: operation ${op} is missing from the base extract`);
  return o[side];
};

export const MODEL_UPDATES: readonly ModelUpdate[] = [
  {
    source:
      'Chime SDK Voice model: VoiceConnectorId path labels are NonEmptyString with the pattern .*\\S.* (botocore 1.43.11, ' +
      'data/chime-sdk-voice/2022-08-03/service-2.json, as installed with the AWS CLI). The 21-22-character pattern issue 8 ' +
      'reported has no public source; it is the emulator reading voiceConnectorId "strict".',
    apply: (s) => {
      for (const op of ['AssociatePhoneNumbersWithVoiceConnector', 'DisassociatePhoneNumbersFromVoiceConnector', 'GetVoiceConnector']) {
        const input = member(s['chime-sdk-voice'].operations, op, 'input');
        input.VoiceConnectorId = { ...(input.VoiceConnectorId as Json), shape: 'NonEmptyString', pattern: VOICE_CONNECTOR_ID_PATTERN };
      }
    },
  },
  {
    source:
      'Chime SDK Voice model: the PhoneNumberError ErrorCode enum gains Validation, as in @aws-sdk/client-chime-sdk-voice ' +
      '3.1142.0 (dist-types/models/enums.d.ts, ErrorCode); botocore 1.43.11 and the API reference page of PhoneNumberError do not list it yet.',
    apply: (s) => {
      for (const op of ['AssociatePhoneNumbersWithVoiceConnector', 'DisassociatePhoneNumbersFromVoiceConnector']) {
        const errors = member(s['chime-sdk-voice'].operations, op, 'output').PhoneNumberErrors as Json;
        const code = ((errors.member as Json).members as Json).ErrorCode as Json & { values: string[] };
        if (!code.values.includes('Validation')) code.values = [...code.values, 'Validation'];
      }
    },
  },
  {
    source:
      'Chime SDK Voice model: PhoneNumber gains PhoneNumberArn and VoiceConnector gains NetworkType (DUAL_STACK | IPV4_ONLY), ' +
      'as in the types generated from the current model by @aws-sdk/client-chime-sdk-voice 3.1142.0 (models_0.d.ts, enums.d.ts).',
    apply: (s) => {
      const ops = s['chime-sdk-voice'].operations;
      const phoneNumberShapes = [
        (member(ops, 'GetPhoneNumber', 'output').PhoneNumber as Json).members as Json,
        ((member(ops, 'ListPhoneNumbers', 'output').PhoneNumbers as Json).member as Json).members as Json,
      ];
      for (const members of phoneNumberShapes) {
        const rest = { ...members };
        for (const k of Object.keys(members)) delete members[k];
        members.PhoneNumberId = rest.PhoneNumberId;
        members.PhoneNumberArn = { shape: 'NonEmptyString', type: 'string', pattern: '\\S' };
        Object.assign(members, rest);
      }
      const vc = (member(ops, 'GetVoiceConnector', 'output').VoiceConnector as Json).members as Json;
      vc.NetworkType = { shape: 'NetworkType', type: 'enum', values: ['DUAL_STACK', 'IPV4_ONLY'] };
    },
  },
  {
    source:
      'Connect model: ImportPhoneNumber (POST /phone-number/import, 200; InstanceId 1-100 and SourcePhoneNumberArn required; ' +
      'PhoneNumberDescription, Tags and ClientToken (idempotency token) as ClaimPhoneNumber; output PhoneNumberId, PhoneNumberArn; ' +
      'errors InvalidParameter 400, ResourceNotFound 404, Throttling 429, InternalService 500, Idempotency 409, AccessDenied 403), ' +
      "as in botocore's connect 2017-08-08 service-2.json (botocore 1.43.11, the AWS CLI's) and API_ImportPhoneNumber in the " +
      'Amazon Connect API reference. The base extract does not hold it.',
    apply: (s) => {
      const ops = s.connect.operations;
      const claim = ops.ClaimPhoneNumber as { input: Record<string, Json>; output: Json; errors: Json[] };
      if (!claim) throw new Error('generate: operation ClaimPhoneNumber is missing from the base extract');
      const error = (name: string): Json => {
        const found = claim.errors.find((e) => e.name === name);
        if (!found) throw new Error(`generate: ClaimPhoneNumber has no ${name} to copy`);
        return found;
      };
      ops.ImportPhoneNumber = {
        http: { method: 'POST', uri: '/phone-number/import', code: 200 },
        input: {
          InstanceId: { ...claim.input.InstanceId, required: true },
          SourcePhoneNumberArn: { shape: 'ARN', type: 'string', required: true },
          PhoneNumberDescription: claim.input.PhoneNumberDescription,
          Tags: claim.input.Tags,
          ClientToken: claim.input.ClientToken,
        },
        output: claim.output,
        errors: ['AccessDeniedException', 'IdempotencyException', 'InternalServiceException', 'InvalidParameterException']
          .concat(['ResourceNotFoundException', 'ThrottlingException'])
          .map(error),
      };
    },
  },
];

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === 'doc') continue;
      out[k] = strip(v);
    }
    return out;
  }
  return value;
}

function main(): void {
  const source = process.argv[2];
  if (!source) throw new Error('usage: generate.ts path/to/base-extract.json (the phone-number-api.json extract of the official models)');
  const target = path.join(__dirname, 'phone-number-api.json');
  const raw = strip(JSON.parse(fs.readFileSync(source, 'utf8'))) as Json & {
    services: Record<string, { operations: Record<string, Json> }>;
  };
  for (const update of MODEL_UPDATES) update.apply(raw.services);
  const out = {
    vendoredFrom: 'the project extract of the official models (doc strings removed), with the MODEL_UPDATES of model/generate.ts applied',
    modelUpdates: MODEL_UPDATES.map((u) => u.source),
    ...raw,
  };
  fs.writeFileSync(target, JSON.stringify(out, null, 1) + '\n');
  process.stdout.write(`wrote ${target}\n`);
}

if (require.main === module) main();
