/**
 * Errors of the embedded MongoDB-compatible server. Each one becomes a `{ok: 0, code, codeName, errmsg}`
 * reply (or a writeErrors entry), so the official driver raises the same MongoServerError as against mongod.
 */
export const ErrorCode = {
  InternalError: 1,
  BadValue: 2,
  NoSuchKey: 4,
  FailedToParse: 9,
  TypeMismatch: 14,
  Overflow: 15,
  InvalidLength: 16,
  MaxTimeMSExpired: 50,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  PathNotViable: 28,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  DollarPrefixedFieldName: 52,
  InvalidIdField: 53,
  NotSingleValueField: 54,
  CommandNotFound: 59,
  ImmutableField: 66,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  CommandNotSupported: 115,
  InvalidIndexSpecificationOption: 197,
  DuplicateKey: 11000,
  Location: 17419, // mongod's "Resulting document after update is larger than 16777216"
  BSONObjectTooLarge: 10334,
} as const;

const codeNames: Record<number, string> = Object.fromEntries(
  Object.entries(ErrorCode).map(([name, code]) => [code, name]),
);

export class MongoCommandError extends Error {
  override readonly name = 'MongoCommandError';
  readonly codeName: string;
  constructor(
    readonly code: number,
    message: string,
    /** Extra fields copied into the error reply (keyPattern, keyValue, ...). */
    readonly extra: Record<string, unknown> = {},
    codeName?: string,
  ) {
    super(message);
    this.codeName = codeName ?? codeNames[code] ?? 'Location' + code;
  }

  toReply(): Record<string, unknown> {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
  }
}

/** Code 115 with our own message: the driver passes it through unchanged (code 20 it would rewrite). */
export function notSupported(what: string): MongoCommandError {
  return new MongoCommandError(
    ErrorCode.CommandNotSupported,
    `${what} is not supported by the embedded server (use MONGODB_URI with a real MongoDB for it)`,
  );
}
