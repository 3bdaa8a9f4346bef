/**
 * The risk score on load (seed 13.1/13.2): points from the manifest (what it asks for) and from a static look
 * at the code (dynamic code loading, eval-like calls, signs of obfuscation), each with its reason. Above
 * `RISK_THRESHOLD` a plugin loads only with the person's consent. A score is advice, not proof: the sandbox is
 * what contains a plugin.
 */
import { grantedOrigins, type PluginManifest, permissionsOf } from './manifest';

/** Scores above this need consent (the panel's button, the embed API's `{consent: true}`). */
export const RISK_THRESHOLD = 40;

export interface RiskReason {
  readonly points: number;
  readonly reason: string;
}

export interface RiskAssessment {
  /** 0..100. */
  readonly score: number;
  readonly reasons: readonly RiskReason[];
  /** Whether loading needs consent. */
  readonly needsConsent: boolean;
}

/** Code patterns: what they are a sign of, and their points. Counted once each. */
const CODE_SIGNS: readonly { re: RegExp; points: number; reason: string }[] = [
  { re: /\beval\s*\(/, points: 30, reason: 'calls eval (runs text as code)' },
  { re: /\bnew\s+Function\s*\(|\bFunction\s*\(\s*['"`]/, points: 30, reason: 'builds functions from text (new Function)' },
  { re: /\bimport\s*\(/, points: 20, reason: 'loads code at run time (dynamic import)' },
  { re: /\bimportScripts\s*\(/, points: 20, reason: 'loads scripts at run time (importScripts)' },
  { re: /\bset(?:Timeout|Interval)\s*\(\s*['"`]/, points: 20, reason: 'passes a string to a timer (eval-like)' },
  { re: /\bWebAssembly\b/, points: 15, reason: 'uses WebAssembly (opaque code)' },
  { re: /\b_0x[0-9a-f]{4,}\b/, points: 25, reason: 'obfuscated names (_0x…)' },
  { re: /\batob\s*\(/, points: 10, reason: 'decodes base64 at run time (atob)' },
  { re: /\b(?:document|parent|top|opener)\s*\./, points: 10, reason: 'reaches for the page (document, parent, top)' },
  {
    re: /\b(?:fetch|XMLHttpRequest|WebSocket|EventSource)\b/,
    points: 10,
    reason: 'calls the network directly (blocked in the sandbox)',
  },
  {
    re: /\bconstructor\s*\.\s*constructor\b|\[\s*['"]constructor['"]\s*\]/,
    points: 25,
    reason: 'reaches Function through constructor.constructor',
  },
];

/** Scores a plugin from its manifest and the text of its entry module. */
export function assessRisk(manifest: PluginManifest, code: string): RiskAssessment {
  const reasons: RiskReason[] = [];
  const add = (points: number, reason: string) => reasons.push({ points, reason });
  const perms = permissionsOf(manifest);
  const origins = grantedOrigins(manifest);
  if (origins.length > 0)
    add(Math.min(30, 12 * origins.length), `network access to ${origins.length} origin(s): ${origins.join(', ')}`);
  if (manifest.permissions.includes('chat:send')) add(10, 'sends chat as you (chat:send)');
  if (manifest.permissions.includes('chat:read')) add(5, 'reads chat (chat:read)');
  if (manifest.permissions.includes('world:read')) add(3, 'reads the world around you (world:read)');
  if (manifest.permissions.includes('storage')) add(3, 'keeps data in this browser (storage)');
  if (manifest.permissions.includes('world:select')) add(2, 'sees what you click in the world (world:select)');
  if (manifest.permissions.includes('camera:control')) add(3, 'moves your camera (camera:control)');
  const foreign = perms.filter(
    (p) => p.kind === 'bus:publish' && !p.pattern.startsWith(`${manifest.name}/`) && !p.pattern.startsWith('engine/'),
  );
  if (foreign.length > 0) add(10, "publishes events under other plugins' names (bus:publish outside its own)");
  if (perms.some((p) => p.kind === 'bus:subscribe' && p.pattern === '**')) add(5, 'listens to every event (bus:subscribe:**)');
  if (perms.some((p) => p.kind === 'bus:publish' && p.pattern.startsWith('engine/'))) add(10, 'publishes engine events');
  for (const sign of CODE_SIGNS) if (sign.re.test(code)) add(sign.points, sign.reason);
  const lines = code.split('\n');
  const longest = lines.reduce((m, l) => Math.max(m, l.length), 0);
  if (code.length > 2000 && longest > 1000) add(10, `minified or packed code (a line of ${longest} characters)`);
  const escapes = code.match(/\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}/g)?.length ?? 0;
  if (escapes > 40) add(15, `many escaped characters (${escapes} \\x/\\u escapes)`);
  if (code.length > 256 * 1024) add(10, `large entry module (${Math.round(code.length / 1024)} KiB)`);
  const score = Math.min(
    100,
    reasons.reduce((s, r) => s + r.points, 0),
  );
  return { score, reasons, needsConsent: score > RISK_THRESHOLD };
}
