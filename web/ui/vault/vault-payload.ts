/**
 * What one saved login holds (the plaintext of a vault record) and what IndexedDB holds for it: the schemas,
 * their size limits, and the parsers the vault runs on everything it reads back.
 */
import { z } from 'zod';
import { VaultError } from './errors';

/** Largest plaintext (UTF-8 JSON) a record may hold; the fields' own limits keep real payloads far below it. */
export const MAX_PAYLOAD_BYTES = 2048;
/** AES-GCM adds a 16-byte tag to the plaintext. */
export const MAX_CIPHERTEXT_BYTES = MAX_PAYLOAD_BYTES + 16;
/** AES-GCM's recommended nonce length; a fresh random one per write. */
export const IV_BYTES = 12;

/** A saved grid login: the form's fields (the same limits as the form's inputs) and when it was saved. */
export const VaultPayload = z.strictObject({
  v: z.literal(1),
  loginUri: z.string().min(1).max(256),
  first: z.string().min(1).max(64),
  last: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
  /** Milliseconds since the epoch. */
  savedAt: z.number().int().nonnegative().max(8.64e15),
});
export type VaultPayload = z.infer<typeof VaultPayload>;

/** One record as IndexedDB stores it under its id: the nonce and the ciphertext, nothing in clear. */
export const VaultRecord = z.strictObject({
  iv: z.instanceof(Uint8Array).refine((b) => b.byteLength === IV_BYTES, `the nonce must be ${IV_BYTES} bytes`),
  data: z
    .instanceof(Uint8Array)
    .refine(
      (b) => b.byteLength > 16 && b.byteLength <= MAX_CIPHERTEXT_BYTES,
      `the ciphertext must be 17..${MAX_CIPHERTEXT_BYTES} bytes`,
    ),
});
export type VaultRecord = z.infer<typeof VaultRecord>;

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'value'}: ${i.message}`)
    .join('; ');
}

/** Encodes a payload as the UTF-8 JSON the vault encrypts; throws VaultError when it breaks the schema. */
export function encodeVaultPayload(payload: VaultPayload): Uint8Array {
  const checked = VaultPayload.safeParse(payload);
  if (!checked.success) throw new VaultError('vault_bad_record', `a login to save is not valid (${issues(checked.error)})`);
  const bytes = new TextEncoder().encode(JSON.stringify(checked.data));
  if (bytes.byteLength > MAX_PAYLOAD_BYTES)
    throw new VaultError('vault_bad_record', `a login to save is over ${MAX_PAYLOAD_BYTES} bytes`);
  return bytes;
}

/** Parses decrypted bytes: size, UTF-8, JSON, then the schema. Throws VaultError (`vault_bad_record`) on anything else. */
export function parseVaultPayload(bytes: Uint8Array): VaultPayload {
  if (bytes.byteLength > MAX_PAYLOAD_BYTES)
    throw new VaultError('vault_bad_record', `a saved login is ${bytes.byteLength} bytes, over ${MAX_PAYLOAD_BYTES}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new VaultError('vault_bad_record', 'a saved login is not UTF-8 text');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new VaultError('vault_bad_record', 'a saved login is not JSON');
  }
  const parsed = VaultPayload.safeParse(json);
  if (!parsed.success)
    throw new VaultError('vault_bad_record', `a saved login does not match its schema (${issues(parsed.error)})`);
  return parsed.data;
}

/** Parses what IndexedDB gave back for a record. Throws VaultError (`vault_bad_record`). */
export function parseVaultRecord(value: unknown): VaultRecord {
  const parsed = VaultRecord.safeParse(value);
  if (!parsed.success) throw new VaultError('vault_bad_record', `a stored record is malformed (${issues(parsed.error)})`);
  return parsed.data;
}
