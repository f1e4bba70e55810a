// Pairwise intersections of packed binary masks (for Matrix NMS, spec §5.1 step 10).
//
// inter[i * N + j] += popcount(mask_i AND mask_j) over one chunk of packed words (layout in
// src/runtime/kernels/mask-resize.ts; padding bits are 0, so whole words can be ANDed).
// One workgroup per pair (i <= j): its 64 threads stride over the words, then a fixed tree sums
// the counts, so the u32 result is exact. Both (i, j) and (j, i) are written, so the output is the
// full symmetric matrix and its diagonal holds the areas. inter must start zeroed; chunks add up.

struct Params {
  n: u32,
  wordsPerMask: u32, // words of one mask in this chunk
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> bits: array<u32>;               // (N, wordsPerMask)
@group(0) @binding(2) var<storage, read_write> inter: array<u32>;        // (N, N)

var<workgroup> partial: array<u32, 64>;

@compute @workgroup_size(64)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(num_workgroups) nwg: vec3u,
  @builtin(local_invocation_index) li: u32,
) {
  let pair = wid.x + wid.y * nwg.x;
  let i = pair / params.n;
  let j = pair % params.n;
  // Workgroup-uniform exit: the lower triangle mirrors the upper one, and the 2-D fold may launch
  // a few workgroups past N*N.
  if (i >= params.n || i > j) {
    return;
  }
  let a = i * params.wordsPerMask;
  let b = j * params.wordsPerMask;
  var count = 0u;
  for (var w = li; w < params.wordsPerMask; w += 64u) {
    count += countOneBits(bits[a + w] & bits[b + w]);
  }
  partial[li] = count;
  workgroupBarrier();
  for (var stride = 32u; stride > 0u; stride /= 2u) {
    if (li < stride) {
      partial[li] += partial[li + stride];
    }
    workgroupBarrier();
  }
  if (li == 0u) {
    inter[i * params.n + j] += partial[0];
    if (i != j) {
      inter[j * params.n + i] += partial[0];
    }
  }
}
