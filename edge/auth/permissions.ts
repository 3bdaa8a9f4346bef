/** Access-token permissions: a bitmask. */

/** Permission bits carried by an access token. */
export const PERMISSION = {
  /** Enter a world and move an avatar. */
  join: 1,
  /** Speak in chat. */
  chat: 2,
  /** Prepare, commit and undo World Tool Protocol plans. */
  edit: 4,
  /** Create new worlds (POST /api/worlds). */
  create: 8,
} as const;
export type PermissionName = keyof typeof PERMISSION;

/** What a visitor gets when GUEST_PERMISSIONS is not set. */
export const DEFAULT_GUEST_PERMISSIONS = PERMISSION.join | PERMISSION.chat | PERMISSION.edit;

function isPermissionName(word: string): word is PermissionName {
  return Object.hasOwn(PERMISSION, word);
}

/** True when `mask` holds every bit of `needed`. */
export function hasPermission(mask: number, needed: number): boolean {
  return (mask & needed) === needed;
}

/**
 * Parses a space- or comma-separated list of permission names ("join chat edit create") into a
 * mask; unknown names are ignored, an absent or empty list gives the default guest permissions.
 */
export function parsePermissions(list: string | undefined): number {
  if (list === undefined || list.trim() === '') return DEFAULT_GUEST_PERMISSIONS;
  let mask = 0;
  for (const word of list.split(/[\s,]+/)) {
    if (isPermissionName(word)) mask |= PERMISSION[word];
  }
  return mask;
}
