/** CDK app. SKIP_BUNDLING=1 skips esbuild (fast synth for checks); never uses lookups, so synth is offline. */
import { App } from 'aws-cdk-lib';
import { NimboStack } from './stack.js';

const app = new App({
  postCliContext: process.env.SKIP_BUNDLING === '1' ? { 'aws:cdk:bundling-stacks': [] } : {},
});
new NimboStack(app, process.env.NIMBO_STACK_NAME ?? 'Nimbo', {
  description: 'Nimbo: serverless multi-cloud manager',
});
app.synth();
