/** Storm protocol v1: the browser ↔ edge wire format, shared by the viewer and the edge. */
export { decodeUtf8, encodeUtf8, utf8Length } from './byte-io';
export {
  CLIENT_TAGS,
  decodeClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  encodeServerMessage,
  FIELD,
  FIELD_ALL,
  SERVER_TAGS,
} from './codec';
export {
  Bounds,
  Color,
  Entity,
  EntityId,
  EntityKind,
  EntityUpdate,
  EntityUuid,
  FaceColors,
  PrimShape,
  Quat,
  SHAPE_PRESETS,
  type ShapePreset,
  Vec3,
} from './entity';
export { ProtocolError, type ProtocolErrorCode } from './errors';
export * from './limits';
export {
  Ack,
  Action,
  ActionResult,
  ClientChat,
  ClientMessage,
  DEFAULT_BOUNDS,
  Delta,
  Despawn,
  ErrorFrame,
  Hello,
  INPUT_FLAGS,
  Input,
  Ping,
  Pong,
  ServerChat,
  ServerMessage,
  Snapshot,
  TerrainPatch,
  Welcome,
} from './messages';
export {
  dequantizeAxis,
  MAX_VELOCITY,
  packRotation,
  positionStep,
  quantizeAxis,
  rotationAngle,
  roundTripPosition,
  roundTripRotation,
  unpackRotation,
  VELOCITY_UNIT,
} from './quantize';
export { compareVersions, incrementVersion, mergeVersions, type VersionOrder, VersionVector } from './version-vector';
export {
  Conflict,
  EntityInfo,
  JournalEntry,
  JournalState,
  MAX_INSPECT_ENTITIES,
  MAX_INSPECT_RADIUS,
  MAX_JOURNAL_ENTRIES,
  MAX_PLAN_ACTIONS,
  MAX_PRIM_SIZE,
  OperationResult,
  WORLD_TOOLS,
  WorldAction,
  WorldOperation,
} from './world-tool';
