#!/usr/bin/python3
"""schema_compare.py SQLITE_DIR - compares the SQLite schema that
SQLITE_DIR/NNN_*.sql build with the PostgreSQL schema of the database psql
reaches (PGHOST, PGDATABASE...), which must hold schema/postgresql/*.sql.

Prints TAP (without a plan): the same tables; per table the same columns
with corresponding types (INTEGER bigint, TEXT text, TEXT COLLATE NOCASE
citext, BLOB bytea), NOT NULL and defaults; the same primary key, unique
constraints and indexes (by column list and partial-index condition); the
same foreign keys and CHECK constraints (as normalized text); the same append-only tables, each refusing UPDATE,
DELETE and an INSERT over an existing key on both engines, keeping its
row.  Each difference is named: table, column, what differs.
Standard library only (sqlite3); PostgreSQL through the psql program.
"""
import glob
import os
import re
import sqlite3
import subprocess
import sys

n = 0
failed = 0


def tap(good, desc, diffs=()):
    global n, failed
    n += 1
    if good:
        print(f"ok {n} - {desc}")
    else:
        failed += 1
        print(f"not ok {n} - {desc}")
        for d in diffs:
            print(f"#   {d}")


def psql(sql, check=True):
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\x1f", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       capture_output=True, text=True)
    if check and p.returncode != 0:
        sys.exit(f"psql failed: {p.stderr.strip()}\n  on: {sql}")
    return p


def pg_rows(sql):
    out = psql(sql).stdout
    return [line.split("\x1f") for line in out.splitlines() if line != ""]


def norm_expr(s):
    """An index condition or default as text both engines' spellings reduce to."""
    if s is None:
        return None
    s = s.lower()
    s = re.sub(r"::[a-z_ ]+(\[\])?", "", s)  # PostgreSQL's casts ('x'::text)
    s = re.sub(r"[()\s]", "", s)
    # PostgreSQL stores x IN ('a', 'b') as x = ANY (ARRAY['a', 'b']).
    return re.sub(r"=anyarray\[([^\]]*)\]", r"in\1", s)


def norm_check(s, sqlite):
    """A CHECK expression as text both engines' spellings reduce to: PostgreSQL
    stores x IN (...) as x = ANY (ARRAY[...]) and BETWEEN as >= AND <=."""
    if sqlite:
        s = re.sub(r"\bIN\s*\(([^()]*)\)", r"in[\1]", s, flags=re.I)
        s = re.sub(r"(\w+)\s+BETWEEN\s+(\S+)\s+AND\s+(\S+)", r"\1 >= \2 and \1 <= \3", s, flags=re.I)
    s = s.lower()
    s = re.sub(r"::[a-z_ ]+(\[\])?", "", s)
    s = s.replace('"', "")
    s = re.sub(r"'(-?\d+)'", r"\1", s)
    s = re.sub(r"[()\s]", "", s)
    return s.replace("=anyarray[", "in[")


def sqlite_checks(sql):
    sql = re.sub(r"--[^\n]*", "", sql)
    out = []
    for m in re.finditer(r"\bCHECK\s*\(", sql, re.I):
        depth, i = 1, m.end()
        while depth and i < len(sql):
            depth += {"(": 1, ")": -1}.get(sql[i], 0)
            i += 1
        out.append(norm_check(sql[m.end():i - 1], True))
    return sorted(out)


# ---- SQLite: the schema its migrations build ----

def sqlite_schema(files):
    db = sqlite3.connect(":memory:")
    for f in files:
        with open(f, encoding="utf-8") as fh:
            db.executescript(fh.read())
    tables = {}
    for (name, sql) in db.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'table' "
                                  "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
        t = {"columns": {}, "pk": (), "unique": set(), "indexes": set(), "fks": set(), "checks": sqlite_checks(sql)}
        pk = []
        for (_cid, col, typ, notnull, dflt, pkn, _hidden) in db.execute(f"PRAGMA table_xinfo('{name}')"):
            typ = typ.upper()
            if typ == "TEXT" and re.search(r"\b" + re.escape(col) + r"\s+TEXT\b[^,\n]*\bCOLLATE\s+NOCASE\b", sql, re.I):
                typ = "TEXT COLLATE NOCASE"
            t["columns"][col] = {"type": typ, "notnull": bool(notnull or pkn), "default": norm_expr(dflt)}
            if pkn:
                pk.append((pkn, col))
        t["pk"] = tuple(c for _, c in sorted(pk))
        for (_seq, iname, unique, origin, partial) in db.execute(f"PRAGMA index_list('{name}')"):
            cols = tuple(r[2] for r in db.execute(f"PRAGMA index_info('{iname}')"))
            if origin == "pk":
                continue
            where = None
            if partial:
                isql = db.execute("SELECT sql FROM sqlite_schema WHERE name = ?", (iname,)).fetchone()[0]
                where = norm_expr(re.split(r"\bWHERE\b", isql, flags=re.I)[1])
            if origin == "u":
                t["unique"].add(cols)
            else:
                t["indexes"].add((iname, bool(unique), cols, where))
        fk = {}
        for (fid, _seq, ref, frm, to, *_rest) in db.execute(f"PRAGMA foreign_key_list('{name}')"):
            fk.setdefault(fid, [ref, [], []])
            fk[fid][1].append(frm)
            fk[fid][2].append(to)
        for ref, frm, to in fk.values():
            t["fks"].add((tuple(frm), ref, tuple(to)))
        tables[name] = t
    return db, tables


def sqlite_append_only(db):
    """Tables with triggers refusing both UPDATE and DELETE (RAISE)."""
    found = {}
    for (tbl, sql) in db.execute("SELECT tbl_name, sql FROM sqlite_schema WHERE type = 'trigger'"):
        m = re.search(r"\bBEFORE\s+(UPDATE|DELETE|INSERT)\b", sql, re.I)
        if m and re.search(r"\bRAISE\s*\(\s*(ABORT|FAIL|ROLLBACK)", sql, re.I):
            found.setdefault(tbl, set()).add(m.group(1).upper())
    return {t for t, ev in found.items() if {"UPDATE", "DELETE"} <= ev}


# ---- PostgreSQL: the schema in the database psql reaches ----

def pg_schema():
    tables = {}
    for (name,) in pg_rows("SELECT c.relname FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
                           "WHERE s.nspname = current_schema() AND c.relkind = 'r' ORDER BY 1"):
        tables[name] = {"columns": {}, "pk": (), "unique": set(), "indexes": set(), "fks": set(), "checks": []}
    for (tbl, expr) in pg_rows("SELECT c.relname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                               "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace s ON s.oid = c.relnamespace "
                               "WHERE s.nspname = current_schema() AND k.contype = 'c'"):
        tables[tbl]["checks"].append(norm_check(re.sub(r"^CHECK\s*", "", expr), False))
    for (tbl, col, typ, notnull, dflt) in pg_rows(
            "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
            "pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace s ON s.oid = c.relnamespace LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid "
            "AND d.adnum = a.attnum WHERE s.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 "
            "AND NOT a.attisdropped ORDER BY c.relname, a.attnum"):
        tables[tbl]["columns"][col] = {"type": typ, "notnull": notnull == "t", "default": norm_expr(dflt or None)}
    # Constraints: p primary key, u unique, f foreign key (column lists in key order).
    for (tbl, kind, cols, ref, refcols) in pg_rows(
            "SELECT c.relname, k.contype, "
            "(SELECT string_agg(a.attname, ',' ORDER BY u.o) FROM unnest(k.conkey) WITH ORDINALITY u(n, o) "
            " JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n), "
            "coalesce(r.relname, ''), "
            "coalesce((SELECT string_agg(a.attname, ',' ORDER BY u.o) FROM unnest(k.confkey) WITH ORDINALITY u(n, o) "
            " JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n), '') "
            "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace s ON s.oid = c.relnamespace "
            "LEFT JOIN pg_class r ON r.oid = k.confrelid "
            "WHERE s.nspname = current_schema() AND k.contype IN ('p', 'u', 'f')"):
        cols = tuple(cols.split(","))
        if kind == "p":
            tables[tbl]["pk"] = cols
        elif kind == "u":
            tables[tbl]["unique"].add(cols)
        else:
            tables[tbl]["fks"].add((cols, ref, tuple(refcols.split(","))))
    # Indexes not made by a constraint.
    for (tbl, iname, unique, cols, where) in pg_rows(
            "SELECT c.relname, i.relname, x.indisunique, "
            "(SELECT string_agg(a.attname, ',' ORDER BY u.o) FROM unnest(x.indkey::int2[]) WITH ORDINALITY u(n, o) "
            " JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = u.n), "
            "coalesce(pg_get_expr(x.indpred, x.indrelid), '') "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid "
            "JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = current_schema() "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)"):
        tables[tbl]["indexes"].add((iname, unique == "t", tuple(cols.split(",")), norm_expr(where or None)))
    tables.pop("raslog_schema", None)  # the engine's bookkeeping (postgres.c), as SQLite's PRAGMA user_version
    return tables


def pg_append_only():
    found = {}
    for (tbl, ev) in pg_rows(
            "SELECT c.relname, CASE WHEN t.tgtype & 8 <> 0 THEN 'DELETE' WHEN t.tgtype & 16 <> 0 THEN 'UPDATE' "
            "WHEN t.tgtype & 4 <> 0 THEN 'INSERT' ELSE 'OTHER' END FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND p.prosrc ~* 'RAISE\\s+EXCEPTION'"):
        found.setdefault(tbl, set()).add(ev)
    return {t for t, ev in found.items() if {"UPDATE", "DELETE"} <= ev}


# ---- comparison ----

TYPES = {"INTEGER": "bigint", "TEXT": "text", "TEXT COLLATE NOCASE": "citext", "BLOB": "bytea"}


def compare_table(name, s, p):
    diffs = []
    for col in s["columns"].keys() - p["columns"].keys():
        diffs.append(f"{name}.{col}: only in SQLite")
    for col in p["columns"].keys() - s["columns"].keys():
        diffs.append(f"{name}.{col}: only in PostgreSQL")
    for col in sorted(s["columns"].keys() & p["columns"].keys()):
        sc, pc = s["columns"][col], p["columns"][col]
        want = TYPES.get(sc["type"], f"(no PostgreSQL type for SQLite {sc['type']})")
        if pc["type"] != want:
            diffs.append(f"{name}.{col}: type {sc['type']} in SQLite wants {want}, PostgreSQL has {pc['type']}")
        if sc["notnull"] != pc["notnull"]:
            diffs.append(f"{name}.{col}: NOT NULL in {'SQLite' if sc['notnull'] else 'PostgreSQL'} only")
        pdef = pc["default"]
        if pdef is not None and pdef.startswith("nextval"):
            pdef = None
        if sc["default"] != pdef:
            diffs.append(f"{name}.{col}: default {sc['default']} in SQLite, {pdef} in PostgreSQL")
    if s["pk"] != p["pk"]:
        diffs.append(f"{name}: primary key ({', '.join(s['pk'])}) in SQLite, ({', '.join(p['pk'])}) in PostgreSQL")
    # A UNIQUE constraint and a unique index on the same columns are the same rule.
    su = s["unique"] | {c for (_, u, c, w) in s["indexes"] if u and w is None}
    pu = p["unique"] | {c for (_, u, c, w) in p["indexes"] if u and w is None}
    for c in sorted(su - pu):
        diffs.append(f"{name}: UNIQUE ({', '.join(c)}) only in SQLite")
    for c in sorted(pu - su):
        diffs.append(f"{name}: UNIQUE ({', '.join(c)}) only in PostgreSQL")
    si = {i for i in s["indexes"] if not (i[1] and i[3] is None)}
    pi = {i for i in p["indexes"] if not (i[1] and i[3] is None)}
    for (iname, u, c, w) in sorted(si - pi, key=str):
        diffs.append(f"{name}: index {iname} ({'unique, ' if u else ''}{', '.join(c)}{' WHERE ' + w if w else ''}) "
                     "differs or is missing in PostgreSQL")
    for (iname, u, c, w) in sorted(pi - si, key=str):
        diffs.append(f"{name}: index {iname} ({'unique, ' if u else ''}{', '.join(c)}{' WHERE ' + w if w else ''}) "
                     "differs or is missing in SQLite")
    for (frm, ref, to) in sorted(s["fks"] - p["fks"]):
        diffs.append(f"{name}: FOREIGN KEY ({', '.join(frm)}) REFERENCES {ref}({', '.join(to)}) only in SQLite")
    for (frm, ref, to) in sorted(p["fks"] - s["fks"]):
        diffs.append(f"{name}: FOREIGN KEY ({', '.join(frm)}) REFERENCES {ref}({', '.join(to)}) only in PostgreSQL")
    sc, pc = sorted(s["checks"]), sorted(p["checks"])
    for c in sorted(set(sc) - set(pc)):
        diffs.append(f"{name}: CHECK {c} only in SQLite")
    for c in sorted(set(pc) - set(sc)):
        diffs.append(f"{name}: CHECK {c} only in PostgreSQL")
    if set(sc) == set(pc) and sc != pc:
        diffs.append(f"{name}: {len(sc)} CHECK constraints in SQLite, {len(pc)} in PostgreSQL")
    return diffs


# A row each append-only table accepts (other tables: 1, 'x', 32 bytes).
SAMPLE = {
    "ledger": {"public_key": 32, "signature": 64},
}


def sample_row(table, cols):
    row = {}
    for col, c in cols.items():
        if c["type"] == "INTEGER":
            row[col] = 7
        elif c["type"] == "BLOB":
            row[col] = SAMPLE.get(table, {}).get(col, 32)
        else:
            row[col] = "x"
    return row


def pg_literal(v, typ):
    if typ == "BLOB":
        return "'\\x" + "ab" * v + "'::bytea"
    if typ == "INTEGER":
        return str(v)
    return "'" + v + "'"


def refuses_rewrites(table, cols, sdb):
    """Checks UPDATE, DELETE and a same-key INSERT are refused on both; returns the differences."""
    diffs = []
    row = sample_row(table, cols)
    names = list(row)
    first = names[0]
    svals = [bytes([0xAB]) * v if cols[c]["type"] == "BLOB" else v for c, v in row.items()]
    sdb.execute(f"INSERT INTO {table}({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", svals)
    pvals = ", ".join(pg_literal(v, cols[c]["type"]) for c, v in row.items())
    r = psql(f"INSERT INTO {table}({', '.join(names)}) VALUES ({pvals})", check=False)
    if r.returncode != 0:
        return [f"{table}: PostgreSQL refused a first row: {r.stderr.strip()}"]
    col = next(c for c in names if cols[c]["type"] == "TEXT") if any(
        cols[c]["type"] == "TEXT" for c in names) else first
    attempts = {
        "UPDATE": (f"UPDATE {table} SET {col} = {col}", f"UPDATE {table} SET {col} = {col}"),
        "DELETE": (f"DELETE FROM {table}", f"DELETE FROM {table}"),
        "INSERT over an existing key": (
            f"INSERT OR REPLACE INTO {table}({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            f"INSERT INTO {table}({', '.join(names)}) VALUES ({pvals})"),
        "INSERT ... ON CONFLICT DO UPDATE": (
            f"INSERT INTO {table}({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
            f"ON CONFLICT ({', '.join(pk_of[table])}) DO UPDATE SET {col} = excluded.{col}",
            f"INSERT INTO {table}({', '.join(names)}) VALUES ({pvals}) ON CONFLICT ({', '.join(pk_of[table])}) "
            f"DO UPDATE SET {col} = excluded.{col}"),
    }
    for what, (ssql, psql_text) in attempts.items():
        if ssql is not None:
            try:
                sdb.execute(ssql, svals if "?" in ssql else ())
                diffs.append(f"{table}: SQLite allowed {what}")
            except sqlite3.DatabaseError:
                pass
        r = psql(psql_text, check=False)
        if r.returncode == 0:
            diffs.append(f"{table}: PostgreSQL allowed {what}")
    r = psql(f"TRUNCATE {table}", check=False)
    if r.returncode == 0:
        diffs.append(f"{table}: PostgreSQL allowed TRUNCATE")
    if sdb.execute(f"SELECT count(*) FROM {table}").fetchone()[0] != 1:
        diffs.append(f"{table}: the SQLite row did not survive")
    if pg_rows(f"SELECT count(*) FROM {table}") != [["1"]]:
        diffs.append(f"{table}: the PostgreSQL row did not survive")
    return diffs


pk_of = {}


def main():
    sqlite_dir = sys.argv[1]
    files = sorted(f for f in glob.glob(os.path.join(sqlite_dir, "[0-9][0-9][0-9]_*.sql")))
    sdb, stables = sqlite_schema(files)
    ptables = pg_schema()

    only_s = sorted(stables.keys() - ptables.keys())
    only_p = sorted(ptables.keys() - stables.keys())
    tap(not only_s and not only_p, f"the same {len(stables)} tables",
        [f"table {t}: only in SQLite" for t in only_s] + [f"table {t}: only in PostgreSQL" for t in only_p])
    for name in sorted(stables.keys() & ptables.keys()):
        diffs = compare_table(name, stables[name], ptables[name])
        tap(not diffs, f"{name}: the same columns, types, NOT NULL, defaults, keys, indexes, foreign keys and checks", diffs)
        pk_of[name] = ptables[name]["pk"]

    sa, pa = sqlite_append_only(sdb), pg_append_only()
    tap(sa == pa and len(sa) > 0, f"the same append-only tables ({', '.join(sorted(sa)) or 'none in SQLite'})",
        [f"{t}: append-only in SQLite only" for t in sorted(sa - pa)] +
        [f"{t}: append-only in PostgreSQL only" for t in sorted(pa - sa)])
    sdb.execute("PRAGMA foreign_keys = OFF")
    for t in sorted(sa | pa):
        if t in stables and t in ptables:
            diffs = refuses_rewrites(t, stables[t]["columns"], sdb)
            tap(not diffs, f"{t}: both engines refuse UPDATE, DELETE and an insert over an existing row", diffs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
