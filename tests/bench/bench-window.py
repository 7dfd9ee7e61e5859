#!/usr/bin/env python3
# First frame of GigPilot's main window with 100k invoices, against an empty GTK window
# (bench-empty-window) started the same way, for build-aux/bench. Both print the monotonic
# time of their first painted frame; the time counts from the spawn. Also the app's peak
# resident memory once the 100k-invoice list has loaded. Needs a display (build-aux/bench
# runs it in build-aux/headless-session). Prints "name value unit" lines.

import os
import statistics
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
RUNS = int(os.environ.get("GP_BENCH_WINDOW_RUNS", "5"))
N = int(os.environ.get("GP_BENCH_INVOICES", "100000"))


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def first_frame(cmd, env, workdir, settle=0.0):
    """Milliseconds from spawn to the first painted frame, and the peak RSS (MiB) after
    waiting @settle seconds more."""
    log = os.path.join(workdir, "frame.log")
    with open(log, "w") as err:
        start = time.monotonic()  # CLOCK_MONOTONIC, like g_get_monotonic_time()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = start + 60
        painted = None
        while painted is None and time.monotonic() < deadline:
            if proc.poll() is not None:
                sys.exit(f"{cmd[0]} exited early: {open(log).read()}")
            for line in open(log):
                if line.startswith("first-frame "):
                    painted = int(line.split()[1]) / 1e6
            time.sleep(0.005)
        if painted is None:
            sys.exit(f"{cmd[0]}: no frame within 60 s")
        time.sleep(settle)
        rss = peak_rss_mib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return (painted - start) * 1000, rss


def main():
    app = os.environ["GIGPILOT_APP"]
    empty = os.environ["GP_BENCH_EMPTY_WINDOW"]
    with tempfile.TemporaryDirectory(prefix="gp-bench-window-", dir="/var/tmp") as workdir:
        db = os.path.join(workdir, "big.db")
        env = dict(os.environ)
        env.pop("G_DEBUG", None)
        env.setdefault("GSK_RENDERER", "cairo")
        env["GIGPILOT_DATABASE"] = db
        env["GIGPILOT_BENCH_FIRST_FRAME"] = "1"

        # The app creates the database; its start on it, still empty, is measured too.
        first_frame([app], env, workdir)
        fresh_ms = [first_frame([app], env, workdir)[0] for _ in range(RUNS)]
        subprocess.run([sys.executable, os.path.join(here, "..", "ui", "seed.py"), db, str(N)], check=True)
        first_frame([app], env, workdir)  # warm the page cache like a second start would

        empty_ms, adw_ms, app_ms, rss = [], [], [], []
        for _ in range(RUNS):
            empty_ms.append(first_frame([empty], env, workdir)[0])
            adw_ms.append(first_frame([empty, "--adw"], env, workdir)[0])
            ms, mib = first_frame([app], env, workdir, settle=8.0)
            app_ms.append(ms)
            rss.append(mib)

        e, a = statistics.median(empty_ms), statistics.median(app_ms)
        print(f"window_first_frame_empty {e:.1f} ms")
        print(f"window_first_frame_empty_adw {statistics.median(adw_ms):.1f} ms")
        print(f"window_first_frame_app_no_invoices {statistics.median(fresh_ms):.1f} ms")
        print(f"window_first_frame_100k {a:.1f} ms")
        print(f"window_first_frame_ratio {a / e:.2f} x")
        print(f"window_first_frame_ratio_adw {a / statistics.median(adw_ms):.2f} x")
        print(f"app_peak_rss_100k {statistics.median(rss):.1f} MiB")


if __name__ == "__main__":
    main()
