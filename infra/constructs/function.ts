/**
 * A Nimbo Lambda function: Node 22 on arm64, bundled by esbuild as ESM (index.mjs, and chunks/ for what
 * loads on first use), logs kept 30 days.
 * No source maps: logs carry error names and messages, never stacks, and --enable-source-maps costs
 * 110-190 ms at every cold start (bench/bundles.ts).
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { BUNDLE_TARGET, ESM_BANNER, EXTERNAL_MODULES, LOADERS, MAIN_FIELDS } from '../bundling.js';
import { projectRoot } from '../paths.js';

export interface NimboFunctionProps
  extends Omit<NodejsFunctionProps, 'runtime' | 'architecture' | 'bundling'> {
  entry: string;
}

export class NimboFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: NimboFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH });
    super(scope, id, {
      memorySize: 1024,
      timeout: Duration.seconds(30),
      logGroup,
      ...props,
      entry: `${projectRoot}/${props.entry}`,
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      projectRoot,
      depsLockFilePath: `${projectRoot}/package-lock.json`,
      environment: {
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: BUNDLE_TARGET,
        minify: true,
        mainFields: MAIN_FIELDS,
        banner: ESM_BANNER,
        // Empty list: bundle the AWS SDK too (CDK would externalize it by default).
        externalModules: EXTERNAL_MODULES,
        loader: LOADERS,
        // CDK's esbuild call cannot split code: the asset is rebuilt with splitting, so the SDKs that
        // drivers load on first use stay out of index.mjs (infra/split-bundle.ts).
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_input: string, output: string) => [
            `npx tsx "${projectRoot}/infra/split-bundle.ts" "${projectRoot}/${props.entry}" "${output}"`,
          ],
        },
      },
    });
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-L1',
        reason:
          'Node 22 is pinned on purpose: the bundles are built for it (BUNDLE_TARGET in infra/bundling.ts) and ' +
          'the dependencies are chosen for it; moving to a newer runtime is a deliberate upgrade of both.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'AWSLambdaBasicExecutionRole only allows logs:CreateLogGroup, CreateLogStream and PutLogEvents (write, ' +
          'never read), which the function needs to write its logs; AWS maintains it as the standard Lambda ' +
          'logging policy.',
      },
    );
  }
}
