/** Engine error codes: the seed's FFI codes (16.2) that the embed API also reports, plus the ECS codes. */
import { StormError } from '../../shared/errors';

/**
 * Numeric codes kept from the original design (-1..-3), then the ECS codes (-10..); all listed in
 * docs/errors.md. The gap -4..-9 is left for the seed's remaining FFI codes.
 */
export const EngineCode = {
  AllocFailed: -1,
  InvalidConfig: -2,
  WorldFull: -3,
  StaleEntity: -10,
  MissingComponent: -11,
  BadBytes: -12,
  CommandBufferFull: -13,
  SchemaMismatch: -14,
  SystemFailed: -15,
  WorkerFailed: -16,
  BadMetric: -17,
} as const;
export type EngineCode = (typeof EngineCode)[keyof typeof EngineCode];

/** An engine error carrying one of the numeric seed codes. */
export class EngineError extends StormError {
  constructor(
    readonly numericCode: EngineCode,
    message: string,
    kind: 'check' | 'internal' = 'check',
  ) {
    super(`engine_${numericCode}`, message, kind);
    this.name = 'EngineError';
  }
}

/** Shorthand used across the ECS: an EngineError whose message starts with "ecs: ". */
export function ecsError(code: EngineCode, message: string): EngineError {
  return new EngineError(code, `ecs: ${message}`);
}
