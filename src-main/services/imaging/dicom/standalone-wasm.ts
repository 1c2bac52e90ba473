/**
 * What our standalone emscripten builds (native/: no emscripten JS glue) need from their host: the
 * C library reaches for its environment (an empty one is given) and, on paths our decoders never
 * take, for stdio and exit (refused).
 */
export function systemImports(memory: () => WebAssembly.Memory, refuse: () => never): WebAssembly.Imports {
  return {
    env: { emscripten_notify_memory_growth: () => {} },
    wasi_snapshot_preview1: {
      environ_sizes_get: (count: number, size: number) => {
        const view = new DataView(memory().buffer);
        view.setUint32(count, 0, true);
        view.setUint32(size, 0, true);
        return 0;
      },
      environ_get: () => 0,
      fd_write: refuse,
      fd_seek: refuse,
      fd_close: refuse,
      proc_exit: refuse,
    },
  };
}

/** A NUL-terminated UTF-8 string in the module's memory. */
export function cString(memory: WebAssembly.Memory, pointer: number): string {
  const bytes = new Uint8Array(memory.buffer);
  let end = pointer;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(pointer, end));
}
