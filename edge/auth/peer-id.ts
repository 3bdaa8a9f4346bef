/**
 * Peer ids bound to visitors: a visitor's PeerJS id is derived from its token's subject and the world, so the
 * Signal room can check that a socket's id is its own (nobody takes over another's id) and the WorldRoom can
 * tell others the id without asking anyone.
 */

const encoder = new TextEncoder();

/** The peer id of the visitor `sub` in `world`: `p` + the first 16 bytes of SHA-256("storm-peer\0world\0sub"), hex. */
export async function peerIdFor(world: string, sub: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(`storm-peer\0${world}\0${sub}`)));
  let hex = 'p';
  for (const b of digest.subarray(0, 16)) hex += b.toString(16).padStart(2, '0');
  return hex;
}
