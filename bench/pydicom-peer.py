"""Peer for bench/dicom-decode.ts: pydicom + numpy decoding the same files, one after another
(pydicom has no parallel decoding of its own), timed as wall time per group of files.

stdin: one file a line, "group<TAB>path". First each file is decoded once (pydicom without plugins
cannot decode some syntaxes; those files are reported and left out). Then each group is decoded
in passes, each pass reading every file from disk (dcmread) and decoding its pixel data to a numpy
array (pixel_array: every frame); with --modality, the array also goes through the Modality LUT or
rescale (apply_modality_lut) and its min and max are taken, or for palette colour through the
palette (apply_color_lut), which is what the app's decoded frame carries. Passes repeat until SECONDS have gone by (at least 3); prints one JSON line per file pydicom
could not decode, then one a group with the median pass time (none with --probe).
"""
import json
import statistics
import sys
import time

import pydicom
from pydicom.pixel_data_handlers.util import apply_color_lut, apply_modality_lut

SECONDS = 1.0


def decode(path, modality):
    ds = pydicom.dcmread(path, force=True)
    array = ds.pixel_array
    if modality:
        if ds.get("PhotometricInterpretation") == "PALETTE COLOR":
            # Our frame carries the palette's RGB, as the viewer shows it.
            apply_color_lut(array, ds)
        else:
            values = apply_modality_lut(array, ds)
            values.min(), values.max()
    return array


def main():
    modality = "--modality" in sys.argv
    probe = "--probe" in sys.argv
    groups = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        group, path = line.rstrip("\n").split("\t")
        try:
            decode(path, modality)
        except Exception as error:  # a syntax pydicom cannot decode without plugins
            print(json.dumps({"failed": path, "error": type(error).__name__}), flush=True)
            continue
        groups.setdefault(group, []).append(path)
    if probe:
        return
    for group, paths in groups.items():
        passes = []
        started = time.perf_counter()
        while len(passes) < 3 or time.perf_counter() - started < SECONDS:
            start = time.perf_counter()
            for path in paths:
                decode(path, modality)
            passes.append(time.perf_counter() - start)
        print(json.dumps({"group": group, "files": len(paths), "seconds": statistics.median(passes), "passes": len(passes)}), flush=True)


if __name__ == "__main__":
    main()
