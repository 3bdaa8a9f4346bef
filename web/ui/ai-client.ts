/** Main-thread side of the AI worker: starts it, hands it the world's metric snapshots, relays its (parsed) events. */
import { type AiCommand, AiEvent } from '../ai/ai-protocol';

export interface AiClient {
  send(command: AiCommand): void;
  stop(): void;
}

/** Starts the AI worker; every event it posts is checked against AiEvent before `onEvent` sees it. */
export function startAiWorker(onEvent: (event: AiEvent) => void): AiClient {
  const worker = new Worker(new URL('../workers/ai.worker.ts', import.meta.url), { type: 'module', name: 'ai' });
  worker.onmessage = (message: MessageEvent<unknown>) => {
    const parsed = AiEvent.safeParse(message.data);
    onEvent(
      parsed.success
        ? parsed.data
        : { type: 'error', code: 'ai_bad_message', message: 'ai: the AI worker sent an event that failed validation' },
    );
  };
  worker.onerror = (event) =>
    onEvent({ type: 'error', code: 'ai_bad_model', message: `ai: ${event.message || 'the AI worker failed'}` });
  return { send: (command) => worker.postMessage(command), stop: () => worker.terminate() };
}
