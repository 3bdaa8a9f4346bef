// chat-log: keeps the last lines of local chat, shows them in a panel, and exports them (a button, or the
// chat-log/export event with the whole log as text). Permissions: chat:read, ui:panel, storage, bus:publish:chat-log/*.
const MAX_LINES = 50;
let lines = [];

function stamp(at) {
  return new Date(at).toISOString().slice(11, 19);
}

function show(ctx) {
  return ctx.ui.panel({
    title: 'Chat log',
    items: [
      { kind: 'field', label: 'lines', value: String(lines.length) },
      { kind: 'list', items: lines.slice(-10).map((l) => `${stamp(l.at)} ${l.from}: ${l.text}`) },
      { kind: 'button', id: 'export', label: 'Export' },
    ],
  });
}

export async function init(ctx) {
  const saved = await ctx.storage.get('lines');
  if (saved) lines = JSON.parse(saved).slice(-MAX_LINES);
  ctx.chat.onLine(async (line) => {
    lines.push({ from: line.from, text: line.text, at: line.at });
    if (lines.length > MAX_LINES) lines = lines.slice(-MAX_LINES);
    ctx.bus.publish('chat-log/line', { from: line.from, text: line.text });
    await ctx.storage.set('lines', JSON.stringify(lines));
    await show(ctx);
  });
  ctx.ui.onAction((id) => {
    if (id !== 'export') return;
    const text = lines.map((l) => `[${stamp(l.at)}] ${l.from}: ${l.text}`).join('\n');
    ctx.bus.publish('chat-log/export', { text, lines: lines.length });
  });
  await show(ctx);
}

export function shutdown(ctx) {
  ctx.log.info(`chat-log: ${lines.length} lines kept`);
}
