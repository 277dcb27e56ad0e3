/**
 * CDK app. SKIP_BUNDLING=1 skips esbuild (fast synth for checks); never uses lookups, so synth is offline.
 * cdk-nag's AwsSolutions pack runs at every synth: an open finding fails it (test/infra/nag.test.ts lists
 * the acknowledged ones).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NimboStack } from './stack.js';

const app = new App({
  postCliContext: process.env.SKIP_BUNDLING === '1' ? { 'aws:cdk:bundling-stacks': [] } : {},
});
new NimboStack(app, process.env.NIMBO_STACK_NAME ?? 'Nimbo', {
  description: 'Nimbo: serverless multi-cloud manager',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
