/** The AWS provider's public surface: what the cloud service needs to validate a cloud and build its driver. */

export { type AwsCredentials, AwsCredentialsSchema } from './credentials.js';
export { type AwsCloudConfig, AwsComputeDriver, type AwsDriverDeps } from './driver.js';
export { mapAwsError } from './errors.js';
