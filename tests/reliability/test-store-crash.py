#!/usr/bin/env python3
# Crash safety of the app's store: a writer (store-writer, linking the real store) saves
# records one after another and prints each acknowledged id; it gets SIGKILL at a seeded
# random moment. Then PRAGMA integrity_check must be "ok", every acknowledged record must
# be in the file with its data, and the store must open the file again for the next
# round. Rounds: GP_CRASH_ROUNDS (default 20, 200 with GIGPILOT_TEST_LONG=1);
# GP_CRASH_SEED replays a run.

import ctypes
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

writer_bin = sys.argv[1]
seed = int(os.environ.get("GP_CRASH_SEED", random.SystemRandom().randrange(1 << 32)))
rounds = int(os.environ.get("GP_CRASH_ROUNDS", 200 if os.environ.get("GIGPILOT_TEST_LONG") == "1" else 20))
rng = random.Random(seed)


def die_with_parent():
    """In the child: a writer outlives no test, even one that dies on an assertion."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


print(f"# seed {seed}, {rounds} rounds (replay: GP_CRASH_SEED={seed} GP_CRASH_ROUNDS={rounds})", flush=True)


def fail(msg):
    print(f"FAIL (seed {seed}): {msg}", file=sys.stderr)
    sys.exit(1)


with tempfile.TemporaryDirectory(prefix="gp-store-crash-") as d:
    path = os.path.join(d, "gigpilot.db")
    acked = {}
    for rnd in range(rounds):
        p = subprocess.Popen([writer_bin, path, f"r{rnd}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=die_with_parent)
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(iter(p.stdout.readline, "")), daemon=True)
        reader.start()
        time.sleep(rng.uniform(0.2, 1.2))
        p.send_signal(signal.SIGKILL)
        p.wait()
        reader.join(5)
        err = p.stderr.read()
        if p.returncode != -signal.SIGKILL:
            fail(f"round {rnd}: writer exited with {p.returncode}: {err}")
        n_round = 0
        for line in lines:
            if line.endswith("\n"):
                rid, name = line.split()
                acked[rid] = name
                n_round += 1
        db = sqlite3.connect(path)
        check = db.execute("PRAGMA integrity_check").fetchall()
        if check != [("ok",)]:
            fail(f"round {rnd}: integrity_check {check}")
        have = dict(db.execute("SELECT id, name FROM clients"))
        db.close()
        lost = [i for i in acked if have.get(i) != acked[i]]
        if lost:
            fail(f"round {rnd}: {len(lost)} acknowledged saves lost or wrong, e.g. {lost[:3]}")
        print(f"ok {rnd + 1} - kill -9 #{rnd + 1}: {n_round} saves acknowledged, {len(acked)} intact", flush=True)
    print(f"# {rounds} kills survived, {len(acked)} acknowledged saves intact", flush=True)
print(f"1..{rounds}")
