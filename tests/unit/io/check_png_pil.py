"""Decodes a picture of hypar::io::write_field_png with PIL, a decoder independent of libpng's.

Usage: check_png_pil.py PNG_SAMPLE_PROGRAM WORK_DIR. Runs the program (tests/unit/io/png_sample.cpp),
which writes a horizontal ramp (clamped at both ends) without a colour bar and prints the expected field size and the map's
end colours, then checks: an 8-bit RGB PNG; the field (every pixel that is not the white background
or the frame's ink) is exactly the printed size; its left column is the map's bottom colour and its
right column the top colour; the colours along a row span the map, with lightness rising left to
right. Exits 77 (ctest's SKIP_RETURN_CODE) when PIL is not installed.
"""
import os
import subprocess
import sys

try:
    from PIL import Image
except ImportError:
    print("SKIP: Python PIL is not installed (Debian: python3-pil); the PIL check is skipped")
    sys.exit(77)


def luminance(c):
    def lin(v):
        e = v / 255.0
        return e / 12.92 if e <= 0.04045 else ((e + 0.055) / 1.055) ** 2.4
    return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])


def main():
    program, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, "pil_check.png")
    if os.path.exists(path):
        os.remove(path)
    out = subprocess.run([program, path], check=True, capture_output=True, text=True).stdout
    expect = {line.split()[0]: [int(x) for x in line.split()[1:]] for line in out.splitlines()}
    fw, fh = expect["field"]
    bottom, top = tuple(expect["bottom"]), tuple(expect["top"])

    img = Image.open(path)
    failures = []
    if img.format != "PNG" or img.mode != "RGB":
        failures.append(f"format {img.format} mode {img.mode}, expected PNG RGB")
    img = img.convert("RGB")
    w, h = img.size
    px = img.load()
    white, ink = (255, 255, 255), (34, 34, 34)
    field = [(x, y) for y in range(h) for x in range(w) if px[x, y] not in (white, ink)]
    xs, ys = [p[0] for p in field], [p[1] for p in field]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    if (x1 - x0 + 1, y1 - y0 + 1) != (fw, fh) or len(field) != fw * fh:
        failures.append(f"field {x1 - x0 + 1} x {y1 - y0 + 1} ({len(field)} pixels), "
                        f"expected {fw} x {fh}")
    if w <= fw or h <= fh:
        failures.append(f"picture {w} x {h}: no margin around the {fw} x {fh} field")
    left = {px[x0, y] for y in range(y0, y1 + 1)}
    right = {px[x1, y] for y in range(y0, y1 + 1)}
    if left != {bottom}:
        failures.append(f"left column {sorted(left)[:3]}, expected the bottom colour {bottom}")
    if right != {top}:
        failures.append(f"right column {sorted(right)[:3]}, expected the top colour {top}")
    row = [px[x, (y0 + y1) // 2] for x in range(x0, x1 + 1)]
    if len(set(row)) < fw * 0.6:  # 3/4 of the row is the ramp within the limits
        failures.append(f"only {len(set(row))} distinct colours along a row of {fw}")
    lum = [luminance(c) for c in row]
    if any(b < a - 1e-3 for a, b in zip(lum, lum[1:])):
        failures.append("lightness does not rise from left to right")
    if lum[-1] - lum[0] < 0.6:
        failures.append(f"luminance spans only {lum[0]:.3f} .. {lum[-1]:.3f}")
    print(f"picture {w} x {h}, field {x1 - x0 + 1} x {y1 - y0 + 1} at ({x0}, {y0}), "
          f"{len(set(row))} colours along a row, luminance {lum[0]:.3f} .. {lum[-1]:.3f}")
    for f in failures:
        print("FAIL:", f)
    os.remove(path)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
