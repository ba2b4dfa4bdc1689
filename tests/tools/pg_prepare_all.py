#!/usr/bin/python3
"""pg_prepare_all.py [--list] FILE.c... - every SQL statement written in
the C sources, checked against PostgreSQL.

Each FILE.c is run through the C preprocessor (CC, CPPFLAGS from the
environment) so that SQL assembled from macros (RL_FACULTY_SCOPE_SQL,
ASSIGNMENT_SELECT...) is seen whole.  Every run of adjacent string
literals that reads as a statement (SELECT, INSERT, UPDATE, DELETE or
WITH, with FROM, INTO, SET or VALUES) is a statement; its `?` and `?N`
parameters become $n, and PostgreSQL is asked to PREPARE it in the
database psql reaches (PGHOST, PGDATABASE...), which holds raslog's
schema.  PREPARE parses and type-checks the statement as the libpq engine's
PQprepare does, without running it: a parameter whose type PostgreSQL
cannot infer is given text, as core/store/postgres.c does for text and
NULL; one inferred as boolean is refused (raslog binds integers, which
PostgreSQL does not take as booleans: write `?3 <> 0`), and so is a
boolean result column (it reads as t or f, not 1 or 0).

Prints TAP: one line per distinct statement, named by file and line, with
PostgreSQL's message for each one refused.  --list prints the statements
(with $n parameters) instead.
"""
import os
import re
import shlex
import subprocess
import sys

TOKEN = re.compile(r'''"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)+'|^\#\s*(\d+)\s+"([^"]*)".*$|\n|[^"'\n]+?(?=["'\n]|$)''',
                   re.M)
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\", "0": "\0", "?": "?"}
STATEMENT = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b")
BODY = re.compile(r"\b(FROM|INTO|SET|VALUES)\b")


def c_string(lit):
    body = lit[1:-1]
    return re.sub(r"\\(x[0-9a-fA-F]+|[0-7]{1,3}|.)",
                  lambda m: chr(int(m.group(1)[1:], 16)) if m.group(1)[0] == "x" else
                  chr(int(m.group(1), 8)) if m.group(1)[0] in "01234567" else ESCAPES.get(m.group(1), m.group(1)),
                  body)


def literal_runs(text):
    """Yields (file, line, text) for each run of adjacent string literals in preprocessed text."""
    where = ("?", 0)
    line = 0
    run, start = [], None
    for m in TOKEN.finditer(text):
        tok = m.group(0)
        if m.group(1):
            where, line = (m.group(2), int(m.group(1)) - 1), 0
            continue
        if tok == "\n":
            line += 1
            continue
        if tok.startswith('"'):
            if not run:
                start = (where[0], where[1] + line)
            run.append(c_string(tok))
            continue
        if tok.strip() == "":
            continue
        if run:
            yield start[0], start[1], "".join(run)
            run = []
    if run:
        yield start[0], start[1], "".join(run)


def to_dollar(sql):
    """SQLite parameters (? and ?N) as PostgreSQL's $n, outside quoted text."""
    out, i, top = [], 0, 0
    while i < len(sql):
        ch = sql[i]
        if ch in "'\"":
            j = sql.index(ch, i + 1) if ch in sql[i + 1:] else len(sql) - 1
            out.append(sql[i:j + 1])
            i = j + 1
            continue
        if ch == "?":
            m = re.match(r"\?(\d+)", sql[i:])
            if m:
                n = int(m.group(1))
                i += len(m.group(0))
            else:
                n = top + 1
                i += 1
            top = max(top, n)
            out.append(f"${n}")
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def statements(files):
    cc = os.environ.get("CC", "cc")
    flags = shlex.split(os.environ.get("CPPFLAGS", "-std=c11 -D_GNU_SOURCE -Icore"))
    seen = {}
    for f in files:
        p = subprocess.run([cc, "-E"] + flags + [f], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"{f}: the preprocessor failed:\n{p.stderr[:2000]}")
        for (src, line, text) in literal_runs(p.stdout):
            if src.startswith(("/usr/", "<")):
                continue  # system headers
            if STATEMENT.match(text) and BODY.search(text):
                seen.setdefault(text, f"{src}:{line}")
    return seen


def main():
    args = sys.argv[1:]
    listing = args and args[0] == "--list"
    if listing:
        args = args[1:]
    found = statements(args)
    if listing:
        for text, where in found.items():
            print(f"-- {where}\n{to_dollar(text)};\n")
        return 0
    # One psql run: a function PREPAREs each statement, catching PostgreSQL's refusal.
    script = ["CREATE TEMP TABLE q(i int, n int, sql text);"]
    items = list(found.items())
    for i, (text, _where) in enumerate(items):
        sql = to_dollar(text)
        nparams = max([int(x) for x in re.findall(r"\$(\d+)", sql)] or [0])
        script.append(f"INSERT INTO q VALUES ({i}, {nparams}, $raslog_q${sql}$raslog_q$);")
    script.append(r"""
CREATE FUNCTION pg_temp.try_all() RETURNS TABLE(i int, err text) LANGUAGE plpgsql AS $f$
DECLARE
	r record;
	types text[];
	got text[];
	p text;
	k int;
BEGIN
	FOR r IN SELECT * FROM q ORDER BY 1 LOOP
		i := r.i; err := '';
		types := CASE WHEN r.n > 0 THEN array_fill('unknown'::text, ARRAY[r.n]) ELSE '{}' END;
		LOOP
			BEGIN
				EXECUTE format('PREPARE raslog_q%s%s AS %s', r.i,
					CASE WHEN r.n > 0 THEN '(' || array_to_string(types, ',') || ')' ELSE '' END, r.sql);
				SELECT parameter_types::text[] INTO got FROM pg_prepared_statements WHERE name = 'raslog_q' || r.i;
				IF 'boolean' = ANY (got) THEN
					err := format('parameter $%s is used as a boolean, but raslog binds integers: write ?%s <> 0',
						array_position(got, 'boolean'), array_position(got, 'boolean'));
				ELSIF r.sql ~* '^\s*(SELECT|WITH)\M' THEN
					-- the result's columns, without running it: a boolean reads as 't' or 'f', not 1 or 0
					-- (named c0, c1... when the statement repeats a column name)
					FOR k IN 0..100 LOOP
						BEGIN
							EXECUTE format('CREATE TEMP TABLE raslog_cols%s AS EXECUTE raslog_q%s%s WITH NO DATA',
								CASE WHEN k > 0 THEN '(' || (SELECT string_agg('c' || g, ',') FROM generate_series(0, k - 1) g) || ')'
								ELSE '' END, r.i,
								CASE WHEN r.n > 0 THEN '(' || array_to_string(array_fill('NULL'::text, ARRAY[r.n]), ',') || ')'
								ELSE '' END);
							EXIT;
						EXCEPTION WHEN duplicate_column THEN
							NULL;
						END;
					END LOOP;
					SELECT string_agg(format('column %s (%s)', a.attnum - 1, a.attname), ', ') INTO p
						FROM pg_attribute a WHERE a.attrelid = 'raslog_cols'::regclass AND a.attnum > 0
						AND a.atttypid = 'boolean'::regtype;
					DROP TABLE raslog_cols;
					IF p IS NOT NULL THEN
						err := format('%s is a boolean, which reads as t or f rather than 1 or 0: '
							'write CASE WHEN ... THEN 1 ELSE 0 END', p);
					END IF;
				END IF;
				EXECUTE format('DEALLOCATE raslog_q%s', r.i);
				EXIT;
			EXCEPTION
			WHEN indeterminate_datatype THEN
				-- the engine sends such a parameter as text (postgres.c)
				p := substring(SQLERRM FROM 'parameter \$(\d+)');
				IF p IS NULL OR types[p::int] = 'text' THEN err := SQLERRM; EXIT; END IF;
				types[p::int] := 'text';
			WHEN OTHERS THEN
				err := SQLERRM; EXIT;
			END;
		END LOOP;
		RETURN NEXT;
	END LOOP;
END $f$;
SELECT i, err FROM pg_temp.try_all();
""")
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\x1f", "-v", "ON_ERROR_STOP=1"],
                       input="\n".join(script), capture_output=True, text=True)
    if p.returncode != 0:
        print(f"not ok 1 - psql ran the statements\n#   {p.stderr.strip()}")
        return 1
    errors = {}
    for line in p.stdout.splitlines():
        if "\x1f" in line:
            i, err = line.split("\x1f", 1)
            errors[int(i)] = err
    bad = 0
    for i, (text, where) in enumerate(items):
        flat = " ".join(text.split())
        if i not in errors:
            print(f"not ok {i + 1} - {where}: no answer from PostgreSQL")
            bad += 1
        elif errors[i]:
            print(f"not ok {i + 1} - {where}: PostgreSQL refuses: {errors[i]}\n#   {flat[:400]}")
            bad += 1
        else:
            print(f"ok {i + 1} - {where}: {flat[:70]}")
    print(f"# {len(items)} distinct statements, {bad} refused by PostgreSQL")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
