/**
 * The deploy artifact, for real: `cdk synth` with esbuild bundling, offline, then the bundled api function
 * is loaded by plain Node as the Lambda runtime would (ESM, no tsx) and invoked against the test database.
 * This catches what synth alone hides: a bundle that crashes at import (notes/toolchain.md P3, P4).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

describe('cdk synth', () => {
  const out = mkdtempSync(join(tmpdir(), 'nimbo-cdk-'));
  let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

  beforeAll(async () => {
    await run(join(root, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--no-validation', '-o', out], {
      cwd: root,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' },
      // Three bundles with their first-use chunks: about 75 s alone, much more on two cores under the suite.
      timeout: 240_000,
    });
    template = JSON.parse(readFileSync(join(out, 'Nimbo.template.json'), 'utf8'));
  }, 270_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  function bundleOf(description: RegExp): string {
    const fn = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::Lambda::Function' && description.test(String(r.Properties.Description)),
    );
    const code = fn?.Properties.Code as { S3Key: string };
    return join(out, `asset.${code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs');
  }

  /** Imports a bundle in a fresh `node` (ESM, no tsx, no vitest) and invokes its handler with `event`. */
  async function invokeBundle(bundle: string, event: unknown): Promise<any> {
    const script = `
      const { handler } = await import(${JSON.stringify(bundle)});
      const res = await handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 10000 });
      process.stdout.write(JSON.stringify(res ?? null));
      process.exit(0);`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        ...process.env,
        MONGODB_URI: inject('mongoUri'),
        MONGODB_DB: 'synth_smoke',
        NIMBO_LOG_LEVEL: 'silent',
        JOBS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/never-called',
        // What the stack gives the worker (infra/constructs/commands.ts); nothing here sends to them.
        COMMANDS_QUEUE_ARN: 'arn:aws:sqs:us-east-1:123456789012:never-called-commands',
        COMMANDS_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/never-called-commands-dlq',
      },
      timeout: 30_000,
    });
    return JSON.parse(stdout);
  }

  it('bundles each function into an ESM index.mjs with the require shim, and what loads on first use into chunks/', () => {
    for (const fn of [/Nimbo API/, /Nimbo worker/, /Nimbo tick/]) {
      const bundle = readFileSync(bundleOf(fn), 'utf8');
      expect(bundle.length).toBeGreaterThan(100_000);
      expect(bundle.startsWith('import { createRequire as __cr }')).toBe(true);
      const chunks = readdirSync(join(dirname(bundleOf(fn)), 'chunks'));
      expect(chunks.filter((c) => c.endsWith('.mjs')).length).toBeGreaterThan(0);
    }
  });

  it("keeps the EventBridge client out of the worker's index.mjs: it loads from chunks/ on the first publish", () => {
    const bundle = bundleOf(/Nimbo worker/);
    // The operation's wire name (X-Amz-Target), which no minifier renames.
    const inIndex = readFileSync(bundle, 'utf8').includes('AWSEvents');
    const chunks = join(dirname(bundle), 'chunks');
    const inChunks = readdirSync(chunks).filter((c) =>
      readFileSync(join(chunks, c), 'utf8').includes('AWSEvents'),
    );
    expect(inIndex).toBe(false);
    expect(inChunks.length).toBeGreaterThan(0);
  });

  it('answers /v1/health from the api bundle, loaded by plain Node', async () => {
    const res = await invokeBundle(bundleOf(/Nimbo API/), {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/v1/health',
      rawQueryString: '',
      headers: {},
      isBase64Encoded: false,
      requestContext: { requestId: 'synth-test', http: { method: 'GET', path: '/v1/health' } },
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'ok', database: { status: 'up' } });
  });

  it('drops a malformed message in the worker bundle without asking for a retry', async () => {
    const res = await invokeBundle(bundleOf(/Nimbo worker/), {
      Records: [{ messageId: 'm1', body: 'not json', attributes: {}, messageAttributes: {} }],
    });
    expect(res).toEqual({ batchItemFailures: [] });
  });

  it('runs the tick bundle against an empty database', async () => {
    const res = await invokeBundle(bundleOf(/Nimbo tick/), { id: 'e1', time: '2026-11-25T00:00:00Z' });
    expect(res).toEqual({
      pollsQueued: 0,
      schedulesRun: 0,
      probesQueued: 0,
      jobsResent: 0,
      deliveriesQueued: 0,
      upcomingAnnounced: 0,
      eventsRequeued: 0,
      rulesFired: 0,
      calendarsRefreshed: 0,
      priceRegionsQueued: 0,
      costSnapshots: 0,
    });
  });
});
