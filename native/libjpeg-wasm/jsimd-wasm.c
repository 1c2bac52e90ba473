/*
 * WebAssembly SIMD for libjpeg-turbo's decompressor: the accurate integer IDCT, YCbCr -> RGB and
 * the 2:1 "fancy" upsamplers, where a decode spends most of its time. libjpeg-turbo's own SIMD is
 * x86 assembly and Arm Neon, neither of which builds for wasm (Neon through SIMDe was several times
 * slower than plain C). These give exactly the results of its portable C (jidctint.c, jdcolext.c,
 * jdsample.c): same integer formulas, same rounding, clamping by saturation. Everything else falls
 * back to the C code (jsimd_none.c, built with the functions defined here renamed away).
 */
#include <wasm_simd128.h>
#define JPEG_INTERNALS
#include "jinclude.h"
#include "jpeglib.h"
#include "jsimd.h"
#include "jdct.h"
#include "jsimddct.h"

/* jdcolor.c's fixed-point constants (SCALEBITS 16). */
#define FIX_1_40200 91881
#define FIX_1_77200 116130
#define FIX_0_71414 46802
#define FIX_0_34414 22554
#define ONE_HALF (1 << 15)

static inline JSAMPLE clamp255(int v) { return (JSAMPLE)(v < 0 ? 0 : v > 255 ? 255 : v); }

/* One pixel, as jdcolext.c computes it (its tables hold these products, rounded the same way). */
static inline void ycc_pixel(int y, int cb, int cr, JSAMPROW out, int r, int g, int b) {
  cb -= 128;
  cr -= 128;
  out[r] = clamp255(y + ((FIX_1_40200 * cr + ONE_HALF) >> 16));
  out[g] = clamp255(y + ((-FIX_0_34414 * cb + ONE_HALF - FIX_0_71414 * cr) >> 16));
  out[b] = clamp255(y + ((FIX_1_77200 * cb + ONE_HALF) >> 16));
}

/* Four lanes of one channel: y + ((k1 * c1 + k2 * c2 + ONE_HALF) >> 16). */
static inline v128_t channel(v128_t y, v128_t c1, int k1, v128_t c2, int k2) {
  v128_t sum = wasm_i32x4_add(wasm_i32x4_mul(c1, wasm_i32x4_splat(k1)), wasm_i32x4_splat(ONE_HALF));
  if (k2) sum = wasm_i32x4_add(sum, wasm_i32x4_mul(c2, wasm_i32x4_splat(k2)));
  return wasm_i32x4_add(y, wasm_i32x4_shr(sum, 16));
}

/* 16 samples widened to four i32x4, minus `bias`. */
static inline void widen(v128_t v, int bias, v128_t out[4]) {
  v128_t lo = wasm_u16x8_extend_low_u8x16(v), hi = wasm_u16x8_extend_high_u8x16(v);
  v128_t b = wasm_i32x4_splat(bias);
  out[0] = wasm_i32x4_sub(wasm_u32x4_extend_low_u16x8(lo), b);
  out[1] = wasm_i32x4_sub(wasm_u32x4_extend_high_u16x8(lo), b);
  out[2] = wasm_i32x4_sub(wasm_u32x4_extend_low_u16x8(hi), b);
  out[3] = wasm_i32x4_sub(wasm_u32x4_extend_high_u16x8(hi), b);
}

/* Four i32x4 back to 16 bytes, clamped to 0..255 by saturating narrowing. */
static inline v128_t narrow(const v128_t v[4]) {
  return wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(v[0], v[1]), wasm_i16x8_narrow_i32x4(v[2], v[3]));
}

/* R, G, B planes of 16 pixels to 48 interleaved bytes. */
static inline void store_rgb(JSAMPROW out, v128_t r, v128_t g, v128_t b) {
  v128_t rg0 = wasm_i8x16_shuffle(r, g, 0, 16, 0, 1, 17, 1, 2, 18, 2, 3, 19, 3, 4, 20, 4, 5);
  wasm_v128_store(out, wasm_i8x16_shuffle(rg0, b, 0, 1, 16, 3, 4, 17, 6, 7, 18, 9, 10, 19, 12, 13, 20, 15));
  v128_t rg1 = wasm_i8x16_shuffle(r, g, 21, 5, 6, 22, 6, 7, 23, 7, 8, 24, 8, 9, 25, 9, 10, 26);
  wasm_v128_store(out + 16, wasm_i8x16_shuffle(rg1, b, 0, 21, 2, 3, 22, 5, 6, 23, 8, 9, 24, 11, 12, 25, 14, 15));
  v128_t rg2 = wasm_i8x16_shuffle(r, g, 10, 11, 27, 11, 12, 28, 12, 13, 29, 13, 14, 30, 14, 15, 31, 15);
  wasm_v128_store(out + 32, wasm_i8x16_shuffle(rg2, b, 26, 1, 2, 27, 4, 5, 28, 7, 8, 29, 10, 11, 30, 13, 14, 31));
}

GLOBAL(int) jsimd_can_ycc_rgb(void) { return 1; }

GLOBAL(void)
jsimd_ycc_rgb_convert(j_decompress_ptr cinfo, JSAMPIMAGE input_buf, JDIMENSION input_row, JSAMPARRAY output_buf, int num_rows) {
  int r = rgb_red[cinfo->out_color_space], g = rgb_green[cinfo->out_color_space], b = rgb_blue[cinfo->out_color_space];
  int size = rgb_pixelsize[cinfo->out_color_space];
  JDIMENSION width = cinfo->output_width;
  /* The vector path writes packed R, G, B: other layouts (RGBX, BGR...) go pixel by pixel. */
  int packed = size == 3 && r == 0 && g == 1 && b == 2;
  while (--num_rows >= 0) {
    JSAMPROW y = input_buf[0][input_row], cb = input_buf[1][input_row], cr = input_buf[2][input_row];
    JSAMPROW out = *output_buf++;
    JDIMENSION col = 0;
    input_row++;
    if (packed) {
      for (; col + 16 <= width; col += 16) {
        v128_t Y[4], Cb[4], Cr[4], R[4], G[4], B[4];
        widen(wasm_v128_load(y + col), 0, Y);
        widen(wasm_v128_load(cb + col), 128, Cb);
        widen(wasm_v128_load(cr + col), 128, Cr);
        for (int i = 0; i < 4; i++) {
          R[i] = channel(Y[i], Cr[i], FIX_1_40200, Cr[i], 0);
          G[i] = channel(Y[i], Cb[i], -FIX_0_34414, Cr[i], -FIX_0_71414);
          B[i] = channel(Y[i], Cb[i], FIX_1_77200, Cb[i], 0);
        }
        store_rgb(out + col * 3, narrow(R), narrow(G), narrow(B));
      }
    }
    for (; col < width; col++) ycc_pixel(y[col], cb[col], cr[col], out + col * size, r, g, b);
  }
}

/* Eight bytes from p, widened to u16x8. */
static inline v128_t load8(const JSAMPLE *p) { return wasm_u16x8_extend_low_u8x16(wasm_v128_load64_zero(p)); }

/* Even and odd outputs (u16x8 each, all <= 255) interleaved into 16 bytes. */
static inline void store_pairs(JSAMPROW out, v128_t even, v128_t odd) {
  v128_t bytes = wasm_u8x16_narrow_i16x8(even, odd);
  wasm_v128_store(out, wasm_i8x16_shuffle(bytes, bytes, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
}

GLOBAL(int) jsimd_can_h2v1_fancy_upsample(void) { return 1; }

GLOBAL(void)
jsimd_h2v1_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr) {
  JSAMPARRAY output_data = *output_data_ptr;
  JDIMENSION width = compptr->downsampled_width; /* > 2: jdsample.c uses the plain upsampler otherwise */
  for (int row = 0; row < cinfo->max_v_samp_factor; row++) {
    JSAMPROW in = input_data[row], out = output_data[row];
    out[0] = in[0];
    out[1] = (JSAMPLE)((in[0] * 3 + in[1] + 2) >> 2);
    JDIMENSION i = 1;
    /* Input columns i-1 .. i+8 must exist: i + 8 <= width - 1. */
    for (; i + 9 <= width; i += 8) {
      v128_t here3 = wasm_i16x8_mul(load8(in + i), wasm_i16x8_splat(3));
      v128_t even = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(here3, load8(in + i - 1)), wasm_i16x8_splat(1)), 2);
      v128_t odd = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(here3, load8(in + i + 1)), wasm_i16x8_splat(2)), 2);
      store_pairs(out + 2 * i, even, odd);
    }
    for (; i < width - 1; i++) {
      int here3 = in[i] * 3;
      out[2 * i] = (JSAMPLE)((here3 + in[i - 1] + 1) >> 2);
      out[2 * i + 1] = (JSAMPLE)((here3 + in[i + 1] + 2) >> 2);
    }
    out[2 * i] = (JSAMPLE)((in[i] * 3 + in[i - 1] + 1) >> 2);
    out[2 * i + 1] = in[i];
  }
}

GLOBAL(int) jsimd_can_h2v2_fancy_upsample(void) { return 1; }

GLOBAL(void)
jsimd_h2v2_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data, JSAMPARRAY *output_data_ptr) {
  JSAMPARRAY output_data = *output_data_ptr;
  JDIMENSION width = compptr->downsampled_width;
  int inrow = 0, outrow = 0;
  while (outrow < cinfo->max_v_samp_factor) {
    for (int v = 0; v < 2; v++) {
      /* The nearest input row, and the next nearest: above for the first output row, below for the second. */
      JSAMPROW nearest = input_data[inrow], next = input_data[v == 0 ? inrow - 1 : inrow + 1];
      JSAMPROW out = output_data[outrow++];
#define COLSUM(c) (nearest[c] * 3 + next[c])
      out[0] = (JSAMPLE)((COLSUM(0) * 4 + 8) >> 4);
      out[1] = (JSAMPLE)((COLSUM(0) * 3 + COLSUM(1) + 7) >> 4);
      JDIMENSION i = 1;
      for (; i + 9 <= width; i += 8) {
        v128_t three = wasm_i16x8_splat(3);
        v128_t here = wasm_i16x8_add(wasm_i16x8_mul(load8(nearest + i), three), load8(next + i));
        v128_t left = wasm_i16x8_add(wasm_i16x8_mul(load8(nearest + i - 1), three), load8(next + i - 1));
        v128_t right = wasm_i16x8_add(wasm_i16x8_mul(load8(nearest + i + 1), three), load8(next + i + 1));
        v128_t here3 = wasm_i16x8_mul(here, three);
        v128_t even = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(here3, left), wasm_i16x8_splat(8)), 4);
        v128_t odd = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(here3, right), wasm_i16x8_splat(7)), 4);
        store_pairs(out + 2 * i, even, odd);
      }
      for (; i < width - 1; i++) {
        out[2 * i] = (JSAMPLE)((COLSUM(i) * 3 + COLSUM(i - 1) + 8) >> 4);
        out[2 * i + 1] = (JSAMPLE)((COLSUM(i) * 3 + COLSUM(i + 1) + 7) >> 4);
      }
      out[2 * i] = (JSAMPLE)((COLSUM(i) * 3 + COLSUM(i - 1) + 8) >> 4);
      out[2 * i + 1] = (JSAMPLE)((COLSUM(i) * 4 + 7) >> 4);
#undef COLSUM
    }
    inrow++;
  }
}

/*
 * Accurate integer inverse DCT (jidctint.c's jpeg_idct_islow, Loeffler-Ligtenberg-Moschytz): four
 * columns (pass 1) or four rows (pass 2) at a time in i32 lanes. JLONG is 32 bits on wasm32, so the
 * C code's arithmetic is this arithmetic, overflow included.
 */
#define CONST_BITS 13
#define PASS1_BITS 2
#define SPLAT(k) wasm_i32x4_splat(k)
#define MUL(v, k) wasm_i32x4_mul(v, SPLAT(k))

/* One 1-D transform of in[0..7], descaled by `shift` with rounding, into out[0..7]. */
static inline void idct_1d(const v128_t in[8], v128_t out[8], int shift) {
  v128_t z1 = MUL(wasm_i32x4_add(in[2], in[6]), 4433);
  v128_t tmp2 = wasm_i32x4_add(z1, MUL(in[6], -15137));
  v128_t tmp3 = wasm_i32x4_add(z1, MUL(in[2], 6270));
  v128_t tmp0 = wasm_i32x4_shl(wasm_i32x4_add(in[0], in[4]), CONST_BITS);
  v128_t tmp1 = wasm_i32x4_shl(wasm_i32x4_sub(in[0], in[4]), CONST_BITS);
  v128_t tmp10 = wasm_i32x4_add(tmp0, tmp3), tmp13 = wasm_i32x4_sub(tmp0, tmp3);
  v128_t tmp11 = wasm_i32x4_add(tmp1, tmp2), tmp12 = wasm_i32x4_sub(tmp1, tmp2);

  v128_t o0 = in[7], o1 = in[5], o2 = in[3], o3 = in[1];
  z1 = wasm_i32x4_add(o0, o3);
  v128_t z2 = wasm_i32x4_add(o1, o2), z3 = wasm_i32x4_add(o0, o2), z4 = wasm_i32x4_add(o1, o3);
  v128_t z5 = MUL(wasm_i32x4_add(z3, z4), 9633);
  o0 = MUL(o0, 2446);
  o1 = MUL(o1, 16819);
  o2 = MUL(o2, 25172);
  o3 = MUL(o3, 12299);
  z1 = MUL(z1, -7373);
  z2 = MUL(z2, -20995);
  z3 = wasm_i32x4_add(MUL(z3, -16069), z5);
  z4 = wasm_i32x4_add(MUL(z4, -3196), z5);
  o0 = wasm_i32x4_add(o0, wasm_i32x4_add(z1, z3));
  o1 = wasm_i32x4_add(o1, wasm_i32x4_add(z2, z4));
  o2 = wasm_i32x4_add(o2, wasm_i32x4_add(z2, z3));
  o3 = wasm_i32x4_add(o3, wasm_i32x4_add(z1, z4));

  v128_t round = SPLAT(1 << (shift - 1));
#define DESCALE_V(x) wasm_i32x4_shr(wasm_i32x4_add(x, round), shift)
  out[0] = DESCALE_V(wasm_i32x4_add(tmp10, o3));
  out[7] = DESCALE_V(wasm_i32x4_sub(tmp10, o3));
  out[1] = DESCALE_V(wasm_i32x4_add(tmp11, o2));
  out[6] = DESCALE_V(wasm_i32x4_sub(tmp11, o2));
  out[2] = DESCALE_V(wasm_i32x4_add(tmp12, o1));
  out[5] = DESCALE_V(wasm_i32x4_sub(tmp12, o1));
  out[3] = DESCALE_V(wasm_i32x4_add(tmp13, o0));
  out[4] = DESCALE_V(wasm_i32x4_sub(tmp13, o0));
#undef DESCALE_V
}

/* Rows a, b, c, d of a 4 x 4 block become its columns. */
static inline void transpose4(v128_t *a, v128_t *b, v128_t *c, v128_t *d) {
  v128_t t0 = wasm_i32x4_shuffle(*a, *b, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(*a, *b, 2, 6, 3, 7);
  v128_t t2 = wasm_i32x4_shuffle(*c, *d, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(*c, *d, 2, 6, 3, 7);
  *a = wasm_i64x2_shuffle(t0, t2, 0, 2);
  *b = wasm_i64x2_shuffle(t0, t2, 1, 3);
  *c = wasm_i64x2_shuffle(t1, t3, 0, 2);
  *d = wasm_i64x2_shuffle(t1, t3, 1, 3);
}

/*
 * range_limit[x & RANGE_MASK] of jidctint.c: x wrapped to 10 bits (-512..511), plus the centre
 * (128), clamped to 0..255 (the saturating narrowing does the clamp). The wrap only matters for
 * streams whose coefficients overshoot by more than 384 levels (not seen even at quality 1);
 * libjpeg-turbo's x86 and Neon SIMD saturate there instead.
 */
static inline v128_t to_sample(v128_t x) {
  return wasm_i32x4_add(wasm_i32x4_shr(wasm_i32x4_shl(x, 22), 22), SPLAT(CENTERJSAMPLE));
}

GLOBAL(int) jsimd_can_idct_islow(void) { return DCTSIZE == 8 && sizeof(JCOEF) == 2 && sizeof(ISLOW_MULT_TYPE) == 4; }

GLOBAL(void)
jsimd_idct_islow(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block, JSAMPARRAY output_buf, JDIMENSION output_col) {
  const ISLOW_MULT_TYPE *quant = (const ISLOW_MULT_TYPE *)compptr->dct_table;
  /* ws[half][k]: row k of the workspace, columns 4 * half .. 4 * half + 3. */
  v128_t ws[2][8];
  for (int half = 0; half < 2; half++) {
    v128_t in[8];
    for (int k = 0; k < 8; k++) {
      v128_t coef = wasm_i32x4_load16x4(coef_block + k * 8 + half * 4);
      in[k] = wasm_i32x4_mul(coef, wasm_v128_load(quant + k * 8 + half * 4));
    }
    idct_1d(in, ws[half], CONST_BITS - PASS1_BITS);
  }
  for (int rows = 0; rows < 2; rows++) {
    /* Columns 0..7 of workspace rows 4 * rows .. 4 * rows + 3, each as a vector over those rows. */
    v128_t in[8], out[8];
    for (int half = 0; half < 2; half++) {
      v128_t *col = in + half * 4;
      for (int k = 0; k < 4; k++) col[k] = ws[half][rows * 4 + k];
      transpose4(col, col + 1, col + 2, col + 3);
    }
    idct_1d(in, out, CONST_BITS + PASS1_BITS + 3);
    /* Back to rows: out[j] holds column j of these four output rows. */
    transpose4(out, out + 1, out + 2, out + 3);
    transpose4(out + 4, out + 5, out + 6, out + 7);
    for (int r = 0; r < 4; r++) {
      v128_t words = wasm_i16x8_narrow_i32x4(to_sample(out[r]), to_sample(out[r + 4]));
      wasm_v128_store64_lane(output_buf[rows * 4 + r] + output_col, wasm_u8x16_narrow_i16x8(words, words), 0);
    }
  }
}
