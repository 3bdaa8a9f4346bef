/**
 * The gateway's sounds: LLUDP sound fields and messages, as datagrams through the LLUDP codec, into GridScene's
 * entity sounds, triggers and preloads.
 */
import { describe, expect, it } from 'vitest';
import { GridScene, MAX_PENDING_SOUNDS } from '../../../edge/grid/scene';
import { decodePacket, encodePacket, isMessage, type Message, type MessageOf, type Packet } from '../../../shared/lludp';
import { NO_SOUND_ASSET, SOUND_FLAGS } from '../../../shared/protocol';
import { buildCompressed } from '../shared/lludp/compressed-builder';
import { sessionDatagrams } from '../shared/lludp/session-fixture';

const SOUND = '6cb0fc1b-a0b0-47e4-92a3-2ef8a9d7a30c';
const OWNER = 'a2e76fcd-9360-4f6d-a924-000000000003';

/** A message through real datagram bytes: encoded as the simulator would send it, then decoded. */
function wire<M extends Message>(message: M): Packet {
  return decodePacket(encodePacket({ header: { sequence: 1 }, message }));
}

const recorded = sessionDatagrams.map((d) => decodePacket(d));
const objectUpdate = recorded.find(
  (p) => isMessage(p.message, 'ObjectUpdate') && p.message.blocks.ObjectData.some((b) => b.PCode === 9),
);

/** The first recorded prim, with its sound fields set, as a new ObjectUpdate datagram. */
function primUpdate(sound: { Sound: string; Gain: number; Flags: number; Radius: number }): MessageOf<'ObjectUpdate'> {
  if (!objectUpdate || !isMessage(objectUpdate.message, 'ObjectUpdate')) throw new Error('fixture has no prim ObjectUpdate');
  const m = objectUpdate.message;
  const prim = m.blocks.ObjectData.find((b) => b.PCode === 9);
  if (!prim) throw new Error('no prim');
  const p = wire({ ...m, blocks: { ...m.blocks, ObjectData: [{ ...prim, ...sound, OwnerID: OWNER }] } });
  if (!isMessage(p.message, 'ObjectUpdate')) throw new Error('expected ObjectUpdate');
  return p.message;
}

function sceneWithPrim(sound: { Sound: string; Gain: number; Flags: number; Radius: number }) {
  const scene = new GridScene();
  const m = primUpdate(sound);
  scene.applyObjectUpdate(m.blocks);
  const prim = m.blocks.ObjectData[0];
  if (!prim) throw new Error('no prim');
  return { scene, id: prim.ID, uuid: prim.FullID };
}

/** A message's blocks as they decode from its datagram. */
function blocks<N extends Message['name']>(message: MessageOf<N>): MessageOf<N>['blocks'] {
  const back = wire(message as Message).message;
  if (back.name !== message.name) throw new Error(`expected ${message.name}, decoded ${back.name}`);
  return back.blocks as MessageOf<N>['blocks'];
}

describe('grid scene: object sounds', () => {
  it("an ObjectUpdate's looped sound becomes the entity's sound with its gain, radius and flags", () => {
    const { scene, id } = sceneWithPrim({ Sound: SOUND, Gain: 0.8, Flags: SOUND_FLAGS.loop, Radius: 20 });
    const sound = scene.objects.get(id)?.entity.sound;
    expect(sound?.asset).toBe(SOUND);
    expect(sound?.gain).toBeCloseTo(0.8, 6);
    expect(sound).toMatchObject({ radius: 20, flags: 1 });
    expect(scene.takeChanges().updates[0]?.sound?.asset).toBe(SOUND);
  });

  it('an ObjectUpdate without a sound leaves the field out, and a later silent update stops a sound it had', () => {
    const quiet = sceneWithPrim({ Sound: NO_SOUND_ASSET, Gain: 0, Flags: 0, Radius: 0 });
    expect('sound' in (quiet.scene.objects.get(quiet.id)?.entity ?? {})).toBe(false);
    const { scene, id } = sceneWithPrim({ Sound: SOUND, Gain: 1, Flags: 1, Radius: 0 });
    scene.takeChanges();
    scene.applyObjectUpdate(primUpdate({ Sound: NO_SOUND_ASSET, Gain: 0, Flags: 0, Radius: 0 }).blocks);
    expect(scene.takeChanges().updates.find((u) => u.id === id)?.sound).toEqual({
      asset: NO_SOUND_ASSET,
      gain: 0,
      radius: 0,
      flags: 0,
    });
  });

  it('clamps a gain above 1 and a huge radius from the wire', () => {
    const { scene, id } = sceneWithPrim({ Sound: SOUND, Gain: 7, Flags: 1, Radius: 1e9 });
    expect(scene.objects.get(id)?.entity.sound).toMatchObject({ gain: 1, radius: 1024 });
  });

  it("an ObjectUpdateCompressed's sound block (hasSound) becomes the entity's sound", () => {
    const scene = new GridScene();
    const data = buildCompressed({
      fullId: 'f0000000-0000-4000-8000-000000000001',
      localId: 900,
      pcode: 9,
      state: 0,
      crc: 1,
      material: 3,
      clickAction: 0,
      scale: [1, 1, 1],
      position: [128, 132, 22],
      rotation: [0, 0, 0, 1],
      ownerId: OWNER,
      parentId: 0,
      extraParams: [],
      sound: { id: SOUND, gain: 0.8, flags: 1, radius: 20 },
      shape: {
        pathCurve: 16,
        pathBegin: 0,
        pathEnd: 0,
        pathScaleX: 100,
        pathScaleY: 100,
        pathShearX: 0,
        pathShearY: 0,
        pathTwist: 0,
        pathTwistBegin: 0,
        pathRadiusOffset: 0,
        pathTaperX: 0,
        pathTaperY: 0,
        pathRevolutions: 0,
        pathSkew: 0,
        profileCurve: 1,
        profileBegin: 0,
        profileEnd: 0,
        profileHollow: 0,
      },
      textureEntry: new Uint8Array(0),
    });
    scene.applyCompressed(
      blocks<'ObjectUpdateCompressed'>({
        name: 'ObjectUpdateCompressed',
        blocks: { RegionData: { RegionHandle: 0n, TimeDilation: 65535 }, ObjectData: [{ UpdateFlags: 0, Data: data }] },
      }),
    );
    const sound = scene.objects.get(900)?.entity.sound;
    expect(sound?.asset).toBe(SOUND);
    expect(sound?.gain).toBeCloseTo(0.8, 6);
    expect(sound?.flags).toBe(1);
    expect(sound?.radius).toBe(20);
  });
});

describe('grid scene: sound messages', () => {
  it('AttachedSound with the loop flag sets the sound (keeping the radius); with stop it silences it', () => {
    const { scene, id, uuid } = sceneWithPrim({ Sound: NO_SOUND_ASSET, Gain: 0, Flags: 0, Radius: 0 });
    scene.takeChanges();
    scene.applyAttachedSound(
      blocks<'AttachedSound'>({
        name: 'AttachedSound',
        blocks: { DataBlock: { SoundID: SOUND, ObjectID: uuid, OwnerID: OWNER, Gain: 0.5, Flags: SOUND_FLAGS.loop } },
      }),
    );
    expect(scene.takeChanges().updates.find((u) => u.id === id)?.sound).toEqual({ asset: SOUND, gain: 0.5, radius: 0, flags: 1 });
    scene.applyAttachedSoundGainChange(
      blocks<'AttachedSoundGainChange'>({
        name: 'AttachedSoundGainChange',
        blocks: { DataBlock: { ObjectID: uuid, Gain: 0.25 } },
      }),
    );
    expect(scene.takeChanges().updates.find((u) => u.id === id)?.sound?.gain).toBe(0.25);
    scene.applyAttachedSound(
      blocks<'AttachedSound'>({
        name: 'AttachedSound',
        blocks: { DataBlock: { SoundID: SOUND, ObjectID: uuid, OwnerID: OWNER, Gain: 0.5, Flags: SOUND_FLAGS.stop } },
      }),
    );
    expect(scene.takeChanges().updates.find((u) => u.id === id)?.sound?.asset).toBe(NO_SOUND_ASSET);
    expect(scene.takeSounds()).toEqual([]);
  });

  it('AttachedSound played once is a trigger at the object, parented to it', () => {
    const { scene, id, uuid } = sceneWithPrim({ Sound: NO_SOUND_ASSET, Gain: 0, Flags: 0, Radius: 0 });
    scene.applyAttachedSound(
      blocks<'AttachedSound'>({
        name: 'AttachedSound',
        blocks: { DataBlock: { SoundID: SOUND, ObjectID: uuid, OwnerID: OWNER, Gain: 1, Flags: 0 } },
      }),
    );
    const [t] = scene.takeSounds();
    expect(t).toMatchObject({ type: 'sound_trigger', asset: SOUND, gain: 1, parent: id, owner: OWNER });
    expect(t?.type === 'sound_trigger' && t.position).toEqual(scene.objects.get(id)?.entity.position);
  });

  it('SoundTrigger becomes a one-shot at its position; PreloadSound a preload without duplicates', () => {
    const { scene, id, uuid } = sceneWithPrim({ Sound: NO_SOUND_ASSET, Gain: 0, Flags: 0, Radius: 0 });
    scene.applySoundTrigger(
      blocks<'SoundTrigger'>({
        name: 'SoundTrigger',
        blocks: {
          SoundData: {
            SoundID: SOUND,
            OwnerID: NO_SOUND_ASSET,
            ObjectID: uuid,
            ParentID: NO_SOUND_ASSET,
            Handle: 0n,
            Position: [10, 20, 30],
            Gain: 0.5,
          },
        },
      }),
    );
    scene.applyPreloadSound(
      blocks<'PreloadSound'>({
        name: 'PreloadSound',
        blocks: {
          DataBlock: [
            { ObjectID: uuid, OwnerID: OWNER, SoundID: SOUND },
            { ObjectID: uuid, OwnerID: OWNER, SoundID: SOUND },
          ],
        },
      }),
    );
    expect(scene.takeSounds()).toEqual([
      { type: 'sound_trigger', asset: SOUND, position: [10, 20, 30], gain: 0.5, parent: id },
      { type: 'sound_preload', assets: [SOUND] },
    ]);
    expect(scene.takeSounds()).toEqual([]);
  });

  it('keeps at most MAX_PENDING_SOUNDS sounds between takes, dropping the oldest', () => {
    const scene = new GridScene();
    const trigger = (gain: number) =>
      blocks<'SoundTrigger'>({
        name: 'SoundTrigger',
        blocks: {
          SoundData: {
            SoundID: SOUND,
            OwnerID: NO_SOUND_ASSET,
            ObjectID: NO_SOUND_ASSET,
            ParentID: NO_SOUND_ASSET,
            Handle: 0n,
            Position: [1, 2, 3],
            Gain: gain,
          },
        },
      });
    for (let i = 0; i < MAX_PENDING_SOUNDS + 10; i++) scene.applySoundTrigger(trigger(i === 0 ? 0.1 : 1));
    const all = scene.takeSounds();
    expect(all).toHaveLength(MAX_PENDING_SOUNDS);
    expect(all.every((s) => s.type === 'sound_trigger' && s.gain === 1)).toBe(true);
  });
});
