// prim.wgsl: instanced prims and avatars with per-face colours, sun + ambient light and distance fog.
// Bindings: group(0) binding(0) frame: Frame (uniform);
//           group(0) binding(1) instances: array<Instance> (storage, read);
//           group(0) binding(2) faceColors: array<vec4f> (storage, read);
//           group(0) binding(3) visible: array<u32> (storage, read) — instance ids of this draw, written by the cull pass.
// Vertex buffers: 0 position vec3f, 1 normal vec3f, 2 face u32.
@group(0) @binding(0) var<uniform> frame: Frame;
@group(0) @binding(1) var<storage, read> instances: array<Instance>;
@group(0) @binding(2) var<storage, read> faceColors: array<vec4f>;
@group(0) @binding(3) var<storage, read> visible: array<u32>;

struct PrimIn {
  @location(0) position: vec3f,
  @location(1) normal: vec3f,
  @location(2) face: u32,
}

struct PrimOut {
  @builtin(position) clip: vec4f,
  @location(0) normal: vec3f,
  @location(1) world: vec3f,
  @location(2) color: vec4f,
}

fn rotate(q: vec4f, v: vec3f) -> vec3f {
  let t = 2.0 * cross(q.xyz, v);
  return v + q.w * t + cross(q.xyz, t);
}

@vertex
fn vs(in: PrimIn, @builtin(instance_index) slot: u32) -> PrimOut {
  let inst = instances[visible[slot]];
  let world = inst.position + rotate(inst.rotation, in.position * inst.scale);
  var out: PrimOut;
  out.clip = frame.viewProj * vec4f(world, 1.0);
  out.world = world;
  out.normal = normalize(rotate(inst.rotation, in.normal / max(inst.scale, vec3f(1e-4))));
  let face = min(in.face, max(inst.faceCount, 1u) - 1u);
  out.color = faceColors[inst.faceBase + face];
  return out;
}

@fragment
fn fs(in: PrimOut) -> @location(0) vec4f {
  let n = normalize(in.normal);
  let light = frame.ambient.rgb + frame.sunColor.rgb * max(dot(n, frame.sunDir.xyz), 0.0);
  let lit = in.color.rgb * light;
  let dist = distance(in.world, frame.eyeFog.xyz);
  let fog = 1.0 - exp(-dist * frame.eyeFog.w);
  return vec4f(mix(lit, frame.skyHorizon.rgb, fog), in.color.a);
}
