import { defineConfig } from 'vitest/config';

/**
 * Files that replace SDK clients process-wide (aws-sdk-client-mock, vi.mock/spyOn of shared modules) run
 * isolated, each in a fresh module cache: with a shared one, a mock or a timer left by an earlier file in
 * the same worker could answer (or make) another file's calls.
 */
const ISOLATED = [
  'test/conformance/*-aws.test.ts',
  'test/integration/api-aws-*.test.ts',
  'test/unit/aws/**/*.test.ts',
  'test/unit/events/**/*.test.ts',
  'test/unit/connection-string.test.ts',
  'test/unit/local-event-bus.test.ts',
  'test/mongo/storage/persistence.test.ts',
  'test/mongo/wire/storage-failure.test.ts',
  'test/ssh/launch-key.test.ts',
];

export default defineConfig({
  test: {
    globalSetup: ['test/setup/global-mongo.ts'],
    setupFiles: ['test/setup/each-file.ts'],
    testTimeout: 20_000,
    // beforeAll hooks start servers and synthesize stacks (notes/toolchain.md P8).
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest's default is one worker per CPU but one: a single fork on this 2-CPU machine. Most files wait
    // on servers, fakes and child processes, so three forks take the run from ~8 to ~4 minutes.
    maxWorkers: 3,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_REGION: 'us-east-1',
      NIMBO_LOG_LEVEL: 'silent',
      // A fixed test-only data key (32 zero-free bytes); local mode and stacks use a file or a secret.
      NIMBO_DATA_KEY: Buffer.from('nimbo-test-data-key-0123456789ab').toString('base64'),
    },
    projects: [
      { extends: true, test: { name: 'isolated', include: ISOLATED, isolate: true } },
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: ISOLATED,
          // The rest share their worker's module cache: the heavy SDKs (Google's, Azure's) are imported once
          // per worker, not once per file, which halves the run. Each file still gets a database of its own,
          // and what a file sets up globally (the local runtime's environment, queues, bus) it puts back.
          isolate: false,
        },
      },
    ],
  },
});
