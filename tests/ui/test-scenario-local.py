#!/usr/bin/python3
# The app on its own (no server): create a client and an invoice with two lines through the
# UI and read the total back, watch "changes waiting" count the edits, delete with undo,
# and open every window and dialog once. Screenshots go to the build dir.
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpui  # noqa: E402
import pyatspi  # noqa: E402
from gpui import clean, log, text_of, wait_for  # noqa: E402

artifacts = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()
os.makedirs(artifacts, exist_ok=True)
tmp = tempfile.mkdtemp(prefix="gigpilot-ui-")
tap = gpui.Tap()
# The session's keyring is shared by the tests: a token ui-scenario-sync left there would
# sign this app in (it takes the newest), and it must start signed out.
subprocess.run(["secret-tool", "clear", "xdg:schema", "io.github.gigpilot.Token"], check=False)
app = gpui.App(os.path.join(tmp, "local.db"), artifacts)

try:
    main = app.window("GigPilot")
    app.find(main, "label", "No Invoices Yet")
    tap.ok(True, "empty invoices page says what to do")
    app.find(main, "label", "Signed out")
    app.find(main, "label", "No changes waiting")
    app.screenshot("01-empty")

    # A client.
    app.select_sidebar("Clients")
    app.find(main, "label", "No Clients Yet")
    app.click(main, "New")
    editor = app.window("Client")
    app.click(editor, "Save")
    err = app.label_text(editor, contains="needs a name")
    tap.ok("name" in err, "saving a client without a name explains what is missing")
    app.type_into(editor, "Name", "Ada Lovelace")
    app.type_into(editor, "Company", "Analytical Engines Ltd")
    app.type_into(editor, "Email", "ada@example.org")
    app.type_into(editor, "Currency (ISO code, e.g. EUR)", "EUR")
    app.type_into(editor, "Hourly Rate", "80")
    app.screenshot("02-client-editor")
    app.click(editor, "Save")
    app.no_window("Client")
    app.find(main, "label", "Ada Lovelace")
    tap.ok(True, "the new client shows in the list")
    app.find(main, "label", "1 change waiting")
    tap.ok(True, "one change waiting after saving a client")

    # An invoice with two lines.
    app.select_sidebar("Invoices")
    app.click(main, "New")
    editor = app.window("Invoice")
    app.find(editor, "label", "Ada Lovelace")   # the client picker chose our client
    def line_descriptions(n):
        found = [d for d in app.find_all(editor, "text") if clean(d.name) == "Description"]
        return found if len(found) == n else None

    app.click(editor, "Add Line")
    wait_for(lambda: line_descriptions(1), what="one line row")
    app.click(editor, "Add Line")
    descs = wait_for(lambda: line_descriptions(2), what="two line rows")
    rows = [d.parent for d in descs]

    def fill(row, desc, qty, price, tax, disc):
        for name, value in (("Description", desc), ("Quantity", qty), ("Unit price", price),
                            ("Tax rate", tax), ("Discount", disc)):
            e = app.find(row, "text", name)
            e.queryEditableText().setTextContents(value)
            wait_for(lambda: text_of(e) == value, what=f"{name} = {value}")

    fill(rows[0], "Design workshop", "2", "80", "20", "0")
    fill(rows[1], "Hosting (year)", "1", "150", "20", "10")
    # 2 x 80 = 160; 150 - 10% = 135; net 295; tax 20% = 59; total 354.
    total_row = app.find(editor, pred=lambda a: clean(a.name) == "Total" and a.getRoleName() != "label")
    total = wait_for(lambda: next((l.name for l in app.find_all(total_row, "label")
                                   if "354" in (l.name or "")), None), what="total 354")
    tap.ok("354.00" in total or "354,00" in total, f"live total reads {total!r}")
    app.screenshot("03-invoice-editor")
    app.click(editor, "Save")
    app.no_window("Invoice")
    number = app.label_text(main, prefix=str(__import__("datetime").date.today().year) + "-")
    tap.ok(number.endswith("0001"), f"the invoice got number {number}")
    app.find(main, "label", "Draft")
    listed_total = app.label_text(main, contains="354")
    tap.ok(listed_total == total, f"the invoice list shows the same total {listed_total!r}")
    app.find(main, "label", "4 changes waiting")
    tap.ok(True, "client + invoice + two lines = 4 changes waiting")
    app.screenshot("04-invoices")

    # Search filters as you type (in SQLite); no match says so.
    app.key("ctrl+f")
    search = app.find(main, pred=lambda a: a.getRoleName() in ("text", "entry")
                      and a.queryEditableText() is not None)
    search.queryEditableText().setTextContents("zzz-nothing")
    app.find(main, "label", "No Matches")
    search.queryEditableText().setTextContents("0001")
    app.find(main, "label", number)
    tap.ok(True, "Ctrl+F searches: no match shows an empty state, a match shows the invoice")
    search.queryEditableText().setTextContents("")
    app.key("Escape")

    # Delete with undo.
    app.click(main, "Delete")
    app.find(main, "label", "Invoice deleted")
    app.find(main, "label", "No Invoices Yet")
    tap.ok(True, "deleting shows a toast and the invoice is gone")
    app.screenshot("05-deleted-toast")
    app.click(main, "Undo")
    app.find(main, "label", number)
    tap.ok(True, "Undo brings the invoice back")

    # Reopen it: the lines come back from the store; marking it sent locks it.
    app.double_click(app.find(main, "label", number))
    editor = app.window("Invoice")
    app.find(editor, "label", "Edit Invoice")
    app.label_text(editor, contains="354")
    tap.ok(True, "reopening the invoice loads its lines and the same total")
    app.click(editor, "Mark as Sent")
    app.find(editor, "push button", "Edit Anyway")
    add = app.find(editor, "push button", "Add Line")
    locked = wait_for(lambda: not add.getState().contains(pyatspi.STATE_SENSITIVE),
                      what="the invoice to lock")
    tap.ok(locked,
           "a sent invoice is locked against silent edits")
    app.screenshot("05b-invoice-sent-locked")
    app.key("Escape")
    app.no_window("Invoice")
    app.find(main, "label", "Sent")
    tap.ok(True, "the list shows the invoice as sent")

    # Every window once.
    app.key("ctrl+comma")
    prefs = app.window("Preferences")
    app.find(prefs, "text", "Server URL")
    app.screenshot("06-preferences")
    prefs.queryComponent()  # still there
    app.key("Escape")
    app.no_window("Preferences")
    tap.ok(True, "preferences open with Ctrl+, and close")

    app.key("ctrl+question")
    app.window("Keyboard Shortcuts")
    app.screenshot("07-shortcuts")
    app.key("Escape")
    app.no_window("Keyboard Shortcuts")
    tap.ok(True, "shortcuts window opens with Ctrl+?")

    app.select_sidebar("Tickets")
    app.key("ctrl+n")
    editor = app.window("Ticket")
    app.type_into(editor, "Title", "Fix the contact form")
    app.screenshot("08-ticket-editor")
    app.key("Escape")
    ask = wait_for(lambda: next((w for w in app.windows() if w and w.getRoleName() == "dialog"), None),
                   what="the save-changes question")
    app.screenshot("09-ask-save")
    app.click(ask, "Save")
    app.no_window("Ticket")
    app.find(main, "label", "Fix the contact form")
    tap.ok(True, "closing a ticket editor with changes asks, and Save keeps them")

    app.select_sidebar("Conflicts")
    app.find(main, "label", "No Conflicts")
    tap.ok(True, "conflicts page has an empty state")
except Exception as e:
    log("FAILED:", repr(e))
    try:
        app.screenshot("failure-local")
    except Exception:
        pass
    tap.ok(False, f"scenario: {e}", fatal=False)
finally:
    app.quit()

# A damaged database: the app offers to move it aside and start fresh, and keeps the old file.
bad = os.path.join(tmp, "damaged.db")
with open(bad, "wb") as f:
    f.write(b"this is not an SQLite database, just some bytes " * 200)
app = gpui.App(bad, artifacts, name="gigpilot-damaged")
try:
    dialog = wait_for(lambda: next((w for w in app.windows() if w and w.getRoleName() == "dialog"), None),
                      what="the damaged-database dialog")
    app.find(dialog, "label", "Database Damaged")
    app.screenshot("10-damaged-database")
    app.click(dialog, "Move Aside and Start Fresh")
    main = app.window("GigPilot")
    app.find(main, "label", "No Invoices Yet")
    kept = [n for n in os.listdir(tmp) if n.startswith("damaged.db") and n != "damaged.db"]
    tap.ok(len(kept) >= 1, f"a damaged database is moved aside ({kept}) and GigPilot starts fresh")
except Exception as e:
    log("FAILED:", repr(e))
    try:
        app.screenshot("failure-damaged")
    except Exception:
        pass
    tap.ok(False, f"damaged database: {e}", fatal=False)
finally:
    app.quit()

sys.exit(tap.done())
