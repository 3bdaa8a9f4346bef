/**
 * The world side of the viewer, as a worker runs it: the net runtime in-process, the world host, its
 * 30 Hz step, and the main thread's commands parsed at the door. The world worker posts every event to
 * the page; the single-worker viewer (web/workers/render-world.worker.ts) hands memory and terrain to
 * its own render loop instead.
 */
import { serveNetWorker } from '../net/net-worker-runtime';
import { WorldCommand, type WorldEvent, WorldHost } from './world-host';

/** Runs a world host; returns the handler for the main thread's messages. */
export function runWorldHost(
  post: (event: WorldEvent, transfer?: Transferable[]) => void,
  workers: number,
): (data: unknown) => void {
  let host: WorldHost | null = null;
  const net = serveNetWorker((event) => host?.onNet(event));
  host = new WorldHost({ post, net: (command) => net(command), now: () => performance.now(), workers });
  setInterval(() => host?.step(), 1000 / 30);
  return (data) => {
    const parsed = WorldCommand.safeParse(data);
    if (!parsed.success) {
      post({
        type: 'error',
        code: 'world_bad_command',
        message: `world: malformed command (${parsed.error.issues[0]?.message ?? 'unknown'})`,
      });
      return;
    }
    host?.handle(parsed.data);
  };
}
