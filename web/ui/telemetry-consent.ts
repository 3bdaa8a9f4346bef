/**
 * The visitor's telemetry answer, kept on this browser profile (localStorage): absent until asked, then "on" or "off".
 * Telemetry itself (web/ai/telemetry.ts) reads it before every snapshot, so taking the yes back stops it at once.
 */
import type { TelemetryConsent } from '../ai/telemetry';

export const TELEMETRY_CONSENT_KEY = 'stormcore-telemetry';

/** The stored answer ('unasked' when none, or when storage is unavailable). */
export function readConsent(storage: Pick<Storage, 'getItem'> | null = safeStorage()): TelemetryConsent {
  const v = storage?.getItem(TELEMETRY_CONSENT_KEY);
  return v === 'on' || v === 'off' ? v : 'unasked';
}

/** Stores the answer; false when storage is unavailable (the answer then lasts this page only). */
export function writeConsent(value: 'on' | 'off', storage: Pick<Storage, 'setItem'> | null = safeStorage()): boolean {
  try {
    storage?.setItem(TELEMETRY_CONSENT_KEY, value);
    return storage !== null;
  } catch {
    return false;
  }
}

function safeStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/** A uniform draw in [0, 1) with 53 random bits from WebCrypto (the telemetry noise). */
export function cryptoUniform(): number {
  const [a = 0, b = 0] = crypto.getRandomValues(new Uint32Array(2));
  return ((a >>> 5) * 67_108_864 + (b >>> 6)) / 9_007_199_254_740_992;
}
