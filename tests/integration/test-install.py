#!/usr/bin/python3
# test-install.py BUILDDIR APP_ID PREFIX BINDIR DATADIR LOCALEDIR SERVER LINGUAS VERSION
#
# `meson install --destdir` into a temp dir puts the binary, desktop entry, metainfo, icons,
# schema and compiled translations where a desktop expects them, named after the app id.
# Copyright 2026 The GigPilot authors
# SPDX-License-Identifier: GPL-3.0-or-later

import gettext
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpintegration import fail  # noqa: E402

builddir, app_id, prefix, bindir, datadir, localedir, server, linguas, version = sys.argv[1:10]
langs = open(linguas).read().split()


def under(root, *parts):
    # Meson's install paths are absolute (prefix-based); strip the leading '/' under DESTDIR.
    return os.path.join(root, *[p.lstrip('/') for p in parts])


with tempfile.TemporaryDirectory(prefix='gigpilot-install-') as dest:
    r = subprocess.run(['meson', 'install', '-C', builddir, '--destdir', dest, '--no-rebuild',
                        '--quiet'], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f'meson install failed ({r.returncode}):\n{r.stdout}\n{r.stderr}')

    app = under(dest, prefix, bindir, 'gigpilot')
    if not os.access(app, os.X_OK):
        fail(f'{app} is not an installed executable')
    srv = under(dest, prefix, bindir, 'gigpilot-server')
    if (server == 'true') != os.path.exists(srv):
        fail(f'gigpilot-server installed={os.path.exists(srv)} but -Dserver={server}')

    share = under(dest, prefix, datadir)
    expected = {
        'desktop entry': f'applications/{app_id}.desktop',
        'metainfo': f'metainfo/{app_id}.metainfo.xml',
        'app icon': f'icons/hicolor/scalable/apps/{app_id}.svg',
        'symbolic icon': f'icons/hicolor/symbolic/apps/{app_id}-symbolic.svg',
        'schema': 'glib-2.0/schemas/io.github.gigpilot.GigPilot.gschema.xml',
        'D-Bus service': f'dbus-1/services/{app_id}.service',
    }
    for what, rel in expected.items():
        if not os.path.isfile(os.path.join(share, rel)):
            fail(f'{what} missing: {datadir}/{rel}')
    print(f'ok 1 binary, desktop entry, D-Bus service, metainfo, both icons and the schema are installed as {app_id}')

    desktop = open(os.path.join(share, expected['desktop entry']), encoding='utf-8').read()
    if not re.search(rf'^Icon={re.escape(app_id)}$', desktop, re.M):
        fail(f'desktop entry does not name the installed icon {app_id}')
    if not re.search(r'^Exec=gigpilot\b', desktop, re.M):
        fail('desktop entry does not run gigpilot')
    r = subprocess.run(['desktop-file-validate', os.path.join(share, expected['desktop entry'])],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail(f'installed desktop entry is invalid: {r.stdout}{r.stderr}')
    service = open(os.path.join(share, expected['D-Bus service']), encoding='utf-8').read()
    exec_line = f'Exec={os.path.join(prefix, bindir, "gigpilot")} --gapplication-service'
    if f'Name={app_id}\n' not in service or exec_line not in service:
        fail(f'D-Bus service does not start {app_id} as a GApplication service: {service!r}')
    if not re.search(r'^DBusActivatable=true$', desktop, re.M):
        fail('desktop entry is not D-Bus activatable')
    metainfo = open(os.path.join(share, expected['metainfo']), encoding='utf-8').read()
    if f'<launchable type="desktop-id">{app_id}.desktop</launchable>' not in metainfo:
        fail('metainfo does not launch the installed desktop entry')
    releases = re.findall(r'<release version="([^"]+)" date="([0-9-]+)"', metainfo)
    if not releases or releases[0][0] != version:
        fail(f'the newest release in the metainfo is {releases[:1]}, not the project version {version}')
    print(f'ok 2 desktop entry runs gigpilot with the installed icon; metainfo launches it and '
          f'lists release {version} first')

    for lang in langs:
        mo = under(dest, prefix, localedir, lang, 'LC_MESSAGES', 'gigpilot.mo')
        if not os.path.isfile(mo):
            fail(f'{lang} translation not installed at {localedir}/{lang}/LC_MESSAGES/gigpilot.mo')
        with open(mo, 'rb') as f:
            t = gettext.GNUTranslations(f)
        n = sum(1 for k in t._catalog if isinstance(k, str) and k)
        if n < 10:
            fail(f'{mo} holds only {n} strings')
        if not re.search(rf'^Name\[{lang}\]=', desktop, re.M) or \
           not re.search(rf'^Comment\[{lang}\]=', desktop, re.M):
            fail(f'desktop entry has no {lang} Name/Comment')
        if f'xml:lang="{lang}"' not in metainfo:
            fail(f'metainfo has no {lang} strings')
        print(f'ok - {lang}: {n} strings in the installed catalogue, desktop entry and metainfo merged')

    # The installed schema compiles on its own and answers with its defaults. (Meson skips
    # gnome.post_install under --destdir, so compile it here into a private directory.)
    schemas = os.path.join(share, 'glib-2.0', 'schemas')
    with tempfile.TemporaryDirectory() as compiled:
        r = subprocess.run(['glib-compile-schemas', '--strict', '--targetdir', compiled, schemas],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(f'installed schema does not compile: {r.stderr}')
        r = subprocess.run(['gsettings', '--schemadir', compiled, 'get',
                            'io.github.gigpilot.GigPilot', 'sync-interval'],
                           capture_output=True, text=True)
        if r.stdout.strip() != 'uint32 300':
            fail(f'installed schema does not answer sync-interval: {r.stdout}{r.stderr}')
    print('ok - the installed schema compiles and answers gsettings')
    print(f'1..{3 + len(langs)}')
