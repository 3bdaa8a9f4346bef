/**
 * The embed API's connectProtocol, carried out by the embedded viewer: join a Finalverse world, or log
 * into an OpenSim grid through the edge and enter the region; answer once you stand in it (or with
 * ConnectFailed and the reason). One at a time: a second call while one runs answers Busy.
 */
import { formatLink, type Place } from '../../shared/links/place-link';
import { planConnect } from '../embed/connect';
import { EmbedCode, EmbedError } from '../embed/errors';
import type { EmbedMethods } from '../embed-sdk/protocol';
import type { WorldView } from '../world/world-snapshot';
import type { GridCredentials, LoginResult } from './grid-login';
import type { LiveWorld } from './live-world';

/** How long a join may take before connectProtocol gives up. */
export const CONNECT_TIMEOUT_MS = 30_000;

export interface ConnectorDeps {
  world: LiveWorld;
  /** Shows `place` as the frame's place (its link in the address) without joining it a second time. */
  show(place: Place): void;
  login(credentials: GridCredentials): Promise<LoginResult>;
  timeoutMs?: number;
}

export interface Connector {
  connect(params: EmbedMethods['connectProtocol']['params']): Promise<EmbedMethods['connectProtocol']['result']>;
  /** Feed every world view here: it settles the join in progress. */
  onView(view: WorldView): void;
}

const failed = (message: string): EmbedError => new EmbedError(EmbedCode.ConnectFailed, `connectProtocol: ${message}`);

export function createConnector(deps: ConnectorDeps): Connector {
  let waiting: { kind: 'fv' | 'os'; name: string; settle: (error: EmbedError | null) => void } | null = null;
  let busy = false;

  /** Resolves once the world worker is in (kind, name); rejects when that join fails or times out. */
  const inWorld = (kind: 'fv' | 'os', name: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => settle(failed(`not in "${name}" after ${Math.round((deps.timeoutMs ?? CONNECT_TIMEOUT_MS) / 1000)} s`)),
        deps.timeoutMs ?? CONNECT_TIMEOUT_MS,
      );
      const settle = (error: EmbedError | null): void => {
        clearTimeout(timer);
        waiting = null;
        if (error) reject(error);
        else resolve();
      };
      waiting = { kind, name, settle };
    });

  return {
    async connect(params) {
      if (busy)
        throw new EmbedError(EmbedCode.Busy, 'connectProtocol: another connectProtocol is still joining; wait for its answer');
      const plan = planConnect(params);
      busy = true;
      try {
        if (plan.protocol === 'fv') {
          const joined = inWorld('fv', plan.place.world);
          deps.world.visit(plan.place);
          deps.show(plan.place);
          await joined;
          return { place: formatLink(plan.place) };
        }
        const position = plan.place?.position;
        const result = await deps.login({ ...plan.login, ...(position ? { position: [...position] } : {}) });
        if (!result.ok) throw failed(`the grid login failed (${result.code}): ${result.message}`);
        const { socket, token, region, size } = result.login;
        const place: Place = {
          kind: 'os',
          grid: new URL(plan.login.loginUri).host,
          region,
          position: plan.place?.region === region ? plan.place.position : null,
        };
        const joined = inWorld('os', region);
        deps.world.send({ type: 'connect-grid', origin: location.origin, socket, token, region, size });
        deps.show(place);
        await joined;
        return { place: formatLink(place) };
      } finally {
        busy = false;
      }
    },
    onView(view) {
      const w = waiting;
      if (!w || view.world?.kind !== w.kind || view.world.name !== w.name) return;
      const c = view.connection;
      if (c.state === 'in-world') w.settle(null);
      else if (c.state === 'failed') w.settle(failed(`could not join "${w.name}": ${c.reason}`));
    },
  };
}
