/** Plugin errors (docs/errors.md, "Plugins"): a stable `plugin_*` code, a message that starts with "plugins: ". */
import { StormError } from '../../shared/errors';

/** Every code the plugin contract answers with (docs/plugins.md lists when). */
export const PluginCode = {
  BadManifest: 'plugin_bad_manifest',
  FetchFailed: 'plugin_fetch_failed',
  IntegrityMismatch: 'plugin_integrity_mismatch',
  StormRange: 'plugin_storm_range',
  MissingDependency: 'plugin_missing_dependency',
  DependencyMismatch: 'plugin_dependency_mismatch',
  DependencyCycle: 'plugin_dependency_cycle',
  RiskRefused: 'plugin_risk_refused',
  PermissionDenied: 'plugin_permission_denied',
  BudgetExceeded: 'plugin_budget_exceeded',
  LoopCut: 'plugin_loop_cut',
  TokenInvalid: 'plugin_token_invalid',
  TokenExpired: 'plugin_token_expired',
  RateLimited: 'plugin_rate_limited',
  Throttled: 'plugin_throttled',
  BadMessage: 'plugin_bad_message',
  Failed: 'plugin_failed',
  AlreadyLoaded: 'plugin_already_loaded',
  NotLoaded: 'plugin_not_loaded',
  NotTrusted: 'plugin_not_trusted',
  LocalLimit: 'plugin_local_limit',
  BadQuery: 'plugin_bad_query',
} as const;
export type PluginCode = (typeof PluginCode)[keyof typeof PluginCode];

/** A plugin contract error. `kind` is 'check' (the plugin or its manifest is at fault) unless it is our bug. */
export class PluginError extends StormError {
  constructor(
    readonly pluginCode: PluginCode,
    message: string,
    kind: 'check' | 'internal' = 'check',
  ) {
    super(pluginCode, message.startsWith('plugins: ') ? message : `plugins: ${message}`, kind);
    this.name = 'PluginError';
  }
}

/** Shorthand for `new PluginError(code, message)`. */
export function pluginError(code: PluginCode, message: string): PluginError {
  return new PluginError(code, message);
}

/** The code and message of anything thrown: plugin errors keep theirs, anything else is `plugin_failed`. */
export function describeError(err: unknown): { code: PluginCode; message: string } {
  if (err instanceof PluginError) return { code: err.pluginCode, message: err.message };
  const text = err instanceof Error ? err.message : String(err);
  return { code: PluginCode.Failed, message: `plugins: ${text.slice(0, 512)}` };
}
