/**
 * Textures and meshes the fake simulator serves (GetTexture `?texture_id=`, GetMesh `?mesh_id=`, and ViewerAsset
 * with either parameter): real StormArt assets read from the OAR, plus one too large for the edge, one of the wrong
 * content type and one whose bytes are not of its kind; any other id is 404. A login whose first name is
 * "Oldcaps" is granted only ViewerAsset (the route then falls back to it). Shared by the fake simulator (Node) and
 * the edge tests (workerd), so constants only.
 */
export const FAKE_TEXTURES = {
  /** dev-checker-256 (StormArt). */
  checker: 'ada1326f-d5c7-414a-b86b-521f4d63498e',
  /** dev-rings-256 (StormArt): fetched only by the ViewerAsset fallback test. */
  rings: '7daa72aa-b868-46cb-bbc3-a121c2886384',
  huge: 'c1000000-0000-4000-8000-00000000b16e',
  html: 'c2000000-0000-4000-8000-0000000000ff',
  notJ2k: 'c4000000-0000-4000-8000-000000000bad',
  missing: 'c3000000-0000-4000-8000-000000000404',
} as const;

export const FAKE_MESHES = {
  /** dev-gem (StormArt). */
  gem: '20009cd8-5313-4566-b91a-479fad4d36dc',
  /** dev-house (StormArt): fetched only by the ViewerAsset fallback test. */
  house: '55a97283-cfcf-43fe-98c6-b009f4332a46',
  huge: 'd1000000-0000-4000-8000-00000000b16e',
  html: 'd2000000-0000-4000-8000-0000000000ff',
  notMesh: 'd4000000-0000-4000-8000-000000000bad',
  missing: 'd3000000-0000-4000-8000-000000000404',
} as const;

/** The first name of a login whose seed grants ViewerAsset only (no GetTexture, GetMesh, GetMesh2). */
export const OLD_CAPS_FIRST_NAME = 'Oldcaps';
