/** GET /api/plugins/trusted: the operator's TRUSTED_PLUGINS, checked; none when unset; a bad list is a 500 plugins_config. */
import { describe, expect, it } from 'vitest';
import { call, testEnv } from './support';

const integrity = `sha384-${'A'.repeat(64)}`;
const trusted = (env: Env = testEnv) => call('/api/plugins/trusted', {}, env);

describe('the trusted plugin list', () => {
  it('is empty by default and the configured list otherwise, uncached', async () => {
    const none = await trusted();
    expect(none.status).toBe(200);
    expect(await none.json()).toEqual({ plugins: [] });
    const list = [{ url: '/plugins/chat-log/storm-plugin.json', integrity }];
    const some = await trusted({ ...testEnv, TRUSTED_PLUGINS: JSON.stringify(list) });
    expect(some.status).toBe(200);
    expect(some.headers.get('cache-control')).toBe('no-store');
    expect(await some.json()).toEqual({ plugins: list });
  });

  it('answers a bad configuration with 500 plugins_config naming the field, never a partial list', async () => {
    const res = await trusted({ ...testEnv, TRUSTED_PLUGINS: JSON.stringify([{ url: '/a', integrity: 'md5-x' }]) });
    expect(res.status).toBe(500);
    const body = await res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe('plugins_config');
    expect(body.error.message).toMatch(/^edge: TRUSTED_PLUGINS: 0\.integrity/);
  });
});
