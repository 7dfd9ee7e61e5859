#!/usr/bin/python3
# test-single-instance.py GIGPILOT APP_ID — needs a display; runs itself on a private bus.
#
# A second `gigpilot` hands over to the running one (GApplication's single instance): it exits 0
# within seconds, the first keeps running with still one window, and `app.quit` ends it cleanly.
# Copyright 2026 The GigPilot authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpintegration as it  # noqa: E402

app, app_id = sys.argv[1], sys.argv[2]
it.enter_private_session()

from gi.repository import Gio, GLib  # noqa: E402

with it.temp_dir() as tmp:
    env = it.app_env(tmp)
    first = it.start_app(app, env, os.path.join(tmp, 'first.log'))
    try:
        if not it.wait_for(lambda: first.poll() is not None or it.bus_name_has_owner(app_id), 30):
            it.fail(f'{app_id} never appeared on the session bus')
        if first.poll() is not None:
            it.fail(f'first instance exited early with {first.returncode}: '
                    + open(os.path.join(tmp, 'first.log')).read())
        pyatspi = it.connect_a11y()
        acc = it.find_a11y_app(pyatspi, first.pid)
        if acc is None:
            it.fail('the first instance is not on the accessibility bus')
        if not it.wait_for(lambda: len(it.frames(acc)) == 1, 20):
            it.fail(f'expected one window, found {len(it.frames(acc))}')
        print('ok 1 first instance is up with one window')

        t0 = time.monotonic()
        second = subprocess.run([app], env=env, capture_output=True, text=True, timeout=30)
        secs = time.monotonic() - t0
        if second.returncode != 0:
            it.fail(f'second instance exited {second.returncode}: {second.stderr}')
        if secs > 5:
            it.fail(f'second instance took {secs:.1f} s to hand over')
        print(f'ok 2 second instance handed over and exited 0 in {secs:.2f} s')

        time.sleep(0.5)
        if first.poll() is not None:
            it.fail(f'first instance died after the second started (rc {first.returncode})')
        n = len(it.frames(acc))
        if n != 1:
            it.fail(f'the running instance now has {n} windows, expected the one window raised')
        print('ok 3 first instance still runs with exactly one window')

        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        path = '/' + app_id.replace('.', '/')
        bus.call_sync(app_id, path, 'org.gtk.Actions', 'Activate',
                      GLib.Variant('(sava{sv})', ('quit', [], {})), None,
                      Gio.DBusCallFlags.NONE, 5000, None)
        try:
            rc = first.wait(15)
        except subprocess.TimeoutExpired:
            it.fail('app.quit did not end the first instance')
        if rc != 0:
            it.fail(f'first instance exited {rc} after app.quit: '
                    + open(os.path.join(tmp, 'first.log')).read())
        print('ok 4 app.quit over D-Bus ends it with status 0')

        # D-Bus activation (the desktop entry is DBusActivatable): started as a service,
        # GigPilot opens no window until the shell calls Activate.
        if not it.wait_for(lambda: not it.bus_name_has_owner(app_id), 10):
            it.fail(f'{app_id} is still on the bus after the first instance quit')
        service = it.start_app(app, env, os.path.join(tmp, 'service.log'), '--gapplication-service')
        try:
            if not it.wait_for(lambda: service.poll() is not None or it.bus_name_has_owner(app_id), 30):
                it.fail('the service never appeared on the session bus')
            if service.poll() is not None:
                it.fail(f'the service exited at once ({service.returncode}): '
                        + open(os.path.join(tmp, 'service.log')).read())
            # GApplication keeps an idle service for 10 s only, so look for windows briefly.
            sacc = it.find_a11y_app(pyatspi, service.pid, 1)
            if sacc is not None and it.frames(sacc):
                it.fail('the service opened a window before it was activated')
            bus.call_sync(app_id, path, 'org.freedesktop.Application', 'Activate',
                          GLib.Variant('(a{sv})', ({},)), None, Gio.DBusCallFlags.NONE, 5000, None)
            sacc = sacc or it.find_a11y_app(pyatspi, service.pid, 20)
            if sacc is None or not it.wait_for(lambda: len(it.frames(sacc)) == 1, 20):
                it.fail('org.freedesktop.Application.Activate did not open the window')
            print('ok 5 as a D-Bus service it opens its window on Activate')
            bus.call_sync(app_id, path, 'org.gtk.Actions', 'Activate',
                          GLib.Variant('(sava{sv})', ('quit', [], {})), None,
                          Gio.DBusCallFlags.NONE, 5000, None)
            if service.wait(15) != 0:
                it.fail(f'the service exited {service.returncode}')
        finally:
            it.stop_app(service)
        print('1..5')
    finally:
        it.stop_app(first)
