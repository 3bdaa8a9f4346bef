/** Engine error codes: the seed's FFI codes (16.2) that the embed API also reports. */
import { StormError } from '../../shared/errors';

/** Numeric codes kept from the original design; listed in docs/errors.md. */
export const EngineCode = {
  AllocFailed: -1,
  InvalidConfig: -2,
  WorldFull: -3,
} as const;
export type EngineCode = (typeof EngineCode)[keyof typeof EngineCode];

/** An engine error carrying one of the numeric seed codes. */
export class EngineError extends StormError {
  constructor(
    readonly numericCode: EngineCode,
    message: string,
  ) {
    super(`engine_${numericCode}`, message);
    this.name = 'EngineError';
  }
}
