# gpserver.py: start the real gigpilot-server ($GIGPILOT_SERVER) on 127.0.0.1 port 0 and
# talk HTTP to it, for the reliability tests. The database is a SQLite file in the test's
# directory, or $GP_TEST_DATABASE (tests/server/run-postgres.sh starts a PostgreSQL).

import ctypes
import http.client
import json
import os
import signal
import subprocess
import sys
import time
import uuid

PR_SET_PDEATHSIG = 1


def die_with_parent():
    """In the child: a server outlives no test, even one that dies on an assertion."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


class Server:
    def __init__(self, workdir, *extra, database=None):
        self.workdir = workdir
        self.extra = list(extra)
        self.database = database or os.environ.get("GP_TEST_DATABASE") or \
            f"sqlite:{os.path.join(workdir, 'server.db')}"
        self.secret = os.path.join(workdir, "token-secret")
        self.log_path = os.path.join(workdir, "server.log")
        self.proc = None
        self.port = None

    @property
    def sqlite_path(self):
        return self.database[len("sqlite:"):] if self.database.startswith("sqlite:") else None

    def start(self, env=None):
        binary = os.environ["GIGPILOT_SERVER"]
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:0", "--database", self.database,
             "--token-secret-file", self.secret, "--password-hash-memory", "19"] + self.extra,
            stdout=subprocess.PIPE, stderr=self.log, env=env, preexec_fn=die_with_parent)
        line = self.proc.stdout.readline().decode()
        check(line.startswith("listening on http://127.0.0.1:"), f"server did not start: {line!r}")
        self.port = int(line.strip().rstrip("/").rsplit(":", 1)[1])
        return self

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc.stdout.close()
        self.log.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.log.close()
        check(rc == 0, f"server exited with {rc}")

    def conn(self, timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, token=None, headers=None, conn=None):
        own = conn is None
        c = conn or self.conn()
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        if own:
            c.close()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return r.status, parsed, r

    def account(self, password="correct horse battery"):
        email = f"{uuid.uuid4().hex[:12]}@example.test"
        st, _, _ = self.request("POST", "/auth/register", {"email": email, "password": password})
        check(st in (200, 201), f"register: {st}")
        st, body, _ = self.request("POST", "/auth/login", {"email": email, "password": password})
        check(st == 200, f"login: {st}")
        return Account(self, email, password, body["token"], body["refresh_token"], body["user_id"])

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")


class Account:
    def __init__(self, srv, email, password, token, refresh, user_id):
        self.srv, self.email, self.password = srv, email, password
        self.token, self.refresh, self.user_id = token, refresh, user_id

    def pull(self, lpa="null", extra=""):
        return self.srv.request("GET", f"/sync/pull?last_pulled_at={lpa}&schema_version=1{extra}",
                                token=self.token)

    def push(self, lpa, changes, push_id=None, conn=None):
        q = f"/sync/push?last_pulled_at={lpa}"
        if push_id:
            q += f"&push_id={push_id}"
        return self.srv.request("POST", q, changes, token=self.token, conn=conn)


def records(pull_body, table):
    t = (pull_body or {}).get("changes", {}).get(table, {})
    return {r["id"]: r for r in t.get("created", []) + t.get("updated", [])}


def long_mode():
    return os.environ.get("GIGPILOT_TEST_LONG") == "1"
