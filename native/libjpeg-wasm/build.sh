#!/usr/bin/env bash
# Builds the app's JPEG decoder (jpeg-decode.wasm, embedded as
# src-main/services/imaging/dicom/jpeg-decoder-wasm.ts) from Debian 12's libjpeg-turbo 2.1.5 source.
# Not part of the app's build or CI (the generated file is committed); run it after changing
# jpeg-decode.c or jsimd-wasm.c. Needs Debian 12 with bookworm's deb-src in apt's sources, and
#   apt-get install -y emscripten cmake
# and `npm ci` done (Debian's emscripten finds acorn in the app's node_modules).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export NODE_PATH="$root/node_modules"

cd "$work"
apt-get source --download-only libjpeg-turbo=1:2.1.5-2 >/dev/null
tar xzf libjpeg-turbo_2.1.5.orig.tar.gz
src="$work/libjpeg-turbo-2.1.5"

# wasm32 has 32-bit pointers but native 64-bit integers, like the x32 ABI: the Huffman decoder's
# 64-bit bit buffer (which x32 gets) is the faster one there too.
sed -i 's/^#elif defined(__x86_64__) && defined(__ILP32__)$/#elif (defined(__x86_64__) \&\& defined(__ILP32__)) || defined(__EMSCRIPTEN__)/' "$src/jdhuff.h"
sed -i 's/^#if SIZEOF_SIZE_T == 8 || defined(_WIN64) || (defined(__x86_64__) && defined(__ILP32__))$/& || defined(__EMSCRIPTEN__)/' "$src/jdhuff.c"
grep -q EMSCRIPTEN "$src/jdhuff.h" && grep -q EMSCRIPTEN "$src/jdhuff.c"

mkdir "$src/build" && cd "$src/build"
# libjpeg-turbo's own SIMD is x86 assembly and Arm Neon: built without it, then jsimd-wasm.c takes
# the place of its "no SIMD" dispatch for the functions it implements.
emcmake cmake .. -DCMAKE_BUILD_TYPE=Release -DWITH_SIMD=0 -DENABLE_SHARED=0 -DWITH_TURBOJPEG=0 -DWITH_JAVA=0 -DCMAKE_C_FLAGS="-O3 -msimd128" >/dev/null
# CMake's size_t probe cannot run a wasm test program.
sed -i 's/^#define SIZEOF_SIZE_T .*/#define SIZEOF_SIZE_T  4/' jconfigint.h
emmake make -j"$(nproc)" jpeg-static >/dev/null

flags=(-O3 -msimd128 -I"$src" -I"$src/build")
renamed=()
for fn in ycc_rgb h2v1_fancy_upsample h2v2_fancy_upsample idct_islow; do
  convert=$fn
  [ "$fn" = ycc_rgb ] && convert=ycc_rgb_convert
  renamed+=(-Djsimd_can_$fn=jsimd_none_can_$fn -Djsimd_$convert=jsimd_none_$convert)
done
emcc "${flags[@]}" "${renamed[@]}" -c "$src/jsimd_none.c" -o jsimd_none.o
emcc "${flags[@]}" -c "$here/jsimd-wasm.c" -o jsimd_wasm.o
emar d libjpeg.a jsimd_none.c.o
emar q libjpeg.a jsimd_none.o jsimd_wasm.o
emcc "${flags[@]}" "$here/jpeg-decode.c" libjpeg.a -o jpeg-decode.wasm \
  -sSTANDALONE_WASM --no-entry -sALLOW_MEMORY_GROWTH=1 -sERROR_ON_UNDEFINED_SYMBOLS=0 \
  -sEXPORTED_FUNCTIONS=_decode_jpeg,_malloc,_free 2>&1 | grep -v 'undefined symbol: jpeg_fail' || true

node "$here/embed.mjs" jpeg-decode.wasm "$root/src-main/services/imaging/dicom/jpeg-decoder-wasm.ts"
cp "$src/LICENSE.md" "$here/LICENSE.libjpeg-turbo.md"
