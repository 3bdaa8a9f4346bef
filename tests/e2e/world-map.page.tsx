/**
 * Page-side module of world-map.test.ts: renders the viewer's WorldMap (web/ui/components/WorldMap.tsx) with the
 * HUD's styles, fixed regions and real J2K map tiles decoded by the viewer's decode pool, and records what it asks
 * for (map requests, teleports, close).
 */
import { createSignal } from 'solid-js';
import { render } from 'solid-js/web';
import type { MapRegion } from '../../shared/protocol';
import { createDecodePool } from '../../web/assets/decode-pool';
import { type MapAsk, WorldMap } from '../../web/ui/components/WorldMap';
import { createMapTiles } from '../../web/ui/map-tiles';
import '../../web/ui/hud.css';

export interface MapRecord {
  requests: MapAsk[];
  teleports: { region: string; position: [number, number, number] }[];
  closed: number;
}

const record: MapRecord = { requests: [], teleports: [], closed: 0 };
const [regions, setRegions] = createSignal<MapRegion[]>([]);
let dispose: (() => void) | null = null;

function bytesOf(base64: string): Uint8Array {
  const s = atob(base64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Shows the map for someone standing at `position` in `region`; `tiles` are J2K codestreams (base64) by UUID. */
export function show(region: string, position: [number, number, number], tiles: Record<string, string>): MapRecord {
  dispose?.();
  document.body.innerHTML = '';
  document.body.style.margin = '0';
  document.body.style.background = '#223';
  document.body.style.fontFamily = 'system-ui, sans-serif';
  const root = document.createElement('div');
  root.className = 'sc-hud';
  root.style.position = 'fixed';
  root.style.inset = '0';
  document.body.append(root);
  const pool = createDecodePool({ size: 1 });
  const source = {
    async texture(uuid: string, _priority: number, maxDimension: number) {
      const b64 = tiles[uuid];
      if (!b64) throw new Error(`no tile ${uuid}`);
      return pool.decode(bytesOf(b64), { maxDimension }).promise;
    },
  };
  const mapTiles = createMapTiles(source, () => pool.close());
  dispose = render(
    () => (
      <WorldMap
        regions={regions()}
        here={{ region, position }}
        tiles={mapTiles}
        onRequest={(ask) => record.requests.push(ask)}
        onTeleport={(r, p) => record.teleports.push({ region: r, position: p })}
        onClose={() => {
          record.closed += 1;
        }}
      />
    ),
    root,
  );
  return record;
}

/** What a `map` event brings (App merges them the same way). */
export function heard(list: MapRegion[]): void {
  setRegions([...regions(), ...list]);
}

export function recorded(): MapRecord {
  return record;
}
