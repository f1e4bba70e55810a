// Semantic label map (spec §5.2): for every image pixel,
//   label(y, x) = argmax_c sum_{n: label_n = c} score_n * sigmoid(bilinear(M_n)(y, x))
// over classes 0..K-1, first class on ties; a pixel no instance covers gets class 0.
//
// The host sorts instances by class (stably), so a thread walks them once and closes a class sum
// whenever the class changes: O(N) work and O(1) state per pixel, with no bound on K (a private
// array of K sums would spill for K = 150). The host also checks scores >= 0: then every class
// without instances has sum 0, which never beats the starting candidate (class 0, sum 0) under a
// strict comparison, and runs visited in increasing class order keep the first class on ties.
// Bilinear sampling is the one of mask-resize.wgsl (torch, align_corners=False).

struct Params {
  n: u32,
  hm: u32,
  wm: u32,
  h0: u32,
  w0: u32,
  scaleY: f32, // hm / h0, rounded to f32 on the host as torch does
  scaleX: f32,
  _pad: u32,
}

struct Instance {
  map: u32,   // index of the instance's logit map in `logits`
  label: u32, // class; instances are sorted by it
  score: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;          // (N, hm, wm)
@group(0) @binding(2) var<storage, read> instances: array<Instance>;  // (N), sorted by label
@group(0) @binding(3) var<storage, read_write> labels: array<u32>;    // (H0, W0)

fn sourceIndex(dst: u32, scale: f32) -> f32 {
  return max(scale * (f32(dst) + 0.5) - 0.5, 0.0);
}

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) li: u32,
) {
  let pixel = (wid.x + wid.y * nwg.x) * 64u + li;
  if (pixel >= params.h0 * params.w0) {
    return;
  }
  let y = pixel / params.w0;
  let x = pixel % params.w0;
  let sy = sourceIndex(y, params.scaleY);
  let y0 = min(u32(sy), params.hm - 1u);
  let y1 = min(y0 + 1u, params.hm - 1u);
  let fy = sy - f32(y0);
  let gy = 1.0 - fy;
  let sx = sourceIndex(x, params.scaleX);
  let x0 = min(u32(sx), params.wm - 1u);
  let x1 = min(x0 + 1u, params.wm - 1u);
  let fx = sx - f32(x0);
  let gx = 1.0 - fx;

  var best = 0u;
  var bestSum = 0.0;
  var runLabel = 0u;
  var runSum = 0.0;
  for (var t = 0u; t < params.n; t++) {
    let inst = instances[t];
    if (t > 0u && inst.label != runLabel) {
      if (runSum > bestSum) {
        best = runLabel;
        bestSum = runSum;
      }
      runSum = 0.0;
    }
    runLabel = inst.label;
    let plane = inst.map * params.hm * params.wm;
    let r0 = plane + y0 * params.wm;
    let r1 = plane + y1 * params.wm;
    let v = gy * (gx * logits[r0 + x0] + fx * logits[r0 + x1]) + fy * (gx * logits[r1 + x0] + fx * logits[r1 + x1]);
    runSum += inst.score * (1.0 / (1.0 + exp(-v)));
  }
  if (runSum > bestSum) {
    best = runLabel;
  }
  labels[pixel] = best;
}
