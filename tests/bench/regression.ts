/** The > 5 % regression flag (its rule lives in shared/math/regression.ts: the plugin host's profile baseline uses it too). */
export { findRegressions, type MeasuredCase, REGRESSION_THRESHOLD } from '../../shared/math/regression';
