-- pg-test-compat.sql - SQLite's group_concat, instr and json_extract for the
-- SQL the shell suites run through `sql` (tests/lib.sh) to look at a
-- database, so one test line reads both engines.  Loaded into each suite's
-- throwaway PostgreSQL database only; raslog itself never calls them (its
-- own statements are checked by tests/tools/pg-prepare-all.sh).
CREATE FUNCTION rl_test_gc(acc text, v anyelement, sep text) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v::text ELSE acc || sep || v::text END $$;
CREATE FUNCTION rl_test_gc(acc text, v anyelement) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT rl_test_gc(acc, v, ',') $$;
CREATE AGGREGATE group_concat(anyelement, text) (SFUNC = rl_test_gc, STYPE = text);
CREATE AGGREGATE group_concat(anyelement) (SFUNC = rl_test_gc, STYPE = text);
CREATE FUNCTION instr(a text, b text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT strpos(a, b) $$;
CREATE FUNCTION instr(a bytea, b text) RETURNS integer LANGUAGE sql IMMUTABLE AS
  $$ SELECT strpos(convert_from(a, 'UTF8'), b) $$;
-- '$.a.b' and '$[0]' paths; the value as text, as the sqlite3 shell prints it.
CREATE FUNCTION json_extract(j text, p text) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT (j::jsonb) #>> string_to_array(ltrim(regexp_replace(regexp_replace(p, '^\$', ''), '\[(\d+)\]', '.\1', 'g'), '.'), '.') $$;
CREATE FUNCTION hex(b bytea) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT upper(encode(b, 'hex')) $$;
-- strftime(format, 'now' or a time, modifiers such as '-30 days', '-1 hours'): %Y %m %d %H %M %S, UTC.
CREATE FUNCTION strftime(fmt text, t text, VARIADIC mods text[] DEFAULT '{}') RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
  ts timestamptz := CASE WHEN t = 'now' THEN now() ELSE t::timestamptz END;
  m text;
BEGIN
  FOREACH m IN ARRAY mods LOOP ts := ts + m::interval; END LOOP;
  RETURN to_char(ts AT TIME ZONE 'UTC', replace(replace(replace(replace(replace(replace(replace(replace(fmt,
    'T', '"T"'), 'Z', '"Z"'), '%Y', 'YYYY'), '%m', 'MM'), '%d', 'DD'), '%H', 'HH24'), '%M', 'MI'), '%S', 'SS'));
END $$;
