"""Width, height and number of distinct colours of an 8-bit RGB or RGBA PNG, as one JSON line.

Used by the tests to check that headless Chromium rendered a page (a blank page has one colour):
    python3 scripts/png-info.py FILE.png      # {"width": 1200, "height": 3000, "colours": 412}
Standard library only (zlib): undoes the five PNG row filters; every pixel is counted.
"""
import json
import struct
import sys
import zlib

data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"{sys.argv[1]}: not a PNG")
width, height, depth, kind, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
if depth != 8 or kind not in (2, 6) or interlace:
    sys.exit(f"{sys.argv[1]}: only 8-bit, non-interlaced RGB or RGBA (got depth {depth}, colour type {kind})")
bpp = 3 if kind == 2 else 4
idat, i = b"", 8
while i < len(data):
    n, chunk = struct.unpack(">I4s", data[i:i + 8])
    if chunk == b"IDAT":
        idat += data[i + 8:i + 8 + n]
    i += 12 + n
raw = zlib.decompress(idat)
stride = width * bpp
prev = bytearray(stride)
colours = set()
for y in range(height):
    start = y * (stride + 1)
    f, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
    if f == 1:  # Sub
        for x in range(bpp, stride):
            line[x] = (line[x] + line[x - bpp]) & 255
    elif f == 2:  # Up
        line = bytearray((a + b) & 255 for a, b in zip(line, prev))
    elif f == 3:  # Average
        for x in range(stride):
            line[x] = (line[x] + ((line[x - bpp] if x >= bpp else 0) + prev[x]) // 2) & 255
    elif f == 4:  # Paeth
        for x in range(stride):
            a, b = (line[x - bpp] if x >= bpp else 0), prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    colours.update(bytes(line[x:x + bpp]) for x in range(0, stride, bpp))
    prev = line
print(json.dumps({"width": width, "height": height, "colours": len(colours)}))
