/** Relay counters, readable as an object (tests, /healthz) and as Prometheus text (/metrics). */

/** Why a circuit was refused before it opened. */
export type RefusalReason =
  | 'bad_request'
  | 'unauthorized'
  | 'origin'
  | 'destination'
  | 'capacity'
  | 'shutting_down'
  | 'udp_unavailable';

/** Why a datagram was dropped. */
export type DropReason =
  | 'foreign_source'
  | 'rate_to_sim'
  | 'rate_from_sim'
  | 'oversize_from_sim'
  | 'empty'
  | 'backpressure'
  | 'send_error'
  /** The circuit's datagrams to the simulator scored over the anomaly alarm (shared/anomaly). */
  | 'anomalous';

/** A snapshot of every counter. */
export interface RelayMetrics {
  circuitsActive: number;
  circuitsOpened: number;
  circuitsClosed: number;
  datagramsToSim: number;
  bytesToSim: number;
  datagramsFromSim: number;
  bytesFromSim: number;
  refused: Record<RefusalReason, number>;
  dropped: Record<DropReason, number>;
}

/** Creates zeroed counters. */
export function createMetrics(): RelayMetrics {
  return {
    circuitsActive: 0,
    circuitsOpened: 0,
    circuitsClosed: 0,
    datagramsToSim: 0,
    bytesToSim: 0,
    datagramsFromSim: 0,
    bytesFromSim: 0,
    refused: {
      bad_request: 0,
      unauthorized: 0,
      origin: 0,
      destination: 0,
      capacity: 0,
      shutting_down: 0,
      udp_unavailable: 0,
    },
    dropped: {
      foreign_source: 0,
      rate_to_sim: 0,
      rate_from_sim: 0,
      oversize_from_sim: 0,
      empty: 0,
      backpressure: 0,
      send_error: 0,
      anomalous: 0,
    },
  };
}

/** Renders the counters in the Prometheus text exposition format. */
export function formatPrometheus(m: RelayMetrics): string {
  const lines: string[] = [];
  const one = (name: string, type: 'counter' | 'gauge', help: string, value: number): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
  };
  const labelled = (name: string, help: string, values: Record<string, number>): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
    for (const [reason, value] of Object.entries(values)) lines.push(`${name}{reason="${reason}"} ${value}`);
  };
  one('relay_circuits_active', 'gauge', 'Circuits open now.', m.circuitsActive);
  one('relay_circuits_opened_total', 'counter', 'Circuits opened.', m.circuitsOpened);
  one('relay_circuits_closed_total', 'counter', 'Circuits closed.', m.circuitsClosed);
  one('relay_datagrams_to_sim_total', 'counter', 'Datagrams sent to simulators.', m.datagramsToSim);
  one('relay_bytes_to_sim_total', 'counter', 'Bytes sent to simulators.', m.bytesToSim);
  one('relay_datagrams_from_sim_total', 'counter', 'Datagrams forwarded from simulators to the edge.', m.datagramsFromSim);
  one('relay_bytes_from_sim_total', 'counter', 'Bytes forwarded from simulators to the edge.', m.bytesFromSim);
  labelled('relay_refused_total', 'Circuits refused before opening, by reason.', m.refused);
  labelled('relay_dropped_total', 'Datagrams dropped, by reason.', m.dropped);
  return `${lines.join('\n')}\n`;
}
