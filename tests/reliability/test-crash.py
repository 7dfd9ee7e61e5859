#!/usr/bin/env python3
# Crash safety of gigpilot-server: kill -9 at random moments while several clients push
# 10-record batches as fast as they can. After every kill: PRAGMA integrity_check is
# "ok" (SQLite), the server restarts on the same database, every push it acknowledged is
# there in full, and every push left without an answer can be retried with its push_id
# and then is there exactly once. Rounds: GP_CRASH_ROUNDS (default 24, 300 with
# GIGPILOT_TEST_LONG=1); the seed is printed and GP_CRASH_SEED replays it.

import http.client
import os
import random
import sqlite3
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpserver import Server, check, long_mode, records  # noqa: E402

WRITERS = 4


def writer(acc, port, rng_seed, acked, unanswered, stop):
    rng = random.Random(rng_seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while not stop.is_set():
        push_id = str(uuid.uuid4())
        ids = [f"c{rng.getrandbits(60):015x}" for _ in range(10)]
        body = {"clients": {"created": [{"id": i, "name": f"n-{i}", "notes": "x" * rng.randrange(0, 2000)}
                                        for i in ids]}}
        try:
            st, _, _ = acc.push(1, body, push_id=push_id, conn=conn)
        except (OSError, http.client.HTTPException):
            unanswered.append((push_id, body))
            return
        check(st == 200, f"push answered {st}")
        acked.extend(ids)


def main():
    seed = int(os.environ.get("GP_CRASH_SEED", random.SystemRandom().randrange(1 << 32)))
    rounds = int(os.environ.get("GP_CRASH_ROUNDS", 300 if long_mode() else 24))
    rng = random.Random(seed)
    print(f"# seed {seed}, {rounds} rounds (replay: GP_CRASH_SEED={seed} GP_CRASH_ROUNDS={rounds})", flush=True)
    with tempfile.TemporaryDirectory(prefix="gp-crash-") as workdir:
        srv = Server(workdir).start()
        acc = srv.account()
        all_acked = set()
        n_unanswered = 0
        for rnd in range(rounds):
            acked, unanswered, stop = [], [], threading.Event()
            threads = [threading.Thread(target=writer, args=(acc, srv.port, rng.random(), acked, unanswered, stop))
                       for _ in range(WRITERS)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.05, 1.0))
            srv.kill9()
            stop.set()
            for t in threads:
                t.join()
            all_acked.update(acked)

            if srv.sqlite_path:
                db = sqlite3.connect(srv.sqlite_path)
                result = db.execute("PRAGMA integrity_check").fetchall()
                db.close()
                check(result == [("ok",)], f"round {rnd} (seed {seed}): integrity_check {result}")

            srv.start()
            # Retry what got no answer, with the same push_id: applied once, answered 200.
            for push_id, body in unanswered:
                st, _, _ = acc.push(1, body, push_id=push_id)
                check(st == 200, f"round {rnd} (seed {seed}): retry of an unanswered push: {st}")
                all_acked.update(r["id"] for r in body["clients"]["created"])
            n_unanswered += len(unanswered)

            st, full, _ = acc.pull()
            check(st == 200, f"pull after restart: {st}")
            have = records(full, "clients")
            missing = all_acked - set(have)
            check(not missing, f"round {rnd} (seed {seed}): {len(missing)} acknowledged records lost, "
                               f"e.g. {sorted(missing)[:3]}")
            ids = [r["id"] for r in full["changes"]["clients"]["created"] + full["changes"]["clients"]["updated"]]
            check(len(ids) == len(set(ids)), "duplicate ids in a pull")
            for i in all_acked:
                check(have[i]["name"] == f"n-{i}", f"record {i} has the wrong data")
            print(f"ok {rnd + 1} - kill -9 #{rnd + 1}: {len(acked)} records acked in the round, "
                  f"{len(unanswered)} pushes unanswered and retried, {len(all_acked)} records intact", flush=True)
        srv.stop()
        print(f"# {rounds} kills survived, {len(all_acked)} acknowledged records, "
              f"{n_unanswered} unanswered pushes retried", flush=True)
    print(f"1..{rounds}")


if __name__ == "__main__":
    main()
