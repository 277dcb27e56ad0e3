/**
 * The IAM actions Nimbo's AWS driver (lib/providers/aws) needs, in one place. Each SDK command the driver sends
 * is one action (`new DescribeInstancesCommand` -> `ec2:DescribeInstances`); test/infra/cloud-actions.test.ts
 * parses the driver's source and fails when a command is used whose action is missing here, or when an
 * action here is neither sent nor required alongside one that is (REQUIRED_ALONGSIDE).
 *
 * READ_ACTIONS: inventory polls, catalog (images, sizes, locations), snapshot, DNS and network listings,
 * change status, and the connection check at cloud creation (DescribeInstances).
 * WRITE_ACTIONS: machine actions and creation, snapshots, DNS zones and records, VPCs and subnets.
 * ASSUME_ROLE_ACTIONS: what clouds of type "assumeRole" need to reach the customer's role. No session
 * tags (sts:TagSession) and no source identity (sts:SetSourceIdentity): credentials.ts passes neither.
 */

export const READ_ACTIONS = [
  'ec2:DescribeAvailabilityZones',
  'ec2:DescribeImages',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeInstances',
  'ec2:DescribeSnapshots',
  'ec2:DescribeSubnets',
  'ec2:DescribeVpcs',
  'route53:GetChange',
  'route53:GetHostedZone',
  'route53:ListHostedZones',
  'route53:ListResourceRecordSets',
] as const;

export const WRITE_ACTIONS = [
  'ec2:CreateReplaceRootVolumeTask',
  'ec2:CreateSnapshots',
  'ec2:CreateSubnet',
  'ec2:CreateTags',
  'ec2:CreateVpc',
  'ec2:DeleteSnapshot',
  'ec2:DeleteSubnet',
  'ec2:DeleteVpc',
  'ec2:ModifyInstanceAttribute',
  'ec2:RebootInstances',
  'ec2:RunInstances',
  'ec2:StartInstances',
  'ec2:StopInstances',
  'ec2:TerminateInstances',
  'route53:AssociateVPCWithHostedZone',
  'route53:ChangeResourceRecordSets',
  'route53:CreateHostedZone',
  'route53:DeleteHostedZone',
] as const;

/** `manage`: everything the driver does. */
export const MANAGE_ACTIONS = [...READ_ACTIONS, ...WRITE_ACTIONS] as const;

export const ASSUME_ROLE_ACTIONS = ['sts:AssumeRole'] as const;

/**
 * Actions IAM checks besides the one named after the command. No iam:PassRole: RunInstances passes no
 * instance profile (compute.ts). Keys are the commands' actions, values the extra actions and why.
 */
export const REQUIRED_ALONGSIDE: Record<string, { actions: string[]; why: string }> = {
  'ec2:RunInstances': {
    actions: ['ec2:CreateTags'],
    why: 'RunInstances tags the instance at launch (TagSpecifications): EC2 authorizes ec2:CreateTags too',
  },
  'ec2:CreateVpc': { actions: ['ec2:CreateTags'], why: 'CreateVpc tags the VPC at creation' },
  'ec2:CreateSubnet': { actions: ['ec2:CreateTags'], why: 'CreateSubnet tags the subnet at creation' },
  'ec2:CreateSnapshots': {
    actions: ['ec2:CreateTags'],
    why: 'CreateSnapshots tags each snapshot of the set',
  },
  'route53:CreateHostedZone': {
    actions: ['ec2:DescribeVpcs', 'route53:AssociateVPCWithHostedZone'],
    why:
      'a private zone is created with its VPC: Route 53 checks the VPC (ec2:DescribeVpcs) and authorizes ' +
      'the association (route53:AssociateVPCWithHostedZone)',
  },
};

/** The IAM service prefix of each AWS SDK v3 client package the driver imports commands from. */
export const SDK_SERVICE_PREFIXES: Record<string, string> = {
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-route-53': 'route53',
  '@aws-sdk/client-sts': 'sts',
};
