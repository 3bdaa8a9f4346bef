import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENV_KEYS, loadRelayConfig } from '../../../../edge/relay/config.ts';

// No YAML parser is installed, so these read the manifests as text: enough to keep them consistent with the relay.
const root = new URL('../../../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

function deploymentEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of read('deploy/k8s/deployment.yaml').matchAll(/- name: (RELAY_\w+)\n\s+value: "?([^"\n]*)"?/g)) {
    env[m[1] ?? ''] = m[2] ?? '';
  }
  return env;
}

describe('relay deployment files', () => {
  it('set only RELAY_* variables the relay reads, and the Deployment sets the token from a Secret', () => {
    const text = read('deploy/k8s/deployment.yaml');
    const names = [...text.matchAll(/- name: (RELAY_\w+)/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(3);
    for (const name of names) expect(Object.keys(ENV_KEYS), name).toContain(name);
    expect(text).toMatch(/- name: RELAY_TOKEN\n\s+valueFrom:\n\s+secretKeyRef:/);
  });

  it('give the relay a configuration it accepts once the token Secret is there', () => {
    const config = loadRelayConfig({ ...deploymentEnv(), RELAY_TOKEN: 'x'.repeat(64) }, () => '');
    expect(config.host).toBe('0.0.0.0');
    expect(config.udpPorts).not.toBeNull();
  });

  it('list in the Service the TCP port and every UDP port the Deployment gives circuits', () => {
    const env = deploymentEnv();
    const service = read('deploy/k8s/service.yaml');
    const [low, high] = (env.RELAY_UDP_PORTS ?? '').split('-').map(Number);
    const udp = [...service.matchAll(/port: (\d+)\n\s+targetPort: \d+\n\s+protocol: UDP/g)].map((m) => Number(m[1]));
    expect(udp).toEqual(Array.from({ length: (high ?? 0) - (low ?? 0) + 1 }, (_, i) => (low ?? 0) + i));
    expect(service).toMatch(new RegExp(`port: ${env.RELAY_PORT}\\n\\s+targetPort: ws\\n\\s+protocol: TCP`));
    expect(read('deploy/k8s/deployment.yaml')).toContain(`containerPort: ${env.RELAY_PORT}`);
  });

  it('build the image from node:22-slim, run it as the unprivileged node user, and bundle with edge/relay/build.ts', () => {
    const docker = read('deploy/Dockerfile');
    expect(docker).toMatch(/^FROM node:22-slim AS build$/m);
    expect(docker).toMatch(/^USER node$/m);
    expect(docker).toContain('npx tsx edge/relay/build.ts /out/relay.cjs');
    expect(docker).toMatch(/^CMD \["node", "relay.cjs"\]$/m);
    expect(existsSync(new URL('edge/relay/build.ts', root))).toBe(true);
  });

  it('scale with a HorizontalPodAutoscaler aimed at the Deployment', () => {
    const hpa = read('deploy/k8s/hpa.yaml');
    expect(hpa).toContain('kind: HorizontalPodAutoscaler');
    expect(hpa).toMatch(/scaleTargetRef:\n\s+apiVersion: apps\/v1\n\s+kind: Deployment\n\s+name: stormcore-relay/);
  });
});
