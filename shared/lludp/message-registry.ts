/** The message tables, parsed once from the embedded template at first use, with lookups by name and wire id. */
import type { MessageTemplate } from './parse-template';
import { parseTemplate } from './parse-template';
import { TEMPLATE_SOURCE } from './template-source';

/** All messages of the template with their lookups. */
export interface MessageRegistry {
  readonly messages: readonly MessageTemplate[];
  readonly byName: ReadonlyMap<string, MessageTemplate>;
  /** By the 32-bit id key (see `messageIdKey`). */
  readonly byId: ReadonlyMap<number, MessageTemplate>;
}

let registry: MessageRegistry | undefined;

/** Builds a registry from template text (tests and tools; the codec uses {@link getMessageRegistry}). */
export function createMessageRegistry(text: string): MessageRegistry {
  const messages = parseTemplate(text);
  return {
    messages,
    byName: new Map(messages.map((m) => [m.name, m])),
    byId: new Map(messages.map((m) => [m.id, m])),
  };
}

/** The registry of the embedded message_template.msg, parsed on the first call (a few milliseconds) and then kept. */
export function getMessageRegistry(): MessageRegistry {
  registry ??= createMessageRegistry(TEMPLATE_SOURCE);
  return registry;
}
