/**
 * The Nimbo stack as the infra tests see it: synthesized in memory without esbuild and without the wasm
 * CloudFormation validator, because these tests are about the template's shape (notes/toolchain.md P6, P7).
 */
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { NimboStack } from '../../infra/stack.js';

export function synthTestStack(): { stack: NimboStack; template: Template } {
  const app = new App({
    context: { 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  } as ConstructorParameters<typeof App>[0]);
  const stack = new NimboStack(app, 'Test');
  return { stack, template: Template.fromStack(stack) };
}

/** The logical id of an L2 construct's CloudFormation resource, to match references in the template. */
export function logicalId(stack: NimboStack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}
