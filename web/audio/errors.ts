/** Audio errors: messages start with "audio:"; codes are listed in docs/errors.md ("Audio"). */
import { StormError } from '../../shared/errors';

export type AudioErrorCode = 'audio_fetch_failed' | 'audio_too_large' | 'audio_undecodable' | 'audio_bad_frame';

/** A sound that could not be had or played; the mixer logs it and plays on without it. */
export class AudioError extends StormError {
  declare readonly code: AudioErrorCode;

  constructor(code: AudioErrorCode, message: string) {
    super(code, message.startsWith('audio: ') ? message : `audio: ${message}`, 'check');
    this.name = 'AudioError';
  }
}
