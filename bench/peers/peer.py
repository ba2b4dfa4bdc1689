#!/usr/bin/env python3
"""peer.py - the peer for bench scenario 5: the same two routes as raslog,
written the way a small team would with only Python's standard library.

http.server.ThreadingHTTPServer speaking HTTP/1.1 (keep-alive) with
buffered writes, sqlite3 in WAL mode with synchronous=FULL (a 201 survives
a crash, as in raslog), json.  It is meant to be a fair, competent peer, not
a straw man: a connection per thread, one lock around writes (SQLite has one
writer; the lock wakes the next writer at once, where sqlite3's busy timeout
would sleep), prepared statements reused through sqlite3's statement cache,
a listen backlog large enough for 64 clients, Nagle off.

    peer.py --port N --db FILE [--seed-trainees N] [--seed-sessions M]
            [--seed-trainers K] [--creds-out FILE]

Seeding creates N trainees (with bearer tokens), K trainers, one faculty
member, and M signed sessions spread over the trainees; --creds-out writes
their ids and tokens in the format bench/lua/common.lua reads.

Routes:
    GET  /api/v1/health                        200 {"status":"ok"}
    POST /api/v1/sessions                      trainee's token; 201 with the record
    GET  /api/v1/trainees/{id}/progress        faculty, or the trainee; 200
"""

import argparse
import datetime
import hashlib
import http.server
import json
import random
import re
import secrets
import signal
import sqlite3
import sys
import threading
import time

ACTIVITIES = ("elearning", "simulator", "dry_lab", "wet_lab", "cadaveric", "observation",
              "bedside_assist", "console_modular", "console_full")
ROLES = ("O", "A", "S-TS", "S-TU", "P", "T")
PLATFORMS = ("davinci_xi", "davinci_x", "davinci_sp", "versius", "hugo_ras",
             "sim_dvss", "sim_simnow", "sim_mimic")
OPERATING = ("S-TS", "S-TU", "P", "T")

# The curriculum, as data: module -> requirements.  "minutes" sums signed
# minutes of an activity; "cases" counts signed sessions of an activity,
# optionally only in the given roles.
CURRICULUM = [
    {"id": "literacy", "title": "Robotic literacy", "requirements": [
        {"id": "elearning_minutes", "kind": "minutes", "activity": "elearning", "target": 240}]},
    {"id": "simulator", "title": "Simulator proficiency", "requirements": [
        {"id": "simulator_minutes", "kind": "minutes", "activity": "simulator", "target": 600}]},
    {"id": "labs", "title": "Dry and wet lab", "requirements": [
        {"id": "dry_lab_minutes", "kind": "minutes", "activity": "dry_lab", "target": 300},
        {"id": "wet_lab_minutes", "kind": "minutes", "activity": "wet_lab", "target": 240},
        {"id": "cadaveric_cases", "kind": "cases", "activity": "cadaveric", "target": 2}]},
    {"id": "bedside", "title": "Bedside assistant", "requirements": [
        {"id": "observed_cases", "kind": "cases", "activity": "observation", "target": 5},
        {"id": "bedside_cases", "kind": "cases", "activity": "bedside_assist",
         "roles": ["A"], "target": 20}]},
    {"id": "console_modular", "title": "Console modular training", "requirements": [
        {"id": "modular_cases", "kind": "cases", "activity": "console_modular",
         "roles": list(OPERATING), "target": 20}]},
    {"id": "console_full", "title": "Full console cases", "requirements": [
        {"id": "full_cases_supervised", "kind": "cases", "activity": "console_full",
         "roles": ["S-TS", "S-TU"], "target": 10},
        {"id": "full_cases_performed", "kind": "cases", "activity": "console_full",
         "roles": ["P"], "target": 10}]},
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL, site TEXT);
CREATE TABLE IF NOT EXISTS tokens (
    hash BLOB PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    trainee_id INTEGER NOT NULL REFERENCES users(id),
    trainer_id INTEGER NOT NULL REFERENCES users(id),
    date TEXT NOT NULL, minutes INTEGER NOT NULL, activity TEXT NOT NULL,
    platform TEXT, site TEXT, procedure TEXT, steps TEXT, role TEXT, notes TEXT,
    status TEXT NOT NULL DEFAULT 'pending', created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_by_trainee ON sessions(trainee_id, status);
"""

PROGRESS_SQL = """
SELECT activity, role, count(*), sum(minutes) FROM sessions
 WHERE trainee_id = ? AND status = 'signed' GROUP BY activity, role
"""

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PROGRESS_RE = re.compile(r"^/api/v1/trainees/(\d+)/progress$")
WRITE_LOCK = threading.Lock()
DB_PATH = None
LOCAL = threading.local()


def db():
    """This thread's connection (sqlite3 connections are per thread)."""
    conn = getattr(LOCAL, "conn", None)
    if conn is None:
        conn = sqlite3.connect(DB_PATH, isolation_level=None, cached_statements=64)
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=5000")
        LOCAL.conn = conn
    return conn


def token_hash(token):
    return hashlib.sha256(token.encode()).digest()


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def validate_session(body, today):
    """Returns a list of {"field","detail"} problems with a session body."""
    errors = []

    def bad(field, detail):
        errors.append({"field": field, "detail": detail})

    if not isinstance(body, dict):
        return [{"field": "", "detail": "the body must be a JSON object"}]
    date = body.get("date")
    if not isinstance(date, str) or not DATE_RE.match(date):
        bad("date", "date must be YYYY-MM-DD")
    else:
        try:
            if datetime.date.fromisoformat(date) > today:
                bad("date", "date must not be in the future")
        except ValueError:
            bad("date", "date is not a real date")
    minutes = body.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 1440:
        bad("minutes", "minutes must be an integer from 1 to 1440")
    if body.get("activity") not in ACTIVITIES:
        bad("activity", "activity must be one of " + ", ".join(ACTIVITIES))
    if "platform" in body and body["platform"] not in PLATFORMS:
        bad("platform", "platform must be one of " + ", ".join(PLATFORMS))
    if "role" in body and body["role"] not in ROLES:
        bad("role", "role must be one of " + ", ".join(ROLES))
    for field in ("site", "procedure", "notes"):
        if field in body and not isinstance(body[field], str):
            bad(field, field + " must be a string")
    steps = body.get("steps")
    if steps is not None and (not isinstance(steps, list) or
                              not all(isinstance(s, str) for s in steps)):
        bad("steps", "steps must be an array of strings")
    trainer = body.get("trainer")
    if not isinstance(trainer, int) or isinstance(trainer, bool) or trainer < 1:
        bad("trainer", "trainer must be a user id")
    return errors


def progress(conn, trainee_id):
    """The per-requirement progress of one trainee from one SQL aggregate."""
    cases, minutes = {}, {}
    for activity, role, count, total in conn.execute(PROGRESS_SQL, (trainee_id,)):
        cases[(activity, role)] = count
        minutes[activity] = minutes.get(activity, 0) + (total or 0)
    modules = []
    for module in CURRICULUM:
        reqs = []
        for req in module["requirements"]:
            if req["kind"] == "minutes":
                signed = minutes.get(req["activity"], 0)
            else:
                roles = req.get("roles")
                signed = sum(n for (a, r), n in cases.items()
                             if a == req["activity"] and (roles is None or r in roles))
            reqs.append({"id": req["id"], "kind": req["kind"], "activity": req["activity"],
                         "target": req["target"], "signed": signed,
                         "status": "met" if signed >= req["target"] else "in_progress"})
        met = all(r["status"] == "met" for r in reqs)
        modules.append({"id": module["id"], "title": module["title"],
                        "status": "met" if met else "in_progress", "requirements": reqs})
    return {"trainee": trainee_id, "modules": modules}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1                  # buffered: headers and body leave in one write
    disable_nagle_algorithm = True
    server_version = "peer"

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, obj, content_type="application/json"):
        data = json.dumps(obj, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def problem(self, status, title, detail=None, errors=None):
        body = {"type": "about:blank", "title": title, "status": status}
        if detail:
            body["detail"] = detail
        if errors:
            body["errors"] = errors
        self.send_json(status, body, "application/problem+json")

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > 65536:
            self.close_connection = True
            return None
        return self.rfile.read(length) if length else b""

    def user(self, conn):
        """(id, role) of the bearer, or None."""
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return None
        return conn.execute("SELECT u.id, u.role FROM tokens t JOIN users u ON u.id = t.user_id"
                            " WHERE t.hash = ?", (token_hash(auth[7:].strip()),)).fetchone()

    def do_GET(self):
        if self.path == "/api/v1/health":
            return self.send_json(200, {"status": "ok"})
        m = PROGRESS_RE.match(self.path)
        if not m:
            return self.problem(404, "Not Found", "no such resource: " + self.path)
        conn = db()
        who = self.user(conn)
        if who is None:
            return self.problem(401, "Unauthorized", "a valid bearer token is required")
        trainee_id = int(m.group(1))
        if who[1] != "faculty" and who[0] != trainee_id:
            return self.problem(403, "Forbidden", "only faculty or the trainee may see this")
        row = conn.execute("SELECT role FROM users WHERE id = ?", (trainee_id,)).fetchone()
        if row is None or row[0] != "trainee":
            return self.problem(404, "Not Found", "no trainee %d" % trainee_id)
        self.send_json(200, progress(conn, trainee_id))

    def do_POST(self):
        raw = self.read_body()
        if raw is None:
            return self.problem(413, "Content Too Large", "the body is over 64 KiB")
        if self.path != "/api/v1/sessions":
            return self.problem(404, "Not Found", "no such resource: " + self.path)
        conn = db()
        who = self.user(conn)
        if who is None:
            return self.problem(401, "Unauthorized", "a valid bearer token is required")
        if who[1] != "trainee":
            return self.problem(403, "Forbidden", "only trainees log sessions")
        try:
            body = json.loads(raw)
        except ValueError as e:
            return self.problem(400, "Bad Request", "the body is not JSON: %s" % e)
        errors = validate_session(body, datetime.date.today())
        if not errors:
            row = conn.execute("SELECT role FROM users WHERE id = ?", (body["trainer"],)).fetchone()
            if row is None or row[0] != "trainer" or body["trainer"] == who[0]:
                errors.append({"field": "trainer", "detail": "no trainer %d" % body["trainer"]})
        if errors:
            return self.problem(422, "Unprocessable Content", "the session is not valid", errors)
        steps = json.dumps(body["steps"]) if "steps" in body else None
        created = now_rfc3339()
        with WRITE_LOCK:
            cur = conn.execute(
                "INSERT INTO sessions (trainee_id, trainer_id, date, minutes, activity, platform,"
                " site, procedure, steps, role, notes, created_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (who[0], body["trainer"], body["date"], body["minutes"], body["activity"],
                 body.get("platform"), body.get("site"), body.get("procedure"), steps,
                 body.get("role"), body.get("notes"), created))
            session_id = cur.lastrowid
        record = {"id": session_id, "trainee": who[0], "status": "pending", "created_at": created}
        for field in ("date", "minutes", "activity", "platform", "site", "procedure", "steps",
                      "role", "trainer", "notes"):
            if field in body:
                record[field] = body[field]
        self.send_json(201, record)


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client closing its keep-alive connection (wrk stopping) is normal.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def seed(conn, trainees, trainers, sessions, creds_out):
    """Creates the accounts and signed sessions, and writes the credentials file."""
    rng = random.Random(7)
    lines = []
    conn.execute("BEGIN")
    fac = conn.execute("INSERT INTO users (name, email, role) VALUES ('Faculty', 'faculty@bench', 'faculty')").lastrowid
    token = secrets.token_urlsafe(32)
    conn.execute("INSERT INTO tokens VALUES (?, ?)", (token_hash(token), fac))
    lines.append("faculty %d %s" % (fac, token))
    trainer_ids = []
    for i in range(trainers):
        tid = conn.execute("INSERT INTO users (name, email, role) VALUES (?, ?, 'trainer')",
                           ("Trainer %d" % i, "trainer%d@bench" % i)).lastrowid
        trainer_ids.append(tid)
        lines.append("trainer %d -" % tid)
    trainee_ids = []
    for i in range(trainees):
        tid = conn.execute("INSERT INTO users (name, email, role, site) VALUES (?, ?, 'trainee', ?)",
                           ("Trainee %d" % i, "trainee%d@bench" % i, "Bench site")).lastrowid
        token = secrets.token_urlsafe(32)
        conn.execute("INSERT INTO tokens VALUES (?, ?)", (token_hash(token), tid))
        trainee_ids.append(tid)
        lines.append("trainee %d %s" % (tid, token))
    today = datetime.date.today()
    created = now_rfc3339()
    roles = {"observation": "O", "bedside_assist": "A", "console_modular": "S-TS",
             "console_full": "P", "cadaveric": "S-TS"}

    def rows():
        for n in range(sessions):
            activity = ACTIVITIES[n % len(ACTIVITIES)]
            yield (trainee_ids[n % len(trainee_ids)], trainer_ids[n % len(trainer_ids)],
                   (today - datetime.timedelta(days=1 + n % 300)).isoformat(),
                   rng.randint(15, 240), activity, roles.get(activity), "signed", created)

    if sessions and trainee_ids and trainer_ids:
        conn.executemany("INSERT INTO sessions (trainee_id, trainer_id, date, minutes, activity,"
                         " role, status, created_at) VALUES (?,?,?,?,?,?,?,?)", rows())
    conn.execute("COMMIT")
    if creds_out:
        with open(creds_out, "w") as f:
            f.write("# peer.py credentials: kind id token\n" + "\n".join(lines) + "\n")


def main():
    global DB_PATH
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--seed-trainees", type=int, default=0)
    ap.add_argument("--seed-sessions", type=int, default=0)
    ap.add_argument("--seed-trainers", type=int, default=4)
    ap.add_argument("--creds-out")
    args = ap.parse_args()
    DB_PATH = args.db

    conn = sqlite3.connect(DB_PATH, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(SCHEMA)
    if args.seed_trainees:
        started = time.monotonic()
        seed(conn, args.seed_trainees, args.seed_trainers, args.seed_sessions, args.creds_out)
        print("peer: seeded %d trainees, %d sessions in %.1f s" % (
            args.seed_trainees, args.seed_sessions, time.monotonic() - started), file=sys.stderr)
    conn.close()

    server = Server(("127.0.0.1", args.port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print("peer: listening on 127.0.0.1:%d" % args.port, file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == "__main__":
    main()
