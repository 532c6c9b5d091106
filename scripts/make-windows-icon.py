#!/usr/bin/env python3
"""Makes src-tauri/icons/icon.ico (the Windows icon set) from src-tauri/icons/icon.png.

Windows shows an icon at many sizes (title bar 16-24, taskbar 32-48, Explorer up to 256) and picks
the nearest one from the .ico, so the file holds each common size, box-filtered down from the
256 x 256 PNG. Every image is stored as PNG inside the .ico (supported since Windows Vista).
Standard library only, so it runs anywhere Python 3 does:

    python3 scripts/make-windows-icon.py
"""

import struct
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src-tauri" / "icons" / "icon.png"
TARGET = ROOT / "src-tauri" / "icons" / "icon.ico"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def read_rgba_png(data):
    """Width, height and rows of RGBA bytes of an 8-bit RGBA, non-interlaced PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{SOURCE} is not a PNG file; give an 8-bit RGBA PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if (depth, colour, interlace) != (8, 6, 0):
        sys.exit(f"{SOURCE}: expected 8-bit RGBA without interlacing; save it as such and run again")
    raw, stride, rows, previous = zlib.decompress(idat), width * 4, [], bytearray(width * 4)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - 4] if i >= 4 else 0
            up = previous[i]
            up_left = previous[i - 4] if i >= 4 else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                line[i] = (line[i] + predictor) & 255
        rows.append(line)
        previous = line
    return width, height, rows


def shrink(width, height, rows, size):
    """Box filter with colours weighted by alpha, so transparent pixels do not darken edges."""
    out = []
    for y in range(size):
        y0, y1 = y * height // size, (y + 1) * height // size
        line = bytearray()
        for x in range(size):
            x0, x1 = x * width // size, (x + 1) * width // size
            total = [0, 0, 0, 0]
            for row in rows[y0:y1]:
                for px in range(x0, x1):
                    r, g, b, a = row[px * 4 : px * 4 + 4]
                    total[0] += r * a
                    total[1] += g * a
                    total[2] += b * a
                    total[3] += a
            count = (y1 - y0) * (x1 - x0)
            alpha = total[3]
            colour = [round(c / alpha) if alpha else 0 for c in total[:3]]
            line += bytes(colour + [round(alpha / count)])
        out.append(line)
    return out


def png(size, rows):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(row) for row in rows)
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main():
    width, height, rows = read_rgba_png(SOURCE.read_bytes())
    if width != height or width < max(SIZES):
        sys.exit(f"{SOURCE} is {width} x {height}; give a square PNG of at least {max(SIZES)} pixels")
    images = [(size, png(size, shrink(width, height, rows, size))) for size in SIZES]
    # ICONDIR, then one ICONDIRENTRY per image (a size of 256 is written as 0), then the images.
    out = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    for size, data in images:
        out += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    out += b"".join(data for _, data in images)
    TARGET.write_bytes(out)
    print(f"wrote {TARGET.relative_to(ROOT)}: {len(images)} sizes ({', '.join(str(s) for s, _ in images)}), {len(out)} bytes")


if __name__ == "__main__":
    main()
