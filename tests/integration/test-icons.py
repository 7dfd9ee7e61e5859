#!/usr/bin/python3
# test-icons.py APP_SVG SYMBOLIC_SVG — the app icon is a 128×128 full-colour SVG that renders
# with visible content at launcher sizes; the symbolic icon is 16×16 and uses one recolourable
# foreground colour only, as GTK recolours symbolic icons.
# Copyright 2026 The GigPilot authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import sys
import xml.etree.ElementTree as ET

import gi
gi.require_version('GdkPixbuf', '2.0')
from gi.repository import GdkPixbuf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpintegration import fail  # noqa: E402

app_svg, sym_svg = sys.argv[1], sys.argv[2]
SVG = '{http://www.w3.org/2000/svg}'


def coverage(path, size):
    """Share of pixels that are not transparent when rendered at SIZE×SIZE, and colours seen."""
    p = GdkPixbuf.Pixbuf.new_from_file_at_size(path, size, size)
    if p.get_width() != size or p.get_height() != size or not p.get_has_alpha():
        fail(f'{path} renders as {p.get_width()}×{p.get_height()}, not a square with alpha')
    data, stride, n = p.get_pixels(), p.get_rowstride(), p.get_n_channels()
    opaque, colours = 0, set()
    for y in range(size):
        row = data[y * stride:y * stride + size * n]
        for x in range(size):
            r, g, b, a = row[x * n:x * n + 4]
            if a > 200:
                opaque += 1
                colours.add((r // 32, g // 32, b // 32))
    return opaque / (size * size), colours


for path, dim in ((app_svg, '128'), (sym_svg, '16')):
    root = ET.parse(path).getroot()
    if root.tag != SVG + 'svg' or root.get('width') != dim or root.get('height') != dim or \
       root.get('viewBox') != f'0 0 {dim} {dim}':
        fail(f'{path}: expected an <svg> of {dim}×{dim} with a matching viewBox')
    if any(True for _ in root.iter(SVG + 'image')):
        fail(f'{path}: embeds a bitmap')

for size in (32, 64, 128, 256):
    cov, colours = coverage(app_svg, size)
    if not 0.25 < cov < 0.9 or len(colours) < 4:
        fail(f'app icon at {size}px: {cov:.0%} covered, {len(colours)} colours')
print(f'ok 1 app icon renders at 32–256 px ({cov:.0%} covered, {len(colours)} colour groups)')

text = open(sym_svg, encoding='utf-8').read()
fills = set(re.findall(r'(?:fill|stroke)="(#[0-9a-fA-F]{3,6})"', text))
if fills - {'#2e3436', '#2E3436'} or 'style=' in text or 'gradient' in text.lower():
    fail(f'symbolic icon uses colours other than the recolourable #2e3436: {sorted(fills)}')
cov, colours = coverage(sym_svg, 16)
if not 0.1 < cov < 0.8:
    fail(f'symbolic icon at 16 px is {cov:.0%} covered')
print(f'ok 2 symbolic icon is one recolourable colour and {cov:.0%} covered at 16 px')
print('1..2')
