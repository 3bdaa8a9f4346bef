import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VaultError } from '../../../../../web/ui/vault/errors';
import {
  encodeVaultPayload,
  MAX_PAYLOAD_BYTES,
  parseVaultPayload,
  parseVaultRecord,
  type VaultPayload,
} from '../../../../../web/ui/vault/vault-payload';

const payload = fc.record({
  v: fc.constant(1 as const),
  loginUri: fc.string({ minLength: 1, maxLength: 256 }),
  first: fc.string({ minLength: 1, maxLength: 64 }),
  last: fc.string({ minLength: 1, maxLength: 64 }),
  password: fc.string({ minLength: 1, maxLength: 256, unit: 'binary' }),
  savedAt: fc.integer({ min: 0, max: 2 ** 50 }),
});

/** Runs `f`; returns 'ok', or the code of the VaultError it threw (anything else thrown fails the test). */
function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(VaultError);
    expect((err as VaultError).message).toMatch(/^vault: /);
    return (err as VaultError).code;
  }
}

describe('the vault payload parser', () => {
  it('gives back every valid payload it encoded', () => {
    fc.assert(
      fc.property(payload, (p) => {
        expect(parseVaultPayload(encodeVaultPayload(p))).toEqual(p);
      }),
    );
  });

  it('answers any bytes with a payload or vault_bad_record, never another error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: MAX_PAYLOAD_BYTES + 64 }), (bytes) => {
        expect(['ok', 'vault_bad_record']).toContain(outcome(() => parseVaultPayload(bytes)));
      }),
    );
  });

  it('answers any JSON value that is not a payload with vault_bad_record', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const bytes = new TextEncoder().encode(JSON.stringify(value) ?? 'null');
        const valid = typeof value === 'object' && value !== null && !Array.isArray(value) && 'v' in value && 'password' in value;
        const code = outcome(() => parseVaultPayload(bytes));
        if (!valid) expect(code).toBe('vault_bad_record');
      }),
    );
  });

  it('refuses a valid payload with one field replaced by any other value, or with a field added', () => {
    fc.assert(
      fc.property(
        payload,
        fc.constantFrom('v', 'loginUri', 'first', 'last', 'password', 'savedAt'),
        fc.oneof(fc.constant(null), fc.boolean(), fc.double(), fc.string({ maxLength: 0 }), fc.string({ minLength: 300 })),
        (p, field, value) => {
          // A double can be a valid value of the number fields (0 as savedAt, 1 as v): those are no replacement.
          fc.pre(!(field === 'v' && value === 1));
          fc.pre(
            !(field === 'savedAt' && typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 8.64e15),
          );
          const bad = { ...p, [field]: value };
          const bytes = new TextEncoder().encode(JSON.stringify(bad));
          expect(outcome(() => parseVaultPayload(bytes))).toBe('vault_bad_record');
          const extra = new TextEncoder().encode(JSON.stringify({ ...p, extra: 1 }));
          expect(outcome(() => parseVaultPayload(extra))).toBe('vault_bad_record');
        },
      ),
    );
  });

  it('refuses plaintext over the size limit before parsing it', () => {
    const big = new TextEncoder().encode(`{"v":1,"pad":"${'x'.repeat(MAX_PAYLOAD_BYTES)}"}`);
    expect(() => parseVaultPayload(big)).toThrow(/over 2048/);
  });

  it('refuses to encode a payload past the form limits', () => {
    const p: VaultPayload = { v: 1, loginUri: 'http://g/', first: 'A', last: 'B', password: 'x'.repeat(257), savedAt: 0 };
    expect(outcome(() => encodeVaultPayload(p))).toBe('vault_bad_record');
  });
});

describe('the stored record parser', () => {
  it('accepts a 12-byte nonce and a bounded ciphertext, nothing else', () => {
    expect(parseVaultRecord({ iv: new Uint8Array(12), data: new Uint8Array(40) }).iv.byteLength).toBe(12);
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(outcome(() => parseVaultRecord(value))).toBe('vault_bad_record');
      }),
    );
    for (const bad of [
      { iv: new Uint8Array(11), data: new Uint8Array(40) },
      { iv: new Uint8Array(12), data: new Uint8Array(16) },
      { iv: new Uint8Array(12), data: new Uint8Array(MAX_PAYLOAD_BYTES + 17) },
      { iv: new Uint8Array(12), data: new Uint8Array(40), name: 'Test User' },
    ])
      expect(outcome(() => parseVaultRecord(bad))).toBe('vault_bad_record');
  });
});
