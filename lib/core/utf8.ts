/**
 * Strict UTF-8: bytes that are not UTF-8 (a stray 0xff, a truncated sequence, an encoded surrogate) are
 * refused rather than read as U+FFFD, which would store something the sender never sent. A byte order mark
 * is kept, as the bytes hold it.
 */
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as text, or undefined when they are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}
