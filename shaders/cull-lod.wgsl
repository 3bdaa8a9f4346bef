// Cull + LOD pass: frustum test of each instance's bounding sphere, LOD from projected size, atomic compaction
// of visible instance indices per (mesh, LOD) slot, and drawIndexedIndirect arguments per slot.
// Structs (CullParams, DrawIndexedArgs) are injected from web/render/cull/cull-schema.ts.
// Bindings (group 0, cullLayout):
//   0 params      uniform                CullParams
//   1 spheres     storage, read          array<vec4f>            (center.xyz, radius) per instance
//   2 meshIds     storage, read          array<u32>              mesh id per instance
//   3 slotBase    storage, read          array<u32>              region start per slot (slot = meshId * lodCount + lod)
//   4 draws       storage, read_write    array<DrawIndexedArgs>  instanceCount reset to 0 before the pass
//   5 visible     storage, read_write    array<u32>              compacted visible instance indices
//   6 instanceLod storage, read_write    array<u32>              LOD per instance, 0xffffffff when culled
// The CPU reference (web/render/cull/cpu-cull-lod.ts) repeats this arithmetic in f32; keep them in step.

const CULLED: u32 = 0xffffffffu;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x + gid.y * layout.$.params.dispatchWidth;
  if (i >= layout.$.params.instanceCount) {
    return;
  }
  let s = layout.$.spheres[i];
  let c = s.xyz;
  let r = s.w;
  var inside = true;
  for (var p = 0u; p < 6u; p++) {
    let plane = layout.$.params.planes[p];
    if (plane.x * c.x + plane.y * c.y + plane.z * c.z + plane.w < -r) {
      inside = false;
    }
  }
  if (!inside) {
    layout.$.instanceLod[i] = CULLED;
    return;
  }
  let d = c - layout.$.params.camera.xyz;
  let d2 = d.x * d.x + d.y * d.y + d.z * d.z;
  let r2 = r * r;
  if (r2 < layout.$.params.detailK * d2) {
    layout.$.instanceLod[i] = CULLED;
    return;
  }
  let last = layout.$.params.lodCount - 1u;
  var lod = last;
  for (var l = 0u; l < last; l++) {
    if (r2 >= layout.$.params.lodK[l] * d2) {
      lod = l;
      break;
    }
  }
  layout.$.instanceLod[i] = lod;
  let slot = layout.$.meshIds[i] * layout.$.params.lodCount + lod;
  let k = atomicAdd(&layout.$.draws[slot].instanceCount, 1u);
  layout.$.visible[layout.$.slotBase[slot] + k] = i;
}
