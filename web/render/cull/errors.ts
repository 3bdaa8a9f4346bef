/** Errors of the cull + LOD pass: caller misuse (bad layout, too many instances); codes listed in docs/errors.md. */
import { StormError } from '../../../shared/errors';

export const CullCode = {
  /** Mesh ids, LOD counts or the LOD policy do not fit together. */
  BadInput: 'cull_bad_input',
  /** More instances or visible slots than the pass was created for. */
  Capacity: 'cull_capacity',
} as const;
export type CullCode = (typeof CullCode)[keyof typeof CullCode];

/** A cull error; the message starts with "cull: " and says what to do. */
export function cullError(code: CullCode, message: string): StormError {
  return new StormError(code, `cull: ${message}`);
}
