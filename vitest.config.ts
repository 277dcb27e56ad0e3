import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global-mongo.ts'],
    setupFiles: ['test/setup/each-file.ts'],
    testTimeout: 20_000,
    // beforeAll hooks start servers and synthesize stacks (notes/toolchain.md P8).
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest's default is one worker per CPU but one: a single fork on this 2-CPU machine. Most files wait
    // on servers, fakes and child processes, so three forks take the run from ~8 to ~4 minutes.
    maxWorkers: 3,
    // Files share their worker's module cache: the heavy SDKs (Google's, Azure's) are imported once per
    // worker, not once per file, which halves the run (~380 s to ~190 s here). Each file still gets a
    // database of its own, and what a file sets up globally (the local runtime's environment, queues and
    // bus) it puts back when it stops.
    isolate: false,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_REGION: 'us-east-1',
      NIMBO_LOG_LEVEL: 'silent',
      // A fixed test-only data key (32 zero-free bytes); local mode and stacks use a file or a secret.
      NIMBO_DATA_KEY: Buffer.from('nimbo-test-data-key-0123456789ab').toString('base64'),
    },
  },
});
