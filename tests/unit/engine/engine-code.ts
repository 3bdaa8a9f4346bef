/** The numeric engine code a call throws (undefined when it does not throw); other errors are rethrown. */
import { EngineError } from '../../../web/engine/errors';

export function codeOf(f: () => unknown): number | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof EngineError) return e.numericCode;
    throw e;
  }
  return undefined;
}
