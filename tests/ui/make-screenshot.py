#!/usr/bin/python3
# make-screenshot.py OUT.png — the README/metainfo screenshot: GigPilot at 1280x800 with
# sample data. Run inside build-aux/headless-session with GIGPILOT_APP set.
import os
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import gpui  # noqa: E402

out = os.path.abspath(sys.argv[1])
tmp = tempfile.mkdtemp(prefix="gigpilot-shot-")
db = os.path.join(tmp, "sample.db")

app = gpui.App(db, tmp)          # creates the schema
app.window("GigPilot")
app.quit()
subprocess.run([sys.executable, os.path.join(here, "seed.py"), db], check=True)

app = gpui.App(db, tmp)
main = app.window("GigPilot")
app.find(main, "label", "Ada Lovelace")
wid = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(app.proc.pid), "--name", "^GigPilot$"],
                     capture_output=True, text=True).stdout.split()[0]
subprocess.run(["xdotool", "windowsize", "--sync", wid, "1280", "800"], check=False)
time.sleep(1.5)
subprocess.run(["import", "-window", wid, out], check=True, timeout=30)
app.quit()
print("wrote", out)
