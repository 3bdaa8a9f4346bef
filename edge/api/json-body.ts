/** Reading an API request's JSON body: size-limited, parsed with its schema, a 400 that names the field otherwise. */
import type { z } from 'zod';
import { readAtMost } from '../../shared/bytes/read-limited';
import { EdgeError } from '../errors';

/** Largest JSON body an API route reads (bytes). */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

export async function jsonBody<S extends z.ZodType>(
  req: Request,
  schema: S,
  route: string,
  maxBytes: number = MAX_JSON_BODY_BYTES,
): Promise<z.infer<S>> {
  const tooLarge = (): EdgeError =>
    new EdgeError(413, 'bad_request', `edge: ${route}: the body is larger than ${maxBytes} bytes`);
  let json: unknown;
  try {
    const bytes = req.body ? await readAtMost(req.body.getReader(), maxBytes, { tooLarge }) : new Uint8Array(0);
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    if (err instanceof EdgeError) throw err;
    throw new EdgeError(400, 'bad_request', `edge: ${route} expects a JSON body`);
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new EdgeError(400, 'bad_request', `edge: ${route}: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return r.data;
}
