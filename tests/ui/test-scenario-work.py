#!/usr/bin/python3
# test-scenario-work.py SCREENSHOT_DIR — the "doing the work" features in the real window,
# through AT-SPI: the Dashboard's figures per currency, the price estimator with similar past
# work, and a running timer stored in the database that the header shows and stops.
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import gpui  # noqa: E402

shots = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else tempfile.mkdtemp()
os.makedirs(shots, exist_ok=True)
tmp = tempfile.mkdtemp(prefix="gigpilot-work-")
db_path = os.path.join(tmp, "work.db")
t = gpui.Tap()

app = gpui.App(db_path, tmp, name="create")
app.window("GigPilot")
app.quit()
subprocess.run([sys.executable, os.path.join(here, "seed.py"), db_path], check=True)

# Time on the first ticket: 3.5 h done and billable, and a timer started 90 s ago that is
# still running (ended_at NULL) — as if the app had crashed with the timer on.
db = sqlite3.connect(db_path)
ticket_id, ticket_title = db.execute("SELECT id, title FROM tickets ORDER BY created_at DESC LIMIT 1").fetchone()
client_id = db.execute("SELECT client_id FROM tickets WHERE id = ?", (ticket_id,)).fetchone()[0]
now = int(time.time() * 1000)
db.execute("INSERT INTO time_entries (id, ticket_id, client_id, started_at, ended_at, duration_ms, billable,"
           " created_at, updated_at, _status) VALUES ('done-1', ?, ?, ?, ?, ?, 1, ?, ?, 'synced')",
           (ticket_id, client_id, now - 86400000, now - 86400000 + 12600000, 12600000, now, now))
db.execute("INSERT INTO time_entries (id, ticket_id, client_id, started_at, billable, created_at, updated_at,"
           " _status) VALUES ('running-1', ?, ?, ?, 1, ?, ?, 'synced')",
           (ticket_id, client_id, now - 90000, now, now))
# Issue the sent and paid invoices in the last twelve months, so the chart has bars.
db.execute("UPDATE invoices SET issued_on = date('now', '-' || (abs(random()) % 330) || ' days')"
           " WHERE status IN ('sent', 'paid')")
db.commit()
db.close()

app = gpui.App(db_path, tmp)
main = app.window("GigPilot")
wid = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(app.proc.pid), "--name", "^GigPilot$"],
                     capture_output=True, text=True).stdout.split()
if wid:
    subprocess.run(["xdotool", "windowsize", "--sync", wid[0], "1280", "800"], check=False)
try:
    # The header shows the timer that was running before the restart.
    stop = app.find(main, "push button", pred=lambda a: (a.name or "").startswith("Timer running for"))
    t.ok(ticket_title in stop.name, "the header shows the running timer with its ticket")

    app.select_sidebar("Dashboard")
    for currency in ("EUR", "GBP", "USD"):
        app.label_text(main, contains=f"Receivables in {currency}")
    t.ok(True, "the dashboard has one receivables group per currency, never a mixed total")
    chart = app.find(main, "image", "Revenue per month")
    t.ok("EUR:" in (chart.description or "") and "USD:" in (chart.description or ""),
         "the revenue chart describes each currency's months")
    t.ok(app.label_text(main, prefix="3.5 h") is not None, "unbilled time counts the finished billable entry")
    app.screenshot("dashboard")
    shutil_path = os.path.join(shots, "dashboard.png")
    os.replace(os.path.join(tmp, "dashboard.png"), shutil_path)

    # Stopping the timer from the header writes its end into the database.
    stop.queryAction().doAction(0)
    gpui.wait_for(lambda: sqlite3.connect(db_path).execute(
        "SELECT ended_at IS NOT NULL AND duration_ms >= 90000 FROM time_entries WHERE id = 'running-1'").fetchone()[0] == 1,
        what="the timer to stop")
    t.ok(True, "the header button stops the timer; end and duration are stored")

    app.find(main, "push button", pred=lambda a: (a.name or "").endswith("Estimate a Price")).queryAction().doAction(0)
    dialog = app.window("Estimate a Price")
    app.type_into(dialog, "Describe the work", "logo design for a bakery")
    explanation = app.label_text(dialog, contains="similar", timeout=20)
    t.ok("Similarity" in explanation or "similar" in explanation, "the estimator explains its suggestion")
    app.find(dialog, "label", pred=lambda a: "Logo design" in (a.name or ""))
    t.ok(True, "past “Logo design” lines are listed as similar work")
    app.screenshot("estimate")
    os.replace(os.path.join(tmp, "estimate.png"), os.path.join(shots, "estimate.png"))
finally:
    app.quit()

sys.exit(t.done())
