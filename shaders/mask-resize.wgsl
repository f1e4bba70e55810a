// Mask resize + sigmoid + threshold + score statistics (spec §5.1 steps 6-9), one row chunk per call.
//
// Entry `resize`: every thread produces one u32 of the packed binary mask: 32 consecutive pixels
// of one image row, bilinearly sampled from the low-res logits (torch, align_corners=False),
// then prob = sigmoid(logit), on = prob > 0.5. Bit b of word w of a row is pixel x = 32w + b;
// rows are padded to whole words (wordsPerRow = ceil(W0 / 32)) and padding bits are 0.
// Chunk layout: bits[(n * rowCount + (y - rowStart)) * wordsPerRow + w].
// Each workgroup covers 64 words of a single mask and writes its (count, prob sum) of on-pixels to
// partials[workgroup]: WGSL has no float atomics, so sums go through a fixed-order tree instead.
//
// Entry `reduceStats`: one workgroup per mask adds that mask's partials in a fixed order (strided
// per thread, then a tree) and accumulates them into stats[n], so results are deterministic and
// chunks add up in submission order. stats must start zeroed.

struct Params {
  n: u32,
  hm: u32,
  wm: u32,
  h0: u32,
  w0: u32,
  rowStart: u32,
  rowCount: u32,
  wordsPerRow: u32,
  wgPerMask: u32, // workgroups of `resize` per mask in this chunk
  scaleY: f32,    // hm / h0, rounded to f32 on the host as torch does
  scaleX: f32,
  _pad: u32,
}

struct Stat {
  count: u32,
  probSum: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;                // (N, hm, wm)
@group(0) @binding(2) var<storage, read_write> bits: array<u32>;            // chunk, see above
@group(0) @binding(3) var<storage, read_write> partials: array<Stat>;       // (N * wgPerMask)
@group(0) @binding(4) var<storage, read_write> stats: array<Stat>;          // (N)

var<workgroup> redCount: array<u32, 64>;
var<workgroup> redSum: array<f32, 64>;

// Fixed-shape tree sum over the workgroup; the result is valid in thread 0.
fn reduceWorkgroup(li: u32, count: u32, probSum: f32) -> Stat {
  redCount[li] = count;
  redSum[li] = probSum;
  workgroupBarrier();
  for (var stride = 32u; stride > 0u; stride /= 2u) {
    if (li < stride) {
      redCount[li] += redCount[li + stride];
      redSum[li] += redSum[li + stride];
    }
    workgroupBarrier();
  }
  return Stat(redCount[0], redSum[0]);
}

// torch's source index for align_corners=False: negative positions clamp to 0.
fn sourceIndex(dst: u32, scale: f32) -> f32 {
  return max(scale * (f32(dst) + 0.5) - 0.5, 0.0);
}

@compute @workgroup_size(64)
fn resize(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) li: u32,
) {
  let wg = wid.x + wid.y * nwg.x;
  let n = wg / params.wgPerMask;
  // Workgroup-uniform exit: the 2-D fold may launch a few workgroups past the last mask.
  if (n >= params.n) {
    return;
  }
  let wordsPerMask = params.rowCount * params.wordsPerRow;
  let word = (wg % params.wgPerMask) * 64u + li;

  var count = 0u;
  var probSum = 0.0;
  if (word < wordsPerMask) {
    let y = params.rowStart + word / params.wordsPerRow;
    let wx = word % params.wordsPerRow;
    let sy = sourceIndex(y, params.scaleY);
    let y0 = min(u32(sy), params.hm - 1u);
    let y1 = min(y0 + 1u, params.hm - 1u);
    let fy = sy - f32(y0);
    let gy = 1.0 - fy;
    let plane = n * params.hm * params.wm;
    let r0 = plane + y0 * params.wm;
    let r1 = plane + y1 * params.wm;
    let xEnd = min(32u * wx + 32u, params.w0);
    var packed = 0u;
    for (var x = 32u * wx; x < xEnd; x++) {
      let sx = sourceIndex(x, params.scaleX);
      let x0 = min(u32(sx), params.wm - 1u);
      let x1 = min(x0 + 1u, params.wm - 1u);
      let fx = sx - f32(x0);
      let gx = 1.0 - fx;
      let v = gy * (gx * logits[r0 + x0] + fx * logits[r0 + x1]) + fy * (gx * logits[r1 + x0] + fx * logits[r1 + x1]);
      let prob = 1.0 / (1.0 + exp(-v));
      if (prob > 0.5) {
        packed |= 1u << (x - 32u * wx);
        count += 1u;
        probSum += prob;
      }
    }
    bits[n * wordsPerMask + word] = packed;
  }
  let total = reduceWorkgroup(li, count, probSum);
  if (li == 0u) {
    partials[wg] = total;
  }
}

@compute @workgroup_size(64)
fn reduceStats(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) li: u32,
) {
  let n = wid.x + wid.y * nwg.x;
  if (n >= params.n) {
    return;
  }
  var count = 0u;
  var probSum = 0.0;
  for (var j = li; j < params.wgPerMask; j += 64u) {
    let part = partials[n * params.wgPerMask + j];
    count += part.count;
    probSum += part.probSum;
  }
  let total = reduceWorkgroup(li, count, probSum);
  if (li == 0u) {
    stats[n] = Stat(stats[n].count + total.count, stats[n].probSum + total.probSum);
  }
}
