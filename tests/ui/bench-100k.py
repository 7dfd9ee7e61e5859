#!/usr/bin/python3
# bench-100k.py [N] — GigPilot on N (default 100000) invoices: time to the first painted rows,
# to a search result and to a re-sort, all through the real window (suite 'long').
import os
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import gpui  # noqa: E402

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
tmp = tempfile.mkdtemp(prefix="gigpilot-100k-")
db = os.environ.get("GP_BENCH_DB") or os.path.join(tmp, "big.db")
if not os.path.exists(db):
    app = gpui.App(db, tmp)
    app.window("GigPilot")
    app.quit()
    t = time.time()
    subprocess.run([sys.executable, os.path.join(here, "seed.py"), db, str(n)], check=True)
    print(f"# seeded {n} invoices in {time.time() - t:.1f} s")

tap = gpui.Tap()
t0 = time.time()
app = gpui.App(db, tmp)
main = app.window("GigPilot", timeout=60)
app.find(main, "label", "Sophie Wilson", timeout=60)
first = time.time() - t0
tap.ok(first < 10, f"first rows of {n} invoices on screen {first:.2f} s after start")

app.key("ctrl+f")
search = app.find(main, pred=lambda a: a.getRoleName() in ("text", "entry"))
t1 = time.time()
search.queryEditableText().setTextContents("2005-45013")
app.find(main, "label", "2005-45013", timeout=60)
found = time.time() - t1
app.screenshot("bench-search")
tap.ok(found < 3, f"search over {n} invoices answered in {found:.2f} s")
app.quit()
sys.exit(tap.done())
