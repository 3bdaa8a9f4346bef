/**
 * The embed API methods the embedded viewer carries out itself (web/embed/bridge.ts hands them here):
 * - generateToken: an access token from the edge (POST /api/session) for the Finalverse world you stand
 *   in, with at most a visitor's permissions and a lifetime of `expiry` seconds.
 * - connectProtocol: join a Finalverse world, or log into an OpenSim grid through the edge and enter the
 *   region; answer once you stand in it (or ConnectFailed with the reason). One at a time (Busy).
 * - sendPacket: one Storm protocol client frame into the world you are in: chat is said, an action (World
 *   Tool Protocol) runs and its action_result frame is the answer. The viewer's own frames (hello, input,
 *   ack, ping) are refused.
 */
import { formatLink, type Place } from '../../shared/links/place-link';
import { ApiError, decodeClientMessage, encodeServerMessage, ProtocolError, SessionAnswer } from '../../shared/protocol';
import type { LiveMethods } from '../embed/bridge';
import { planConnect } from '../embed/connect';
import { EmbedCode, EmbedError } from '../embed/errors';
import type { WorldEvent } from '../world/world-protocol';
import type { WorldView } from '../world/world-snapshot';
import type { GridCredentials, LoginResult } from './grid-login';
import type { LiveWorld } from './live-world';

/** How long a join may take before connectProtocol gives up. */
export const CONNECT_TIMEOUT_MS = 30_000;
/** How long an action sent with sendPacket, or a token request, may take. */
export const ACTION_TIMEOUT_MS = 15_000;
/** What a host may have going at once, and how many frames a second it may send (more answer Busy). */
export const LIVE_LIMITS = { actionsInFlight: 16, tokensInFlight: 2, packetsPerSecond: 10 } as const;

export interface LiveDeps {
  world: LiveWorld;
  /** Shows `place` as the frame's place (its link in the address) without joining it a second time. */
  show(place: Place): void;
  login(credentials: GridCredentials): Promise<LoginResult>;
  /** POSTs JSON to the edge (same origin). */
  post(path: string, body: unknown): Promise<Response>;
  timeoutMs?: number;
}

/** What generateToken hands the host: POST /api/session's answer without the world. */
const TokenAnswer = SessionAnswer.pick({ token: true, permissions: true, expiresAt: true });

export interface LiveApi extends LiveMethods {
  /** Feed every world event here: views settle a join, `operated` an action. */
  onWorldEvent(event: WorldEvent): void;
  /** The frame's own login form: logs in and enters the region, like connectProtocol(0); resolves with its link. */
  logIn(credentials: GridCredentials): Promise<string>;
}

type Operated = Extract<WorldEvent, { type: 'operated' }>;

const failed = (message: string): EmbedError => new EmbedError(EmbedCode.ConnectFailed, message);

export function createLiveApi(deps: LiveDeps): LiveApi {
  const timeoutMs = deps.timeoutMs ?? CONNECT_TIMEOUT_MS;
  /** The join in progress; `started` once a view shows the new connection (older views are stale). */
  let waiting: { kind: 'fv' | 'os'; name: string; started: boolean; settle: (error: EmbedError | null) => void } | null = null;
  let busy = false;
  let tokensInFlight = 0;
  let packets = { second: 0, count: 0 };
  let view: WorldView | null = null;
  let nextAction = 1;
  const actions = new Map<number, (event: Operated) => void>();

  /** Resolves once the world worker is in (kind, name); rejects when that join fails or times out. */
  const inWorld = (kind: 'fv' | 'os', name: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => settle(failed(`connectProtocol: not in "${name}" after ${Math.round(timeoutMs / 1000)} s`)),
        timeoutMs,
      );
      const settle = (error: EmbedError | null): void => {
        clearTimeout(timer);
        waiting = null;
        if (error) reject(error);
        else resolve();
      };
      waiting = { kind, name, started: false, settle };
    });

  const onView = (v: WorldView): void => {
    view = v;
    const w = waiting;
    if (!w || v.world?.kind !== w.kind || v.world.name !== w.name) return;
    const c = v.connection;
    // Views posted before the world worker took the join still show the old connection.
    if (c.state === 'connecting' || c.state === 'reconnecting') w.started = true;
    else if (!w.started) return;
    else if (c.state === 'in-world') w.settle(null);
    else if (c.state === 'failed') w.settle(failed(`connectProtocol: could not join "${w.name}": ${c.reason}`));
  };

  /** Logs into a grid through the edge and enters the region; the link of where you arrived. */
  const joinGrid = async (credentials: GridCredentials): Promise<string> => {
    const result = await deps.login(credentials);
    if (!result.ok) throw failed(`connectProtocol: the grid login failed (${result.code}): ${result.message}`);
    const { socket, token, region, size } = result.login;
    const place: Place = {
      kind: 'os',
      grid: new URL(credentials.loginUri).host,
      region,
      position: credentials.region === region && credentials.position ? credentials.position : null,
    };
    const joined = inWorld('os', region);
    deps.world.send({ type: 'connect-grid', origin: location.origin, socket, token, region, size });
    deps.show(place);
    await joined;
    return formatLink(place);
  };

  /** One join at a time: a second answers Busy. */
  const exclusive = async <T>(join: () => Promise<T>): Promise<T> => {
    if (busy) throw new EmbedError(EmbedCode.Busy, 'connectProtocol: another join is still in progress; wait for its answer');
    busy = true;
    try {
      return await join();
    } finally {
      busy = false;
    }
  };

  return {
    connectProtocol: (params) =>
      exclusive(async () => {
        const plan = planConnect(params);
        if (plan.protocol === 'fv') {
          const joined = inWorld('fv', plan.place.world);
          deps.world.visit(plan.place);
          deps.show(plan.place);
          await joined;
          return { place: formatLink(plan.place) };
        }
        const position = plan.place?.position;
        return { place: await joinGrid({ ...plan.login, ...(position ? { position: [...position] } : {}) }) };
      }),

    logIn: (credentials) => exclusive(() => joinGrid(credentials)),

    async sendPacket({ bytes }) {
      const second = Math.floor(Date.now() / 1000);
      packets = packets.second === second ? { second, count: packets.count + 1 } : { second, count: 1 };
      if (packets.count > LIVE_LIMITS.packetsPerSecond)
        throw new EmbedError(EmbedCode.Busy, `sendPacket: more than ${LIVE_LIMITS.packetsPerSecond} frames a second; slow down`);
      let msg: ReturnType<typeof decodeClientMessage>;
      try {
        msg = decodeClientMessage(bytes);
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        throw new EmbedError(EmbedCode.BadPacket, `sendPacket: not a Storm protocol client frame (${err.code}: ${err.message})`);
      }
      if (msg.type !== 'chat' && msg.type !== 'action')
        throw new EmbedError(
          EmbedCode.BadPacket,
          `sendPacket: ${msg.type} frames belong to the viewer's own connection; send chat or action frames`,
        );
      if (view?.connection.state !== 'in-world')
        throw new EmbedError(
          EmbedCode.NotInWorld,
          'sendPacket: not in a world yet; wait for the place to load, or connectProtocol',
        );
      if (msg.type === 'chat') {
        deps.world.send({ type: 'chat', text: msg.text });
        return { reply: null };
      }
      if (actions.size >= LIVE_LIMITS.actionsInFlight)
        throw new EmbedError(EmbedCode.Busy, `sendPacket: ${LIVE_LIMITS.actionsInFlight} actions are waiting for their results`);
      const body = msg.body;
      const id = nextAction++;
      const { result } = await new Promise<Operated>((resolve, reject) => {
        const timer = setTimeout(() => {
          actions.delete(id);
          reject(new EmbedError(EmbedCode.Timeout, `sendPacket: no action_result within ${ACTION_TIMEOUT_MS / 1000} s`));
        }, ACTION_TIMEOUT_MS);
        actions.set(id, (event) => {
          clearTimeout(timer);
          resolve(event);
        });
        deps.world.send({ type: 'operate', id, body });
      });
      return { reply: encodeServerMessage({ type: 'action_result', id: msg.id, result }) };
    },

    async generateToken({ perms, expiry }) {
      const world = view?.world;
      if (world?.kind !== 'fv' || view?.connection.state !== 'in-world')
        throw new EmbedError(
          EmbedCode.NotInWorld,
          'generateToken: tokens are for the Finalverse world you stand in, and this frame stands in none',
        );
      if (tokensInFlight >= LIVE_LIMITS.tokensInFlight)
        throw new EmbedError(EmbedCode.Busy, 'generateToken: wait for the tokens already asked for');
      const refused = (message: string): EmbedError => new EmbedError(EmbedCode.TokenRefused, `generateToken: ${message}`);
      let res: Response;
      let json: unknown;
      tokensInFlight++;
      try {
        res = await deps.post('/api/session', { world: world.name, perm: perms, ttl: expiry });
        json = await res.json().catch(() => null);
      } catch {
        throw refused('the edge did not answer');
      } finally {
        tokensInFlight--;
      }
      if (!res.ok) {
        const e = ApiError.safeParse(json);
        throw refused(e.success ? `${e.data.error.code}: ${e.data.error.message}` : `the edge answered HTTP ${res.status}`);
      }
      const answer = TokenAnswer.safeParse(json);
      if (!answer.success) throw refused('the edge answered with something unexpected');
      return answer.data;
    },

    onWorldEvent(event) {
      if (event.type === 'view') onView(event.view);
      else if (event.type === 'operated') {
        const settle = actions.get(event.id);
        actions.delete(event.id);
        settle?.(event);
      }
    },
  };
}
