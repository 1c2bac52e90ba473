"""Peer for bench/dicom-decode.ts: decodes the first frame of each file with pydicom + numpy.

Reads file paths from stdin (one per line), prints one JSON line per file:
{"file": ..., "ok": bool, "seconds": per-decode time, "error": ...}.
"""
import json
import sys
import time

import pydicom

REPEAT_SECONDS = 0.2

for line in sys.stdin:
    path = line.strip()
    if not path:
        continue
    try:
        runs = 0
        start = time.perf_counter()
        while True:
            ds = pydicom.dcmread(path, force=True)
            arr = ds.pixel_array
            _ = arr[0] if int(getattr(ds, "NumberOfFrames", 1) or 1) > 1 else arr
            runs += 1
            elapsed = time.perf_counter() - start
            if elapsed >= REPEAT_SECONDS:
                break
        print(json.dumps({"file": path, "ok": True, "seconds": elapsed / runs}), flush=True)
    except Exception as error:  # a syntax pydicom cannot decode without plugins
        print(json.dumps({"file": path, "ok": False, "error": type(error).__name__}), flush=True)
