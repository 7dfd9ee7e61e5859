#!/usr/bin/python3
# test-cli.py GIGPILOT VERSION — `gigpilot --version` and `--help` answer locally, quickly, exit 0,
# and an unknown option is an error.
# Copyright 2026 The GigPilot authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpintegration import fail  # noqa: E402

app, version = sys.argv[1], sys.argv[2]
# No display and no bus: these options must not need either.
env = {k: v for k, v in os.environ.items() if k not in ('DISPLAY', 'WAYLAND_DISPLAY')}
env['DBUS_SESSION_BUS_ADDRESS'] = 'unix:path=/nonexistent/gigpilot-test-bus'
env['LC_ALL'] = 'C.UTF-8'


def run(*args):
    t0 = time.monotonic()
    r = subprocess.run([app, *args], env=env, capture_output=True, text=True, timeout=30)
    return r, time.monotonic() - t0


r, secs = run('--version')
if r.returncode != 0 or r.stdout != f'GigPilot {version}\n':
    fail(f'--version: rc={r.returncode} stdout={r.stdout!r} stderr={r.stderr!r}')
print(f'ok 1 --version prints "GigPilot {version}" in {secs:.2f} s')

r, secs = run('--help')
if r.returncode != 0 or '--version' not in r.stdout or 'gigpilot' not in r.stdout:
    fail(f'--help: rc={r.returncode} stdout={r.stdout!r} stderr={r.stderr!r}')
if 'Show the version and exit' not in r.stdout:
    fail(f'--help does not describe --version: {r.stdout!r}')
print(f'ok 2 --help lists --version ({secs:.2f} s)')

r, secs = run('--no-such-option')
if r.returncode == 0 or 'no-such-option' not in r.stderr:
    fail(f'unknown option accepted: rc={r.returncode} stderr={r.stderr!r}')
print('ok 3 an unknown option exits non-zero and names the option')
print('1..3')
