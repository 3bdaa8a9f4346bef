// prim.wgsl: instanced prims and avatars with per-face colours and materials (SL texture transform, planar TexGen,
// fullbright, glow, alpha modes), sun + ambient light and distance fog.
// Bindings: group(0) binding(0) frame: Frame (uniform);
//           group(0) binding(1) instances: array<Instance> (storage, read);
//           group(0) binding(2) faces: array<Face> (storage, read);
//           group(0) binding(3) visible: array<u32> (storage, read) — instance ids of this draw, written by the cull pass;
//           group(0) binding(4) textures: texture_2d_array<f32> (the texture layers), binding(5) a repeating sampler.
// Vertex buffers: 0 position vec3f, 1 normal vec3f, 2 face u32, 3 uv vec2f (SL convention: v up).
// Two passes share the shading. The opaque pass (vs_opaque, fs_opaque: no discard, so depth is tested early) draws
// every face that is not see-through; the blend pass (vs_blend, fs_blend) draws the see-through faces (alpha
// blended with some alpha below 1, or alpha-masked) of the see-through instances, farthest first, blended, without
// depth writes. Each vertex shader drops the other pass's faces (all three vertices of a triangle share its face).
@group(0) @binding(0) var<uniform> frame: Frame;
@group(0) @binding(1) var<storage, read> instances: array<Instance>;
@group(0) @binding(2) var<storage, read> faces: array<Face>;
@group(0) @binding(3) var<storage, read> visible: array<u32>;
@group(0) @binding(4) var textures: texture_2d_array<f32>;
@group(0) @binding(5) var textureSampler: sampler;

struct PrimIn {
  @location(0) position: vec3f,
  @location(1) normal: vec3f,
  @location(2) face: u32,
  @location(3) uv: vec2f,
}

struct PrimOut {
  @builtin(position) clip: vec4f,
  @location(0) normal: vec3f,
  @location(1) world: vec3f,
  @location(2) color: vec4f,
  @location(3) uv: vec2f,
  @location(4) @interpolate(flat) layer: i32,
  @location(5) @interpolate(flat) flags: u32,
  // Glow (x) and alpha cutoff (y).
  @location(6) @interpolate(flat) glowCutoff: vec2f,
}

fn rotate(q: vec4f, v: vec3f) -> vec3f {
  let t = 2.0 * cross(q.xyz, v);
  return v + q.w * t + cross(q.xyz, t);
}

const SEE_THROUGH: u32 = 8u;
const PLANAR: u32 = 16u;

// SL's planar TexGen (LLFace planarProjection): the position in metres (`p`, the unit mesh scaled by the prim's
// size) projected on the face's plane, picked by its object-space normal `n`: u = 1 + 2(B.p) - 0.5,
// v = -(2(T.p) - 0.5), with B from the normal's dominant axis and T = B x n.
fn planarUv(n: vec3f, p: vec3f) -> vec2f {
  var b = vec3f(1.0, 0.0, 0.0);
  if (abs(n.x) >= 0.5) {
    b = vec3f(0.0, select(1.0, -1.0, n.x < 0.0), 0.0);
  } else if (n.y > 0.0) {
    b = vec3f(-1.0, 0.0, 0.0);
  }
  let t = cross(b, n);
  return vec2f(1.0 + (dot(b, p) * 2.0 - 0.5), -(dot(t, p) * 2.0 - 0.5));
}

@vertex
fn vs_opaque(in: PrimIn, @builtin(instance_index) slot: u32) -> PrimOut {
  return primVertex(in, slot, false);
}

@vertex
fn vs_blend(in: PrimIn, @builtin(instance_index) slot: u32) -> PrimOut {
  return primVertex(in, slot, true);
}

fn primVertex(in: PrimIn, slot: u32, blendPass: bool) -> PrimOut {
  let inst = instances[visible[slot]];
  let world = inst.position + rotate(inst.rotation, in.position * inst.scale);
  var out: PrimOut;
  out.clip = frame.viewProj * vec4f(world, 1.0);
  out.world = world;
  out.normal = normalize(rotate(inst.rotation, in.normal / max(inst.scale, vec3f(1e-4))));
  let face = faces[inst.faceBase + min(in.face, max(inst.faceCount, 1u) - 1u)];
  out.color = face.color;
  // SL's texture transform: about the centre, rotate, scale by the repeats, then offset.
  let c = cos(face.rotation);
  let s = sin(face.rotation);
  var uv = in.uv;
  if ((face.flags & PLANAR) != 0u) {
    uv = planarUv(in.normal, in.position * inst.scale);
  }
  let centred = uv - vec2f(0.5);
  let turned = vec2f(centred.x * c + centred.y * s, -centred.x * s + centred.y * c);
  let st = turned * face.uvTransform.xy + face.uvTransform.zw + vec2f(0.5);
  // Images are stored top row first; SL's v runs up.
  out.uv = vec2f(st.x, 1.0 - st.y);
  out.layer = face.layer;
  out.flags = face.flags;
  out.glowCutoff = vec2f(face.glow, face.alphaCutoff);
  if (((face.flags & SEE_THROUGH) != 0u) != blendPass) {
    // Not this pass's face: behind the far plane, so the triangle is clipped away.
    out.clip = vec4f(0.0, 0.0, 2.0, 1.0);
  }
  return out;
}

fn shade(in: PrimOut) -> vec4f {
  // Derivatives in uniform control flow; the texture is read only where the face has one.
  let dx = dpdx(in.uv);
  let dy = dpdy(in.uv);
  var base = in.color;
  if (in.layer >= 0) {
    base = base * textureSampleGrad(textures, textureSampler, in.uv, in.layer, dx, dy);
  }
  let n = normalize(in.normal);
  let light = frame.ambient.rgb + frame.sunColor.rgb * max(dot(n, frame.sunDir.xyz), 0.0);
  let fullbright = (in.flags & 1u) != 0u;
  let lit = select(base.rgb * light, base.rgb, fullbright) + base.rgb * in.glowCutoff.x;
  let dist = distance(in.world, frame.eyeFog.xyz);
  let fog = 1.0 - exp(-dist * frame.eyeFog.w);
  let mode = (in.flags >> 1u) & 3u;
  var alpha = base.a;
  if (mode == 1u) {
    // Alpha mask: below the cutoff nothing, above it opaque.
    alpha = select(1.0, 0.0, base.a < max(in.glowCutoff.y, 0.004));
  } else if (mode >= 2u) {
    alpha = 1.0;
  }
  return vec4f(mix(min(lit, vec3f(1.0)), frame.skyHorizon.rgb, fog), alpha);
}

@fragment
fn fs_opaque(in: PrimOut) -> @location(0) vec4f {
  return vec4f(shade(in).rgb, 1.0);
}

@fragment
fn fs_blend(in: PrimOut) -> @location(0) vec4f {
  let c = shade(in);
  // Nothing to add (and a masked face's cut-away texels).
  if (c.a <= 0.0) {
    discard;
  }
  return c;
}
