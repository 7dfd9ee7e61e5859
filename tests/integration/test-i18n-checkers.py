#!/usr/bin/python3
# test-i18n-checkers.py CHECK_POTFILES CHECK_PO — the two translation linters catch what they
# promise: run on small throw-away trees, each known mistake makes them fail, a clean tree passes.
# Copyright 2026 The GigPilot authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpintegration import fail  # noqa: E402

check_potfiles, check_po = sys.argv[1], sys.argv[2]
n = 0


def expect(cmd, rc_ok, needle, what):
    global n
    r = subprocess.run(cmd, capture_output=True, text=True)
    out = r.stdout + r.stderr
    if (r.returncode == 0) != rc_ok or (needle and needle not in out):
        fail(f'{what}: rc={r.returncode}, output:\n{out}')
    n += 1
    print(f'ok {n} {what}')


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


with tempfile.TemporaryDirectory() as t:
    write(t, 'src/ui/gp-a.c', 'const char *a = _("Hello");\n')
    write(t, 'src/ui/gp-b.c', '/* _("only a comment") */ const char *b = "x_(y)";\n')
    write(t, 'src/ui/gp-c.c', 'n = ngettext ("%d day", "%d days", n);\n')
    write(t, 'ui/gp-a.ui', '<property name="label" translatable="yes">Hi</property>\n')
    write(t, 'data/x.desktop.in.in', '[Desktop Entry]\nName=X\n')
    good = 'data/x.desktop.in.in\nsrc/ui/gp-a.c\nsrc/ui/gp-c.c\nui/gp-a.ui\n'
    write(t, 'po/POTFILES.in', good)
    expect([check_potfiles, t], True, '', 'check-potfiles passes a complete, sorted list '
           '(markers in comments and strings do not count)')
    write(t, 'po/POTFILES.in', good.replace('src/ui/gp-c.c\n', ''))
    expect([check_potfiles, t], False, 'src/ui/gp-c.c', 'check-potfiles: an ngettext file missing')
    write(t, 'po/POTFILES.in', good.replace('ui/gp-a.ui\n', ''))
    expect([check_potfiles, t], False, 'ui/gp-a.ui', 'check-potfiles: a translatable .ui missing')
    write(t, 'po/POTFILES.in', good + 'src/ui/gp-gone.c\n')
    expect([check_potfiles, t], False, 'gp-gone.c does not exist', 'check-potfiles: a listed file is gone')
    write(t, 'po/POTFILES.in', 'ui/gp-a.ui\n' + good.replace('ui/gp-a.ui\n', ''))
    expect([check_potfiles, t], False, 'not sorted', 'check-potfiles: unsorted list')

    po_head = ('msgid ""\nmsgstr ""\n"Project-Id-Version: t\\n"\n'
               '"PO-Revision-Date: 2026-01-01 00:00+0000\\n"\n"Last-Translator: t\\n"\n'
               '"Language-Team: t\\n"\n"Language: de\\n"\n"MIME-Version: 1.0\\n"\n'
               '"Content-Type: text/plain; charset=UTF-8\\n"\n"Content-Transfer-Encoding: 8bit\\n"\n'
               '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n')
    body = ('msgid "Hello"\nmsgstr "Hallo"\n\nmsgid "Hi"\nmsgstr "Hi"\n\n'
            '#, c-format\nmsgid "%d day"\nmsgid_plural "%d days"\nmsgstr[0] "%d Tag"\nmsgstr[1] "%d Tage"\n\n'
            'msgid "X"\nmsgstr "X"\n')
    write(t, 'po/de.po', po_head + body)
    expect([check_po, os.path.join(t, 'po/de.po')], True, '', 'check-po passes a clean translation')
    expect([check_po, '--complete', t, os.path.join(t, 'po/de.po')], True, '',
           'check-po --complete passes when every source string is translated')
    write(t, 'src/ui/gp-c.c', 'n = ngettext ("%d day", "%d days", n); s = _("New string");\n')
    expect([check_po, '--complete', t, os.path.join(t, 'po/de.po')], False, 'New string',
           'check-po --complete: a new source string without translation')
    write(t, 'po/de.po', po_head + body.replace('msgid "Hello"', '#, fuzzy\nmsgid "Hello"'))
    expect([check_po, os.path.join(t, 'po/de.po')], False, 'fuzzy', 'check-po: a fuzzy entry')
    write(t, 'po/de.po', po_head.replace('(n != 1)', '(n > 1)') + body)
    expect([check_po, os.path.join(t, 'po/de.po')], False, 'Plural-Forms', 'check-po: wrong plural rule')
    write(t, 'po/de.po', po_head + body.replace('"%d Tage"', '"Tage"'))
    expect([check_po, os.path.join(t, 'po/de.po')], False, 'msgfmt --check failed',
           'check-po: a plural translation without its %d')
print(f'1..{n}')
