// Model input (spec §2): an RGBA8 image resized bilinearly to (size, size), aspect ratio not kept,
// and normalised per channel, written as the ONNX `pixels` tensor float32 (1, 3, size, size).
//
// One thread per output pixel: it reads the four neighbouring RGBA words once and writes the three
// channel planes. Sampling is torch's F.interpolate(bilinear, align_corners=False) on the float
// image (no antialias, no uint8 rounding), in the same f32 steps as the CPU twin
// (src/runtime/image/resize-input-cpu.ts, sample positions from src/runtime/kernels/bilinear.ts).

struct Params {
  mean: vec4f,    // rgb used, 0..255 scale
  stdDev: vec4f,  // rgb used (`std` is reserved in WGSL)
  width: u32,
  height: u32,
  size: u32,
  scaleX: f32,    // width / size, rounded to f32 on the host as torch does
  scaleY: f32,    // height / size
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> image: array<u32>;         // (height, width) RGBA8, r in the low byte
@group(0) @binding(2) var<storage, read_write> pixels: array<f32>;  // (3, size, size)

// torch's source index for align_corners=False: negative positions clamp to 0.
fn sourceIndex(dst: u32, scale: f32) -> f32 {
  return max(scale * (f32(dst) + 0.5) - 0.5, 0.0);
}

// The RGB bytes as exact integers in f32 (unpack4x8unorm's v / 255 * 255 need not round-trip).
fn texel(x: u32, y: u32) -> vec3f {
  let w = image[y * params.width + x];
  return vec3f(f32(w & 0xffu), f32((w >> 8u) & 0xffu), f32((w >> 16u) & 0xffu));
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  // Linear index over the (possibly 2-D folded) grid; threads past the last pixel do nothing.
  let index = (wid.x + wid.y * nwg.x) * 64u + li;
  let plane = params.size * params.size;
  if (index >= plane) {
    return;
  }
  let x = index % params.size;
  let y = index / params.size;

  let sy = sourceIndex(y, params.scaleY);
  let y0 = min(u32(sy), params.height - 1u);
  let y1 = min(y0 + 1u, params.height - 1u);
  let fy = sy - f32(y0);
  let sx = sourceIndex(x, params.scaleX);
  let x0 = min(u32(sx), params.width - 1u);
  let x1 = min(x0 + 1u, params.width - 1u);
  let fx = sx - f32(x0);

  // Rows outside, columns inside, as torch and the twin nest them.
  let v = (1.0 - fy) * ((1.0 - fx) * texel(x0, y0) + fx * texel(x1, y0))
        + fy * ((1.0 - fx) * texel(x0, y1) + fx * texel(x1, y1));
  let n = (v - params.mean.rgb) / params.stdDev.rgb;
  pixels[index] = n.r;
  pixels[plane + index] = n.g;
  pixels[2u * plane + index] = n.b;
}
