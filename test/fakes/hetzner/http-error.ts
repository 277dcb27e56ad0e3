/** A failed answer of the fake, written as Hetzner writes errors: {error:{code,message,details}}. */
export class HetznerHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = {},
  ) {
    super(message);
  }
}
