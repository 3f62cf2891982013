import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DeployFailedError, LocalDeployer, loadHandlerBundle, loadTemplate, RESPONSE_TOO_LONG_REASON } from '../../../local/deploy';
import type { CustomResourceEvent } from '../../../local/deploy';
import { custom, FakeHandler, template } from './fixtures';

describe('the Provider framework in process', () => {
  it('serves both phases from a single function, as one Lambda registered as onEvent and isComplete', async () => {
    const seen: string[] = [];
    const handler = async (event: CustomResourceEvent) => {
      const phase = 'Data' in event ? 'isComplete' : 'onEvent'; // this handler's own way of telling them apart
      seen.push(`${phase} ${event.RequestType}`);
      return phase === 'onEvent' ? { PhysicalResourceId: 'id-1', Data: { X: '1' } } : { IsComplete: true };
    };
    const deployer = new LocalDeployer({ handler });
    await deployer.deploy(template({ A: custom() }));
    await deployer.destroy();
    expect(seen).toEqual(['onEvent Create', 'isComplete Create', 'onEvent Delete', 'isComplete Delete']);
  });

  it('fails a Delete that returns another physical id', async () => {
    const fake = new FakeHandler();
    const deployer = new LocalDeployer({
      handler: { onEvent: async (e) => (e.RequestType === 'Delete' ? { PhysicalResourceId: 'other' } : fake.onEvent(e)) },
    });
    await deployer.deploy(template({ A: custom() }));
    await expect(deployer.destroy()).rejects.toThrow(
      'delete failed for A (Error: DELETE: cannot change the physical resource ID from "A-1" to "other" during deletion)',
    );
  });

  it('answers a failure with the error message, the log group and the stack, as the framework does', async () => {
    const fake = new FakeHandler();
    fake.failWhen = () => 'no capacity';
    const deployer = new LocalDeployer({ handler: fake, functionName: 'phone-handler' });
    const error = (await deployer.deploy(template({ A: custom() })).catch((e: unknown) => e)) as DeployFailedError;
    expect(error.reason).toMatch(/^no capacity\n\nLogs: \/aws\/lambda\/phone-handler\n\n {4}at /);
  });

  it('fails a response over 4096 bytes', async () => {
    const deployer = new LocalDeployer({
      handler: { onEvent: async () => ({ PhysicalResourceId: 'big', Data: { Blob: 'x'.repeat(5000) } }) },
    });
    await expect(deployer.deploy(template({ A: custom() }))).rejects.toThrow(`A failed to create: ${RESPONSE_TOO_LONG_REASON}`);
  });

  it('hands the handler JSON copies, so it cannot change what the deployer holds', async () => {
    const deployer = new LocalDeployer({
      handler: {
        onEvent: async (e) => {
          (e.ResourceProperties as Record<string, unknown>).Value = 'mutated';
          return { PhysicalResourceId: 'p' };
        },
      },
    });
    await deployer.deploy(template({ A: custom({ Value: 'v' }) }));
    expect(deployer.resources()[0].properties.Value).toBe('v');
  });
});

describe('loadHandlerBundle', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-deploy-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prefers named onEvent and isComplete exports over handler, and loads the file afresh', async () => {
    const file = path.join(dir, 'both.js');
    fs.writeFileSync(
      file,
      'exports.onEvent = async () => ({ PhysicalResourceId: "v1" }); exports.isComplete = async () => ({ IsComplete: true }); exports.handler = async () => { throw new Error("not me"); };',
    );
    const first = loadHandlerBundle(file);
    expect(typeof first).toBe('object');
    await expect(new LocalDeployer({ handler: first }).deploy(template({ A: custom() }))).resolves.toMatchObject({ created: ['A'] });

    fs.writeFileSync(file, 'exports.handler = async () => ({ PhysicalResourceId: "v2", IsComplete: true });');
    const second = loadHandlerBundle(file);
    expect(typeof second).toBe('function');
    const deployer = new LocalDeployer({ handler: second });
    await deployer.deploy(template({ A: custom() }));
    expect(deployer.outputs('A').physicalResourceId).toBe('v2');
  });

  it('fails on a module with neither export', () => {
    const file = path.join(dir, 'none.js');
    fs.writeFileSync(file, 'exports.other = 1;');
    expect(() => loadHandlerBundle(file)).toThrow('exports neither onEvent nor handler (exports: other)');
  });
});

describe('loadTemplate', () => {
  it('reads a template file', () => {
    const file = path.join(os.tmpdir(), `local-deploy-${process.pid}.template.json`);
    fs.writeFileSync(file, JSON.stringify(template({ A: custom() })));
    try {
      expect(Object.keys(loadTemplate(file).Resources)).toEqual(['ProviderOnEventFn', 'A']);
    } finally {
      fs.rmSync(file);
    }
  });

  it('fails on an object without Resources', () => {
    expect(() => loadTemplate({} as never)).toThrow('Template error: the template has no Resources section');
  });
});
