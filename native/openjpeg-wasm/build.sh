#!/usr/bin/env bash
# Builds the app's JPEG 2000 decoder (j2k-decode.wasm, embedded as
# src-main/services/imaging/dicom/j2k-decoder-wasm.ts) from Debian 12's OpenJPEG 2.5.0 source, with
# Debian's security patches. Not part of the app's build or CI (the generated file is committed);
# run it after changing j2k-decode.c. Needs Debian 12 with bookworm's deb-src in apt's sources, and
#   apt-get install -y emscripten cmake dpkg-dev
# and `npm ci` done (Debian's emscripten finds acorn in the app's node_modules).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export NODE_PATH="$root/node_modules"

cd "$work"
apt-get source --download-only openjpeg2=2.5.0-2+deb12u3 >/dev/null 2>&1
# Unpacks and applies Debian's patches (CVE fixes among them).
dpkg-source -x openjpeg2_2.5.0-2+deb12u3.dsc src >/dev/null
mkdir build && cd build
# One thread: the app runs one decoder per worker thread, and shares a large image between two
# of them by bands of rows (j2k-decode.c). -msse2 lets OpenJPEG's SSE2 wavelet code build to
# WebAssembly SIMD through emscripten's SSE headers.
flags="-O3 -msimd128 -msse2 -mbulk-memory -DNDEBUG"
emcmake cmake ../src -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DBUILD_CODEC=OFF -DBUILD_THIRDPARTY=OFF \
  -DOPJ_USE_THREAD=OFF -DCMAKE_C_FLAGS_RELEASE="" -DCMAKE_C_FLAGS="$flags" >/dev/null
emmake make -j"$(nproc)" openjp2 >/dev/null
emcc $flags -I../src/src/lib/openjp2 -Isrc/lib/openjp2 "$here/j2k-decode.c" bin/libopenjp2.a -o j2k-decode.wasm \
  -sSTANDALONE_WASM --no-entry -sALLOW_MEMORY_GROWTH=1 \
  -sEXPORTED_FUNCTIONS=_j2k_decode,_j2k_error,_j2k_info,_j2k_pixels,_malloc,_free

node "$root/native/libjpeg-wasm/embed.mjs" j2k-decode.wasm "$root/src-main/services/imaging/dicom/j2k-decoder-wasm.ts" \
  J2K_DECODER_WASM 'native/openjpeg-wasm/build.sh (OpenJPEG 2.5.0 with Debian 12 patches + j2k-decode.c)'
cp ../src/LICENSE "$here/LICENSE.openjpeg.txt"
