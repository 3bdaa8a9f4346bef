/**
 * The PeerJS server protocol our Signal room speaks (what the `peer` package serves to the stock `peerjs`
 * client): JSON text frames, schemas for what a client may send and what the room sends, size limits, and the
 * one parser the room uses. A client frame is parsed here and only the parsed value is relayed.
 */
import { z } from 'zod';
import { utf8Length } from './byte-io';

/** The PeerJS API key the stock client sends by default; the only one the room accepts. */
export const PEERJS_KEY = 'peerjs';
/** Largest signalling frame a client may send (UTF-8 bytes); the room closes the socket with 1009 above this. */
export const MAX_SIGNAL_FRAME_BYTES = 16 * 1024;
/** Longest SDP a client may relay (bytes); a data-only offer is about 600, with candidates inline a few KB. */
export const MAX_SDP_BYTES = 12 * 1024;
/** Longest ICE candidate line (bytes). */
export const MAX_CANDIDATE_BYTES = 512;
/** How long the room holds a message for a peer that is not connected before it answers EXPIRE (ms, as `peer`). */
export const SIGNAL_EXPIRE_MS = 5000;
/** Messages held for one absent peer, and for all absent peers of a room. */
export const MAX_QUEUED_PER_PEER = 16;
export const MAX_QUEUED_TOTAL = 256;

/**
 * A PeerJS id as the client validates it (`util.validateId`), at most 64 characters. Our ids (see
 * `edge/auth/peer-id.ts`) are `p` + 32 hex digits; any other valid id simply never connects here.
 */
export const PeerId = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/);
export type PeerId = z.infer<typeof PeerId>;

/** The ids this edge hands out: bound to one visitor of one world. */
export const BOUND_PEER_ID_PATTERN = /^p[0-9a-f]{32}$/;

const bounded = (max: number) => z.string().refine((s) => s.length <= max && utf8Length(s) <= max, `at most ${max} bytes`);
const ConnectionId = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/);
const ConnectionType = z.enum(['data', 'media']);

/** An SDP description as RTCSessionDescriptionInit serializes it. */
const Sdp = <T extends 'offer' | 'answer'>(kind: T) => z.object({ type: z.literal(kind), sdp: bounded(MAX_SDP_BYTES) });

/** An RTCIceCandidate as JSON.stringify writes it. */
const Candidate = z.object({
  candidate: bounded(MAX_CANDIDATE_BYTES),
  sdpMid: bounded(32).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(255).nullable().optional(),
  usernameFragment: bounded(256).nullable().optional(),
});

/** What an OFFER carries (peerjs negotiator `_makeOffer`); unknown fields are dropped, never relayed. */
export const OfferPayload = z.object({
  sdp: Sdp('offer'),
  type: ConnectionType,
  connectionId: ConnectionId,
  label: bounded(128).optional(),
  reliable: z.boolean().optional(),
  serialization: bounded(32).optional(),
  /** The application's metadata (the room's frame limit bounds it). */
  metadata: z.json().optional(),
});
export const AnswerPayload = z.object({ sdp: Sdp('answer'), type: ConnectionType, connectionId: ConnectionId });
export const CandidatePayload = z.object({ candidate: Candidate, type: ConnectionType, connectionId: ConnectionId });

/**
 * A frame from a client. `src` is never taken from a client: the room sets it to the sender's own id, and a
 * frame that names another `src` is refused as forged.
 */
export const SignalClientFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('HEARTBEAT') }),
  z.object({ type: z.literal('OFFER'), dst: PeerId, src: PeerId.optional(), payload: OfferPayload }),
  z.object({ type: z.literal('ANSWER'), dst: PeerId, src: PeerId.optional(), payload: AnswerPayload }),
  z.object({ type: z.literal('CANDIDATE'), dst: PeerId, src: PeerId.optional(), payload: CandidatePayload }),
  z.object({ type: z.literal('LEAVE'), dst: PeerId.optional(), src: PeerId.optional() }),
]);
export type SignalClientFrame = z.infer<typeof SignalClientFrame>;

/** A relayed frame: what a client sent, with `src` set by the room. */
export type RelayedFrame = Exclude<SignalClientFrame, { type: 'HEARTBEAT' }> & { src: PeerId; dst: PeerId };

/** Frames the room sends (the PeerJS server's ServerMessageType). */
export type SignalServerFrame =
  | { type: 'OPEN' }
  | { type: 'ERROR'; payload: { msg: string } }
  | { type: 'ID-TAKEN'; payload: { msg: string } }
  | { type: 'EXPIRE'; src: PeerId; dst: PeerId; payload?: { msg: string } }
  | RelayedFrame;

/**
 * Most peers the world room names for one visitor at once, as the SignalRoom accepts it (edge/world/peers.ts
 * names at most MAX_P2P_PEERS; the margin keeps a list within bounds however the plan changes).
 */
export const MAX_ALLOWED_PEERS = 16;

/** Why a signalling frame was refused (codes in docs/errors.md). */
export type SignalRefusal = 'signal_too_large' | 'signal_not_json' | 'signal_invalid' | 'signal_forged_src';

/** A parsed client frame, or why not (the message starts with `signal:`). */
export type SignalParse = { ok: true; frame: SignalClientFrame } | { ok: false; code: SignalRefusal; message: string };

/**
 * Parses one client text frame sent by the peer `self`: size first (before JSON.parse), then JSON, the schema,
 * and that a `src`, when given, is the sender's own id.
 */
export function parseSignalFrame(text: string, self: string): SignalParse {
  if (text.length > MAX_SIGNAL_FRAME_BYTES || utf8Length(text) > MAX_SIGNAL_FRAME_BYTES)
    return { ok: false, code: 'signal_too_large', message: `signal: frames are limited to ${MAX_SIGNAL_FRAME_BYTES} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, code: 'signal_not_json', message: 'signal: frames are PeerJS JSON messages' };
  }
  const r = SignalClientFrame.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    return {
      ok: false,
      code: 'signal_invalid',
      message: `signal: ${issue?.path.join('.') || 'frame'}: ${issue?.message ?? 'invalid'}`.slice(0, 300),
    };
  }
  const frame = r.data;
  if ('src' in frame && frame.src !== undefined && frame.src !== self)
    return { ok: false, code: 'signal_forged_src', message: 'signal: src must be your own peer id' };
  return { ok: true, frame };
}

/** Bytes an ICE configuration may take (the edge's P2P_ICE_SERVERS, the viewer's GET /p2p/<world>/ice answer). */
export const MAX_ICE_CONFIG_BYTES = 8 * 1024;
/** ICE servers one configuration may list. */
export const MAX_ICE_SERVERS = 8;

const IceUrl = z
  .string()
  .max(256)
  .regex(/^(?:stuns?|turns?):[^\s]+$/, 'ICE server URLs start stun:, stuns:, turn: or turns:');

/** One ICE server as RTCIceServer takes it; a TURN server needs its username and credential. */
export const IceServer = z
  .strictObject({
    urls: z.union([IceUrl, z.array(IceUrl).min(1).max(4)]),
    username: z.string().max(256).optional(),
    credential: z.string().max(256).optional(),
  })
  .refine(
    (s) =>
      !(Array.isArray(s.urls) ? s.urls : [s.urls]).some((u) => u.startsWith('turn')) ||
      (s.username !== undefined && s.credential !== undefined),
    { message: 'a TURN server needs username and credential' },
  );
export type IceServer = z.infer<typeof IceServer>;
export const IceServers = z.array(IceServer).max(MAX_ICE_SERVERS);

/** What GET /p2p/<world>/ice answers: the ICE servers the operator configured (none by default). */
export const IceConfig = z.strictObject({ iceServers: IceServers });
export type IceConfig = z.infer<typeof IceConfig>;

/**
 * Parses a JSON list of ICE servers (`what` names where it came from, for the message): size first, then JSON
 * and the schema. Empty text is no servers.
 */
export function parseIceServers(text: string, what: string): { ok: true; servers: IceServer[] } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, servers: [] };
  if (text.length > MAX_ICE_CONFIG_BYTES || utf8Length(text) > MAX_ICE_CONFIG_BYTES)
    return { ok: false, message: `${what} is over ${MAX_ICE_CONFIG_BYTES} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, message: `${what} is not JSON (a list like [{"urls": "stun:stun.example.org:3478"}])` };
  }
  const r = IceServers.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { ok: false, message: `${what}: ${issue?.path.join('.') || 'list'}: ${issue?.message ?? 'invalid'}`.slice(0, 300) };
  }
  return { ok: true, servers: r.data };
}

/** The WebSocket query the stock client sends (`peerjs?key=…&id=…&token=…&version=…`). */
export const SignalQuery = z.object({
  key: z.string().max(64),
  id: PeerId,
  token: z.string().min(1).max(1024),
  version: z.string().max(32).optional(),
});
export type SignalQuery = z.infer<typeof SignalQuery>;
