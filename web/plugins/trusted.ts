/**
 * Trusted plugins, the page's side (docs/plugins.md, "Trusted plugins"): the operator's list (GET
 * /api/plugins/trusted, parsed again here) and the channel to the world worker's runner
 * (web/plugin-runtime/trusted-runner.ts), one per plugin over the world worker's `trusted-plugin` command and event.
 */
import { readAtMost } from '../../shared/bytes/read-limited';
import { MAX_TRUSTED_CONFIG_BYTES, type TrustedPlugin, TrustedPluginList } from '../../shared/protocol';
import { PluginCode, pluginError } from './errors';
import type { HostMessage } from './sandbox-protocol';
import { type TrustedCommand, TrustedEvent, type TrustedHostMessage } from './trusted-protocol';

/** What the host posts to a plugin: a sandbox's MessagePort, or the world worker's channel for a trusted one. */
export interface PluginChannel {
  postMessage(message: HostMessage | TrustedHostMessage): void;
  close(): void;
}

/** Where trusted plugins run, as the host sees it. */
export interface TrustedRuntime {
  /** The operator's list (asked once). */
  list(): Promise<readonly TrustedPlugin[]>;
  /** The channel to the runner for plugin `name`; `receive` gets what the runner sends for it. */
  open(name: string, receive: (data: unknown) => void): PluginChannel;
}

/** Fetches and parses the operator's list (an unreachable or bad list is a clear plugin_not_trusted). */
export async function fetchTrustedList(
  fetcher: typeof fetch = (input, init) => globalThis.fetch(input, init),
  url = '/api/plugins/trusted',
): Promise<TrustedPlugin[]> {
  let res: Response;
  try {
    res = await fetcher(url, { credentials: 'omit', redirect: 'error' });
  } catch (err) {
    throw pluginError(
      PluginCode.NotTrusted,
      `the trusted plugin list could not be fetched from ${url}: ${String(err).slice(0, 200)}`,
    );
  }
  if (!res.ok)
    throw pluginError(PluginCode.NotTrusted, `the trusted plugin list could not be fetched from ${url}: HTTP ${res.status}`);
  const reader = res.body?.getReader();
  const bytes = reader
    ? await readAtMost(reader, MAX_TRUSTED_CONFIG_BYTES, {
        tooLarge: () => pluginError(PluginCode.NotTrusted, `the trusted plugin list is over ${MAX_TRUSTED_CONFIG_BYTES} bytes`),
      })
    : new Uint8Array(0);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw pluginError(PluginCode.NotTrusted, `the trusted plugin list from ${url} is not JSON`);
  }
  const parsed = TrustedPluginList.safeParse(json);
  if (!parsed.success)
    throw pluginError(
      PluginCode.NotTrusted,
      `the trusted plugin list from ${url} is malformed: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  return parsed.data.plugins;
}

/** The listed entry for `manifestUrl` (absolute), its listed URL resolved against `base`; null when not listed. */
export function findTrusted(list: readonly TrustedPlugin[], manifestUrl: string, base?: string): TrustedPlugin | null {
  for (const t of list) {
    let resolved: string;
    try {
      resolved = new URL(t.url, base).href;
    } catch {
      continue;
    }
    if (resolved === manifestUrl) return t;
  }
  return null;
}

/**
 * The trusted runtime over the world worker: `send` posts a world command, and the page hands each `trusted-plugin`
 * world event to `deliver` (parsed: a malformed one is dropped).
 */
export function createWorldTrustedRuntime(options: {
  send: (command: { type: 'trusted-plugin'; command: TrustedCommand }) => void;
  list?: () => Promise<readonly TrustedPlugin[]>;
}): TrustedRuntime & { deliver(event: unknown): void } {
  const receivers = new Map<string, (data: unknown) => void>();
  let listed: Promise<readonly TrustedPlugin[]> | null = null;
  return {
    list: () => {
      listed ??= (options.list ?? (() => fetchTrustedList()))();
      // A failed ask is asked again next time (the edge may have been starting).
      listed.catch(() => {
        listed = null;
      });
      return listed;
    },
    open(name, receive) {
      receivers.set(name, receive);
      return {
        postMessage: (message) =>
          options.send({ type: 'trusted-plugin', command: { name, message: message as TrustedHostMessage } }),
        close: () => {
          if (receivers.get(name) === receive) receivers.delete(name);
          options.send({ type: 'trusted-plugin', command: { name, message: { t: 'unload' } } });
        },
      };
    },
    deliver(event) {
      const parsed = TrustedEvent.safeParse(event);
      if (!parsed.success) return;
      receivers.get(parsed.data.name)?.(parsed.data.message);
    },
  };
}
