/** Storm protocol v1 constants: version, size limits, world-name rule. */

/** The protocol version carried in hello and welcome. */
export const PROTOCOL_VERSION = 1;

/** Largest frame a client may send (bytes); the edge closes the socket with 1009 above this. */
export const MAX_CLIENT_FRAME_BYTES = 16 * 1024;
/** Largest frame the edge sends (bytes); larger snapshots are split into several frames. */
export const MAX_SERVER_FRAME_BYTES = 1024 * 1024;
/** Longest chat line, in UTF-8 bytes. */
export const MAX_CHAT_BYTES = 1024;
/** Longest entity name, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 64;
/** Longest entity description, in UTF-8 bytes. */
export const MAX_DESCRIPTION_BYTES = 256;
/** Longest access token, in UTF-8 bytes. */
export const MAX_TOKEN_BYTES = 1024;
/** Longest resume id / session id, in UTF-8 bytes. */
export const MAX_SESSION_BYTES = 64;
/** Longest error code and message, in UTF-8 bytes. */
export const MAX_ERROR_CODE_BYTES = 64;
export const MAX_ERROR_MESSAGE_BYTES = 512;
/** Longest JSON body of an action or action result, in UTF-8 bytes. */
export const MAX_ACTION_BYTES = 12 * 1024;
export const MAX_ACTION_RESULT_BYTES = 256 * 1024;
/** Most entities in one snapshot or delta frame. */
export const MAX_ENTITIES_PER_FRAME = 4096;
/** Most ids in one despawn frame. */
export const MAX_DESPAWN_IDS = 4096;
/** Most faces with their own colour on one entity (OpenSim prims have up to 9, meshes more). */
export const MAX_FACES = 32;
/** Largest terrain patch side, in samples. */
export const MAX_TERRAIN_PATCH_SIDE = 64;

/** Most peers the room tells a visitor to connect to (a full mesh stops paying off past 4-6). */
export const MAX_P2P_PEERS = 6;

/** Most regions one grid session shows at once (the `regions` frame): the one you are in and its neighbours. */
export const MAX_SESSION_REGIONS = 64;
/** Most regions in one `map` frame, and the widest side (in regions) of one map_request. */
export const MAX_MAP_REGIONS = 1024;
export const MAX_MAP_SPAN = 32;
/** Largest region side (metres): OpenSim var regions go up to 8192 m. */
export const MAX_REGION_SIZE = 8192;

/** Largest start coordinate a hello may carry (metres, either sign). */
export const MAX_START_COORDINATE = 1e7;

/** How long a room waits for a socket's hello before it closes it with HELLO_CLOSE.timeout (ms). */
export const HELLO_TIMEOUT_MS = 5000;

/**
 * WebSocket close codes of the handshake (docs/errors.md): a room sends an error frame that says why,
 * then closes with one of these. A client gets a new token after `unauthorized` before it tries again.
 */
export const HELLO_CLOSE = {
  /** The first frame was not a valid hello (or a second socket's hello came too late for the room). */
  invalid: 4400,
  /** The hello's token is missing, malformed, forged or expired. */
  unauthorized: 4401,
  /** The token is for another world, or lacks the join permission. */
  forbidden: 4403,
  /** No hello within HELLO_TIMEOUT_MS. */
  timeout: 4408,
  /** The grid session already has a socket. */
  taken: 4409,
} as const;

/** A world name: 1–32 of [a-z0-9-]. */
export const WORLD_NAME_PATTERN = /^[a-z0-9-]{1,32}$/;

/** True when `name` is a valid world name. */
export function isWorldName(name: string): boolean {
  return WORLD_NAME_PATTERN.test(name);
}
