/** The place in the address bar: parse `location.hash` into a Place, follow back/forward, format "Copy link". */
import { type Accessor, createSignal, onCleanup } from 'solid-js';
import { formatLink, LinkError, type Place, parseLink } from '../../shared/links/place-link';

/** The built-in demo world every bare visit lands in. */
export const DEMO_PLACE: Place = { kind: 'fv', world: 'plaza', position: null };

/** The route: a place, or a bad link with a plain message. */
export type Route = { ok: true; place: Place } | { ok: false; link: string; message: string };

/** Parses a hash (`#/fv/…`); an empty hash is the demo world. */
export function routeFromHash(hash: string): Route {
  if (hash === '' || hash === '#' || hash === '#/') return { ok: true, place: DEMO_PLACE };
  let link = hash;
  try {
    link = decodeURIComponent(hash.slice(1));
  } catch {
    // keep the raw text; parseLink reports what is wrong with it
  }
  // A pasted hop:// / secondlife:// / SLURL after the '#' is understood too.
  const text = /^[a-z]+:\/\//i.test(link) || link.includes('/secondlife/') ? link : `#${link.replace(/^#/, '')}`;
  try {
    return { ok: true, place: parseLink(text) };
  } catch (err) {
    return { ok: false, link: hash, message: err instanceof LinkError ? err.message.replace(/^links: /, '') : String(err) };
  }
}

/** The full shareable URL of a place, on this origin (and path: `/` or `/embed`). */
export function shareUrl(place: Place, origin: string, pathname = '/'): string {
  const link = formatLink(place);
  return link.startsWith('#') ? `${origin}${pathname}${link}` : link;
}

/** A signal that follows the address bar (hashchange covers back/forward). */
export function createRoute(): Accessor<Route> {
  const [route, setRoute] = createSignal(routeFromHash(location.hash));
  const onChange = (): void => {
    setRoute(routeFromHash(location.hash));
  };
  window.addEventListener('hashchange', onChange);
  onCleanup(() => window.removeEventListener('hashchange', onChange));
  return route;
}

/** Moves to a place, adding a history entry (so back returns to the previous place). */
export function visitPlace(place: Place): void {
  const link = formatLink(place);
  location.hash = link.startsWith('#') ? link.slice(1) : encodeURIComponent(link);
}
