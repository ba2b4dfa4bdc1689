// webclient.mjs - what the Node scripts of the sign-in suites share
// (tests/api/81-passkeys.mjs, 84-account-ratelimit.mjs): TAP lines
// numbered on from a start, ending with "# next N" for the shell suite
// that counts them (tests/lib.sh node_tap), and a browser-like client of
// the API that keeps its session cookie and CSRF token and sends Origin
// and Sec-Fetch-Site as a page on ORIGIN would.
//
//   const t = tap(START);  t.ok(cond, name, diag); ... t.done();
//   const Client = webClient(URL, ORIGIN);
//   const c = new Client({ 'X-Forwarded-For': ip });   // headers on every request
//   const { status, json, headers } = await c.req('POST', '/api/v1/...', body, extraHeaders);

/** TAP from start + 1 on; done() prints "# next N" and exits 1 on any failure. */
export function tap(start = 0) {
	let n = Number(start || 0), failed = 0;
	return {
		ok(cond, name, diag) {
			n++;
			console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
			if (!cond) { failed++; if (diag !== undefined) console.log(`#   ${JSON.stringify(diag).slice(0, 600)}`); }
			return cond;
		},
		done() {
			console.log(`# next ${n}`);
			process.exit(failed ? 1 : 0);
		},
	};
}

/** A client class for the server at url, as a page served from origin; a header given null is not sent. */
export function webClient(url, origin) {
	return class Client {
		constructor(headers = {}) { this.cookie = null; this.csrf = null; this.bearer = null; this.headers = headers; }
		async req(method, path, body, extra = {}) {
			const headers = { Origin: origin, 'Sec-Fetch-Site': 'same-origin', ...this.headers, ...extra };
			if (this.bearer) headers.Authorization = `Bearer ${this.bearer}`;
			if (this.cookie) headers.Cookie = `raslog_session=${this.cookie}`;
			if (this.csrf && method !== 'GET') headers['X-CSRF-Token'] = this.csrf;
			if (body !== undefined) headers['Content-Type'] = 'application/json';
			for (const [k, v] of Object.entries(headers)) if (v === null) delete headers[k];
			const res = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
			const text = await res.text();
			let json = null;
			try { json = JSON.parse(text); } catch { /* not JSON */ }
			const m = /raslog_session=([^;]*)/.exec(res.headers.get('set-cookie') || '');
			if (m) this.cookie = m[1] || null;
			if (json?.csrf_token) this.csrf = json.csrf_token;
			return { status: res.status, json, headers: res.headers };
		}
	};
}
