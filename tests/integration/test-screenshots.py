#!/usr/bin/python3
# test-screenshots.py SRCDIR METAINFO.in.in — every screenshot the metainfo names is a file of
# this tree (its URL points into the repository), a real PNG of a useful size, with a caption.
# Copyright 2026 The GigPilot authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import struct
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpintegration import fail  # noqa: E402

srcdir, metainfo = sys.argv[1], sys.argv[2]
REPO = 'https://raw.githubusercontent.com/gigpilot/gigpilot/main/'
shots = ET.parse(metainfo).getroot().findall('./screenshots/screenshot')
if not shots or shots[0].get('type') != 'default':
    fail('the metainfo needs a default screenshot first')
for n, shot in enumerate(shots, 1):
    url = shot.findtext('image', '').strip()
    if not url.startswith(REPO):
        fail(f'screenshot {url!r} does not point into the repository ({REPO})')
    path = os.path.join(srcdir, url[len(REPO):])
    if not os.path.isfile(path):
        fail(f'screenshot {url} has no file {os.path.relpath(path, srcdir)} in the tree')
    with open(path, 'rb') as f:
        head = f.read(24)
    if head[:8] != b'\x89PNG\r\n\x1a\n' or head[12:16] != b'IHDR':
        fail(f'{path} is not a PNG')
    w, h = struct.unpack('>II', head[16:24])
    if w < 1000 or h < 600 or not 1.0 <= w / h <= 2.0:
        fail(f'{path} is {w}×{h}: software centres want a landscape shot at least 1000×600')
    if not (shot.findtext('caption') or '').strip():
        fail(f'screenshot {url} has no caption')
    print(f'ok {n} {os.path.relpath(path, srcdir)}: PNG {w}×{h} with a caption')
print(f'1..{len(shots)}')
