/** Grid travel as the page says it: a travel step in plain words, and a place's identity for link-driven teleports. */
import type { Place } from '../../shared/links/place-link';
import type { Travel } from '../../shared/protocol';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The notice for a travel step ('' for steps the visitor need not hear of: neighbours coming and going). */
export function travelNotice(t: Travel): string {
  const where = t.region || 'the destination';
  switch (t.kind) {
    case 'teleport_start':
      return `Teleporting to ${where}…`;
    case 'teleport_progress':
      return t.message ? `Teleporting to ${where}: ${t.message}` : `Teleporting to ${where}…`;
    case 'teleport_finish':
      return `Arrived in ${where} (${seconds(t.ms)}).`;
    case 'teleport_failed':
      return `Teleport to ${where} failed: ${t.message || 'the grid gave no reason'}. You are still where you were.`;
    case 'teleport_local':
      return `Moved within ${where}.`;
    case 'crossed':
      return `Entered ${where}.`;
    case 'neighbour_refused':
      return `The neighbouring region ${where} is not shown: ${t.message}`;
    case 'neighbour_added':
    case 'neighbour_removed':
      return '';
  }
}

/** What makes two links the same place (grid, region, position). */
export function placeKey(p: Place): string {
  return p.kind === 'os'
    ? `os|${p.grid}|${p.region.toLowerCase()}|${p.position?.join(',') ?? ''}`
    : `${p.kind}|${JSON.stringify(p)}`;
}
