# tests/lib/pyhelper.py - one long-lived Python for a shell suite
# (started by tests/lib.sh), so that jget, tok, pk_of, free_port, the
# other small Python snippets of tests/lib.sh and curl cost a loopback connection
# made by bash's /dev/tcp instead of a python3 process each (on this
# machine a start of python3 costs about 80 ms of CPU; a suite made
# hundreds: issue 20 item 5).
#
# It listens on 127.0.0.1 (an unused port) and prints "PORT SECRET" when
# ready, a line on its standard output (a pipe to the suite's shell).  A request is
# NUL-separated fields, the first the secret (anyone else on the machine
# could connect to the port; without the secret nothing is read or run):
#   SECRET \0 jget \0 PID \0 EXPR \0
#       what `python3 -c 'import json,sys; j=json.load(sys.stdin); v=EXPR;
#       print(v if not isinstance(v,(dict,list)) else json.dumps(v))'`
#       prints, with the caller's standard input (process PID's fd 0,
#       opened through /proc, at its offset) as that program's
#   SECRET \0 py \0 PID or - \0 CWD \0 ARGV0 \0 N \0 CODE \0 ARG1 \0 ... ARGN \0
#       what `python3 -c CODE ARG...` (ARGV0 -c) or `python3 - ARG...`
#       with CODE on its standard input (ARGV0 -) prints in directory CWD;
#       its standard input is PID's (read before it runs) or, with -, empty
#       (tests/lib.sh's python3 function sends only code that uses neither
#       the environment, nor processes, sockets, threads, signals or time)
#   SECRET \0 cell \0 - \0 METHOD \0 URL \0 BODY or "" \0 HAS_BODY (1/0) \0
#   BODYFILE \0 HDRFILE \0 N \0 HEADER1 \0 ... HEADERN \0
#       one HTTP request as tests/api/authz/common.sh's cell makes it with
#       curl (the headers curl sends, then HEADER...): the reply's body in
#       BODYFILE, its status line and headers in HDRFILE (curl -D), and on
#       standard output what curl -w '%{http_code}\t%{content_type}\t
#       %header{x-request-id}\t%header{www-authenticate}\n' prints
#   SECRET \0 curl \0 - \0 METHOD or "" \0 URL \0 BODY or "" \0 HAS_BODY (1/0) \0
#   BODYFILE or "" \0 HDRFILE or "" \0 WFORMAT \0 FAIL (1/0) \0 N \0 HEADER1 \0 ... \0
#       what curl -s [-f] [-X METHOD] [-D HDRFILE] [-o BODYFILE] [-w WFORMAT]
#       [-H HEADER...] [--data-binary BODY] URL does (tests/lib.sh's curl
#       function): the request it sends (its Host, User-Agent and Accept
#       headers, then HEADER... as written, then Content-Length and its
#       default Content-Type), the files it writes, what it prints (the body
#       without BODYFILE, then WFORMAT's %{http_code}, %{content_type},
#       %header{NAME}, %%, \n, \t, \r) and its exit status; "fallback" for
#       a URL curl would send otherwise than as written (not plain http, a
#       glob, a dot segment, a space), an @FILE body or another WFORMAT
#   SECRET \0 sqlite \0 - \0 DBFILE \0 SQL \0
#       what `sqlite3 DBFILE SQL` prints (tests/lib.sh's sql on SQLite) for
#       SQL one SELECT whose values are integers, text or NULL (rows of
#       values joined by |, NULL empty); "fallback" for anything else (a
#       write, more than one statement, a real number or a blob in the
#       answer, an error, a file that is not there): sqlite3 runs it
#   SECRET \0 node \0 - \0 CWD \0 SCRIPT \0 N \0 ARG1 \0 ... ARGN \0
#       what `node SCRIPT ARG...` prints, SCRIPT a synchronous script (its
#       work done at import, ending by returning or process.exit), run by
#       one long-lived Node started at the first such request
#       (tests/lib/noderun.mjs; tests/lib.sh's key_body runs
#       tests/js/key-proof.mjs so: a Node start cost ~160 ms of CPU a key)
# and the answer is STATUS \0 STDERR \0 then "t" STDOUT \0, or "r" and
# STDOUT to the end (output with a NUL, or long: bash reads a socket a
# byte a read), STATUS the exit status python3 would have had; or
# "fallback" \0 when PID's standard input cannot be opened (a socket, say):
# nothing was read or run, the caller runs python3 itself.
# It exits when the suite's shell (its parent) does.
import builtins, io, json, os, re, secrets, signal, socket, sys, threading, traceback

ENC = ("utf-8", "surrogateescape")


class Fallback(Exception):
    pass


def caller_stdin(pid):
    """The bytes on process PID's standard input from its offset on (what
    a child of it reading fd 0 would read)."""
    try:
        fd = os.open("/proc/%d/fd/0" % int(pid), os.O_RDONLY)
    except (OSError, ValueError):
        raise Fallback()
    try:
        try:
            with open("/proc/%d/fdinfo/0" % int(pid)) as f:
                pos = int(next(l for l in f if l.startswith("pos:")).split()[1])
            if pos and os.lseek(fd, 0, os.SEEK_CUR) == 0:
                os.lseek(fd, pos, os.SEEK_SET)
        except (OSError, StopIteration, ValueError):
            pass  # a pipe: no offset
        chunks = []
        while True:
            b = os.read(fd, 65536)
            if not b:
                return b"".join(chunks)
            chunks.append(b)
    finally:
        os.close(fd)


def traceback_text(e):
    # As python3 -c prints an uncaught exception (the frames of this file left out).
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(e), e, tb))


def do_jget(pid, expr):
    data = caller_stdin(pid).decode(*ENC)
    g = {"__name__": "__main__", "__builtins__": builtins, "json": json, "sys": sys}
    try:
        g["j"] = json.loads(data)
        exec(compile("v=" + expr + "\n", "<string>", "exec"), g)
        v = g["v"]
        out = (v if not isinstance(v, (dict, list)) else json.dumps(v))
        return 0, str(out) + "\n", ""
    except Exception as e:
        return 1, "", traceback_text(e)


# A snippet's sys.argv, sys.stdin, sys.stdout and sys.stderr are the process's: one at a time.
py_lock = threading.Lock()


def do_py(pid, cwd, argv0, code, args):
    data = caller_stdin(pid).decode(*ENC) if pid != "-" else ""
    out, errout = io.StringIO(), io.StringIO()
    with py_lock:
        saved = sys.argv, sys.stdin, sys.stdout, sys.stderr, list(sys.path), os.getcwd()
        sys.argv = [argv0] + args
        sys.path.insert(0, "")  # python3 -c finds modules in the current directory first
        sys.stdin = io.StringIO(data)
        sys.stdout, sys.stderr = out, errout
        status, err = 0, ""
        g = {"__name__": "__main__", "__builtins__": builtins}
        try:
            os.chdir(cwd)
            exec(compile(code, "<string>", "exec"), g)
        except SystemExit as e:
            if e.code is None:
                status = 0
            elif isinstance(e.code, int):
                status = e.code & 0xFF
            else:
                status, err = 1, str(e.code) + "\n"
        except Exception as e:
            status, err = 1, traceback_text(e)
        finally:
            # A file the snippet left open is closed now, as at the end of a process (the
            # caller reads it next); clearing its globals also breaks the cycles through them.
            for v in list(g.values()):
                if isinstance(v, io.IOBase):
                    try:
                        v.close()
                    except Exception:
                        pass
            g.clear()
            sys.argv, sys.stdin, sys.stdout, sys.stderr, sys.path[:], here = saved
            os.chdir(here)
    return status, out.getvalue(), errout.getvalue() + err


def http_exchange(method, url, headers, data, timeout):
    """One request as curl sends it: the request line, the header lines as given, then (with data)
    Content-Length and, unless a header names one, curl's default Content-Type; the reply read."""
    import http.client, urllib.parse
    u = urllib.parse.urlsplit(url)
    path = (u.path or "/") + ("?" + u.query if u.query else "")
    head = "%s %s HTTP/1.1\r\n" % (method, path) + "".join(h + "\r\n" for h in headers)
    if data is not None:
        head += "Content-Length: %d\r\n" % len(data)
        if not any(h.lower().startswith("content-type:") for h in headers):
            head += "Content-Type: application/x-www-form-urlencoded\r\n"
    sock = socket.create_connection((u.hostname, u.port or 80), timeout=timeout)
    try:
        sock.sendall((head + "\r\n").encode(*ENC) + (data or b""))
        r = http.client.HTTPResponse(sock, method=method)
        r.begin()
        return r, r.read()
    finally:
        sock.close()


def exchange_or_status(method, url, headers, data, timeout):
    """http_exchange's reply, or curl's exit status when there is none: 7 no connection, 52 an
    empty reply, 1 a reply that is not HTTP/1.x, 56 a failure reading it."""
    import http.client
    try:
        return http_exchange(method, url, headers, data, timeout), 0
    except (OSError, http.client.HTTPException) as e:
        return None, (52 if isinstance(e, http.client.RemoteDisconnected) else 1 if isinstance(e, http.client.HTTPException)
                      else 7 if isinstance(e, ConnectionRefusedError) else 56)


def header_text(r):
    # What curl -D writes: the status line and the header lines, then an empty line.
    lines = ["HTTP/%s %d %s\r\n" % ("1.1" if r.version == 11 else "1.0", r.status, r.reason)]
    lines += ["%s: %s\r\n" % (k, v) for k, v in r.msg.items()]
    return ("".join(lines) + "\r\n").encode(*ENC)


def do_cell(method, url, body, has_body, bodyfile, hdrfile, headers, timeout=60):
    reply, st = exchange_or_status(method, url, headers, body.encode(*ENC) if has_body else None, timeout)
    if reply is None:
        return st, "000\t\t\t\n", ""
    r, rbody = reply
    with open(bodyfile, "wb") as f:
        f.write(rbody)
    with open(hdrfile, "wb") as f:
        f.write(header_text(r))
    get = lambda n: r.msg.get(n) or ""
    return 0, "%d\t%s\t%s\t%s\n" % (r.status, get("Content-Type"), get("X-Request-Id"), get("WWW-Authenticate")), ""


# curl's User-Agent header, "User-Agent: curl/VERSION" (curl --version, asked once).
curl_ua_lock = threading.Lock()
curl_ua_text = []


def curl_ua():
    with curl_ua_lock:
        if not curl_ua_text:
            import subprocess
            v = subprocess.run(["curl", "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
            curl_ua_text.append("User-Agent: curl/" + v.split()[1].decode())
        return curl_ua_text[0]


# A URL curl would not send as written (curl globs [] and {}, removes dot segments, refuses a
# space), and the --write-out text this helper knows (else curl itself sends the request).
PLAIN_URL = re.compile(r"http://[A-Za-z0-9.\-]+(:[0-9]+)?(/[A-Za-z0-9\-._~/?=&%:+,;!$'()*]*)?")
WRITE_OUT = re.compile(r"%{(http_code|response_code|content_type)}|%header{([A-Za-z0-9-]+)}|%%|\\[ntr\\]|[^%\\]+")


def write_out(fmt, r):
    out = []
    for m in WRITE_OUT.finditer(fmt):
        t = m.group(0)
        if m.group(1) in ("http_code", "response_code"):
            out.append("%03d" % (r.status if r else 0))
        elif m.group(1) == "content_type":
            out.append(r.msg.get("Content-Type") or "" if r else "")
        elif m.group(2):
            out.append(r.msg.get(m.group(2)) or "" if r else "")
        elif t == "%%":
            out.append("%")
        elif t.startswith("\\"):
            out.append({"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}[t[1]])
        else:
            out.append(t)
    return "".join(out)


def do_curl(method, url, body, has_body, bodyfile, hdrfile, wformat, fail, headers):
    """curl -s [-f] [-X METHOD] [-D HDRFILE] [-o BODYFILE] [-w WFORMAT] [-H HEADER...]
    [--data-binary BODY] URL: the request curl sends (its Host, User-Agent and Accept headers, then
    HEADER...), the files it writes, what it prints and its exit status."""
    m = PLAIN_URL.fullmatch(url)
    seg = "/" + (m.group(2) or "").split("?", 1)[0] + "/" if m else ""
    if not m or "/./" in seg or "/../" in seg or (has_body and body.startswith("@")) or \
            "".join(t.group(0) for t in WRITE_OUT.finditer(wformat)) != wformat:
        raise Fallback()
    hostport = url[len("http://"):].split("/", 1)[0]
    reply, st = exchange_or_status(method or ("POST" if has_body else "GET"), url,
                                   ["Host: " + hostport, curl_ua(), "Accept: */*"] + headers,
                                   body.encode(*ENC) if has_body else None, None)
    r = reply[0] if reply else None
    out = ""
    if r is not None:
        if hdrfile:
            with open(hdrfile, "wb") as f:
                f.write(header_text(r))
        if fail and r.status >= 400:
            st = 22  # curl -f: the body is not written (nor an output file made)
        elif bodyfile:
            with open(bodyfile, "wb") as f:
                f.write(reply[1])
        else:
            out = reply[1].decode(*ENC)
    return st, out + write_out(wformat, r), ""


SELECT = re.compile(r"\s*select\b", re.I)


def do_sqlite(db, sql):
    import sqlite3, urllib.parse
    if not os.path.isabs(db) or not os.path.isfile(db) or not SELECT.match(sql):
        raise Fallback()
    # One statement: complete at its end and at no ; before it.
    ends = [i for i, c in enumerate(sql) if c == ";"]
    if any(sqlite3.complete_statement(sql[:i + 1]) for i in ends[:-1]) or \
            (ends and sql[ends[-1] + 1:].strip() and sqlite3.complete_statement(sql[:ends[-1] + 1])):
        raise Fallback()
    # As the sqlite3 program opens it: read-write, no busy timeout, each statement its own transaction.
    conn = sqlite3.connect("file:%s?mode=rw" % urllib.parse.quote(db), uri=True, timeout=0, isolation_level=None)
    try:
        rows = conn.execute(sql).fetchall()
    except (sqlite3.Error, sqlite3.Warning, ValueError):
        raise Fallback()
    finally:
        conn.close()
    out = []
    for r in rows:
        if any(isinstance(v, (float, bytes)) for v in r):
            raise Fallback()  # (sqlite3 prints a real as %!.15g and a blob's raw bytes: it answers these)
        out.append("|".join("" if v is None else str(v) for v in r) + "\n")
    return 0, "".join(out), ""


# tests/lib/noderun.mjs, started at the first node request; one request at a time.
node_lock = threading.Lock()
node_proc = []


def do_node(cwd, script, args):
    import subprocess
    with node_lock:
        if not node_proc:
            here = os.path.dirname(os.path.abspath(__file__))
            node_proc.append(subprocess.Popen(["node", os.path.join(here, "noderun.mjs")], stdin=subprocess.PIPE,
                                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL))
        p = node_proc[0]
        if p.poll() is not None:
            raise Fallback()
        try:
            p.stdin.write((json.dumps({"cwd": cwd, "script": script, "args": args}) + "\n").encode())
            p.stdin.flush()
            line = p.stdout.readline()
        except OSError:
            raise Fallback()
        if not line:
            raise Fallback()
        r = json.loads(line)
        if r.get("fallback"):
            raise Fallback()
        return r["status"], r["out"], r["err"]


def serve(conn, secret):
    with conn:
        f = conn.makefile("rb")
        fields = []

        def field():
            b = bytearray()
            while True:
                c = f.read(1)
                if not c:
                    raise EOFError()
                if c == b"\0":
                    return bytes(b).decode(*ENC)
                b += c

        try:
            if field() != secret:
                return
            mode = field()
            pid = field()
            if mode == "jget":
                status, out, err = do_jget(pid, field())
            elif mode == "py":
                cwd = field()
                argv0 = field()
                n = int(field())
                code = field()
                args = [field() for _ in range(n)]
                status, out, err = do_py(pid, cwd, argv0, code, args)
            elif mode == "cell":
                method, url, body, has_body, bodyfile, hdrfile = (field() for _ in range(6))
                headers = [field() for _ in range(int(field()))]
                status, out, err = do_cell(method, url, body, has_body == "1", bodyfile, hdrfile, headers)
            elif mode == "curl":
                method, url, body, has_body, bodyfile, hdrfile, wformat, fail = (field() for _ in range(8))
                headers = [field() for _ in range(int(field()))]
                status, out, err = do_curl(method, url, body, has_body == "1", bodyfile, hdrfile, wformat, fail == "1",
                                           headers)
            elif mode == "sqlite":
                db, sql = field(), field()
                status, out, err = do_sqlite(db, sql)
            elif mode == "node":
                cwd, script = field(), field()
                args = [field() for _ in range(int(field()))]
                status, out, err = do_node(cwd, script, args)
            else:
                return
            out = out.encode(*ENC)
            reply = b"%d\0" % status + err.encode(*ENC) + b"\0"
            if b"\0" in out or len(out) > 4096:
                reply += b"r" + out
            else:
                reply += b"t" + out + b"\0"
        except Fallback:
            reply = b"fallback\0"
        except EOFError:
            return
        except Exception as e:
            reply = b"1\0" + ("pyhelper: %s\n" % traceback_text(e)).encode(*ENC) + b"\0t\0"
        conn.sendall(reply)


def main():
    parent = os.getppid()
    secret = secrets.token_hex(16)
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    # The one line on standard output, then nothing more on it.
    os.write(1, ("%d %s\n" % (ls.getsockname()[1], secret)).encode())
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)
    ls.settimeout(1.0)
    # Killed (tests/lib.sh's cleanup) or orphaned: the Node it started ends first, waited for, so
    # that its CPU time is counted with this process's and the suite's.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while os.getppid() == parent:
            try:
                conn, _ = ls.accept()
            except socket.timeout:
                continue
            conn.settimeout(None)
            threading.Thread(target=serve, args=(conn, secret), daemon=True).start()
    finally:
        for p in node_proc:
            try:
                p.stdin.close()
            except OSError:
                pass
            p.wait()


if __name__ == "__main__":
    main()
