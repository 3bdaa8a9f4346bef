/**
 * The edge's HTTP API: the request and answer body of every route, one schema each, checked by the edge on
 * the way in and by every client (viewer, embed, visitor, tests) on the way back.
 */
import { z } from 'zod';
import { MAX_ERROR_CODE_BYTES, MAX_ERROR_MESSAGE_BYTES, MAX_TOKEN_BYTES, WORLD_NAME_PATTERN } from './limits';

/** How long an access token lives at most (seconds); POST /api/session's `ttl` may shorten it. */
export const TOKEN_TTL_S = 60 * 60;
/** Shortest token life a caller may ask for (seconds). */
export const MIN_TOKEN_TTL_S = 60;
/** Largest POST /api/grid/login body (bytes). */
export const MAX_GRID_LOGIN_BODY_BYTES = 8 * 1024;
/** A GridSession name: "g-" and 24 hex digits (it is also its token's world). */
export const GRID_SESSION_PATTERN = /^g-[0-9a-f]{24}$/;

/**
 * GET /api/grid/<session>/asset/…'s rate-limit answer (429) carries, beside Retry-After (whole seconds), the wait in
 * milliseconds in this header: a session's tokens come every few tens of ms.
 */
export const RETRY_AFTER_MS_HEADER = 'x-storm-retry-after-ms';

/** A world name: 1–32 of a-z, 0-9 and -. */
export const WorldName = z.string().regex(WORLD_NAME_PATTERN, 'a world name is 1–32 of a-z, 0-9 and -');
/** A signed access token (`v1.<claims>.<signature>`). */
export const AccessToken = z.string().min(1).max(MAX_TOKEN_BYTES);
/** Permission bits (join 1, chat 2, edit 4, create 8). */
export const PermissionBits = z.int().min(0).max(0xffff_ffff);

/** Every error answer: `{error: {code, message}}`, the code stable and listed in docs/errors.md. */
export const ApiError = z.object({
  error: z.object({ code: z.string().min(1).max(MAX_ERROR_CODE_BYTES), message: z.string().max(MAX_ERROR_MESSAGE_BYTES) }),
});
export type ApiError = z.infer<typeof ApiError>;

/** POST /api/session: a token for `world`; `perm` may narrow the visitor's permissions, `ttl` (seconds) shorten its life. */
export const SessionRequest = z.object({
  world: WorldName,
  perm: PermissionBits.optional(),
  ttl: z.int().min(MIN_TOKEN_TTL_S).max(TOKEN_TTL_S).optional(),
});
export type SessionRequest = z.infer<typeof SessionRequest>;

/** POST /api/session's answer. `expiresAt` is in ms since the epoch. */
export const SessionAnswer = z.object({
  token: AccessToken,
  world: WorldName,
  permissions: PermissionBits,
  expiresAt: z.number().int().nonnegative(),
});
export type SessionAnswer = z.infer<typeof SessionAnswer>;

/** POST /api/worlds (bearer token with `create`): a new, empty world. */
export const CreateWorldRequest = z.object({ name: WorldName });
export type CreateWorldRequest = z.infer<typeof CreateWorldRequest>;

/** POST /api/worlds's answer (201). */
export const CreateWorldAnswer = z.object({ name: WorldName, created: z.literal(true) });
export type CreateWorldAnswer = z.infer<typeof CreateWorldAnswer>;

/** Largest model POST /api/models accepts (bytes): GLTF_LIMITS.bytes in shared/assets/gltf-check.ts. */
export const MAX_MODEL_BYTES = 8 * 1024 * 1024;

/**
 * POST /api/models's answer (201 when stored now, 200 when those bytes were stored before): the model's SHA-256,
 * its size in bytes, its container, and the size of its bounding box in metres (z up), the scale `create_model`
 * gives it unless told otherwise.
 */
export const ModelUploadAnswer = z.object({
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.int().min(1).max(MAX_MODEL_BYTES),
  format: z.enum(['glb', 'gltf']),
  size: z.tuple([z.number().nonnegative(), z.number().nonnegative(), z.number().nonnegative()]),
  vertices: z.int().nonnegative(),
  triangles: z.int().nonnegative(),
  created: z.boolean(),
});
export type ModelUploadAnswer = z.infer<typeof ModelUploadAnswer>;

const AvatarName = (which: string) =>
  z.string().regex(/^[A-Za-z0-9._-]{1,31}$/, `a ${which} name is 1–31 letters, digits, "." "_" "-"`);
const Coordinate = z.number().min(-1e7).max(1e7);

/** POST /api/grid/login's body. Names follow OpenSim's rules (letters, digits, a few marks; no spaces). */
export const GridLoginRequest = z.strictObject({
  loginUri: z.string().min(1).max(2048),
  first: AvatarName('first'),
  last: AvatarName('last'),
  password: z.string().min(1).max(256),
  region: z
    .string()
    .max(64)
    .regex(/^[^&<>\0]*$/, 'a region name has no & < > or NUL')
    .optional(),
  /** Where in the region to start (metres; a link's x/y/z); needs a region. */
  position: z.tuple([Coordinate, Coordinate, Coordinate]).optional(),
  /** Draw distance asked of the simulator (metres). */
  drawDistance: z.int().min(16).max(1024).optional(),
});
export type GridLoginRequest = z.infer<typeof GridLoginRequest>;

/** POST /api/grid/login's answer: the GridSession, its token and socket path, and the region entered. */
export const GridLoginAnswer = z.object({
  session: z.string().regex(GRID_SESSION_PATTERN),
  token: AccessToken,
  socket: z.string().regex(/^\/ws\/grid\/g-[0-9a-f]{24}$/),
  region: z.string().min(1).max(64),
  /** The region's size in metres (x, y). */
  size: z.tuple([z.number().positive(), z.number().positive()]),
  agent: z.object({ id: z.string().max(64), first: z.string().max(256), last: z.string().max(256) }),
  timings: z.object({ loginMs: z.number().nonnegative(), handshakeMs: z.number().nonnegative() }),
});
export type GridLoginAnswer = z.infer<typeof GridLoginAnswer>;
