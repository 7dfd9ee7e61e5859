#!/usr/bin/python3
# test-german.py GIGPILOT LOCALEDIR — needs a display; runs itself on a private bus.
#
# Starts the real app with LANG=de_DE.UTF-8 and the build's compiled translations, reads every
# label, button and title through AT-SPI and checks that the German strings of po/de.po (as
# compiled by the build) show and no English original with a German translation is left on
# screen. Then, on a database holding one client, the Clients page shows the hourly rate in
# German money format (1.234,56 €).
# Copyright 2026 The GigPilot authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import gettext
import re
import sqlite3
import subprocess
import time
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

def select_page(acc, title):
    """Selects the sidebar row whose label is TITLE (the sidebar is a selectable list)."""
    def look():
        for frame in it.frames(acc):
            for item in it.descendants(frame, 'list item'):
                if any(n == title for n in it.all_names(item)):
                    return item
        return None
    item = it.wait_for(look, 15)
    if item is None:
        it.fail(f'no sidebar row "{title}"')
    item.parent.querySelection().selectChild(item.getIndexInParent())


with it.temp_dir() as tmp:
    db = os.path.join(tmp, 'gigpilot.db')
    # GIGPILOT_DATABASE also makes the instance non-unique, like every test instance.
    env = it.app_env(tmp, GIGPILOT_LOCALEDIR=localedir, GIGPILOT_DATABASE=db, **lang_env)
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
    finally:
        it.stop_app(proc)

    # The app made its database on the first start; give it one client with an hourly rate.
    if not it.wait_for(lambda: os.path.exists(db), 10):
        it.fail(f'the app made no database at {db}')
    now = int(time.time() * 1000)
    with sqlite3.connect(db, timeout=10) as con:
        for cid, name, rate in (('gnomeittest00001', 'Muster GmbH', 123456),
                                ('gnomeittest00002', 'Beispiel AG', 9000)):
            con.execute("INSERT INTO clients (id, name, currency, hourly_rate, created_at, "
                        "updated_at) VALUES (?, ?, 'EUR', ?, ?, ?)", (cid, name, rate, now, now))
        # And a ticket due on 2 April 2026, for the date format of the lists (synced, so the
        # header's count below stays the two clients').
        con.execute("INSERT INTO tickets (id, client_id, title, status, due_on, created_at, updated_at, "
                    "_status) VALUES ('gnomeitticket001', 'gnomeittest00001', 'Logo', 'open', '2026-04-02', "
                    "?, ?, 'synced')", (now, now))
    con.close()

    proc = it.start_app(app, env, os.path.join(tmp, 'app2.log'))
    try:
        acc = it.find_a11y_app(pyatspi, proc.pid, 30)
        if acc is None:
            it.fail('the second start never showed up on the accessibility bus: '
                    + open(os.path.join(tmp, 'app2.log')).read())
        select_page(acc, catalog.get('Clients', 'Clients'))
        money = re.compile(r'^1\.234,56[\s\u00a0\u202f]€$')
        seen = it.wait_for(lambda: [n for n in it.all_names(acc) if money.match(n)], 15)
        if not seen:
            names = sorted(set(it.all_names(acc)))
            amounts = [n for n in names if '234' in n]
            if 'de_DE.utf8' not in locales:
                print(f'ok 3 # SKIP German money format needs the de_DE.UTF-8 locale (saw {amounts})')
            else:
                it.fail(f'the hourly rate is not shown as 1.234,56 €; amounts seen: {amounts}; '
                        f'all: {names[:60]}')
        else:
            print(f'ok 3 the Clients page shows the hourly rate as {seen[0]!r}')

        # Both new clients wait to be synced: the header counts them with the German plural.
        with open(os.path.join(localedir, 'de', 'LC_MESSAGES', 'gigpilot.mo'), 'rb') as f:
            want = gettext.GNUTranslations(f).ngettext('%u change waiting', '%u changes waiting',
                                                       2) % 2
        if want == '2 changes waiting':
            it.fail('the catalogue has no German plural for "%u changes waiting"')
        if not it.wait_for(lambda: want in it.all_names(acc), 15):
            it.fail(f'the header does not say {want!r}; saw '
                    f'{sorted(n for n in set(it.all_names(acc)) if "nderung" in n)}')
        print(f'ok 4 the header counts the two unsynced clients as {want!r}')

        # Dates are shown as the locale writes them, not as stored (2026-04-02).
        select_page(acc, catalog.get('Tickets', 'Tickets'))
        if 'de_DE.utf8' not in locales:
            print('ok 5 # SKIP German dates need the de_DE.UTF-8 locale')
        elif it.wait_for(lambda: '02.04.2026' in it.all_names(acc), 15):
            print('ok 5 the Tickets page shows the due date as 02.04.2026')
        else:
            it.fail(f'the due date is not shown as 02.04.2026; saw '
                    f'{sorted(n for n in set(it.all_names(acc)) if "2026" in n)}')
        print('1..5')
    finally:
        it.stop_app(proc)
