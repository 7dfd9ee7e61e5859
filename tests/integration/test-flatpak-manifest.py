#!/usr/bin/python3
# test-flatpak-manifest.py SRCDIR MANIFEST...
#
# Lints the Flatpak manifests offline (the GNOME SDK cannot be downloaded here, so no real build):
#   - flatpak-builder --show-manifest parses each one with no WARNING (a misspelt key only warns);
#   - the keys flatpak-builder needs are there: a GNOME runtime >= 47, the gigpilot command,
#     exactly the minimal finish-args (no keyring talk-name, no filesystem), cleanup of headers;
#   - the module builds the local tree with meson, without the server and tests;
#   - meson really configures with those config-opts and then installs /app/bin/gigpilot, the
#     desktop entry, metainfo and icons under the manifest's app id, and no gigpilot-server;
#     that profile's desktop entry and metainfo pass their validators.
# Copyright 2026 The GigPilot authors
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpintegration import fail  # noqa: E402

srcdir = os.path.abspath(sys.argv[1])
manifests = sys.argv[2:]
FINISH_ARGS = ['--share=ipc', '--socket=wayland', '--socket=fallback-x11', '--device=dri',
               '--share=network']
TOP_KEYS = {'id', 'runtime', 'runtime-version', 'sdk', 'command', 'finish-args', 'cleanup',
            'modules', 'tags', 'build-options', 'sdk-extensions'}
MODULE_KEYS = {'name', 'buildsystem', 'config-opts', 'sources', 'build-options', 'cleanup',
               'builddir', 'modules', 'post-install', 'build-commands'}
SOURCE_KEYS = {'type', 'path', 'skip', 'url', 'sha256', 'tag', 'commit'}

builder = shutil.which('flatpak-builder')
n = 0


def ok(msg):
    global n
    n += 1
    print(f'ok {n} {msg}', flush=True)


def check(path):
    name = os.path.basename(path)
    if builder:
        # It leaves a .flatpak-builder/ccache directory in its working directory: use a temp one.
        with tempfile.TemporaryDirectory() as cwd:
            r = subprocess.run([builder, '--show-manifest', os.path.abspath(path)], cwd=cwd,
                               capture_output=True, text=True)
        if r.returncode != 0 or 'WARNING' in r.stderr:
            fail(f'{name}: flatpak-builder --show-manifest: rc={r.returncode} {r.stderr.strip()}')
        ok(f'{name}: flatpak-builder parses it without warnings')
    else:
        print(f'# flatpak-builder not installed: {name} checked by key only')

    with open(path, encoding='utf-8') as f:
        m = json.load(f)
    unknown = set(m) - TOP_KEYS
    if unknown:
        fail(f'{name}: unexpected top-level keys {sorted(unknown)}')
    app_id = m.get('id', '')
    devel = app_id.endswith('.Devel')
    want_id = 'io.github.gigpilot.GigPilot' + ('.Devel' if devel else '')
    if app_id != want_id or name != want_id + '.json':
        fail(f'{name}: id {app_id!r} does not match the file name')
    if m.get('runtime') != 'org.gnome.Platform' or m.get('sdk') != 'org.gnome.Sdk':
        fail(f'{name}: runtime/sdk must be org.gnome.Platform/org.gnome.Sdk')
    try:
        if int(m.get('runtime-version', '0')) < 47:
            raise ValueError
    except ValueError:
        fail(f'{name}: runtime-version {m.get("runtime-version")!r} is not GNOME 47 or newer')
    if m.get('command') != 'gigpilot':
        fail(f'{name}: command must be gigpilot')
    if m.get('finish-args') != FINISH_ARGS:
        fail(f'{name}: finish-args {m.get("finish-args")} != {FINISH_ARGS}')
    for c in ('/include', '/lib/pkgconfig', '*.a', '*.la'):
        if c not in m.get('cleanup', []):
            fail(f'{name}: cleanup misses {c}')
    if devel != ('devel' in m.get('tags', [])):
        fail(f'{name}: the Devel manifest (and only it) carries the devel tag')
    ok(f'{name}: {m["runtime"]}//{m["runtime-version"]}, minimal finish-args, cleanup')

    mod = m['modules'][-1]
    if set(mod) - MODULE_KEYS:
        fail(f'{name}: unexpected module keys {sorted(set(mod) - MODULE_KEYS)}')
    if mod.get('name') != 'gigpilot' or mod.get('buildsystem') != 'meson':
        fail(f'{name}: the last module must build gigpilot with meson')
    opts = mod.get('config-opts', [])
    for o in ('-Dserver=false', '-Dtests=false'):
        if o not in opts:
            fail(f'{name}: config-opts miss {o}')
    if devel != ('-Ddevelopment=true' in opts):
        fail(f'{name}: -Ddevelopment=true belongs in the Devel manifest only')
    src = mod.get('sources', [])
    if len(src) != 1 or src[0].get('type') != 'dir' or set(src[0]) - SOURCE_KEYS:
        fail(f'{name}: the module must have one "dir" source')
    tree = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), src[0]['path']))
    if tree != srcdir or not os.path.isfile(os.path.join(tree, 'meson.build')):
        fail(f'{name}: source path {src[0]["path"]!r} is not the project tree')
    ok(f'{name}: builds the local tree with meson, {" ".join(opts)}')

    # Configure for real with the manifest's options, as flatpak-builder would (prefix /app).
    with tempfile.TemporaryDirectory(prefix='gigpilot-flatpak-') as b:
        r = subprocess.run(['meson', 'setup', b, srcdir, '--prefix=/app', *opts],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(f'{name}: meson setup with the manifest options failed:\n{r.stdout[-3000:]}')
        r = subprocess.run(['meson', 'introspect', b, '--installed'], capture_output=True,
                           text=True, check=True)
        installed = set(json.loads(r.stdout).values())
        # The desktop entry and metainfo of this profile validate too (the suite's own
        # validators only see the profile of the build it runs in).
        desktop, metainfo = f'{app_id}.desktop', f'{app_id}.metainfo.xml'
        r = subprocess.run(['meson', 'compile', '-C', b, desktop, metainfo],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(f'{name}: building {desktop} and {metainfo} failed:\n{r.stdout[-2000:]}')
        for cmd in (['desktop-file-validate', os.path.join(b, 'data', desktop)],
                    ['appstreamcli', 'validate', '--no-net', '--strict',
                     os.path.join(b, 'data', metainfo)]):
            if shutil.which(cmd[0]):
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    fail(f'{name}: {" ".join(cmd[:2])}: {r.stdout}{r.stderr}')
        with open(os.path.join(b, 'data', metainfo), encoding='utf-8') as f:
            if f'<id>{app_id}</id>' not in f.read():
                fail(f'{name}: {metainfo} does not carry the id {app_id}')
    want = {'/app/bin/gigpilot',
            f'/app/share/applications/{app_id}.desktop',
            f'/app/share/metainfo/{app_id}.metainfo.xml',
            f'/app/share/dbus-1/services/{app_id}.service',
            f'/app/share/icons/hicolor/scalable/apps/{app_id}.svg',
            f'/app/share/icons/hicolor/symbolic/apps/{app_id}-symbolic.svg'}
    if want - installed:
        fail(f'{name}: the bundle would miss {sorted(want - installed)}')
    bad = sorted(p for p in installed if 'gigpilot-server' in p or p.startswith('/app/include'))
    if bad:
        fail(f'{name}: the bundle would ship {bad}')
    ok(f'{name}: meson installs the app under {app_id} and no server ({len(installed)} files)')


for p in manifests:
    check(p)
print(f'1..{n}')
