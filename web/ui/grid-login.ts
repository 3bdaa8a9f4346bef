/** Logs into an OpenSim grid through the edge (POST /api/grid/login); the password is sent once and kept nowhere. */
import { z } from 'zod';

/** What the edge answers on success (see docs/opensim.md). */
const LoginAnswer = z.object({
  session: z.string().regex(/^g-[0-9a-f]{24}$/),
  token: z.string().min(1).max(4096),
  socket: z.string().regex(/^\/ws\/grid\/g-[0-9a-f]{24}$/),
  region: z.string().min(1).max(64),
  size: z.tuple([z.number().positive(), z.number().positive()]),
});
export type LoginAnswer = z.infer<typeof LoginAnswer>;

const ErrorAnswer = z.object({ error: z.object({ code: z.string().max(64), message: z.string().max(500) }) });

export interface GridCredentials {
  loginUri: string;
  first: string;
  last: string;
  password: string;
  region?: string;
  /** Where in the region to start (a link's x/y/z). */
  position?: [number, number, number];
}

export type LoginResult = { ok: true; login: LoginAnswer } | { ok: false; code: string; message: string };

/** Posts the credentials; never throws. */
export async function loginToGrid(credentials: GridCredentials, fetcher: typeof fetch = fetch): Promise<LoginResult> {
  let res: Response;
  try {
    res = await fetcher('/api/grid/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(credentials),
    });
  } catch (err) {
    return { ok: false, code: 'edge_unreachable', message: `The edge cannot be reached (${String(err).slice(0, 120)}).` };
  }
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const e = ErrorAnswer.safeParse(json);
    return e.success
      ? { ok: false, code: e.data.error.code, message: e.data.error.message }
      : { ok: false, code: 'edge_error', message: `The edge answered HTTP ${res.status}.` };
  }
  const parsed = LoginAnswer.safeParse(json);
  return parsed.success
    ? { ok: true, login: parsed.data }
    : { ok: false, code: 'edge_bad_answer', message: 'The edge answered the login with something unexpected.' };
}
