#!/usr/bin/env python3
# Attacks on the real gigpilot-server that tests/server does not already cover:
# cross-account writes through deletes, cascades and migration pulls; a pull cursor
# replayed by another account; SQL injection in every pull parameter, push_id, login and
# register fields; lying Content-Length and oversized chunked bodies; many slow clients
# at once (slowloris) while others must still be served; and a log that never holds a
# password or a token. Each check names what it attacks.

import os
import socket
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpserver import Server, check, records  # noqa: E402

ok = 0


def passed(name):
    global ok
    ok += 1
    print(f"ok {ok} - {name}", flush=True)


def healthy(srv):
    st, body, _ = srv.request("GET", "/health/db")
    check(st == 200, f"server unhealthy after attack: {st} {body}")


def cross_account(srv):
    a, b = srv.account(), srv.account()
    st, pa, _ = a.pull()
    ts = pa["timestamp"]
    st, _, _ = a.push(ts, {"clients": {"created": [{"id": "victimClient0001", "name": "A's client"}]},
                           "invoices": {"created": [{"id": "victimInvoice001", "client_id": "victimClient0001",
                                                     "number": "A-1"}]}})
    check(st == 200, f"A's push: {st}")

    # B deletes A's client id: must not touch A's rows nor cascade into A's invoices.
    st, pb, _ = b.pull()
    st, _, _ = b.push(pb["timestamp"], {"clients": {"deleted": ["victimClient0001"]},
                                        "invoices": {"deleted": ["victimInvoice001"]}})
    check(st == 200, f"B's delete of unknown ids must be ignored, got {st}")
    # B creates an invoice pointing at A's client, then deletes "its" client of that id.
    st, _, _ = b.push(pb["timestamp"] + 10**6, {"invoices": {"created": [{"id": "bInvoice00000001",
                                                                         "client_id": "victimClient0001"}]}})
    check(st == 200, f"B's push: {st}")
    st, _, _ = b.push(pb["timestamp"] + 2 * 10**6, {"clients": {"deleted": ["victimClient0001"]}})
    check(st == 200, f"B's second delete: {st}")

    st, full_a, _ = a.pull()
    check("victimClient0001" in records(full_a, "clients"), "A's client was deleted by B")
    check("victimInvoice001" in records(full_a, "invoices"), "A's invoice was deleted by B's cascade")
    check(not full_a["changes"].get("invoices", {}).get("deleted"), "A sees a deletion made by B")
    check("bInvoice00000001" not in records(full_a, "invoices"), "B's invoice reached A")
    passed("deletes and cascades never cross accounts")

    # A migration pull asking for whole tables and columns returns only B's own rows.
    mig = urllib.parse.quote('{"from":1,"tables":["clients","invoices"],'
                             '"columns":[{"table":"clients","columns":["name"]}]}')
    st, mb, _ = b.pull(lpa=pb["timestamp"], extra=f"&migration={mig}")
    check(st == 200, f"migration pull: {st}")
    check("victimClient0001" not in records(mb, "clients"), "migration pull revealed A's client")
    check("victimInvoice001" not in records(mb, "invoices"), "migration pull revealed A's invoice")
    passed("migration pulls stay within the account")

    # A's paging cursor replayed by B: B gets B's rows or 400, never A's.
    for i in range(3):
        a.push(ts + 10**7 + i, {"clients": {"created": [{"id": f"pagedClient00{i:03d}", "name": "A"}]}})
    st, page, _ = a.pull(extra="&page_size=1")
    check(st == 200 and page.get("next_cursor"), f"paged pull: {st} {page}")
    cur = urllib.parse.quote(page["next_cursor"])
    st, other, _ = b.pull(extra=f"&page_size=1&cursor={cur}")
    check(st in (200, 400), f"cursor replay: {st}")
    if st == 200:
        for table in ("clients", "invoices", "tickets", "invoice_lines"):
            for rid in records(other, table):
                check(not rid.startswith(("victim", "paged")), f"cursor replay revealed {rid}")
    passed("another account's cursor reveals nothing")
    return a, b


def injection(srv, a):
    payloads = ["1 OR 1=1", "1; DROP TABLE records;--", "1' OR '1'='1", "0x10", "1e3", "+1", " 1",
                "9223372036854775808", "-0", "1%00", "\u0661"]
    for p in payloads:
        q = urllib.parse.quote(p)
        st, _, _ = a.pull(lpa=q)
        check(st == 400, f"pull last_pulled_at={p!r}: {st}")
        st, _, _ = a.srv.request("POST", f"/sync/push?last_pulled_at={q}", "{}", token=a.token)
        check(st == 400, f"push last_pulled_at={p!r}: {st}")
        st, _, _ = a.pull(extra=f"&page_size={q}")
        check(st == 400, f"page_size={p!r}: {st}")
        st, _, _ = a.pull(extra=f"&cursor={q}")
        check(st == 400, f"cursor={p!r}: {st}")
        if not all(c.isascii() and (c.isalnum() or c in "-_") for c in p):
            st, _, _ = a.srv.request("POST", f"/sync/push?last_pulled_at=1&push_id={q}", "{}", token=a.token)
            check(st == 400, f"push_id={p!r}: {st}")
    for mig in ['{"from":1,"tables":["clients; DROP TABLE records"]}',
                '{"from":1,"tables":["users"]}',
                '{"from":1,"columns":[{"table":"clients","columns":["name) OR 1=1 --"]}]}',
                '{"from":1,"columns":[{"table":"sqlite_master","columns":["sql"]}]}',
                '{"from":"1 OR 1=1","tables":[]}']:
        st, body, _ = a.pull(lpa=1, extra="&migration=" + urllib.parse.quote(mig))
        # Unknown names are refused or ignored (whitelisted); never a table outside the schema.
        check(st in (200, 400), f"migration {mig}: {st} {body}")
        if st == 200:
            extra_tables = set(body["changes"]) - {"clients", "invoices", "invoice_lines", "tickets",
                                                   "time_entries", "payments", "recurring", "reminders"}
            check(not extra_tables, f"migration {mig} returned {extra_tables}")
    passed("SQL injection in last_pulled_at, page_size, cursor, push_id (400) and migration (inert)")

    for email in ["' OR '1'='1", "x@y.test' OR 1=1 --", a.email + "' --", a.email.upper() + "\u0000"]:
        st, _, _ = a.srv.request("POST", "/auth/login", {"email": email, "password": "' OR '1'='1"})
        check(st in (400, 401), f"login injection {email!r}: {st}")
    st, _, _ = a.srv.request("POST", "/auth/login", {"email": a.email, "password": {"$ne": ""}})
    check(st in (400, 401), f"login with an object as password: {st}")
    st, _, _ = a.srv.request("POST", "/auth/register",
                             {"email": "robert'); DROP TABLE users;--@example.test", "password": "long enough pw"})
    check(st in (200, 201, 400), f"register injection: {st}")
    # The account still logs in afterwards: the users table is intact.
    st, _, _ = a.srv.request("POST", "/auth/login", {"email": a.email, "password": a.password})
    check(st == 200, f"login after injection attempts: {st}")
    healthy(a.srv)
    passed("SQL injection in login and register fields is inert")


def raw(srv, data, read=True, timeout=10):
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=timeout)
    s.sendall(data)
    out = b""
    if read:
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
                if b"\r\n\r\n" in out and b"Connection: close" not in out and len(out) > 12:
                    break
        except socket.timeout:
            pass
    s.close()
    return out


def rss(srv):
    with open(f"/proc/{srv.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def limits(srv, a):
    # A Content-Length of 1 TB announced with "Expect: 100-continue": refused from the
    # header at once, before any of the body is sent.
    t0 = time.monotonic()
    head = raw(srv, (f"POST /sync/push?last_pulled_at=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {a.token}\r\n"
                     "Expect: 100-continue\r\nContent-Length: 1000000000000\r\n\r\n").encode())
    check(head.startswith(b"HTTP/1.1 413"), f"1 TB Content-Length: {head[:60]!r}")
    check(time.monotonic() - t0 < 5, "413 took too long")
    # 300 MiB sent anyway, without Expect: read and dropped, never buffered (RSS stays flat).
    rss0 = rss(srv)
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    n = 300 << 20
    s.sendall(b"POST /sync/push?last_pulled_at=1 HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % n)
    block = b"x" * (1 << 20)
    try:
        for _ in range(300):
            s.sendall(block)
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = b""
    try:
        answer = s.recv(200)
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    growth = rss(srv) - rss0
    check(answer.startswith(b"HTTP/1.1 413") or answer == b"", f"300 MiB body: {answer[:60]!r}")
    check(growth < 64 << 20, f"the server buffered an oversized body: RSS +{growth >> 20} MiB")
    # A chunked body that never ends in time is cut off at the limit (1 MiB here).
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=20)
    s.sendall((f"POST /sync/push?last_pulled_at=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {a.token}\r\n"
               "Transfer-Encoding: chunked\r\n\r\n").encode())
    chunk = b"[" * 65536
    answer = b""
    try:
        for _ in range(64):
            s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        answer = s.recv(200)
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    check(answer.startswith(b"HTTP/1.1 413") or answer == b"", f"chunked 4 MiB: {answer[:60]!r}")
    # Deep nesting just under and far over the JSON depth limit, in a record value.
    for depth in (31, 5000):
        body = '{"clients":{"created":[{"id":"nestAAAAAAAAAAAA","notes":' + "[" * depth + "]" * depth + "}]}}"
        st, _, _ = a.push(1, body)
        check(st in (200, 400), f"nesting {depth}: {st}")
    # Very many keys in one record and a huge string value within the limit.
    wide = {"clients": {"created": [dict({"id": "wideAAAAAAAAAAAA"}, **{f"k{i}": i for i in range(20000)})]}}
    st, _, _ = a.push(1, wide)
    check(st in (200, 400, 413), f"20k keys: {st}")
    big = {"clients": {"created": [{"id": "bigAAAAAAAAAAAAA", "notes": "x" * 900000}]}}
    st, _, _ = a.push(1, big)
    check(st in (200, 400, 413), f"900 kB value: {st}")
    healthy(srv)
    passed("lying Content-Length, endless chunked bodies, deep and wide JSON: refused, server fine")


def slowloris(srv):
    # 60 clients that trickle a request byte by byte, 20 that send headers and half a body,
    # 20 that connect and say nothing. Meanwhile a normal client must be served promptly.
    stop = threading.Event()
    socks = []
    for i in range(100):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
        if 60 <= i < 80:
            s.sendall(b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"email\":")
        socks.append(s)

    def trickle():
        req = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 10000
        for n in range(len(req)):
            if stop.is_set():
                return
            for s in socks[:60]:
                try:
                    s.send(req[n:n + 1])
                except OSError:
                    pass
            time.sleep(0.2)

    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    worst = 0.0
    t_end = time.monotonic() + 8
    while time.monotonic() < t_end:
        t0 = time.monotonic()
        st, _, _ = srv.request("GET", "/health")
        worst = max(worst, time.monotonic() - t0)
        check(st == 200, f"health under slowloris: {st}")
        time.sleep(0.1)
    check(worst < 1.0, f"a normal request took {worst:.2f} s under slowloris")

    # The silent and half-body connections are closed by the idle timeout (2 s here).
    closed = 0
    for s in socks[60:]:
        s.settimeout(6)
        try:
            while s.recv(4096):
                pass
            closed += 1
        except (socket.timeout, ConnectionResetError):
            pass
    stop.set()
    t.join()
    # Trickling clients: a request whose headers never end within the limits is cut off too.
    trickle_closed = 0
    for s in socks[:60]:
        s.settimeout(0.5)
        try:
            if s.recv(4096) == b"":
                trickle_closed += 1
        except (socket.timeout, ConnectionResetError):
            pass
        s.close()
    for s in socks[60:]:
        s.close()
    check(closed == 40, f"only {closed} of 40 idle/half-body connections were closed by the server")
    print(f"# slowloris: worst normal request {worst * 1000:.0f} ms; {closed}/40 idle closed; "
          f"{trickle_closed}/60 trickling closed", flush=True)
    healthy(srv)
    passed("slow clients time out and never starve others")


def brute_force(workdir):
    srv = Server(os.path.join(workdir, "bf"), "--login-attempts-per-minute", "20",
                 "--login-failures-before-delay", "5")
    os.makedirs(srv.workdir)
    srv.start()
    a = srv.account()
    codes = []
    for i in range(40):
        st, _, r = srv.request("POST", "/auth/login", {"email": a.email, "password": f"guess {i:04d}"})
        codes.append(st)
        if st == 429:
            check(r.getheader("Retry-After") is not None, "429 without Retry-After")
    check(429 in codes, f"40 wrong passwords never got 429: {codes}")
    check(200 not in codes, "a guess logged in")
    first_429 = codes.index(429)
    check(first_429 <= 10, f"rate limit started only after {first_429} guesses")
    log = srv.read_log()
    check("guess 00" not in log, "the log holds a guessed password")
    srv.stop()
    passed(f"login brute force is rate limited (first 429 after {first_429} guesses)")


def log_hygiene(srv, accounts):
    # Refresh once so that a rotated refresh token is in play too.
    a = accounts[0]
    st, body, _ = srv.request("POST", "/auth/refresh", {"refresh_token": a.refresh})
    check(st == 200, f"refresh: {st}")
    new_access, new_refresh = body["token"], body["refresh_token"]
    srv.request("GET", "/sync/pull?last_pulled_at=null", token=new_access)
    srv.request("GET", "/sync/pull?last_pulled_at=null", token=new_access + "x")
    srv.request("POST", "/auth/refresh", {"refresh_token": a.refresh})  # reuse: refused, family revoked
    log = srv.read_log()
    secrets = [new_access, new_refresh, "correct horse battery"]
    for acc in accounts:
        secrets += [acc.token, acc.refresh, acc.password]
    for sec in secrets:
        check(sec not in log, "the server log contains a password or token")
        # Nor its signature or payload part alone.
        for part in sec.split(".") if sec.count(".") == 2 else []:
            check(len(part) < 20 or part not in log, "the server log contains part of a token")
    check("Authorization" not in log and "Bearer" not in log, "the server log contains an Authorization header")
    passed("the server log never holds passwords, tokens or Authorization headers")


def main():
    with tempfile.TemporaryDirectory(prefix="gp-attacks-") as workdir:
        srv = Server(workdir, "--idle-timeout", "2", "--max-body-bytes", str(1 << 20),
                     "--login-attempts-per-minute", "0")
        srv.start()
        a, b = cross_account(srv)
        injection(srv, a)
        limits(srv, a)
        slowloris(srv)
        log_hygiene(srv, [a, b])
        srv.stop()
        brute_force(workdir)
    print(f"1..{ok}")


if __name__ == "__main__":
    main()
