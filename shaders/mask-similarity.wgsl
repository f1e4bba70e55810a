// Mask retrieval logits (spec §5.1 steps 4-5, §5.3):
//   logits[n, 4y+a, 4x+b] = dot(queries[n, 4a+b], feat[y, x]) / sqrt(C)
// computed as the GEMM (N*16, C) x (C, P*P) with the 4x4 pixel shuffle fused into the store index.
// Both operands are contiguous along C, so one tile loader serves both.
//
// Tiling: a workgroup computes a 32x32 block of the GEMM (32 query rows by 32 pixels); each of its
// 64 threads (the project default, see gpu-kernel.ts) owns a 4x4 sub-block strided by 8, so every
// value loaded from workgroup memory feeds 4 multiply-adds. The C axis is walked in slices of 16;
// the two 32x16 slices take 4 KiB of workgroup memory, far below the 16 KiB WebGPU guarantees.

struct Shape {
  n: u32, // instances
  p: u32, // patch grid side
  c: u32, // embed width
  _pad: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> feat: array<f32>;               // (P, P, C)
@group(0) @binding(2) var<storage, read> queries: array<f32>;            // (N, 16, C)
@group(0) @binding(3) var<storage, read_write> logits: array<f32>;       // (N, 4P, 4P)

const TILE: u32 = 32u;
const TILE_C: u32 = 16u;

// Stored [c][row] so the inner loop reads 32 consecutive rows of one c.
var<workgroup> tileQ: array<f32, 512>;
var<workgroup> tileF: array<f32, 512>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let rows = shape.n * 16u;
  let cols = shape.p * shape.p;
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  let tx = li % 8u;
  let ty = li / 8u;

  // acc[i][j]: GEMM row row0 + ty + 8i, column col0 + tx + 8j.
  var acc: array<vec4f, 4>;
  for (var c0 = 0u; c0 < shape.c; c0 += TILE_C) {
    // 512 elements per slice, 8 per thread; consecutive threads read consecutive c (coalesced).
    for (var e = li; e < TILE * TILE_C; e += 64u) {
      let r = e / TILE_C;
      let cc = e % TILE_C;
      let c = c0 + cc;
      // Out-of-range rows, pixels and channels load 0, which adds nothing to the dot products.
      var q = 0.0;
      if (row0 + r < rows && c < shape.c) {
        q = queries[(row0 + r) * shape.c + c];
      }
      tileQ[cc * TILE + r] = q;
      var f = 0.0;
      if (col0 + r < cols && c < shape.c) {
        f = feat[(col0 + r) * shape.c + c];
      }
      tileF[cc * TILE + r] = f;
    }
    workgroupBarrier();
    for (var cc = 0u; cc < TILE_C; cc++) {
      let base = cc * TILE;
      let f = vec4f(tileF[base + tx], tileF[base + tx + 8u], tileF[base + tx + 16u], tileF[base + tx + 24u]);
      for (var i = 0u; i < 4u; i++) {
        acc[i] += tileQ[base + ty + 8u * i] * f;
      }
    }
    workgroupBarrier();
  }

  let scale = sqrt(f32(shape.c));
  let side = 4u * shape.p;
  for (var i = 0u; i < 4u; i++) {
    let row = row0 + ty + 8u * i;
    if (row >= rows) {
      continue;
    }
    let n = row / 16u;
    let a = (row % 16u) / 4u; // token k = 4a + b
    let b = row % 4u;
    for (var j = 0u; j < 4u; j++) {
      let col = col0 + tx + 8u * j;
      if (col >= cols) {
        continue;
      }
      let y = col / shape.p;
      let x = col % shape.p;
      logits[n * side * side + (4u * y + a) * side + 4u * x + b] = acc[i][j] / scale;
    }
  }
}
