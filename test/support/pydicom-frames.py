"""Reference frames for test/unit/services/dicom/pydicom-reference.test.ts, decoded by pydicom + numpy.

argv: output folder, then corpus files. For each file pydicom decodes, every frame is written as
raw little-endian float64 (grey: after apply_modality_lut) or uint8 RGB (palette colour through
its lookup tables, entries cut to 8 bits as the app shows them; RGB as stored), and one JSON line
is printed: {"file", "frames", "kind", "photometric"}. Files pydicom cannot decode print {"file", "skipped"}.

Two rules of the standard are applied here because pydicom 2.3 does not: only Bits Stored bits
below High Bit are the value, with its sign (PS3.5 8.1.1; pydicom reads a signed 12-bit 0x0FFF as
4095, not -1), and big-endian palette LUT Data is big endian (pydicom reads it as little endian).
"""
import json
import os
import sys

import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_color_lut, apply_modality_lut


def frames_of(ds):
    array = ds.pixel_array
    count = int(getattr(ds, "NumberOfFrames", 1) or 1)
    return [array] if count == 1 else list(array)


def stored_values(array, ds):
    """Integer samples reduced to their Bits Stored bits, sign restored."""
    if array.dtype.kind not in "iu":
        return array
    bits, shift = int(ds.BitsStored), int(ds.HighBit) - int(ds.BitsStored) + 1
    raw = array.view(array.dtype.str.replace("i", "u")).astype(np.int64)
    values = (raw >> shift) & ((1 << bits) - 1)
    if int(ds.PixelRepresentation) == 1:
        values = np.where(values >= 1 << (bits - 1), values - (1 << bits), values)
    return values


def palette(frame, ds):
    """RGB through the palette's three tables, each entry cut to 8 bits."""
    bits = int(ds.RedPaletteColorLookupTableDescriptor[2])
    if "RedPaletteColorLookupTableData" not in ds:  # segmented tables: pydicom expands them
        return (np.asarray(apply_color_lut(frame, ds)).astype(np.uint32) >> max(0, bits - 8)).astype("u1")
    channels = []
    for colour in ("Red", "Green", "Blue"):
        entries, first, bits = (int(v) for v in ds[f"{colour}PaletteColorLookupTableDescriptor"].value)
        data = ds[f"{colour}PaletteColorLookupTableData"].value
        table = np.frombuffer(data, dtype=("<" if ds.is_little_endian else ">") + ("u2" if bits > 8 else "u1"))
        table = table[: entries or 65536]
        index = np.clip(frame.astype(np.int64) - first, 0, len(table) - 1)
        channels.append((table[index].astype(np.uint32) >> max(0, bits - 8)).astype("u1"))
    return np.stack(channels, axis=-1)


def main():
    out = sys.argv[1]
    for index, path in enumerate(sys.argv[2:]):
        try:
            ds = pydicom.dcmread(path, force=True)
            frames = frames_of(ds)
        except Exception as error:  # a syntax pydicom cannot decode without plugins
            print(json.dumps({"file": path, "skipped": type(error).__name__}), flush=True)
            continue
        photometric = str(ds.PhotometricInterpretation)
        if photometric.startswith("MONOCHROME"):
            kind = "grey"
            arrays = [np.asarray(apply_modality_lut(stored_values(f, ds), ds), dtype="<f8") for f in frames]
        elif photometric == "PALETTE COLOR":
            kind = "rgb"
            arrays = [palette(f, ds) for f in frames]
        elif photometric == "RGB" and int(ds.BitsAllocated) == 8:
            kind = "rgb"
            arrays = [np.ascontiguousarray(f, dtype="u1") for f in frames]
        else:
            print(json.dumps({"file": path, "skipped": photometric}), flush=True)
            continue
        for number, array in enumerate(arrays):
            array.tofile(os.path.join(out, f"{index}-{number}.raw"))
        segmented = photometric == "PALETTE COLOR" and "RedPaletteColorLookupTableData" not in ds
        print(json.dumps({"file": path, "index": index, "frames": len(arrays), "kind": kind, "segmented": segmented}), flush=True)


if __name__ == "__main__":
    main()
