#!/usr/bin/python3
# test-schema-keys.py SRCDIR SCHEMA — every GSettings key the C code names in a g_settings_*()
# call exists in the schema with a type that fits the call. (GSettings aborts on an unknown key
# at run time, so this catches it at test time even on paths no GUI test walks.)
# Copyright 2026 The GigPilot authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpintegration import fail  # noqa: E402

srcdir, schema_path = sys.argv[1], sys.argv[2]
keys = {k.get('name'): k.get('type') for k in ET.parse(schema_path).getroot().iter('key')}
if len(keys) < 10:
    fail(f'{schema_path} has only {len(keys)} keys')

CALL = re.compile(r'\bg_settings_(\w+)\s*\(\s*[^,()]+(?:\([^()]*\))?\s*,\s*"([^"]+)"')
TYPES = {'get_string': 's', 'set_string': 's', 'get_int': 'i', 'set_int': 'i',
         'get_uint': 'u', 'set_uint': 'u', 'get_boolean': 'b', 'set_boolean': 'b',
         'get_double': 'd', 'set_double': 'd', 'get_strv': 'as', 'set_strv': 'as',
         'get_int64': 'x', 'set_int64': 'x', 'get_uint64': 't', 'set_uint64': 't'}
problems, used = [], set()
for root, dirs, files in os.walk(os.path.join(srcdir, 'src')):
    for name in files:
        if not name.endswith('.c'):
            continue
        path = os.path.join(root, name)
        text = open(path, encoding='utf-8').read()
        for m in CALL.finditer(text):
            fn, key = m.group(1), m.group(2)
            if fn in ('new', 'new_with_path', 'schema_source_lookup') or '.' in key:
                continue
            line = text.count('\n', 0, m.start()) + 1
            rel = os.path.relpath(path, srcdir)
            used.add(key)
            if key not in keys:
                problems.append(f'{rel}:{line}: g_settings_{fn} uses unknown key "{key}"')
            elif fn in TYPES and TYPES[fn] != keys[key]:
                problems.append(f'{rel}:{line}: g_settings_{fn} on "{key}" of type {keys[key]}')
for p in problems:
    print(p)
if problems:
    sys.exit(1)
print(f'ok 1 all {len(used)} keys named in g_settings_*() calls exist with a fitting type '
      f'({len(keys)} keys in the schema)')
print('1..1')
