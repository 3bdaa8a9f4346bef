// sky.wgsl: full-screen gradient from horizon to zenith, drawn first (no depth write).
// Bindings: group(0) binding(0) frame: Frame (uniform).
@group(0) @binding(0) var<uniform> frame: Frame;

struct SkyOut {
  @builtin(position) clip: vec4f,
  @location(0) ndc: vec2f,
}

@vertex
fn vs(@builtin(vertex_index) i: u32) -> SkyOut {
  let xy = vec2f(f32((i << 1u) & 2u), f32(i & 2u)) * 2.0 - 1.0;
  var out: SkyOut;
  out.clip = vec4f(xy, 1.0, 1.0);
  out.ndc = xy;
  return out;
}

@fragment
fn fs(in: SkyOut) -> @location(0) vec4f {
  let far = frame.invViewProj * vec4f(in.ndc, 1.0, 1.0);
  let dir = normalize(far.xyz / far.w - frame.eyeFog.xyz);
  let t = clamp(dir.z * 1.6, 0.0, 1.0);
  let sky = mix(frame.skyHorizon.rgb, frame.skyZenith.rgb, sqrt(t));
  let sun = pow(max(dot(dir, frame.sunDir.xyz), 0.0), 600.0) * frame.sunColor.rgb;
  return vec4f(sky + sun, 1.0);
}
