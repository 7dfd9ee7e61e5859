#!/usr/bin/python3
# test-german.py GIGPILOT LOCALEDIR — needs a display; runs itself on a private bus.
#
# Starts the real app with LANG=de_DE.UTF-8 and the build's compiled translations, reads every
# label, button and title through AT-SPI and checks that the German strings of po/de.po (as compiled by the build) show and
# no English original with a German translation is left on screen.
# Copyright 2026 The GigPilot authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import gettext
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpintegration as it  # noqa: E402

app, localedir = sys.argv[1], sys.argv[2]
de_mo = os.path.join(localedir, 'de', 'LC_MESSAGES', 'gigpilot.mo')
it.enter_private_session()


def read_mo(path):
    """msgid -> msgstr for the singular entries of the compiled catalogue."""
    with open(path, 'rb') as f:
        cat = gettext.GNUTranslations(f)._catalog
    return {k: v for k, v in cat.items() if isinstance(k, str) and k}


locales = subprocess.run(['locale', '-a'], capture_output=True, text=True).stdout.split()
if 'de_DE.utf8' in locales:
    lang_env = {'LANG': 'de_DE.UTF-8'}
    how = 'LANG=de_DE.UTF-8'
else:
    # Messages still switch with LANGUAGE under C.UTF-8; dates and numbers need the real locale,
    # which build-aux/dev generates.
    lang_env = {'LANG': 'C.UTF-8', 'LANGUAGE': 'de'}
    how = 'LANGUAGE=de (de_DE.UTF-8 is not generated here: run build-aux/dev)'
for k in ('LC_ALL', 'LC_MESSAGES', 'LANGUAGE'):
    os.environ.pop(k, None)

catalog = read_mo(de_mo)
translated = {k: v for k, v in catalog.items() if k != v}
german = set(catalog.values())
if len(translated) < 10:
    it.fail(f'{de_mo} has only {len(translated)} translated strings')

with it.temp_dir() as tmp:
    env = it.app_env(tmp, GIGPILOT_LOCALEDIR=localedir, **lang_env)
    proc = it.start_app(app, env, os.path.join(tmp, 'app.log'))
    try:
        pyatspi = it.connect_a11y()
        acc = it.find_a11y_app(pyatspi, proc.pid, 30)
        if acc is None:
            it.fail('the app never showed up on the accessibility bus: '
                    + open(os.path.join(tmp, 'app.log')).read())

        def names():
            return set(it.all_names(acc)) if it.frames(acc) else set()

        # Wait until the window has content with a German string (the UI fills in as it loads).
        shown = it.wait_for(lambda: (lambda n: n if n & set(translated.values()) else None)(names()),
                            20)
        if not shown:
            it.fail(f'no German string on screen under {how}; saw {sorted(names())[:40]}')
        seen_de = sorted(shown & set(translated.values()))
        print(f'ok 1 under {how} the window shows {len(seen_de)} German strings, e.g. '
              + ', '.join(repr(s) for s in seen_de[:5]))

        english = sorted(s for s in shown if s in translated and s not in german)
        if english:
            it.fail(f'English strings left untranslated on screen: {english}')
        print(f'ok 2 none of the {len(translated)} translated originals is left in English '
              f'({len(shown)} strings checked)')
        print('1..2')
    finally:
        it.stop_app(proc)
