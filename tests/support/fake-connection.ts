/** A StormConnection that sends nothing anywhere, for driving the world App without a socket (tests, benches). */
import type { OperationResult } from '../../shared/protocol';
import type { StormConnection } from '../../web/net/storm-connection';

/** The connection's methods do nothing unless `over` gives them a body. */
export function fakeConnection(over: Partial<StormConnection> = {}): StormConnection {
  return {
    tick: 0,
    traffic: { bytesIn: 0, bytesOut: 0, framesIn: 0 },
    state: 'open',
    session: 's-1',
    sendInput: () => {},
    chat: () => {},
    operate: async (): Promise<OperationResult> => ({ op: 'failed', code: 'not_connected', message: 'a fake connection' }),
    ping: () => {},
    setP2p: () => {},
    send: () => false,
    token: null,
    close: () => {},
    ...over,
  };
}
