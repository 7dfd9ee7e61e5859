#!/usr/bin/python3
# Two GigPilot instances and the real gigpilot-server on 127.0.0.1: register through
# Preferences, watch "changes waiting" rise and drain, stop the server and see "Offline" with
# the queue and the reassuring banner, restart it and see the queue drain, then make a
# conflicting edit on both instances and resolve it per field in the conflict dialog.
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpui  # noqa: E402
from gpui import log, wait_for  # noqa: E402

artifacts = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()
os.makedirs(artifacts, exist_ok=True)
tmp = tempfile.mkdtemp(prefix="gigpilot-ui-sync-")
tap = gpui.Tap()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


port = free_port()
url = f"http://127.0.0.1:{port}"
server_db = os.path.join(tmp, "server.db")
server_log = open(os.path.join(artifacts, "server.log"), "a")


def start_server():
    p = subprocess.Popen([os.environ["GIGPILOT_SERVER"], "--listen", f"127.0.0.1:{port}",
                          "--database", f"sqlite:{server_db}",
                          "--token-secret-file", os.path.join(tmp, "secret")],
                         stdout=subprocess.PIPE, stderr=server_log, text=True,
                         preexec_fn=gpui.die_with_parent)
    line = p.stdout.readline()
    assert "listening" in line, f"server said {line!r}"
    return p


def stop_server(p):
    p.terminate()
    p.wait(10)


def sync_now(app, main):
    # The button reads "Retry" after a failed run; either starts a sync.
    b = app.find(main, "push button",
                 pred=lambda x: gpui.named(x.name, "Sync now") or gpui.named(x.name, "Retry"))
    b.queryAction().doAction(0)


def header(app, main, word):
    return app.find(main, "label", word, timeout=30)


def sign_in(app, register):
    main = app.window("GigPilot")
    app.key("ctrl+comma")
    prefs = app.window("Preferences")
    if not register:
        # The keyring is shared by both instances: the second may find the account already.
        time.sleep(1)
        if any(gpui.named(x.name, "Sign Out") for x in app.find_all(prefs, "push button")):
            app.key("Escape")
            app.no_window("Preferences")
            return main
    app.type_into(prefs, "Server URL", url)
    app.type_into(prefs, "Email or User Name", "freelancer@example.org")
    app.type_into(prefs, "Password", "correct horse battery staple")
    app.click(prefs, "Register" if register else "Sign In")
    app.find(prefs, "push button", "Sign Out", timeout=30)
    app.key("Escape")
    app.no_window("Preferences")
    return main


def add_client(app, main, name, email):
    app.select_sidebar("Clients")
    app.click(main, "New")
    editor = app.window("Client")
    app.type_into(editor, "Name", name)
    app.type_into(editor, "Email", email)
    app.click(editor, "Save")
    app.no_window("Client")
    app.find(main, "label", name)


def edit_client_email(app, main, name, email):
    app.select_sidebar("Clients")
    app.double_click(app.find(main, "label", name))
    editor = app.window("Client")
    app.type_into(editor, "Email", email)
    app.click(editor, "Save")
    app.no_window("Client")
    app.find(main, "label", email, timeout=30)


server = start_server()
a = gpui.App(os.path.join(tmp, "a.db"), artifacts, name="gigpilot-a")
b = None
try:
    main = sign_in(a, register=True)
    header(a, main, "Online")
    tap.ok(True, "registering in Preferences signs in: the header says Online")

    add_client(a, main, "Ada Lovelace", "ada@example.org")
    sync_now(a, main)
    header(a, main, "No changes waiting")
    tap.ok(True, "the waiting change is sent: No changes waiting")

    stop_server(server)
    add_client(a, main, "Grace Hopper", "grace@example.org")
    header(a, main, "1 change waiting")
    sync_now(a, main)
    header(a, main, "Offline")
    banner = a.label_text(main, prefix="You are offline")
    tap.ok("1 change" in banner, f"offline with the queue shown: {banner!r}")
    a.screenshot("sync-01-offline")

    server = start_server()
    sync_now(a, main)
    header(a, main, "Online")
    header(a, main, "No changes waiting")
    tap.ok(True, "after the server is back, Retry drains the queue")
    a.screenshot("sync-02-online")

    # A second device.
    b = gpui.App(os.path.join(tmp, "b.db"), artifacts, name="gigpilot-b")
    bmain = sign_in(b, register=False)
    b.select_sidebar("Clients")
    b.find(bmain, "label", "Grace Hopper", timeout=30)
    tap.ok(True, "the second instance pulls both clients")

    edit_client_email(b, bmain, "Ada Lovelace", "ada@theirs.example")
    sync_now(b, bmain)
    header(b, bmain, "No changes waiting")

    edit_client_email(a, main, "Ada Lovelace", "ada@mine.example")
    sync_now(a, main)
    badge = a.find(main, "label", "1 conflict", timeout=30)
    tap.ok(badge is not None, "the conflict shows as a count on the Conflicts page")
    # The sync says so in a toast whose Review button opens the Conflicts page.
    a.label_text(main, prefix="Sync found 1 new conflict", timeout=30)
    a.screenshot("sync-03-conflict-toast")
    a.click(main, "Review")
    # Only the Conflicts page has Resolve buttons (the Clients page was showing).
    a.find(main, "label", pred=lambda x: "Resolve" in (x.name or ""), timeout=30)
    tap.ok(True, "the toast's Review button opens the Conflicts page")
    def actionable(x):
        try:
            return x.queryAction().nActions > 0
        except NotImplementedError:
            return False
    resolve = a.find(main, "label", pred=lambda x: "Resolve" in (x.name or ""))
    a.mouse_click(resolve)
    dialog = a.window("Resolve Conflict")
    a.screenshot("sync-04-conflict-dialog")
    theirs = a.find(dialog, pred=lambda x: (x.name or "").startswith("Theirs: ada@theirs"))
    a.mouse_click(theirs)
    a.click(dialog, "Apply")
    a.no_window("Resolve Conflict")
    a.find(main, "label", "No Conflicts", timeout=30)
    tap.ok(True, "applying the per-field choice clears the conflict")

    sync_now(a, main)
    header(a, main, "No changes waiting")
    sync_now(b, bmain)
    header(b, bmain, "No changes waiting")
    a.select_sidebar("Clients")
    a.find(main, "label", "ada@theirs.example", timeout=30)
    b.find(bmain, "label", "ada@theirs.example", timeout=30)
    tap.ok(True, "both instances agree on the chosen value")
except Exception as e:
    log("FAILED:", repr(e))
    try:
        a.screenshot("failure-sync")
    except Exception:
        pass
    tap.ok(False, f"sync scenario: {e}", fatal=False)
finally:
    a.quit()
    if b is not None:
        b.quit()
    if server.poll() is None:
        stop_server(server)

sys.exit(tap.done())
