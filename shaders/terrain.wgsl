// terrain.wgsl: heightfield terrain with the region's four textures blended by height as SL viewers do (where the
// blend starts and its range interpolated between the region's corners, a little noise on the boundary), or,
// without textures, shaded by height and slope (sand, grass, rock); sun + ambient, fog.
// Bindings: group(0) binding(0) frame: Frame (uniform); binding(1) terrain: TerrainParams (uniform);
//           binding(2) textures: texture_2d_array<f32> (the texture layers), binding(3) a repeating sampler.
// Vertex buffers: 0 position vec3f, 1 normal vec3f; world metres, Z up.
@group(0) @binding(0) var<uniform> frame: Frame;
@group(0) @binding(1) var<uniform> terrain: TerrainParams;
@group(0) @binding(2) var textures: texture_2d_array<f32>;
@group(0) @binding(3) var textureSampler: sampler;

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

fn hash2(p: vec2f) -> f32 {
  return fract(sin(dot(p, vec2f(127.1, 311.7))) * 43758.5453);
}

// Smooth value noise in -1..1.
fn noise2(p: vec2f) -> f32 {
  let i = floor(p);
  let f = fract(p);
  let u = f * f * (3.0 - 2.0 * f);
  let a = hash2(i);
  let b = hash2(i + vec2f(1.0, 0.0));
  let c = hash2(i + vec2f(0.0, 1.0));
  let d = hash2(i + vec2f(1.0, 1.0));
  return mix(mix(a, b, u.x), mix(c, d, u.x), u.y) * 2.0 - 1.0;
}

// A corner value (SW, NW, SE, NE) interpolated across the region.
fn corners(v: vec4f, at: vec2f) -> f32 {
  let t = clamp(at / max(terrain.region.xy, vec2f(1.0)), vec2f(0.0), vec2f(1.0));
  let west = mix(v.x, v.y, t.y);
  let east = mix(v.z, v.w, t.y);
  return mix(west, east, t.x);
}

// What a texture slot shows where it has no texture (sand, grass, rock, snow).
const FALLBACKS = array<vec3f, 4>(
  vec3f(0.76, 0.70, 0.50),
  vec3f(0.22, 0.55, 0.18),
  vec3f(0.45, 0.42, 0.40),
  vec3f(0.92, 0.93, 0.95),
);

// Slot k's colour at `uv` (k may differ between pixels: explicit gradients, taken in uniform control flow).
fn layerColor(k: i32, uv: vec2f, dx: vec2f, dy: vec2f) -> vec3f {
  let layer = terrain.layers[k];
  if (layer < 0) {
    var fallbacks = FALLBACKS;
    return fallbacks[k];
  }
  return textureSampleGrad(textures, textureSampler, uv, layer, dx, dy).rgb;
}

@fragment
fn fs(in: TerrainOut) -> @location(0) vec4f {
  let n = normalize(in.normal);
  let h = in.world.z - frame.water.x;
  var own = mix(FALLBACKS[0], FALLBACKS[1], smoothstep(0.5, 2.0, h));
  own = mix(own, FALLBACKS[2], smoothstep(0.55, 0.8, 1.0 - n.z));

  var base = own;
  let uv = in.world.xy / max(terrain.region.z, 0.01);
  let dx = dpdx(uv);
  let dy = dpdy(uv);
  if (terrain.region.w > 0.5) {
    // SL's composition: (height + noise - start) * 4 / range, clamped to 0..3, between two neighbouring textures.
    let start = corners(terrain.startHeights, in.world.xy);
    let range = max(corners(terrain.heightRanges, in.world.xy), 0.01);
    let twiddle = noise2(in.world.xy * 0.08) * 2.0 + noise2(in.world.xy * 0.5) * 0.5;
    let level = clamp((in.world.z + twiddle - start) * 4.0 / range, 0.0, 3.0);
    // A pixel blends two neighbouring textures at most: level 0..1 slots 0 and 1, 1..2 slots 1 and 2, 2..3 slots 2
    // and 3. Only those two are read (a software GPU pays for every filtered read).
    let k = min(i32(floor(level)), 2);
    let a = layerColor(k, uv, dx, dy);
    let b = layerColor(k + 1, uv, dx, dy);
    base = mix(a, b, clamp(level - f32(k), 0.0, 1.0));
  }

  if (frame.water.y > 0.5 && h < 0.0) {
    base = mix(base, vec3f(0.10, 0.30, 0.45), clamp(-h * 0.4, 0.0, 0.85));
  }
  let light = frame.ambient.rgb + frame.sunColor.rgb * max(dot(n, frame.sunDir.xyz), 0.0);
  let dist = distance(in.world, frame.eyeFog.xyz);
  let fog = 1.0 - exp(-dist * frame.eyeFog.w);
  return vec4f(mix(base * light, frame.skyHorizon.rgb, fog), 1.0);
}
