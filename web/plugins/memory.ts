/**
 * Memory per plugin sandbox, for the host's memory budget: the page's `performance.measureUserAgentSpecificMemory`
 * (cross-origin isolated pages only) attributes bytes to each worker by its script URL, and every sandbox's URL
 * carries its instance id (`plugin-sandbox.js?…&i=<instance>`). Chromium answers within a randomized delay of up
 * to about 20 s (at once with --enable-blink-features=ForceEagerMeasureMemory), so the budget holds against
 * growth over seconds; a plugin that allocates in one long call meets the time budget first.
 */

interface MemoryBreakdown {
  bytes: number;
  attribution: { url?: string }[];
}

interface MeasurablePerformance {
  measureUserAgentSpecificMemory?: () => Promise<{ breakdown: MemoryBreakdown[] }>;
}

/** Whether this context can measure (a cross-origin isolated window with the API). */
export function canMeasureSandboxMemory(): boolean {
  return (
    globalThis.crossOriginIsolated === true &&
    typeof (performance as MeasurablePerformance).measureUserAgentSpecificMemory === 'function'
  );
}

/** Bytes per sandbox instance id (an entry shared by several scopes is not charged to any one plugin). */
export async function measureSandboxMemory(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const measure = (performance as MeasurablePerformance).measureUserAgentSpecificMemory;
  if (!measure) return out;
  const result = await measure.call(performance);
  for (const entry of result.breakdown) {
    if (entry.attribution.length !== 1) continue;
    const url = entry.attribution[0]?.url;
    if (!url?.includes('plugin-sandbox.js?')) continue;
    const instance = new URL(url).searchParams.get('i');
    if (instance) out.set(instance, (out.get(instance) ?? 0) + entry.bytes);
  }
  return out;
}
