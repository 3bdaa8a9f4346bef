// terrain.wgsl: heightfield terrain shaded by height and slope (sand, grass, rock), sun + ambient, fog.
// Bindings: group(0) binding(0) frame: Frame (uniform).
// Vertex buffer 0: position vec3f, normal vec3f (24-byte stride), world metres, Z up.
@group(0) @binding(0) var<uniform> frame: Frame;

struct TerrainIn {
  @location(0) position: vec3f,
  @location(1) normal: vec3f,
}

struct TerrainOut {
  @builtin(position) clip: vec4f,
  @location(0) normal: vec3f,
  @location(1) world: vec3f,
}

@vertex
fn vs(in: TerrainIn) -> TerrainOut {
  var out: TerrainOut;
  out.clip = frame.viewProj * vec4f(in.position, 1.0);
  out.normal = in.normal;
  out.world = in.position;
  return out;
}

@fragment
fn fs(in: TerrainOut) -> @location(0) vec4f {
  let n = normalize(in.normal);
  let h = in.world.z - frame.water.x;
  let sand = vec3f(0.76, 0.70, 0.50);
  let grass = vec3f(0.22, 0.55, 0.18);
  let rock = vec3f(0.45, 0.42, 0.40);
  var base = mix(sand, grass, smoothstep(0.5, 2.0, h));
  base = mix(base, rock, smoothstep(0.55, 0.8, 1.0 - n.z));
  if (frame.water.y > 0.5 && h < 0.0) {
    base = mix(base, vec3f(0.10, 0.30, 0.45), clamp(-h * 0.4, 0.0, 0.85));
  }
  let light = frame.ambient.rgb + frame.sunColor.rgb * max(dot(n, frame.sunDir.xyz), 0.0);
  let dist = distance(in.world, frame.eyeFog.xyz);
  let fog = 1.0 - exp(-dist * frame.eyeFog.w);
  return vec4f(mix(base * light, frame.skyHorizon.rgb, fog), 1.0);
}
