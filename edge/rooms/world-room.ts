/** WorldRoom: the Durable Object that hosts one Finalverse world (SQLite-backed). */
import { DurableObject } from 'cloudflare:workers';

/**
 * One instance per world name. The binding and its SQLite migration are declared in wrangler.toml;
 * the room protocol (Storm wire protocol, WorldSync, World Tool Protocol) lands with the world-room
 * issue. Until then the room answers every request with 501 and a plain message.
 */
export class WorldRoom extends DurableObject<Env> {
  override async fetch(_request: Request): Promise<Response> {
    return Response.json(
      { error: { code: 'not_available_yet', message: 'edge: world rooms are not available yet' } },
      { status: 501 },
    );
  }
}
