/** Logs into an OpenSim grid through the edge (POST /api/grid/login); the password is sent once and kept nowhere here (only the login vault keeps it, when the visitor asks: web/ui/vault). */
import { ApiError, GridLoginAnswer, type GridLoginRequest } from '../../shared/protocol';

/** What the edge answers on success (see docs/opensim.md). */
export type LoginAnswer = GridLoginAnswer;

/** The login body: grid, avatar name, password, and optionally the region and place to start at. */
export type GridCredentials = GridLoginRequest;

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
    const e = ApiError.safeParse(json);
    return e.success
      ? { ok: false, code: e.data.error.code, message: e.data.error.message }
      : { ok: false, code: 'edge_error', message: `The edge answered HTTP ${res.status}.` };
  }
  const parsed = GridLoginAnswer.safeParse(json);
  return parsed.success
    ? { ok: true, login: parsed.data }
    : { ok: false, code: 'edge_bad_answer', message: 'The edge answered the login with something unexpected.' };
}
