#!/usr/bin/env node
// Dependency-boundary check: the layer rules of docs/ARCHITECTURE.md and no import cycles.
//   shared/      imports nothing from web/ or edge/
//   edge/        never imports web/
//   web/engine/  imports only itself and shared/ (the engine core has no DOM and no higher layer)
//   web/assets/  (textures, the asset store) imports only itself, shared/ and web/engine
//   web/{render,audio,physics,net,ai,plugins,embed-sdk} never import web/ui
//   inside web/, folders are ordered and a module imports only folders below its own (type imports too):
//     engine <- scene <- assets <- render | audio | physics | ai | net <- world | plugins <- embed | visit | plugin-runtime
//     <- workers <- ui
//   folders on one level (render and net, embed and visit) do not import each other; embed-sdk (the host
//   pages' SDK) imports nothing of the viewer and sits below scene, so the embed API can share its types.
//   A worker URL (`new URL('../workers/x.worker.ts', import.meta.url)`) starts another program rather than importing
//   one: any web/ folder but engine may name an entry point of web/workers that way (web/assets starts its decoders).
// Cycles are found over value imports (type-only imports vanish at runtime and are ignored).
// The embed never reaches the login vault: nothing web/ui/EmbedApp.tsx or web/embed/ imports, directly or not (type
// and dynamic imports too), is under web/ui/vault/ (docs/ARCHITECTURE.md, "Login vault").
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = /\.(ts|tsx|mts|mjs|js)$/;
const IMPORT =
  /(?:^|[\s;])(import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|new\s+URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url/g;

/** Files under `dir`, recursively, skipping node_modules and dot folders. */
function walk(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Resolves a relative specifier to a file, as the bundler would. */
function resolveSpecifier(from, spec) {
  const base = resolve(dirname(from), spec);
  const candidates = [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), base.replace(/\.js$/, '.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? null;
}

/** Which layer a repository-relative path belongs to. */
function layerOf(rel) {
  const parts = rel.split(sep);
  if (parts[0] === 'shared') return 'shared';
  if (parts[0] === 'edge') return 'edge';
  if (parts[0] === 'web') {
    if (parts[1] === 'engine') return 'web/engine';
    if (parts[1] === 'ui' || parts.length === 2) return 'web/ui';
    return `web/${parts[1]}`;
  }
  return parts[0] ?? '';
}

/** The order of the folders inside web/ (see the header). */
const WEB_LEVEL = {
  'web/engine': 0,
  'web/embed-sdk': 0,
  'web/scene': 1,
  'web/assets': 2,
  'web/render': 3,
  'web/audio': 3,
  'web/physics': 3,
  'web/ai': 3,
  'web/net': 3,
  'web/world': 4,
  'web/plugins': 4,
  'web/embed': 5,
  'web/plugin-runtime': 5,
  'web/visit': 5,
  'web/workers': 6,
  'web/ui': 7,
};

/** Whether `targetRel` is a worker entry point (web/workers/*.worker.ts), which a worker URL may name. */
function isWorkerEntry(targetRel) {
  return layerOf(targetRel) === 'web/workers' && targetRel.endsWith('.worker.ts');
}

/**
 * Returns a reason when an import from layer `from` to layer `to` breaks a rule, else null. `workerUrl`: the import is
 * a worker URL naming a worker entry point (see the header).
 */
function ruleBroken(from, to, workerUrl = false) {
  if (from === to) return null;
  if (workerUrl && from.startsWith('web/') && from !== 'web/engine' && to === 'web/workers') return null;
  if (from === 'shared' && (to.startsWith('web') || to === 'edge')) return 'shared/ must not import web/ or edge/';
  if (from === 'edge' && to.startsWith('web')) return 'edge/ must not import web/';
  if (from === 'web/engine' && to !== 'shared') return 'web/engine may import only shared/';
  if (from === 'web/assets' && to !== 'shared' && to !== 'web/engine') return 'web/assets may import only shared/ and web/engine';
  if (from.startsWith('web/') && from !== 'web/ui' && to === 'web/ui') return `${from} must not import web/ui`;
  if (from.startsWith('web/') && to.startsWith('web/')) {
    const a = WEB_LEVEL[from];
    const b = WEB_LEVEL[to];
    if (a === undefined) return `${from} is not in the web/ folder order of scripts/check-boundaries.mjs; place it there`;
    if (b === undefined) return `${to} is not in the web/ folder order of scripts/check-boundaries.mjs; place it there`;
    if (b > a)
      return `${from} must not import ${to}, which sits above it (engine <- scene <- assets <- render/audio/physics/ai/net <- world <- embed/visit <- workers <- ui)`;
    if (b === a) return `${from} must not import its sibling ${to} (one level of the web/ folder order)`;
  }
  return null;
}

/** Where the embed's code starts, and what it must never reach. */
const EMBED_ROOTS = (rel) => rel === join('web', 'ui', 'EmbedApp.tsx') || rel.startsWith(join('web', 'embed') + sep);
const VAULT = (rel) => rel.startsWith(join('web', 'ui', 'vault') + sep);

/** Import chains (repository-relative) from an embed root to a vault module over `edges` (every import kind). */
function embedToVault(root, edges) {
  const from = new Map();
  const queue = [...edges.keys()].filter((f) => EMBED_ROOTS(relative(root, f)));
  for (const f of queue) from.set(f, null);
  const found = [];
  for (let i = 0; i < queue.length; i++) {
    const f = queue[i];
    if (VAULT(relative(root, f))) {
      const chain = [];
      for (let at = f; at !== null; at = from.get(at)) chain.unshift(relative(root, at));
      found.push(chain);
      continue;
    }
    for (const t of edges.get(f) ?? []) {
      if (from.has(t)) continue;
      from.set(t, f);
      queue.push(t);
    }
  }
  return found;
}

/**
 * Checks the tree under `root`. Returns a list of human-readable violations (empty when clean).
 * @param {string} root
 * @returns {string[]}
 */
export function checkBoundaries(root) {
  const files = ['shared', 'edge', 'web'].flatMap((d) => walk(join(root, d)));
  const violations = [];
  /** @type {Map<string, string[]>} */
  const graph = new Map();
  /** @type {Map<string, string[]>} every import, type-only ones too */
  const all = new Map();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const rel = relative(root, file);
    const edges = [];
    const every = [];
    for (const m of text.matchAll(IMPORT)) {
      const typeOnly = Boolean(m[2]);
      const spec = m[3] ?? m[4] ?? m[5];
      if (!spec?.startsWith('.')) continue;
      const target = resolveSpecifier(file, spec);
      if (!target) continue;
      const targetRel = relative(root, target);
      const reason = ruleBroken(layerOf(rel), layerOf(targetRel), Boolean(m[5]) && isWorkerEntry(targetRel));
      if (reason) violations.push(`${rel} imports ${targetRel}: ${reason}`);
      if (!typeOnly) edges.push(target);
      every.push(target);
    }
    graph.set(file, edges);
    all.set(file, every);
  }
  for (const chain of embedToVault(root, all)) {
    violations.push(`${chain.join(' -> ')}: the embed must never load the login vault (web/ui/vault)`);
  }
  for (const cycle of findCycles(graph)) {
    violations.push(`import cycle: ${cycle.map((f) => relative(root, f)).join(' -> ')}`);
  }
  return violations;
}

/** Strongly connected components with more than one file (or a self-import), via Tarjan. */
function findCycles(graph) {
  let index = 0;
  const stack = [];
  const onStack = new Set();
  const idx = new Map();
  const low = new Map();
  const cycles = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.reverse());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return cycles;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const violations = checkBoundaries(root);
  if (violations.length > 0) {
    console.error(`boundaries: ${violations.length} violation(s):\n  ${violations.join('\n  ')}`);
    process.exit(1);
  }
  console.log('boundaries: ok (layers respected, no import cycles)');
}
