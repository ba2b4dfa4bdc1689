// tests/lib/noderun.mjs - one long-lived Node for a shell suite, started by
// tests/lib/pyhelper.py at the suite's first "node" request, so that
// tests/lib.sh's key_body costs no Node start (about 160 ms of CPU on this
// machine) for each key it signs.
//
// A request is a JSON line on standard input, {"cwd", "script", "args"}; the
// answer a JSON line on standard output, {"status", "out", "err"}: what
// `node SCRIPT ARG...` would have printed on its standard output and error
// output and its exit status; or {"fallback": true} when this process
// cannot stand in for one (another working directory): the caller runs node.
//
// SCRIPT must be synchronous, its work done when its module has been
// evaluated (tests/js/key-proof.mjs is): it is imported afresh each time
// (a new query string; the packages it imports are loaded once), with
// process.argv, process.stdout.write, process.stderr.write and process.exit
// standing in for a process of its own while it runs.  It sees this
// process's environment, not the caller's.  It ends when its input does.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';

class Exit {
	constructor(code) { this.code = code; }
}

const real = {
	argv: process.argv,
	exit: process.exit,
	out: process.stdout.write,
	err: process.stderr.write,
};
let runs = 0;

async function run({ cwd, script, args }) {
	if (cwd !== process.cwd()) return { fallback: true };
	const file = path.resolve(cwd, script);
	let out = '', err = '', status = 0;
	process.argv = [real.argv[0], file, ...args];
	process.exitCode = undefined;
	process.stdout.write = (chunk, enc, cb) => {
		out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
		if (typeof enc === 'function') enc(); else if (typeof cb === 'function') cb();
		return true;
	};
	process.stderr.write = (chunk, enc, cb) => {
		err += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
		if (typeof enc === 'function') enc(); else if (typeof cb === 'function') cb();
		return true;
	};
	process.exit = (code) => { throw new Exit(code ?? process.exitCode ?? 0); };
	try {
		await import(`${pathToFileURL(file).href}?noderun=${++runs}`);
		status = process.exitCode ?? 0;
	} catch (e) {
		if (e instanceof Exit) status = Number(e.code) & 0xff;
		else {
			err += `${e?.stack ?? e}\n`;
			status = 1;
		}
	} finally {
		process.argv = real.argv;
		process.exit = real.exit;
		process.stdout.write = real.out;
		process.stderr.write = real.err;
		process.exitCode = undefined;
	}
	return { status, out, err };
}

// Requests one at a time, in order; answers written straight to fd 1.
const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
	let answer;
	try {
		answer = await run(JSON.parse(line));
	} catch (e) {
		answer = { status: 1, out: '', err: `noderun: ${e?.stack ?? e}\n` };
	}
	fs.writeSync(1, JSON.stringify(answer) + '\n');
}
