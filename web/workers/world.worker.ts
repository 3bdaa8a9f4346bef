/** World worker entry: the ECS owner. Runs the net runtime in-process and the world host (web/world). */
import { serveNetWorker } from '../net/net-worker-runtime';
import { WorldCommand, type WorldEvent, WorldHost } from '../world/world-host';

declare const self: DedicatedWorkerGlobalScope;

const post = (event: WorldEvent, transfer: Transferable[] = []): void => self.postMessage(event, transfer);
let host: WorldHost | null = null;
const net = serveNetWorker((event) => host?.onNet(event));
host = new WorldHost({ post, net: (command) => net(command), now: () => performance.now(), workers: 3 });

self.onmessage = (message: MessageEvent<unknown>) => {
  const parsed = WorldCommand.safeParse(message.data);
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

setInterval(() => host?.step(), 1000 / 30);
