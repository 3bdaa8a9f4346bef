/**
 * connectProtocol's params, turned into what the embedded viewer joins (pure: the frame's main thread
 * carries it out, see web/ui/EmbedApp.tsx). Finalverse (1): `url` is any link form of a Finalverse place
 * or a bare world name; `creds` is empty (the edge gives visitors their token). OpenSim (0): `url` is an
 * OpenSim place link (`/#/os/…`, `hop://…`) or the grid's login URI; `creds` is JSON
 * `{"first", "last", "password", "region"?}` (region: where to log in when `url` names none).
 */
import type { z } from 'zod';
import { isWorldName, LinkError, type Place, parseLink } from '../../shared/links/place-link';
import { GridLoginRequest } from '../../shared/protocol';
import type { EmbedMethods } from '../embed-sdk/protocol';
import { EmbedCode, EmbedError } from './errors';

type FvPlace = Extract<Place, { kind: 'fv' }>;
type OsPlace = Extract<Place, { kind: 'os' }>;

/** What to join. */
export type ConnectPlan =
  | { protocol: 'fv'; place: FvPlace }
  | {
      protocol: 'os';
      /** The region's place when known (a link, or `region` in creds with a login URI). */
      place: OsPlace | null;
      login: GridLoginRequest;
    };

/** The host's OpenSim credentials: POST /api/grid/login's name, password and region rules. */
const GridCreds = GridLoginRequest.pick({ first: true, last: true, password: true, region: true });

const bad = (message: string): EmbedError => new EmbedError(EmbedCode.BadPlace, `connectProtocol: ${message}`);

function parsePlace(url: string): Place | null {
  try {
    return parseLink(url);
  } catch (err) {
    if (err instanceof LinkError) return null;
    throw err;
  }
}

function parseCreds(creds: string): z.infer<typeof GridCreds> {
  let json: unknown;
  try {
    json = JSON.parse(creds);
  } catch {
    throw bad('creds must be JSON {"first", "last", "password", "region"?} for OpenSim');
  }
  const parsed = GridCreds.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw bad(
      `creds ${issue?.path.join('.') || 'object'}: ${issue?.message ?? 'invalid'} (expected {"first", "last", "password", "region"?})`,
    );
  }
  return parsed.data;
}

/** An http(s) login URI, or null. */
function loginUri(url: string): string | null {
  if (!/^https?:\/\//i.test(url)) return null;
  try {
    const u = new URL(url);
    return u.username || u.password ? null : u.href;
  } catch {
    return null;
  }
}

/** Parses connectProtocol's params; throws EmbedError BadPlace with what is wrong. */
export function planConnect(params: EmbedMethods['connectProtocol']['params']): ConnectPlan {
  const url = params.url.trim();
  if (params.protocol === 1) {
    if (params.creds.trim() !== '' && params.creds.trim() !== '{}')
      throw bad('Finalverse takes no creds (the edge gives visitors their token); pass ""');
    if (isWorldName(url)) return { protocol: 'fv', place: { kind: 'fv', world: url, position: null } };
    const place = parsePlace(url);
    if (place?.kind !== 'fv')
      throw bad(`"${url.slice(0, 80)}" is not a Finalverse place (a world name, or a link like /#/fv/plaza/128/128/25)`);
    return { protocol: 'fv', place };
  }
  const creds = parseCreds(params.creds);
  const place = parsePlace(url);
  if (place?.kind === 'os') {
    return {
      protocol: 'os',
      place,
      login: {
        loginUri: `http://${place.grid}/`,
        first: creds.first,
        last: creds.last,
        password: creds.password,
        region: place.region,
      },
    };
  }
  const uri = loginUri(url);
  if (!uri)
    throw bad(
      `"${url.slice(0, 80)}" is not an OpenSim place (a link like hop://host:port/Region/x/y/z) or a login URI (http://host:port/)`,
    );
  const grid = new URL(uri).host;
  return {
    protocol: 'os',
    place: creds.region ? { kind: 'os', grid, region: creds.region, position: null } : null,
    login: {
      loginUri: uri,
      first: creds.first,
      last: creds.last,
      password: creds.password,
      ...(creds.region ? { region: creds.region } : {}),
    },
  };
}
