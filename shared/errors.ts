/** Error base shared by every module: a stable code, a message that starts with the module name. */

/** Who is at fault: the caller gave bad input (`check`), or we have a bug (`internal`). */
export type ErrorKind = 'check' | 'internal';

/**
 * A StormCore error. `code` is stable and listed in docs/errors.md; `message` starts with the module
 * ("lludp: …", "protocol: …") and says what to do. Never carries a stack across a boundary.
 */
export class StormError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly kind: ErrorKind = 'check',
  ) {
    super(message);
    this.name = 'StormError';
  }

  /** The form sent across a boundary (network, postMessage): code and message only. */
  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}
