#!/bin/bash
# 32-list-counts.sh - the accreditation list's header agrees with its rows
# (issue 18; the counts read the status rows through the index of
# schema/020): for each filter (none, a site, a curriculum, a name
# search), counts[s] is the number of trainees the same filter lists with
# status=s, and the items of the unfiltered-by-status page are those
# trainees; the sites are every trainee's home site.  The same after
# writes that move the rows and the faculty member's scope: a claim
# logged, a trainee enrolled at a new site by another process, that
# trainee moved into the faculty member's programme, another moved out.
# Each list is asked twice, so the second answer comes from the list's
# memo of the first (core/domain/progress_list.c), and both must agree.
# Every sort order the web page offers, paged 3 at a time by next_cursor
# as the page pages, lists the trainees of its one-page answer in its
# order (by progress and by status the keys do not go backwards; by name
# descending the reverse of ascending): on PostgreSQL this is the only
# check of the five sort statements' rows (the browser test that pages
# the list sorted by progress runs on SQLite only, tests/browser/README.md).
. "$(dirname "$0")/../lib.sh"

demo_keys
start_server
FAC=$(tok 1); ADMIN=$(tok 2)
LEEDS="Leeds%20Robotics%20Skills%20Lab"; BRISTOL="Bristol%20Surgical%20Simulation%20Centre"
FILTERS=("" "site=$LEEDS" "site=$BRISTOL" "curriculum=ras-core" "curriculum=ras-conversion" "q=dr" "q=MURRAY" "site=$LEEDS&curriculum=ras-core")

# agree FILTER: "agree", or what differs between the counts and the rows of the list under FILTER.
agree() {
	for s in all in_training eligible accredited lapsed; do
		q="$1&limit=200"
		[ "$s" = all ] || q="$q&status=$s"
		st=$(api GET "/api/v1/accreditation?$q" "$FAC")
		[ "$st" = 200 ] || { echo "status $st for $q"; return; }
		cp "$WORK/body" "$WORK/list.$s"
		api GET "/api/v1/accreditation?$q" "$FAC" >/dev/null
		cmp -s "$WORK/body" "$WORK/list.$s" || { echo "asked again, $q differs"; return; }
	done
	pyrun "import json, collections
d = '$WORK'
full = json.load(open(d + '/list.all'))
c = full['counts']
hist = collections.Counter(i['status'] for i in full['items'])
out = []
for s in ('in_training', 'eligible', 'accredited', 'lapsed'):
    part = json.load(open(d + '/list.' + s))
    n = len(part['items'])
    if c.get(s) != n or hist.get(s, 0) != n or part['counts'] != c:
        out.append('%s: counts %s, rows %d, in the unfiltered page %d' % (s, c.get(s), n, hist.get(s, 0)))
    if sorted(i['id'] for i in part['items']) != sorted(i['id'] for i in full['items'] if i['status'] == s):
        out.append(s + ': not the same trainees')
print('; '.join(out) or 'agree')"
}
# sites: "agree", or the list's sites against every trainee's home site.
sites() {
	api GET "/api/v1/accreditation?limit=1" "$FAC" >/dev/null
	want=$(sql "SELECT DISTINCT u.site FROM users u WHERE (u.roles & 1) <> 0 AND u.site IS NOT NULL AND u.site <> ''" | sort | tr '\n' '|')
	have=$(jget '"|".join(sorted(j["sites"])) + "|"' < "$WORK/body")
	[ "$have" = "$want" ] && echo agree || echo "sites $have, trainees' $want"
}
# sort_pages SORT: "agree", or how paging the list sorted by SORT (3 a page, by next_cursor)
# differs from its one page of 200, or where the one page breaks the order SORT names.
sort_pages() {
	st=$(api GET "/api/v1/accreditation?sort=$1&limit=200" "$FAC")
	[ "$st" = 200 ] || { echo "status $st for sort=$1"; return; }
	cp "$WORK/body" "$WORK/sort.$1"
	: >"$WORK/pages.$1"
	cur=""; n=0
	while [ $n -lt 100 ]; do
		st=$(api GET "/api/v1/accreditation?sort=$1&limit=3${cur:+&cursor=$cur}" "$FAC")
		[ "$st" = 200 ] || { echo "status $st for sort=$1 page $n"; return; }
		jget '" ".join(str(i["id"]) for i in j["items"])' <"$WORK/body" >>"$WORK/pages.$1"
		n=$((n + 1))
		cur=$(jget 'j["next_cursor"] or ""' <"$WORK/body")
		[ -n "$cur" ] || break
	done
	pyrun "import json
d, s = '$WORK', '$1'
one = json.load(open(d + '/sort.' + s))['items']
paged = open(d + '/pages.' + s).read().split()
out = [] if len(one) > 3 else ['%d trainees: one page only' % len(one)]
if paged != [str(i['id']) for i in one]:
    out.append('the pages list %s, the one page %s' % (paged, [i['id'] for i in one]))
prog = lambda i: i['modules_met'] * 1.0 / (i['modules_total'] if i['modules_total'] > 1 else 1)
key = {'progress': prog, '-progress': lambda i: -prog(i), 'status': lambda i: i['status']}.get(s)
if key and any(key(a) > key(b) for a, b in zip(one, one[1:])):
    out.append('not in %s order: %s' % (s, [(i['id'], key(i)) for i in one]))
if s == '-name':
    asc = [i['id'] for i in json.load(open(d + '/sort.name'))['items']]
    if [i['id'] for i in one] != asc[::-1]:
        out.append('-name is not name reversed')
print('; '.join(out) or 'agree')"
}
round() {
	for f in "${FILTERS[@]}"; do
		check "$1: counts and rows agree for '${f:-no filter}'" "$(agree "$f")" = agree
	done
	check "$1: the sites are the trainees' home sites" "$(sites)" = agree
}

api GET "/api/v1/accreditation?limit=200" "$FAC" >/dev/null
check "setup: the demo lists trainees in more than one status" \
	"$(jget 'len(set(i["status"] for i in j["items"]))' < "$WORK/body")" -ge 2
N0=$(jget 'sum(j["counts"].values())' < "$WORK/body")
round "at start"
for s in name -name progress -progress status; do
	check "the list sorted by $s, paged 3 at a time, lists the trainees of its one page in its order" \
		"$(sort_pages "$s")" = agree
done

# A claim logged: the trainee's status row is written again.
U=8
TRU=$(sql "SELECT trainer_id FROM sessions WHERE trainee_id = $U ORDER BY id DESC LIMIT 1")
st=$(api POST /api/v1/sessions "$(tok $U)" "{\"date\":\"$(date -u -d yesterday +%F)\",\"minutes\":30,\"activity\":\"dry_lab\",\"trainer\":$TRU}")
check "setup: a trainee logs a claim (201)" "$st" = 201
round "after a claim"

# A trainee enrolled at a new site by another process, then moved into the faculty member's programme.
NEW=$(add_user "Nia Newcomer" trainee --site "Zeta Test Centre" --curriculum ras-core)
check "setup: another process enrolled a trainee" -n "$NEW"
round "after a trainee was added"
P=$(sql "SELECT programme_id FROM programme_members WHERE user_id = 1 AND until_at IS NULL ORDER BY programme_id LIMIT 1")
st=$(api PATCH "/api/v1/users/$NEW" "$ADMIN" "{\"programme\":$P}")
check "setup: the admin moves them into the faculty member's programme (200)" "$st" = 200
api GET "/api/v1/accreditation?limit=200" "$FAC" >/dev/null
check "  ...the list counts them" "$(jget 'sum(j["counts"].values())' < "$WORK/body")" = $((N0 + 1))
round "after a trainee joined the programme"

# Another trainee moved out of every programme: out of the faculty member's scope.
st=$(api PATCH "/api/v1/users/$U" "$ADMIN" '{"programme":null}')
check "setup: the admin moves a trainee out of the programme (200)" "$st" = 200
api GET "/api/v1/accreditation?limit=200" "$FAC" >/dev/null
check "  ...the list no longer counts them" "$(jget 'sum(j["counts"].values())' < "$WORK/body")" = "$N0"
round "after a trainee left the programme"
finish
