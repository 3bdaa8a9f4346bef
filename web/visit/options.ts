/**
 * The `visit` command line: options and target. Pure (no Node APIs): argv and the environment are passed in.
 * Targets are any link the viewer accepts (shared/links) or an OpenSim login URI (`http://host:port/`).
 */
import { LinkError, parseLink } from '../../shared/links/place-link';

/** What a visit is asked to do. */
export interface VisitOptions {
  target: string;
  first: string;
  last: string;
  password: string;
  /** The edge (npm start's server): http://localhost:5173 by default. */
  edge: string;
  /** How long to stay in the world after arriving (seconds). */
  seconds: number;
  /** Spoken once on local chat after the scene settled. */
  say: string | null;
  /** Draw distance asked of an OpenSim simulator (metres). */
  drawDistance: number;
  /** Visitors connected at once (load testing). */
  bots: number;
  /** Login URI for a link that names no grid (secondlife://, SLURL). */
  grid: string | null;
  /** Where to write the world App's profiling spans as a Chrome trace (Perfetto opens it), or null. */
  trace: string | null;
  /** Where to write the world App's metric snapshots (one a second) as JSONL, or null. */
  metrics: string | null;
  /** A walk to take after arriving (`--walk`), or null. */
  walk: WalkStep[] | null;
  /** `--assets`: fetch and decode every asset the entities name, and report faces, sculpts, meshes, hover text. */
  assets: boolean;
  /** `--teleport Region/x/y/z` (OpenSim): after arriving (and after any walk), teleport there, or null. */
  teleport: { region: string; position: [number, number, number] } | null;
}

/** One step of a `--walk` script. */
export type WalkStep =
  | { kind: 'move'; direction: 'forward' | 'back' | 'left' | 'right' | 'up' | 'down'; seconds: number }
  | { kind: 'jump' }
  | { kind: 'turn'; degrees: number };

/** Longest walk script (steps) and step (seconds). */
const MAX_WALK_STEPS = 200;
const MAX_STEP_SECONDS = 600;

/**
 * Parses a walk script: comma-separated steps, `forward|back|left|right|up|down <seconds>s` (up and down fly),
 * `jump`, and `turn <degrees>` (positive turns left).
 */
export function parseWalk(spec: string): WalkStep[] {
  const steps: WalkStep[] = [];
  const parts = spec.split(',').map((p) => p.trim());
  if (parts.length > MAX_WALK_STEPS) throw new VisitUsageError(`visit: --walk takes at most ${MAX_WALK_STEPS} steps`);
  for (const part of parts) {
    const words = part.split(/\s+/);
    const [word, arg, ...rest] = words;
    if (rest.length > 0 || word === undefined || word === '')
      throw new VisitUsageError(`visit: --walk step "${part}" is not "<direction> <seconds>s", "jump" or "turn <degrees>"`);
    if (word === 'jump' && arg === undefined) {
      steps.push({ kind: 'jump' });
    } else if (word === 'turn' && arg !== undefined) {
      steps.push({ kind: 'turn', degrees: number(arg, 'walk turn', -3600, 3600, false) });
    } else if (
      (word === 'forward' || word === 'back' || word === 'left' || word === 'right' || word === 'up' || word === 'down') &&
      arg !== undefined &&
      /^\d+(\.\d+)?s$/.test(arg)
    ) {
      steps.push({ kind: 'move', direction: word, seconds: number(arg.slice(0, -1), 'walk', 0, MAX_STEP_SECONDS, false) });
    } else {
      throw new VisitUsageError(`visit: --walk step "${part}" is not "<direction> <seconds>s", "jump" or "turn <degrees>"`);
    }
  }
  return steps;
}

/** Where a target points, resolved. */
export type VisitTarget =
  | { kind: 'fv'; world: string; position: readonly [number, number, number] | null }
  | { kind: 'os'; loginUri: string; region: string; position: readonly [number, number, number] | null };

/** A usage error: the message says what is wrong. */
export class VisitUsageError extends Error {
  readonly code = 'visit_usage';
}

export const USAGE = `usage: npm run -s visit -- <target> [options]
  <target>            a place link (/#/fv/<world>, /#/os/<host:port>/<Region>/x/y/z, hop://, secondlife://, SLURL)
                      or an OpenSim login URI (http://host:port/)
  --first F --last L --password P   OpenSim account (or OPENSIM_FIRST / OPENSIM_LAST / OPENSIM_PASSWORD)
  --grid URI          login URI for links without a grid (secondlife://, SLURL); default OPENSIM_LOGIN_URI
  --edge URL          the StormCore edge (default http://localhost:5173)
  --seconds N         stay N seconds after arriving (default 20)
  --say TEXT          say TEXT once on local chat
  --draw-distance M   draw distance asked of the simulator, metres (default 256)
  --bots N            connect N visitors at once (OpenSim: bot i logs in as <first><i> <last>)
  --trace FILE        write the engine's frames, phases and systems as a Chrome trace (open it in Perfetto)
  --metrics FILE      write the engine's metric snapshots (one a second, web/engine/metrics.ts) as JSONL
  --walk SPEC         after arriving, walk: e.g. "forward 3s, turn 90, jump, left 1s, up 2s, down 3s"
  --teleport R/x/y/z  (OpenSim) after arriving (and walking), teleport to region R at x/y/z without logging out
                      (up/down fly); the JSON's self.path has [t_ms, x, y, z] every 100 ms
  --assets            fetch every asset the entities name through the edge and decode it as the viewer does.
                      OpenSim: textures, sculpt maps, meshes and sounds; report per entity faces, sculpt, mesh and
                      hover text, and per asset its size, sha256 and what it decoded to. Finalverse: the glTF
                      models; per model its size, sha256, vertices, triangles, faces and textures
  --p2p               not supported: visit cannot take part in peer-to-peer motion (see the error it gives)
One JSON document goes to stdout; progress to stderr.`;

const FLAGS = new Set([
  'first',
  'last',
  'password',
  'grid',
  'edge',
  'seconds',
  'say',
  'draw-distance',
  'bots',
  'trace',
  'metrics',
  'walk',
  'teleport',
]);

/** Options that take no value. */
const SWITCHES = new Set(['assets', 'p2p']);

/** Why `visit --p2p` is refused (docs/errors.md, visit). */
export const P2P_UNSUPPORTED =
  'visit: --p2p cannot take part yet: peer-to-peer motion needs WebRTC DataChannels, which Node does not have; the ' +
  'one pure-TypeScript WebRTC on npm (werift 0.25) needs Node 22 while visit runs on Node 20.19+, and the others ' +
  '(node-datachannel, @roamhq/wrtc) are native binaries; visit sees every ' +
  "visitor's motion through the room, exactly as a browser whose peer connection failed";

function number(text: string, flag: string, min: number, max: number, integer: boolean): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
    throw new VisitUsageError(`visit: --${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  return v;
}

function outputFile(value: string | undefined, flag: string): string | null {
  if (value === undefined) return null;
  if (value.length === 0 || value.length > 4096 || value.includes('\0'))
    throw new VisitUsageError(`visit: --${flag} takes a file name`);
  return value;
}

/** Parses argv (after the script name) with environment fallbacks; throws VisitUsageError. */
export function parseVisitArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): VisitOptions {
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') throw new VisitUsageError(USAGE);
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      if (SWITCHES.has(name)) {
        if (eq >= 0) throw new VisitUsageError(`visit: --${name} takes no value`);
        values.set(name, '');
        continue;
      }
      if (!FLAGS.has(name)) throw new VisitUsageError(`visit: unknown option --${name}\n${USAGE}`);
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new VisitUsageError(`visit: --${name} needs a value`);
      values.set(name, value);
    } else positional.push(arg);
  }
  if (values.has('p2p')) throw new VisitUsageError(P2P_UNSUPPORTED);
  if (positional.length !== 1) throw new VisitUsageError(`visit: give exactly one target\n${USAGE}`);
  const edge = values.get('edge') ?? 'http://localhost:5173';
  if (!/^https?:\/\/[^/]+\/?$/.test(edge)) throw new VisitUsageError(`visit: --edge must be an http(s) origin, got "${edge}"`);
  const say = values.get('say') ?? null;
  if (say !== null && (say.length === 0 || say.length > 1000)) throw new VisitUsageError('visit: --say takes 1–1000 characters');
  return {
    target: positional[0] ?? '',
    first: values.get('first') ?? env.OPENSIM_FIRST ?? '',
    last: values.get('last') ?? env.OPENSIM_LAST ?? '',
    password: values.get('password') ?? env.OPENSIM_PASSWORD ?? '',
    edge: edge.replace(/\/$/, ''),
    seconds: number(values.get('seconds') ?? '20', 'seconds', 0, 86_400, false),
    say,
    drawDistance: number(values.get('draw-distance') ?? '256', 'draw-distance', 16, 1024, true),
    bots: number(values.get('bots') ?? '1', 'bots', 1, 200, true),
    grid: values.get('grid') ?? env.OPENSIM_LOGIN_URI ?? null,
    trace: outputFile(values.get('trace'), 'trace'),
    metrics: outputFile(values.get('metrics'), 'metrics'),
    walk: values.has('walk') ? parseWalk(values.get('walk') ?? '') : null,
    assets: values.has('assets'),
    teleport: values.has('teleport') ? parseTeleport(values.get('teleport') ?? '') : null,
  };
}

/** Parses `--teleport Region/x/y/z` (a region name as a link writes it, then region-local metres; x/y/z optional). */
export function parseTeleport(text: string): { region: string; position: [number, number, number] } {
  const parts = text.split('/');
  let name: string;
  try {
    name = decodeURIComponent(parts[0] ?? '').trim();
  } catch {
    throw new VisitUsageError(`visit: --teleport "${text.slice(0, 80)}" has a malformed %-escape in the region name`);
  }
  if (name === '' || name.length > 63 || [...name].some((c) => c.charCodeAt(0) < 0x20))
    throw new VisitUsageError(
      `visit: --teleport "${text.slice(0, 80)}" is not Region/x/y/z (a region name of 1–63 characters first)`,
    );
  if (parts.length > 4) throw new VisitUsageError(`visit: --teleport "${text.slice(0, 80)}" is not Region/x/y/z`);
  const axis = (i: number, fallback: number, max: number): number =>
    parts[i] === undefined || parts[i] === '' ? fallback : number(parts[i] ?? '', 'teleport', 0, max, false);
  return { region: name, position: [axis(1, 128, 8192), axis(2, 128, 8192), axis(3, 25, 4096)] };
}

/** Resolves the target: a login URI (http://host:port/ with no place in it) or any place link. */
export function resolveTarget(options: Pick<VisitOptions, 'target' | 'grid'>): VisitTarget {
  const text = options.target.trim();
  if (/^https?:\/\//i.test(text) && !text.includes('#/') && !/\/secondlife\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new VisitUsageError(`visit: "${text}" is not a URL`);
    }
    return { kind: 'os', loginUri: url.toString(), region: '', position: null };
  }
  let place: ReturnType<typeof parseLink>;
  try {
    place = parseLink(text);
  } catch (err) {
    if (err instanceof LinkError) throw new VisitUsageError(`visit: ${err.message}`);
    throw err;
  }
  switch (place.kind) {
    case 'fv':
      return { kind: 'fv', world: place.world, position: place.position };
    case 'os':
      // hop:// and /#/os/ links name the grid by its login host:port.
      return { kind: 'os', loginUri: `http://${place.grid}/`, region: place.region, position: place.position };
    case 'region':
      if (!options.grid)
        throw new VisitUsageError(
          `visit: the link names region "${place.region}" but no grid; pass --grid http://host:port/ (or set OPENSIM_LOGIN_URI)`,
        );
      return { kind: 'os', loginUri: options.grid, region: place.region, position: place.position };
  }
}
