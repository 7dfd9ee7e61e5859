#!/usr/bin/python3
# test-scenario-transfer.py SCREENSHOT_DIR — the Dashboard's import, export and backup tools in
# the real window, through AT-SPI and the real file chooser: export clients as CSV, back up,
# preview an import with a bad row (nothing imported), import the fixed file, restore the
# backup, and check each result in the window and in the database.
import csv
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import gpui  # noqa: E402

shots = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else tempfile.mkdtemp()
os.makedirs(shots, exist_ok=True)
tmp = tempfile.mkdtemp(prefix="gigpilot-transfer-")
files = os.path.join(tmp, "files")
os.makedirs(files)
db_path = os.path.join(tmp, "transfer.db")
t = gpui.Tap()

app = gpui.App(db_path, tmp, name="create")
app.window("GigPilot")
app.quit()
subprocess.run([sys.executable, os.path.join(here, "seed.py"), db_path], check=True)


def count_clients():
    db = sqlite3.connect(db_path)
    try:
        return db.execute("SELECT count(*) FROM clients WHERE _status != 'deleted'").fetchone()[0]
    finally:
        db.close()


def client_names():
    db = sqlite3.connect(db_path)
    try:
        return {r[0] for r in db.execute("SELECT name FROM clients WHERE _status != 'deleted'")}
    finally:
        db.close()


def tool_button(title):
    """The button of a Tools row; GTK names it after its label and the row's title."""
    main = app.window("GigPilot")
    app.select_sidebar("Dashboard")
    return app.find(main, "push button", pred=lambda a: (a.name or "").endswith(title))


def shoot(name):
    path = app.screenshot(name)
    shutil.copy(path, os.path.join(shots, name + ".png"))


def choose_save(title, accept, path, shot=None):
    """Names the file in the real GTK save dialog and accepts it."""
    dialog = app.window(title)
    name = app.find(dialog, "text", "Name:")
    gpui.wait_for(lambda: gpui.text_of(name), what="the suggested file name")
    if shot:  # before typing: the completion popup would cover the dialog
        shoot(shot)
    app.type_into(dialog, "Name:", path)
    app.click(dialog, accept)
    app.no_window(title)


def focus_window(title):
    """Gives the keyboard to the toplevel named TITLE (no window manager: X input focus)."""
    def wid():
        out = subprocess.run(["xdotool", "search", "--all", "--onlyvisible", "--pid", str(app.proc.pid),
                              "--name", "^" + title + "$"], capture_output=True, text=True).stdout.split()
        return out[-1] if out else None
    w = gpui.wait_for(wid, what=f"the X window {title!r}")
    subprocess.run(["xdotool", "windowfocus", "--sync", w], check=True)
    return w


def choose_open(title, path, shot=None):
    """Opens a file in the real GTK open dialog: Ctrl+L shows the location entry, focused."""
    dialog = app.window(title)

    def location():
        return next((a for a in app.find_all(dialog, "text")
                     if a.getState().contains(gpui.pyatspi.STATE_FOCUSED)), None)

    def press():
        focus_window(title)
        subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+l"], check=True)
        return gpui.wait_for(location, timeout=3, what="the location entry")

    # GTK remembers the location mode: the second time the entry is there already.
    entry = location()
    if entry is None:
        try:
            entry = press()
        except AssertionError:  # the key beat the dialog's first frame; once more
            entry = press()
    entry.queryEditableText().setTextContents(path)
    gpui.wait_for(lambda: gpui.text_of(entry) == path, what="the location to read the path")
    if shot:
        shoot(shot)
    button = app.find(dialog, "push button", "Open")
    # The chooser reads the typed path asynchronously (completion, file info): an Open pressed
    # before that is ignored. Press again until the dialog goes, as a user would.
    for attempt in range(5):
        gpui.wait_for(lambda: button.getState().contains(gpui.pyatspi.STATE_SENSITIVE), what="Open to be enabled")
        button.queryAction().doAction(0)
        try:
            app.no_window(title, timeout=4)
            return
        except AssertionError:
            gpui.log(f"{title!r} still open after Open (attempt {attempt + 1})")
    app.no_window(title)


def toast(text):
    return app.label_text(app.window("GigPilot"), contains=text)


app = gpui.App(db_path, tmp)
main = app.window("GigPilot")
try:
    seeded = count_clients()
    names_before = client_names()

    # Export: every client, one row each, under a header.
    tool_button("Export Clients as CSV").queryAction().doAction(0)
    exported = os.path.join(files, "clients.csv")
    choose_save("Export as CSV", "Export", exported, shot="transfer-export")
    toast("Exported to “clients.csv”")
    gpui.wait_for(lambda: os.path.exists(exported), what="the CSV file")
    with open(exported, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    t.ok(rows[0][0] == "id" and "name" in rows[0], "the export starts with a header row")
    t.ok(len(rows) - 1 == seeded and {r[rows[0].index("name")] for r in rows[1:]} == names_before,
         f"the export has each of the {seeded} clients once")

    # Back up everything as it is now.
    backup = os.path.join(files, "before-import.gigpilot")
    tool_button("Back Up Everything").queryAction().doAction(0)
    choose_save("Back Up Everything", "Back Up", backup, shot="transfer-backup")
    toast("Backup written")
    t.ok(os.path.getsize(backup) > 0, "the backup file is written")

    # Import with one bad row: the preview names it, Import is disabled, nothing changes.
    bad = os.path.join(files, "new-clients.csv")
    with open(bad, "w", encoding="utf-8") as f:
        f.write("name,email,currency,hourly_rate\n"
                "Nordlicht Studio,hello@nordlicht.example,EUR,95\n"
                "Pixel & Partner,not-an-email,EUR,80\n"
                "Fjord Apps,team@fjord.example,USD,120\n")
    tool_button("Import Clients from CSV").queryAction().doAction(0)
    choose_open("Import Clients from CSV", bad, shot="transfer-import-chooser")
    preview = app.window("Some Rows Need Fixing")
    app.find(preview, "label", pred=lambda a: "1 row has an error" in (a.name or ""))
    app.find(preview, "label", pred=lambda a: "“not-an-email” is not an email address." in (a.name or ""))
    app.find(preview, "label", pred=lambda a: (a.name or "") == "Line 3: Pixel & Partner")
    import_buttons = app.find_all(preview, "push button", pred=lambda a: gpui.named(a.name, "Import"))
    t.ok(import_buttons and not any(b.getState().contains(gpui.pyatspi.STATE_SENSITIVE) for b in import_buttons),
         "the preview names the bad row and its error, and Import is disabled")
    shoot("transfer-import-errors")
    app.click(preview, "Cancel")
    app.no_window("Some Rows Need Fixing")
    t.ok(count_clients() == seeded, "nothing was imported half-way")

    # The fixed file imports all three.
    good = os.path.join(files, "new-clients-fixed.csv")
    with open(bad, encoding="utf-8") as f:
        text = f.read()
    with open(good, "w", encoding="utf-8") as f:
        f.write(text.replace("not-an-email", "mail@pixel.example"))
    tool_button("Import Clients from CSV").queryAction().doAction(0)
    choose_open("Import Clients from CSV", good, shot="transfer-import-chooser-2")
    preview = app.window("Import 3 Clients?")
    app.find(preview, "label", pred=lambda a: (a.name or "") == "Every row is good.")
    shoot("transfer-import-preview")
    app.click(preview, "Import")
    toast("Imported 3 clients")
    gpui.wait_for(lambda: count_clients() == seeded + 3, what="three new clients in the database")
    app.select_sidebar("Clients")
    app.find(main, "label", "Pixel & Partner")
    t.ok(True, "the imported clients are listed")

    # Restore the backup: the import is undone, the window shows the clients as they were.
    tool_button("Restore from a Backup").queryAction().doAction(0)
    choose_open("Restore from a Backup", backup, shot="transfer-restore-chooser")
    confirm = app.window("Restore This Backup?")
    app.find(confirm, "label", pred=lambda a: "before-import.gigpilot" in (a.name or ""))
    shoot("transfer-restore")
    app.click(confirm, "Restore")
    toast("Backup restored")
    gpui.wait_for(lambda: client_names() == names_before, what="the clients of the backup")
    app.select_sidebar("Clients")
    gpui.wait_for(lambda: not app.find_all(main, "label", pred=lambda a: (a.name or "") == "Pixel & Partner"),
                  what="the imported client to leave the list")
    some = sorted(names_before)[0]
    app.find(main, "label", some)
    t.ok(True, "after the restore the list shows the backed-up clients only")
finally:
    app.quit()

rc = t.done()
if rc == 0:  # the screenshots are in SCREENSHOT_DIR; keep the logs and files only on failure
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(rc)
