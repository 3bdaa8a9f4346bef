// chat-commands: answers chat commands in local chat. "!where" says where you stand, "!people" who is around,
// "!lines" how many lines chat-log has kept (from its chat-log/line events). Permissions: chat:read, chat:send,
// world:read, bus:subscribe:chat-log/*. Depends on chat-log ^1.0.0.
let logged = 0;

function where(w) {
  if (!w.self) return 'not in a world yet';
  const [x, y, z] = w.self.position.map((v) => Math.round(v));
  return `${w.world ? w.world.name : 'here'} at ${x}, ${y}, ${z}`;
}

export function init(ctx) {
  ctx.bus.subscribe('chat-log/line', () => {
    logged++;
  });
  ctx.chat.onLine((line) => {
    const text = line.text.trim();
    if (!text.startsWith('!')) return;
    const w = ctx.world.snapshot();
    if (text === '!where') return ctx.chat.send(`[bot] ${where(w)}`);
    if (text === '!people') {
      const names = (w.people || []).filter((p) => !p.self).map((p) => p.name);
      return ctx.chat.send(`[bot] ${names.length} here${names.length ? `: ${names.join(', ')}` : ''}`);
    }
    if (text === '!lines') return ctx.chat.send(`[bot] chat-log has seen ${logged} lines`);
  });
}
