;; Grey pixel kernel: stored samples to modality values through a rescale, eight pixels at a time
;; (WebAssembly SIMD), with the stored range from the same pass. Compiled to grey-kernel-wasm.ts by
;; scripts/build-grey-kernel.mjs; see grey-kernel.ts for how it is called.
;;
;; transform (integer rescale): arithmetic is 16-bit and wraps, so the bits written are exact for
;; every frame whose values fit int16 or uint16 (the caller checks that from the range and
;; otherwise calls transformFloat).
(module
  (memory (export "memory") 1 16384)

  ;; transform(src, dst, count, shift, mask, signedShift, saturate, bias, slope, intercept, wide, result)
  ;;   src: `count` samples, u16 (wide = 1) or u8 (wide = 0); count is a multiple of 8 (the caller
  ;;        pads with copies of the first sample, which change neither range nor the pixels kept).
  ;;   stored = (sample >>> shift), then clamped to mask (saturate = 1) or masked; for signed data
  ;;        shifted left then arithmetically right by signedShift (16 - bits stored) to get its sign back.
  ;;   dst[i] = stored * slope + intercept (mod 2^16).
  ;;   The smallest and largest stored values, xor bias (0x8000 for unsigned data, so that signed
  ;;   compares order them), are written at `result` as eight i16 lanes each (32 bytes).
  (func (export "transform")
    (param $src i32) (param $dst i32) (param $count i32) (param $shift i32) (param $mask i32)
    (param $signedShift i32) (param $saturate i32) (param $bias i32) (param $slope i32)
    (param $intercept i32) (param $wide i32) (param $result i32)
    (local $i i32) (local $v v128) (local $m v128) (local $b v128) (local $lo v128) (local $hi v128)
    (local $s v128) (local $c v128)
    (local.set $m (i16x8.splat (local.get $mask)))
    (local.set $b (i16x8.splat (local.get $bias)))
    (local.set $s (i16x8.splat (local.get $slope)))
    (local.set $c (i16x8.splat (local.get $intercept)))
    (local.set $lo (i16x8.splat (i32.const 0x7fff)))
    (local.set $hi (i16x8.splat (i32.const 0x8000)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (if (local.get $wide)
          (then (local.set $v (v128.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 1))))))
          (else (local.set $v (v128.load8x8_u (i32.add (local.get $src) (local.get $i))))))
        (local.set $v (i16x8.shr_u (local.get $v) (local.get $shift)))
        (if (local.get $saturate)
          (then (local.set $v (i16x8.min_u (local.get $v) (local.get $m))))
          (else (local.set $v (v128.and (local.get $v) (local.get $m)))))
        (local.set $v (i16x8.shr_s (i16x8.shl (local.get $v) (local.get $signedShift)) (local.get $signedShift)))
        (local.set $lo (i16x8.min_s (local.get $lo) (v128.xor (local.get $v) (local.get $b))))
        (local.set $hi (i16x8.max_s (local.get $hi) (v128.xor (local.get $v) (local.get $b))))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 1)))
          (i16x8.add (i16x8.mul (local.get $v) (local.get $s)) (local.get $c)))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $next)))
    ;; Eight smallest and eight largest, one a lane, for the caller to reduce.
    (v128.store (local.get $result) (local.get $lo))
    (v128.store offset=16 (local.get $result) (local.get $hi)))
;; transformFloat: as transform, but dst[i] = float32(stored * slope + intercept), with slope and
  ;; intercept doubles and the product and sum rounded as doubles, exactly as JavaScript computes
  ;; them, before the rounding to 4 bytes. Four bytes a pixel at dst.
  (func (export "transformFloat")
    (param $src i32) (param $dst i32) (param $count i32) (param $shift i32) (param $mask i32)
    (param $signedShift i32) (param $saturate i32) (param $bias i32) (param $slope f64)
    (param $intercept f64) (param $wide i32) (param $result i32)
    (local $i i32) (local $v v128) (local $m v128) (local $b v128) (local $lo v128) (local $hi v128)
    (local $s v128) (local $c v128) (local $at i32)
    (local.set $m (i16x8.splat (local.get $mask)))
    (local.set $b (i16x8.splat (local.get $bias)))
    (local.set $s (f64x2.splat (local.get $slope)))
    (local.set $c (f64x2.splat (local.get $intercept)))
    (local.set $lo (i16x8.splat (i32.const 0x7fff)))
    (local.set $hi (i16x8.splat (i32.const 0x8000)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (if (local.get $wide)
          (then (local.set $v (v128.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 1))))))
          (else (local.set $v (v128.load8x8_u (i32.add (local.get $src) (local.get $i))))))
        (local.set $v (i16x8.shr_u (local.get $v) (local.get $shift)))
        (if (local.get $saturate)
          (then (local.set $v (i16x8.min_u (local.get $v) (local.get $m))))
          (else (local.set $v (v128.and (local.get $v) (local.get $m)))))
        (local.set $v (i16x8.shr_s (i16x8.shl (local.get $v) (local.get $signedShift)) (local.get $signedShift)))
        (local.set $lo (i16x8.min_s (local.get $lo) (v128.xor (local.get $v) (local.get $b))))
        (local.set $hi (i16x8.max_s (local.get $hi) (v128.xor (local.get $v) (local.get $b))))
        (local.set $at (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))))
        ;; Unsigned data (bias set) widens with zeros, signed data with its sign.
        (v128.store (local.get $at)
          (call $four (if (result v128) (local.get $bias)
            (then (i32x4.extend_low_i16x8_u (local.get $v)))
            (else (i32x4.extend_low_i16x8_s (local.get $v)))) (local.get $s) (local.get $c)))
        (v128.store offset=16 (local.get $at)
          (call $four (if (result v128) (local.get $bias)
            (then (i32x4.extend_high_i16x8_u (local.get $v)))
            (else (i32x4.extend_high_i16x8_s (local.get $v)))) (local.get $s) (local.get $c)))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $next)))
    (v128.store (local.get $result) (local.get $lo))
    (v128.store offset=16 (local.get $result) (local.get $hi)))

  ;; Four i32 lanes to four float32 lanes of (value * slope + intercept), computed as doubles.
  (func $four (param $w v128) (param $s v128) (param $c v128) (result v128)
    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
      (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.convert_low_i32x4_s (local.get $w)) (local.get $s)) (local.get $c)))
      (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul
        (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $w) (local.get $w)))
        (local.get $s)) (local.get $c)))))
;; bytes(at, count, mask, saturate, result): 8-bit unsigned samples shown as stored, in place,
  ;;   sixteen at a time: each byte masked to the stored bits (or clamped to mask, saturate = 1), and
  ;;   the smallest and largest written at `result` as sixteen u8 lanes each. count is a multiple of
  ;;   16 (padded as for transform).
  (func (export "bytes")
    (param $at i32) (param $count i32) (param $mask i32) (param $saturate i32) (param $result i32)
    (local $end i32) (local $v v128) (local $m v128) (local $lo v128) (local $hi v128)
    (local.set $m (i8x16.splat (local.get $mask)))
    (local.set $lo (i8x16.splat (i32.const 0xff)))
    (local.set $hi (i8x16.splat (i32.const 0)))
    (local.set $end (i32.add (local.get $at) (local.get $count)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $v (v128.load (local.get $at)))
        (if (local.get $saturate)
          (then (local.set $v (i8x16.min_u (local.get $v) (local.get $m))))
          (else (local.set $v (v128.and (local.get $v) (local.get $m)))))
        (local.set $lo (i8x16.min_u (local.get $lo) (local.get $v)))
        (local.set $hi (i8x16.max_u (local.get $hi) (local.get $v)))
        (v128.store (local.get $at) (local.get $v))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $next)))
    (v128.store (local.get $result) (local.get $lo))
    (v128.store offset=16 (local.get $result) (local.get $hi)))
)
