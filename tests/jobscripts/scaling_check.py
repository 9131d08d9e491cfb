#!/usr/bin/env python3
"""Checks what jobscripts/collect-scaling.sh wrote for one sweep folder.

    scaling_check.py DIR --driver stats|heat|sort --layouts "1x1 1x2 2x1" [--png WxH | --no-png]

Reads the sweep's inputs itself (every RxT.json, the driver's own JSON summary, and RxT.rc) and
compares summary.csv and summary.json with them:
  * one row per layout, the layouts asked for, sorted by cores then ranks;
  * ranks, threads and cores as the JSON says, exit as the .rc says (0), wall_seconds as the .rc;
  * seconds equal to the JSON's "seconds" (the driver's own time), exactly;
  * speedup = seconds(1x1) / seconds and efficiency = speedup / cores, to the 3 decimals written;
  * summary.json's runs equal to the CSV's rows, and its "driver" the driver asked for;
and that scaling.png is a valid PNG (signature, every chunk's CRC, IHDR first and IEND last, the
image data inflating to exactly the size IHDR implies) of the size asked for.
Prints "ok ..." or the problems, one a line; exits 0 only for "ok". Standard library only, so it
runs with any python3. Also imported by the tests (png_info, check).
"""
import argparse
import csv
import json
import os
import struct
import sys
import zlib


def png_info(path):
    """(width, height) of the PNG at path; raises ValueError naming what is wrong."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: no PNG signature (starts {data[:8]!r})")
    pos, chunks, idat = 8, [], b""
    while pos < len(data):
        if pos + 12 > len(data):
            raise ValueError(f"{path}: truncated chunk header at byte {pos}")
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if len(body) != length or pos + 12 + length > len(data):
            raise ValueError(f"{path}: chunk {kind!r} at byte {pos} runs past the end")
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError(f"{path}: chunk {kind!r} at byte {pos} has a wrong CRC")
        chunks.append((kind, body))
        if kind == b"IDAT":
            idat += body
        pos += 12 + length
    if not chunks or chunks[0][0] != b"IHDR" or len(chunks[0][1]) != 13:
        raise ValueError(f"{path}: the first chunk is not a 13-byte IHDR")
    if chunks[-1][0] != b"IEND":
        raise ValueError(f"{path}: the last chunk is not IEND")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(colour)
    if channels is None or width == 0 or height == 0:
        raise ValueError(f"{path}: IHDR {width}x{height}, colour type {colour}: not an image")
    if interlace == 0:
        row = 1 + (width * channels * depth + 7) // 8  # filter byte + pixels
        try:
            raw = zlib.decompress(idat)
        except zlib.error as e:
            raise ValueError(f"{path}: the image data does not inflate ({e})") from None
        if len(raw) != row * height:
            raise ValueError(f"{path}: {len(raw)} bytes of image data, IHDR {width}x{height} "
                             f"needs {row * height}")
    return width, height


def check(folder, driver, layouts, png_size=None):
    """The problems with folder's summary (empty when there are none)."""
    problems = []
    runs = {}
    for name in layouts:
        with open(os.path.join(folder, name + ".json")) as f:
            res = json.load(f)
        with open(os.path.join(folder, name + ".rc")) as f:
            rc = dict(w.split("=", 1) for w in f.read().split() if "=" in w)
        runs[name] = (res, rc)
    with open(os.path.join(folder, "summary.csv")) as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(folder, "summary.json")) as f:
        summary = json.load(f)

    got = [r["layout"] for r in rows]
    want = sorted(layouts, key=lambda n: (int(n.split("x")[0]) * int(n.split("x")[1]), int(n.split("x")[0])))
    if got != want:
        problems.append(f"summary.csv layouts {got}, expected {want} (by cores, then ranks)")
    base = runs["1x1"][0]["seconds"] if "1x1" in runs else None
    for r in rows:
        if r["layout"] not in runs:
            continue
        res, rc = runs[r["layout"]]
        ranks, threads = res["ranks"], res["threads"]
        expect = {"ranks": str(ranks), "threads": str(threads), "cores": str(ranks * threads),
                  "exit": rc.get("exit"), "wall_seconds": rc.get("wall_seconds")}
        for k, v in expect.items():
            if r[k] != v and not (k == "wall_seconds" and float(r[k]) == float(v)):
                problems.append(f"{r['layout']}: {k} {r[k]!r}, expected {v!r}")
        if float(r["seconds"]) != res["seconds"]:
            problems.append(f"{r['layout']}: seconds {r['seconds']}, its JSON says {res['seconds']!r}")
        if base:
            s = base / res["seconds"]
            for k, v in (("speedup", s), ("efficiency", s / (ranks * threads))):
                if r[k] == "" or abs(float(r[k]) - v) > 0.0005 + 1e-12:
                    problems.append(f"{r['layout']}: {k} {r[k]!r}, expected {v:.4f}")
    if summary.get("driver") != driver:
        problems.append(f"summary.json: driver {summary.get('driver')!r}, expected {driver!r}")
    as_text = [{k: ("" if v is None else str(v).lower() if isinstance(v, bool) else str(v))
                for k, v in run.items()} for run in summary.get("runs", [])]
    if as_text != rows:
        problems.append("summary.json's runs differ from summary.csv's rows")
    png = os.path.join(folder, "scaling.png")
    if png_size is None:
        if os.path.exists(png):
            problems.append(f"{png} exists, expected none")
    elif not os.path.exists(png):
        problems.append(f"no picture {png}")
    else:
        try:
            size = png_info(png)
            if size != png_size:
                problems.append(f"{png}: {size[0]}x{size[1]} pixels, expected {png_size[0]}x{png_size[1]}")
        except ValueError as e:
            problems.append(str(e))
    return problems


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder")
    p.add_argument("--driver", required=True, choices=("stats", "heat", "sort"))
    p.add_argument("--layouts", required=True)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--png", help="WxH: scaling.png must be a valid PNG of that size")
    g.add_argument("--no-png", action="store_true", help="scaling.png must not exist")
    a = p.parse_args()
    size = None if a.no_png else tuple(int(x) for x in a.png.split("x"))
    try:
        problems = check(a.folder, a.driver, a.layouts.split(), size)
    except (OSError, ValueError, KeyError) as e:
        problems = [f"cannot read the sweep: {e.__class__.__name__}: {e}"]
    if problems:
        print("\n".join(problems))
        return 1
    print(f"ok: {len(a.layouts.split())} layouts" + ("" if size is None else f", scaling.png {a.png}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
