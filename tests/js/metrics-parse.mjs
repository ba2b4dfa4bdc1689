// metrics-parse.mjs - reads a Prometheus text exposition on stdin, parses it
// with parse-prometheus-text-format (an independent parser of the format)
// and prints one JSON object: {families, types: {name: TYPE}, samples:
// {"name{k=v,...}": number}}, histograms expanded into _bucket{le=..},
// _sum and _count samples, label keys sorted.  Exits 1 if it cannot parse.
//
// parse-prometheus-text-format 1.1.1 merges the series of a histogram that
// has labels besides "le" (it keeps one set of buckets and drops _sum and
// _count).  So each histogram series is also handed to it alone, its
// labels taken off and put back on its samples here.
import parse from 'parse-prometheus-text-format';

let text = '';
for await (const chunk of process.stdin) text += chunk;
let families;
try {
	families = parse(text);
} catch (e) {
	console.error(`not Prometheus text format: ${e.message}`);
	process.exit(1);
}
const key = (name, labels) => {
	const ks = Object.keys(labels || {}).sort();
	return `${name}{${ks.map((k) => `${k}=${labels[k]}`).join(',')}}`;
};
const types = {};
const samples = {};
for (const f of families) {
	types[f.name] = f.type;
	for (const m of f.metrics) {
		if (f.type === 'HISTOGRAM') {
			continue;
		} else {
			samples[key(f.name, m.labels)] = Number(m.value);
		}
	}
}
// One histogram series at a time: group its lines by their labels other than le.
for (const f of families.filter((x) => x.type === 'HISTOGRAM')) {
	const groups = new Map();
	const re = new RegExp(`^${f.name}_(bucket|sum|count)(?:\\{(.*)\\})? (\\S+)$`);
	for (const line of text.split('\n')) {
		const m = re.exec(line);
		if (!m) continue;
		const labels = {};
		for (const p of (m[2] || '').match(/\w+="[^"]*"/g) || []) {
			const i = p.indexOf('=');
			labels[p.slice(0, i)] = p.slice(i + 2, -1);
		}
		const le = labels.le;
		delete labels.le;
		const k = JSON.stringify(Object.keys(labels).sort().map((x) => [x, labels[x]]));
		if (!groups.has(k)) groups.set(k, { labels, lines: [] });
		groups.get(k).lines.push(m[1] === 'bucket' ? `${f.name}_bucket{le="${le}"} ${m[3]}` : `${f.name}_${m[1]} ${m[3]}`);
	}
	for (const { labels, lines } of groups.values()) {
		const [one] = parse(`# TYPE ${f.name} histogram\n${lines.join('\n')}\n`);
		const m = one.metrics[0];
		for (const [le, v] of Object.entries(m.buckets || {})) samples[key(`${f.name}_bucket`, { ...labels, le })] = Number(v);
		samples[key(`${f.name}_sum`, labels)] = Number(m.sum);
		samples[key(`${f.name}_count`, labels)] = Number(m.count);
	}
}
console.log(JSON.stringify({ families: families.length, types, samples }));
