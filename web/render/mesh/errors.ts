/** Errors of mesh generation: caller misuse; codes listed in docs/errors.md. */
import { StormError } from '../../../shared/errors';

export const MeshCode = {
  /** A heightfield with too few samples, or a mesh id that was never generated. */
  BadInput: 'mesh_bad_input',
} as const;
export type MeshCode = (typeof MeshCode)[keyof typeof MeshCode];

/** A mesh error; `module` starts the message ("terrain", "prim mesh") as the house style asks. */
export function meshError(code: MeshCode, module: string, message: string): StormError {
  return new StormError(code, `${module}: ${message}`);
}
