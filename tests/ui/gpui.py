# gpui.py — drive the real GigPilot window through AT-SPI (used by the ui-scenario tests).
#
# Runs inside build-aux/headless-session (Xvfb + private D-Bus; GTK starts the AT-SPI bus).
# The app is $GIGPILOT_APP, each instance on its own database (GIGPILOT_DATABASE makes it a
# non-unique instance), so two instances can play two devices.

import ctypes
import os
import signal
import subprocess
import sys
import time

PR_SET_PDEATHSIG = 1


def die_with_parent():
    """In the child: an app or server outlives no test, even one that dies on an assertion."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


# G_DEBUG=fatal-warnings (from the test environment) is meant for the app. Here it would turn
# at-spi's harmless "object does not exist" warning, printed when an app quits while its
# cache is read, into a crash; GLib reads it when pyatspi loads it, so drop it first.
os.environ.pop("G_DEBUG", None)

import pyatspi  # noqa: E402

STEP_TIMEOUT = float(os.environ.get("GP_UI_TIMEOUT", "15"))


def log(*args):
    print("#", *args, flush=True)


def wait_for(pred, timeout=STEP_TIMEOUT, what="condition"):
    end = time.time() + timeout
    last_exc = None
    while time.time() < end:
        try:
            r = pred()
            if r:
                return r
        except Exception as e:  # a widget went away mid-walk; try again
            last_exc = e
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}" + (f" ({last_exc})" if last_exc else ""))


def text_of(acc):
    try:
        t = acc.queryText()
        return t.getText(0, t.characterCount)
    except NotImplementedError:
        return acc.name


def walk(acc, depth=0, max_depth=60):
    """All descendants, depth first, skipping what is not showing."""
    if acc is None or depth > max_depth:
        return
    try:
        n = acc.childCount
    except Exception:
        return
    for i in range(n):
        try:
            child = acc.getChildAtIndex(i)
        except Exception:
            continue
        if child is None:
            continue
        try:
            state = child.getState()
            if not state.contains(pyatspi.STATE_VISIBLE):
                continue
        except Exception:
            continue
        yield child
        yield from walk(child, depth + 1, max_depth)


def clean(name):
    return (name or "").replace("_", "")


def named(acc_name, wanted):
    """GTK 4.8 names a button with a mnemonic "_Save Save": the label, then the plain text."""
    n = acc_name or ""
    if clean(n) == wanted or n == wanted:
        return True
    suffix = " " + wanted
    return n.endswith(suffix) and clean(n[:-len(suffix)]) == wanted


class App:
    def __init__(self, database, artifacts, env=None, name="gigpilot"):
        self.database = database
        self.artifacts = artifacts
        self.name = name
        e = dict(os.environ)
        e.pop("G_DEBUG", None)
        e["GIGPILOT_DATABASE"] = database
        e.setdefault("GSK_RENDERER", "cairo")
        if env:
            e.update(env)
        self.log = open(os.path.join(artifacts, f"{name}.log"), "w")
        self.proc = subprocess.Popen([os.environ["GIGPILOT_APP"]], env=e,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     preexec_fn=die_with_parent)
        self.app = wait_for(self._find_app, timeout=30, what="the app on the accessibility bus")
        log(f"{name}: pid {self.proc.pid} on the accessibility bus")

    def _find_app(self):
        if self.proc.poll() is not None:
            raise SystemExit(f"app exited early with {self.proc.returncode}")
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            a = desktop.getChildAtIndex(i)
            try:
                if a is not None and a.get_process_id() == self.proc.pid and a.childCount > 0:
                    return a
            except Exception:
                pass
        return None

    # --- finding ---------------------------------------------------------------------------
    def windows(self):
        return [self.app.getChildAtIndex(i) for i in range(self.app.childCount)]

    def window(self, title, timeout=STEP_TIMEOUT):
        return wait_for(lambda: next((w for w in self.windows() if w and w.name == title), None),
                        timeout, f"window {title!r}")

    def no_window(self, title, timeout=STEP_TIMEOUT):
        wait_for(lambda: not any(w and w.name == title for w in self.windows()), timeout,
                 f"window {title!r} to close")

    def find(self, root, role=None, name=None, pred=None, timeout=STEP_TIMEOUT):
        def look():
            for a in walk(root):
                try:
                    if role is not None and a.getRoleName() != role:
                        continue
                    if name is not None and not named(a.name, name):
                        continue
                    if pred is not None and not pred(a):
                        continue
                    return a
                except Exception:
                    continue
            return None
        return wait_for(look, timeout, f"{role or 'any'} {name!r} in {root.name!r}")

    def find_all(self, root, role=None, pred=None):
        out = []
        for a in walk(root):
            try:
                if role is not None and a.getRoleName() != role:
                    continue
                if pred is not None and not pred(a):
                    continue
                out.append(a)
            except Exception:
                continue
        return out

    def label_text(self, root, prefix=None, contains=None, timeout=STEP_TIMEOUT):
        def pred(a):
            t = a.name or ""
            if prefix is not None and not t.startswith(prefix):
                return False
            if contains is not None and contains not in t:
                return False
            return True
        return self.find(root, "label", pred=pred, timeout=timeout).name

    # --- acting ----------------------------------------------------------------------------
    def click(self, root, name, role="push button"):
        b = self.find(root, role, name)
        b.queryAction().doAction(0)
        return b

    def type_into(self, root, name, text, role="text"):
        e = self.find(root, role, name)
        e.queryEditableText().setTextContents(text)
        wait_for(lambda: text_of(e) == text, what=f"{name!r} to read {text!r}")
        return e

    def select_sidebar(self, page_title):
        main = self.window("GigPilot")
        item = self.find(main, "list item",
                         pred=lambda a: any(clean(c.name) == page_title
                                            for c in walk(a, max_depth=3)))
        lst = item.parent
        lst.querySelection().selectChild(item.getIndexInParent())
        self.find(main, "label", page_title)  # the window title follows

    def key(self, keys):
        """Send a key combination to the app's focused toplevel with xdotool."""
        wids = subprocess.run(["xdotool", "search", "--pid", str(self.proc.pid)],
                              capture_output=True, text=True).stdout.split()
        for wid in reversed(wids):
            subprocess.run(["xdotool", "windowfocus", "--sync", wid], capture_output=True)
        subprocess.run(["xdotool", "key", "--clearmodifiers", keys], check=True)

    def raise_windows(self):
        """Bring this instance's windows to the top (two instances overlap at 0,0)."""
        wids = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(self.proc.pid)],
                              capture_output=True, text=True).stdout.split()
        for wid in wids:
            subprocess.run(["xdotool", "windowraise", wid], capture_output=True)
        time.sleep(0.3)

    def mouse_click(self, acc):
        self.raise_windows()
        ext = acc.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        subprocess.run(["xdotool", "mousemove", "--sync", str(ext.x + ext.width // 2),
                        str(ext.y + ext.height // 2), "click", "1"], check=True)

    def double_click(self, acc):
        """Double-click the middle of a widget (no WM: window coordinates are screen ones)."""
        self.raise_windows()
        ext = acc.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        x, y = ext.x + ext.width // 2, ext.y + ext.height // 2
        subprocess.run(["xdotool", "mousemove", "--sync", str(x), str(y), "click", "--repeat", "2",
                        "--delay", "80", "1"], check=True)

    def screenshot(self, name):
        path = os.path.join(self.artifacts, name + ".png")
        time.sleep(0.6)  # let the last frame paint
        subprocess.run(["import", "-window", "root", path], check=True, timeout=30)
        log("screenshot", path)
        return path

    def quit(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, fatal=True):
        self.n += 1
        print(("ok" if cond else "not ok"), self.n, "-", what, flush=True)
        if not cond:
            self.failed += 1
            if fatal:
                raise AssertionError(what)

    def done(self):
        print(f"1..{self.n}", flush=True)
        return 1 if self.failed else 0
