/**
 * SignalRoom: one Durable Object per world that speaks the PeerJS server protocol to the stock `peerjs` client
 * (shared/protocol/signal.ts), so visitors can open WebRTC DataChannels to each other. A socket is admitted
 * only with a valid token for this world whose visitor owns the peer id it asks for; frames are size-limited,
 * rate-limited and schema-checked, and only the parsed frame is relayed, with `src` set by the room. An OFFER,
 * ANSWER or CANDIDATE goes only between two visitors whom the world's WorldRoom named to each other (its `allow`
 * RPC, kept in storage); others are answered EXPIRE with the reason (`signal_not_your_peer`).
 */
import { DurableObject } from 'cloudflare:workers';
import { z } from 'zod';
import {
  HELLO_CLOSE,
  MAX_ALLOWED_PEERS,
  MAX_QUEUED_PER_PEER,
  MAX_QUEUED_TOTAL,
  PEERJS_KEY,
  PeerId,
  parseSignalFrame,
  type RelayedFrame,
  SIGNAL_EXPIRE_MS,
  SignalQuery,
  type SignalServerFrame,
} from '../../shared/protocol';
import { peerIdFor } from '../auth/peer-id';
import { hasPermission, PERMISSION } from '../auth/permissions';
import { signingSecret, verifyToken } from '../auth/tokens';
import { EdgeError } from '../errors';
import {
  CLOSE,
  closeSocket,
  createFrameBucket,
  echoClose,
  type FrameBucket,
  isUpgrade,
  jsonError,
  takeFrameToken,
  WORLD_HEADER,
} from './room-socket';

const ROOM = 'signal';
/** Storage keys of the allowed lists: `allow:<peer id>`. */
const ALLOW_PREFIX = 'allow:';
const AllowedList = z.array(PeerId).max(MAX_ALLOWED_PEERS);
/** At most 128 visitors per call: one storage put. */
const AllowedLists = z
  .record(PeerId, AllowedList)
  .refine((r) => Object.keys(r).length <= 128, { message: 'at most 128 visitors per call' });

/** What an admitted socket remembers across hibernation. */
const Admitted = z.object({ peer: z.string(), exp: z.number() });
type Admitted = z.infer<typeof Admitted>;

/** A message held for a peer that has not connected (yet). */
interface Held {
  frame: RelayedFrame;
  at: number;
}

/** One instance per world (binding SIGNAL_ROOM, migration v3 in wrangler.toml). */
export class SignalRoom extends DurableObject<Env> {
  /** Admitted sockets by peer id. */
  private readonly peers = new Map<string, WebSocket>();
  private readonly buckets = new Map<WebSocket, FrameBucket>();
  /** Messages for absent peers, by destination (answered with EXPIRE after SIGNAL_EXPIRE_MS). */
  private readonly held = new Map<string, Held[]>();
  private heldCount = 0;
  private expiryTimer: ReturnType<typeof setTimeout> | null = null;
  /** The peers each visitor (by peer id) may signal to, as the WorldRoom last said; loaded from storage. */
  private readonly allowed = new Map<string, Set<string>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The lists outlive hibernation and restarts: the WorldRoom sends a list only when it changes.
    void ctx.blockConcurrencyWhile(async () => {
      const stored = await ctx.storage.list<unknown>({ prefix: ALLOW_PREFIX });
      for (const [key, value] of stored) {
        const list = AllowedList.safeParse(value);
        if (list.success) this.allowed.set(key.slice(ALLOW_PREFIX.length), new Set(list.data));
      }
    });
    // After hibernation: the admitted sockets come back with their attachments.
    for (const ws of ctx.getWebSockets()) {
      const a = Admitted.safeParse(ws.deserializeAttachment());
      if (a.success) this.peers.set(a.data.peer, ws);
      else closeSocket(ws, CLOSE.lost, `${ROOM}: the room restarted; connect again`);
    }
  }

  /** The upgrade the router forwards: `<path>peerjs?key&id&token&version`. */
  override async fetch(request: Request): Promise<Response> {
    const world = request.headers.get(WORLD_HEADER) ?? '';
    if (world === '') return jsonError(400, 'bad_request', `${ROOM}: requests must come through the edge router`);
    if (!isUpgrade(request)) return jsonError(426, 'upgrade_required', `${ROOM}: connect with a WebSocket`);
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    const answer = new Response(null, { status: 101, webSocket: client });
    // The stock client learns why it was refused from an ERROR frame, as the PeerJS server does it.
    const admitted = await this.admit(world, new URL(request.url).searchParams);
    if ('refused' in admitted) {
      send(server, { type: 'ERROR', payload: { msg: admitted.refused.message } });
      closeSocket(server, admitted.refused.close, admitted.refused.message);
      return answer;
    }
    const { peer, exp } = admitted;
    const old = this.peers.get(peer);
    if (old !== undefined) {
      // The same visitor again (a reload, a reconnect): the newer socket holds the id.
      this.peers.delete(peer);
      this.buckets.delete(old);
      closeSocket(old, CLOSE.normal, `${ROOM}: this peer id connected again`);
    }
    server.serializeAttachment({ peer, exp } satisfies Admitted);
    this.peers.set(peer, server);
    this.buckets.set(server, createFrameBucket(Date.now()));
    send(server, { type: 'OPEN' });
    const waiting = this.held.get(peer);
    if (waiting) {
      this.held.delete(peer);
      this.heldCount -= waiting.length;
      for (const h of waiting) send(server, h.frame);
    }
    return answer;
  }

  /** Checks the query, the token (this world, join) and that the id is the token's visitor's own. */
  private async admit(
    world: string,
    params: URLSearchParams,
  ): Promise<{ peer: string; exp: number } | { refused: { close: number; message: string } }> {
    const q = SignalQuery.safeParse(Object.fromEntries(params));
    if (!q.success) {
      const issue = q.error.issues[0];
      return {
        refused: {
          close: HELLO_CLOSE.invalid,
          message: `${ROOM}: the query needs key, id and token (${issue?.path.join('.') ?? 'query'}: ${issue?.message ?? 'invalid'})`,
        },
      };
    }
    if (q.data.key !== PEERJS_KEY) {
      return {
        refused: {
          close: HELLO_CLOSE.forbidden,
          message: `${ROOM}: invalid key "${q.data.key}"; use the default "${PEERJS_KEY}"`,
        },
      };
    }
    let secret: string;
    try {
      secret = signingSecret(this.env);
    } catch (err) {
      if (!(err instanceof EdgeError)) throw err;
      return { refused: { close: CLOSE.lost, message: err.message } };
    }
    const check = await verifyToken(q.data.token, secret, { world });
    if (!check.ok) {
      const close = check.reason === 'token_wrong_world' ? HELLO_CLOSE.forbidden : HELLO_CLOSE.unauthorized;
      return { refused: { close, message: `${ROOM}: ${check.message}` } };
    }
    if (!hasPermission(check.claims.perm, PERMISSION.join)) {
      return { refused: { close: HELLO_CLOSE.forbidden, message: `${ROOM}: this token lacks the "join" permission` } };
    }
    const own = await peerIdFor(world, check.claims.sub);
    if (q.data.id !== own) {
      return {
        refused: {
          close: HELLO_CLOSE.forbidden,
          message: `${ROOM}: peer id "${q.data.id}" is not yours; get yours from GET <path>peerjs/id with your token`,
        },
      };
    }
    return { peer: own, exp: check.claims.exp };
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const self = this.selfOf(ws);
    if (self === null) return;
    const now = Date.now();
    if (self.exp * 1000 <= now)
      return this.refuse(ws, HELLO_CLOSE.unauthorized, `${ROOM}: your token expired; connect again with a new one`);
    const bucket = this.buckets.get(ws) ?? createFrameBucket(now);
    this.buckets.set(ws, bucket);
    const take = takeFrameToken(bucket, now);
    if (take === 'flood') return this.refuse(ws, CLOSE.flood, `${ROOM}: too many frames; slow down`);
    if (take === 'warn') return; // dropped: a client that keeps this up is closed
    if (typeof message !== 'string') return this.refuse(ws, HELLO_CLOSE.invalid, `${ROOM}: frames are PeerJS JSON text`);
    const parsed = parseSignalFrame(message, self.peer);
    if (!parsed.ok) {
      return this.refuse(ws, parsed.code === 'signal_too_large' ? CLOSE.tooBig : HELLO_CLOSE.invalid, parsed.message);
    }
    const frame = parsed.frame;
    if (frame.type === 'HEARTBEAT') return;
    if (frame.type === 'LEAVE' && frame.dst === undefined) {
      // The client leaves the server (as `peer` does: forget it).
      this.drop(ws);
      closeSocket(ws, CLOSE.normal, `${ROOM}: left`);
      return;
    }
    if (frame.dst === undefined) return;
    // Connections are made only where the world room named both sides to each other; LEAVE always goes (it closes).
    if (frame.type !== 'LEAVE' && !this.mayConnect(self.peer, frame.dst)) {
      send(ws, {
        type: 'EXPIRE',
        src: frame.dst,
        dst: self.peer,
        payload: {
          msg: `${ROOM}: peer "${frame.dst}" is not one the world room named for you (signal_not_your_peer); connect only to the peers in your peers frame`,
        },
      });
      return;
    }
    this.relay({ ...frame, src: self.peer, dst: frame.dst } as RelayedFrame, now);
  }

  /**
   * RPC from this world's WorldRoom: the peers each listed visitor may now connect to (an empty list: none).
   * Replaces those visitors' lists; the WorldRoom calls it before it tells the visitors, so their first OFFER
   * already passes. Refused (lists untouched) when it is not peer id -> at most MAX_ALLOWED_PEERS peer ids.
   */
  async allow(lists: Record<string, string[]>): Promise<{ ok: true } | { ok: false; message: string }> {
    const parsed = AllowedLists.safeParse(lists);
    if (!parsed.success)
      return { ok: false, message: `${ROOM}: allow takes peer id -> at most ${MAX_ALLOWED_PEERS} peer ids, 128 visitors a call` };
    const put: Record<string, string[]> = {};
    const gone: string[] = [];
    for (const [peer, list] of Object.entries(parsed.data)) {
      if (list.length === 0) {
        this.allowed.delete(peer);
        gone.push(ALLOW_PREFIX + peer);
      } else {
        this.allowed.set(peer, new Set(list));
        put[ALLOW_PREFIX + peer] = list;
      }
    }
    if (Object.keys(put).length > 0) await this.ctx.storage.put(put);
    if (gone.length > 0) await this.ctx.storage.delete(gone);
    return { ok: true };
  }

  /** Whether `from` and `to` were named to each other by the world room (the plan is mutual; both lists must say so). */
  private mayConnect(from: string, to: string): boolean {
    return (this.allowed.get(from)?.has(to) ?? false) && (this.allowed.get(to)?.has(from) ?? false);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.drop(ws);
    echoClose(ws, code);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.drop(ws);
  }

  /** The peer ids connected now (for tests and the WorldRoom's future use). */
  connected(): string[] {
    return [...this.peers.keys()];
  }

  private selfOf(ws: WebSocket): Admitted | null {
    const a = Admitted.safeParse(ws.deserializeAttachment());
    if (!a.success || this.peers.get(a.data.peer) !== ws) return null;
    return a.data;
  }

  /** Sends `frame` to its destination, or holds it for a destination that may connect within SIGNAL_EXPIRE_MS. */
  private relay(frame: RelayedFrame, now: number): void {
    const to = this.peers.get(frame.dst);
    if (to !== undefined) {
      send(to, frame);
      return;
    }
    if (frame.type === 'LEAVE') return;
    const list = this.held.get(frame.dst) ?? [];
    if (list.length >= MAX_QUEUED_PER_PEER || this.heldCount >= MAX_QUEUED_TOTAL) {
      this.expire(frame);
      return;
    }
    list.push({ frame, at: now });
    this.held.set(frame.dst, list);
    this.heldCount += 1;
    this.expiryTimer ??= setTimeout(() => this.sweep(), 1000);
  }

  /** Answers EXPIRE for every held message older than SIGNAL_EXPIRE_MS. */
  private sweep(): void {
    this.expiryTimer = null;
    const now = Date.now();
    for (const [dst, list] of this.held) {
      const keep = list.filter((h) => now - h.at < SIGNAL_EXPIRE_MS);
      for (const h of list) if (now - h.at >= SIGNAL_EXPIRE_MS) this.expire(h.frame);
      this.heldCount -= list.length - keep.length;
      if (keep.length === 0) this.held.delete(dst);
      else this.held.set(dst, keep);
    }
    if (this.heldCount > 0) this.expiryTimer = setTimeout(() => this.sweep(), 1000);
  }

  /** Tells a frame's sender that its destination never connected (peerjs: "Could not connect to peer"). */
  private expire(frame: RelayedFrame): void {
    const from = this.peers.get(frame.src);
    if (from !== undefined) send(from, { type: 'EXPIRE', src: frame.dst, dst: frame.src });
  }

  private refuse(ws: WebSocket, close: number, msg: string): void {
    send(ws, { type: 'ERROR', payload: { msg } });
    this.drop(ws);
    closeSocket(ws, close, msg);
  }

  private drop(ws: WebSocket): void {
    this.buckets.delete(ws);
    const a = Admitted.safeParse(ws.deserializeAttachment());
    if (a.success && this.peers.get(a.data.peer) === ws) this.peers.delete(a.data.peer);
  }
}

function send(ws: WebSocket, frame: SignalServerFrame): void {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    // Closing: its close handler cleans up.
  }
}
