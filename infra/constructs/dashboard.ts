/**
 * The dashboard in the stack: its built files in a private S3 bucket read only by CloudFront (origin access
 * control), and one CloudFront distribution that serves them at / and routes /v1/* to the HTTP API, so the
 * page and the API share one origin (no CORS, and the CSP's 'self' covers both). A response headers policy
 * adds the same security headers as the local runtime (web/headers.ts): CSP without 'unsafe-inline', HSTS,
 * nosniff, frame-ancestors 'none' with X-Frame-Options DENY, no referrer.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CfnOutput, DockerImage, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { CONTENT_SECURITY_POLICY } from '../../web/headers.js';
import { projectRoot } from '../paths.js';

export interface DashboardProps {
  httpApi: HttpApi;
}

export class Dashboard extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly headers: ResponseHeadersPolicy;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const privateBucket = {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    this.bucket = new Bucket(this, 'Bucket', {
      ...privateBucket,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds only the built dashboard (public code, no data) and its only reader is CloudFront ' +
        'through origin access control; the API calls that matter are in the API access logs and the audit trail.',
    });

    this.headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Nimbo dashboard: CSP without inline script, HSTS, nosniff, no framing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: CONTENT_SECURITY_POLICY, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });

    const apiDomain = `${props.httpApi.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Nimbo dashboard and API',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: this.headers,
        compress: true,
      },
      additionalBehaviors: {
        // The API, never cached; every header but Host goes through (Authorization among them).
        '/v1/*': {
          origin: new HttpOrigin(apiDomain, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: this.headers,
        },
      },
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'Operators reach the dashboard from wherever they work; the API authenticates every request with ' +
        'an org token, so a country allow-list would only lock out travelling operators.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR3',
      reason:
        'CloudFront standard logs need an ACL-enabled bucket; the API requests are logged by API Gateway ' +
        '(access logs, 30 days) and every change is in the audit trail; the static files carry no data.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'No WAF web ACL by default: every /v1 request is authenticated by token and the static files are ' +
        'public by nature. A deployment that wants rate limiting attaches its own web ACL.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'The distribution uses the default *.cloudfront.net certificate, whose minimum protocol CloudFront ' +
        'fixes (TLSv1); a custom domain with its own certificate sets TLSv1.2_2021 there.',
    });

    new BucketDeployment(this, 'Files', {
      destinationBucket: this.bucket,
      sources: [
        Source.asset(join(projectRoot, 'web'), {
          bundling: {
            image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
            local: {
              tryBundle(outputDir) {
                execFileSync(
                  process.execPath,
                  [join(projectRoot, 'node_modules/tsx/dist/cli.mjs'), 'web/build.ts', outputDir],
                  {
                    cwd: projectRoot,
                    stdio: 'inherit',
                  },
                );
                return true;
              },
            },
          },
        }),
      ],
      distribution: this.distribution,
      distributionPaths: ['/index.html'],
      prune: true,
      memoryLimit: 256,
    });

    // The deployment's own function: a singleton of the CDK's, at the stack's root.
    const handler = Stack.of(this).node.children.find((c) =>
      c.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    if (handler) {
      const why =
        "CDK's BucketDeployment handler, run only by CloudFormation on deploy to copy the built files from the " +
        'CDK asset bucket into the dashboard bucket and invalidate /index.html: ';
      const bucketArn = Stack.of(this).resolve(
        (this.bucket.node.defaultChild as CfnBucket).logicalId,
      ) as string;
      const wildcards = [
        'Action::s3:GetObject*',
        'Action::s3:GetBucket*',
        'Action::s3:List*',
        'Action::s3:DeleteObject*',
        'Action::s3:Abort*',
        'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
        `Resource::<${bucketArn}.Arn>/*`,
        'Resource::*',
      ];
      Validations.of(handler).acknowledge(
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: `${why}it logs with the AWS managed basic execution policy.`,
        },
        ...wildcards.map((w) => ({
          id: `AwsSolutions-IAM5[${w}]`,
          reason: `${why}its policy is the construct's own (read the asset objects, write and prune the bucket's objects).`,
        })),
        {
          id: 'AwsSolutions-L1',
          reason: `${why}its Python runtime is chosen by aws-cdk-lib and follows its upgrades.`,
        },
      );
    }

    new CfnOutput(this, 'Url', {
      value: `https://${this.distribution.distributionDomainName}`,
      description: 'The dashboard (and the API under /v1) behind CloudFront',
    });
  }
}
