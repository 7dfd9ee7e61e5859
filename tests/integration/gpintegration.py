# gpintegration.py — helpers shared by the integration tests: run the real gigpilot binary on a
# private session bus with fresh XDG directories, and find its window through AT-SPI.
# Copyright 2026 The GigPilot authors
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import subprocess
import sys
import tempfile
import time


def fail(msg):
    print(f'FAIL: {msg}', flush=True)
    sys.exit(1)


def wait_for(pred, timeout=15.0, step=0.1):
    end = time.monotonic() + timeout
    while True:
        r = pred()
        if r:
            return r
        if time.monotonic() > end:
            return r
        time.sleep(step)


def enter_private_session():
    """Re-runs the calling test under its own dbus-run-session, XDG_RUNTIME_DIR and keyring.

    GApplication's single instance would join a second test's GigPilot to the first one's on a
    shared bus; the accessibility bus socket lives at $XDG_RUNTIME_DIR/at-spi/bus_$DISPLAY; and
    an at-spi-bus-launcher that sees DISPLAY writes its address into the shared X root window,
    where other tests' AT-SPI clients would pick it up. So the private bus (and what it
    activates) runs without DISPLAY: GTK asks the session bus for the a11y bus anyway, and this
    test's own client is pointed at it with AT_SPI_BUS_ADDRESS. G_DEBUG (fatal-warnings) is kept
    for the app only: the bus helpers and pyatspi may warn about things that are not GigPilot's."""
    if os.environ.get('GP_IT_PRIVATE_SESSION'):
        os.environ['DISPLAY'] = os.environ['GP_IT_DISPLAY']
        _start_keyring()
        return
    if not os.environ.get('DISPLAY'):
        fail('no display: run the suite with build-aux/dev test (Xvfb)')
    runtime = tempfile.mkdtemp(prefix='gigpilot-it-run-')
    os.chmod(runtime, 0o700)
    env = dict(os.environ, GP_IT_PRIVATE_SESSION=runtime, XDG_RUNTIME_DIR=runtime,
               GP_IT_DISPLAY=os.environ['DISPLAY'], GP_IT_APP_G_DEBUG=os.environ.get('G_DEBUG', ''))
    for k in ('G_DEBUG', 'AT_SPI_BUS_ADDRESS', 'DISPLAY', 'WAYLAND_DISPLAY'):
        env.pop(k, None)
    try:
        r = subprocess.run(['dbus-run-session', '--', sys.executable, *sys.argv], env=env)
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    sys.exit(r.returncode)


def _start_keyring():
    """A fresh, unlocked gnome-keyring on the private bus, so a libsecret lookup by the app
    answers at once instead of activating a locked keyring that waits for a prompt."""
    import atexit
    home = os.path.join(os.environ['GP_IT_PRIVATE_SESSION'], 'keyring')
    os.makedirs(home, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != 'DISPLAY'}
    env['XDG_DATA_HOME'] = home
    try:
        kr = subprocess.Popen(['gnome-keyring-daemon', '--foreground', '--unlock',
                               '--components=secrets'], env=env, stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except FileNotFoundError:
        return
    kr.stdin.write(b'test')
    kr.stdin.close()
    atexit.register(stop_app, kr, 5)
    wait_for(lambda: bus_name_has_owner('org.freedesktop.secrets'), 10)


def app_env(tmp, **extra):
    """The app's environment: fresh XDG directories in TMP, so it sees an empty profile."""
    env = dict(os.environ)
    for name in ('DATA', 'CONFIG', 'CACHE', 'STATE'):
        d = os.path.join(tmp, name.lower())
        os.makedirs(d, exist_ok=True)
        env[f'XDG_{name}_HOME'] = d
    if os.environ.get('GP_IT_APP_G_DEBUG'):
        env['G_DEBUG'] = os.environ['GP_IT_APP_G_DEBUG']
    env.setdefault('GSETTINGS_BACKEND', 'memory')
    env.setdefault('GSK_RENDERER', 'cairo')
    env.pop('GTK_A11Y', None)
    env.update(extra)
    return env


def start_app(app, env, log_path, *args):
    log = open(log_path, 'wb')
    return subprocess.Popen([app, *args], env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)


def stop_app(proc, timeout=10):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def bus_name_has_owner(name):
    from gi.repository import Gio, GLib
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    r = bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                      'NameHasOwner', GLib.Variant('(s)', (name,)), None,
                      Gio.DBusCallFlags.NONE, 2000, None)
    return r.unpack()[0]


def connect_a11y():
    """Points libatspi at the accessibility bus of *this* session bus (not whichever session last
    wrote the AT_SPI_BUS property on the shared X display), then imports pyatspi."""
    from gi.repository import Gio, GLib
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    r = bus.call_sync('org.a11y.Bus', '/org/a11y/bus', 'org.a11y.Bus', 'GetAddress', None,
                      GLib.VariantType('(s)'), Gio.DBusCallFlags.NONE, 10000, None)
    os.environ['AT_SPI_BUS_ADDRESS'] = r.unpack()[0]
    import pyatspi
    return pyatspi


def find_a11y_app(pyatspi, pid, timeout=20):
    def look():
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            try:
                a = desktop.getChildAtIndex(i)
                if a is not None and a.get_process_id() == pid:
                    return a
            except Exception:
                pass
        return None
    return wait_for(look, timeout)


def frames(app):
    out = []
    for i in range(app.childCount):
        c = app.getChildAtIndex(i)
        if c is not None and c.getRoleName() in ('frame', 'window', 'dialog'):
            out.append(c)
    return out


def all_names(node, out=None, depth=0):
    """Every non-empty accessible name and text under NODE (labels, buttons, titles, …)."""
    if out is None:
        out = []
    if node is None or depth > 60:
        return out
    try:
        if node.name:
            out.append(node.name)
        if node.getRoleName() == 'label':
            try:
                t = node.queryText()
                s = t.getText(0, t.characterCount)
                if s and s != node.name:
                    out.append(s)
            except NotImplementedError:
                pass
        for i in range(node.childCount):
            all_names(node.getChildAtIndex(i), out, depth + 1)
    except Exception:
        pass
    return out


def descendants(node, role, depth=0, out=None):
    """Every accessible with ROLE under NODE."""
    if out is None:
        out = []
    if node is None or depth > 60:
        return out
    try:
        for i in range(node.childCount):
            c = node.getChildAtIndex(i)
            if c is None:
                continue
            if c.getRoleName() == role:
                out.append(c)
            descendants(c, role, depth + 1, out)
    except Exception:
        pass
    return out


def temp_dir():
    return tempfile.TemporaryDirectory(prefix='gigpilot-it-')
