/** Checks the tree under `root`; returns human-readable violations (empty when clean). */
export function checkBoundaries(root: string): string[];
