/**
 * The world map of an OpenSim grid: the regions around you as tiles (the grid's map tile images, or a plain tile
 * with the name), north up, your position as a marker, and a click (or Enter on a focused tile) teleports there.
 * It finds the region you are in by name first (its grid position), then asks for the rectangle around it.
 */
import { createEffect, createMemo, createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import type { MapRegion } from '../../../shared/protocol';
import type { MapTiles } from '../map-tiles';

/** Regions shown each side of yours (a 7 x 7 map). */
export const MAP_RADIUS = 3;
/** Side of one 256 m region on screen (CSS px). */
export const MAP_CELL_PX = 72;

/** A map request as the world worker takes it (without its type). */
export interface MapAsk {
  min: [number, number];
  max: [number, number];
  name: string;
}

const REGION_METRES = 256;

function TileImage(props: { tiles: MapTiles | null; uuid: string }) {
  let canvas: HTMLCanvasElement | undefined;
  const [shown, setShown] = createSignal(false);
  createEffect(() => {
    const tiles = props.tiles;
    const uuid = props.uuid;
    setShown(false);
    if (!tiles || /^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(uuid)) return;
    let live = true;
    onCleanup(() => {
      live = false;
    });
    void tiles.image(uuid).then((img) => {
      if (!live || !img || !canvas) return;
      canvas.width = img.width;
      canvas.height = img.height;
      canvas.getContext('2d', { willReadFrequently: true })?.putImageData(img, 0, 0); // a CPU canvas (Minimap.tsx)
      setShown(true);
    });
  });
  return <canvas ref={canvas} class="sc-map-image" data-testid="map-tile-image" data-loaded={shown()} />;
}

export function WorldMap(props: {
  /** Every region the map heard of (map events), any order. */
  regions: MapRegion[];
  /** Where you stand: the region's name and your position in it (metres); null before you are in. */
  here: { region: string; position: [number, number, number] } | null;
  tiles: MapTiles | null;
  onRequest: (ask: MapAsk) => void;
  /** Teleport to `position` in `region` ('' when it is the region you are in). */
  onTeleport: (region: string, position: [number, number, number]) => void;
  onClose: () => void;
}) {
  let dialog: HTMLDivElement | undefined;
  const current = createMemo(() => {
    const name = props.here?.region.toLowerCase();
    return name ? (props.regions.find((r) => r.name.toLowerCase() === name) ?? null) : null;
  });
  const centre = createMemo(
    () => {
      const c = current();
      return c ? ([c.x, c.y] as const) : null;
    },
    null,
    { equals: (a, b) => a?.[0] === b?.[0] && a?.[1] === b?.[1] },
  );

  // Find the region you are in by name, then ask for the rectangle around it (once per name / centre).
  let askedName = '';
  createEffect(() => {
    const name = props.here?.region ?? '';
    if (name === '' || current() || askedName === name) return;
    askedName = name;
    props.onRequest({ min: [0, 0], max: [0, 0], name });
  });
  createEffect(() => {
    const c = centre();
    if (!c) return;
    const lo = (v: number) => Math.max(0, v - MAP_RADIUS);
    const hi = (v: number) => Math.min(65535, v + MAP_RADIUS);
    props.onRequest({ min: [lo(c[0]), lo(c[1])], max: [hi(c[0]), hi(c[1])], name: '' });
  });

  const side = (MAP_RADIUS * 2 + 1) * MAP_CELL_PX;
  /** Regions within the view, placed: left/top in px from the view's north-west corner. */
  const placed = createMemo(() => {
    const c = centre();
    if (!c) return [];
    const west = c[0] - MAP_RADIUS;
    const north = c[1] + MAP_RADIUS + 1;
    return props.regions
      .filter((r) => Math.abs(r.x - c[0]) <= MAP_RADIUS && Math.abs(r.y - c[1]) <= MAP_RADIUS)
      .map((r) => {
        const w = (r.size[0] / REGION_METRES) * MAP_CELL_PX;
        const h = (r.size[1] / REGION_METRES) * MAP_CELL_PX;
        return { r, left: (r.x - west) * MAP_CELL_PX, top: (north - r.y) * MAP_CELL_PX - h, w, h };
      });
  });

  const teleport = (r: MapRegion, e: MouseEvent) => {
    // A keyboard click (detail 0) goes to the region's centre; a pointer click to the spot under it.
    const box = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const fx = e.detail === 0 || box.width === 0 ? 0.5 : (e.clientX - box.left) / box.width;
    const fy = e.detail === 0 || box.height === 0 ? 0.5 : (e.clientY - box.top) / box.height;
    const clamp = (v: number, max: number) => Math.min(max - 0.5, Math.max(0.5, v));
    const x = clamp(fx * r.size[0], r.size[0]);
    const y = clamp((1 - fy) * r.size[1], r.size[1]);
    const same = current()?.x === r.x && current()?.y === r.y;
    // Height 0: the simulator puts an arriving avatar on the ground.
    props.onTeleport(same ? '' : r.name, [Math.round(x), Math.round(y), 0]);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    // Keys inside the map are the map's: they do not walk the avatar.
    e.stopPropagation();
    if (e.key === 'Escape') {
      e.preventDefault();
      props.onClose();
    }
  };
  onMount(() => dialog?.focus());

  return (
    <div
      ref={dialog}
      role="dialog"
      aria-label="World map"
      aria-modal="true"
      tabIndex={-1}
      class="sc-panel sc-worldmap"
      data-testid="world-map"
      onKeyDown={onKeyDown}
    >
      <div class="sc-worldmap-head">
        <h2>World map</h2>
        <button type="button" data-testid="world-map-close" onClick={() => props.onClose()}>
          Close
        </button>
      </div>
      <Show
        when={centre()}
        fallback={
          <p class="sc-worldmap-wait" data-testid="world-map-finding">
            Finding {props.here?.region || 'your region'} on the grid…
          </p>
        }
      >
        <div class="sc-worldmap-view" style={{ width: `${side}px`, height: `${side}px` }}>
          <For each={placed()}>
            {(p) => (
              <button
                type="button"
                class="sc-map-tile"
                classList={{ 'sc-map-here': p.r === current() }}
                style={{ left: `${p.left}px`, top: `${p.top}px`, width: `${p.w}px`, height: `${p.h}px` }}
                data-testid="map-tile"
                data-region={p.r.name}
                data-grid={`${p.r.x},${p.r.y}`}
                aria-label={`Teleport to ${p.r.name} (${p.r.x}, ${p.r.y})${p.r.agents > 0 ? `, ${p.r.agents} people` : ''}`}
                onClick={(e) => teleport(p.r, e)}
              >
                <TileImage tiles={props.tiles} uuid={p.r.image} />
                <span class="sc-map-name">{p.r.name}</span>
              </button>
            )}
          </For>
          <Show when={placed().find((p) => p.r === current())} keyed>
            {(p) => (
              <div
                class="sc-map-you"
                data-testid="map-you"
                role="img"
                aria-label="You are here"
                style={{
                  left: `${p.left + ((props.here?.position[0] ?? 0) / p.r.size[0]) * p.w}px`,
                  top: `${p.top + (1 - (props.here?.position[1] ?? 0) / p.r.size[1]) * p.h}px`,
                }}
              />
            )}
          </Show>
        </div>
      </Show>
      <p class="sc-worldmap-hint">Click a region to teleport there · Esc closes</p>
    </div>
  );
}
