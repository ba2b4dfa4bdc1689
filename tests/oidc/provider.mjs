// provider.mjs - a real, certified OpenID provider (npm oidc-provider) on
// loopback for the browser test of single sign-on (tests/browser/oidc.sh):
//
//   node tests/oidc/provider.mjs CLIENT_ID CLIENT_SECRET REDIRECT_URI LOGIN=EMAIL[,verified|unverified] ...
//
// One confidential client (client_secret_basic, code flow, PKCE S256
// required) and the accounts given: signing in at the provider's own login
// page with LOGIN (any password: its development interactions) yields an ID
// token with that email.  Prints "listening PORT" once it serves
// http://127.0.0.1:PORT, which is the issuer.  Nothing leaves the machine.

import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'js', 'package.json'));
const { default: Provider } = await import(pathToFileURL(require.resolve('oidc-provider')).href);

const [CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, ...people] = process.argv.slice(2);
if (!CLIENT_ID || !CLIENT_SECRET || !REDIRECT_URI || !people.length) {
	console.error('usage: node provider.mjs CLIENT_ID CLIENT_SECRET REDIRECT_URI LOGIN=EMAIL[,unverified] ...');
	process.exit(2);
}
const accounts = new Map(people.map((p) => {
	const [login, rest] = p.split('=');
	const [email, flag] = rest.split(',');
	return [login, { email, email_verified: flag !== 'unverified', name: login }];
}));

// Listen first: the issuer names the port.
const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const ISSUER = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(ISSUER, {
	clients: [{
		client_id: CLIENT_ID,
		client_secret: CLIENT_SECRET,
		redirect_uris: [REDIRECT_URI],
		grant_types: ['authorization_code'],
		response_types: ['code'],
		token_endpoint_auth_method: 'client_secret_basic',
	}],
	claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
	pkce: { required: () => true },
	// The email claims in the ID token itself (as Entra ID does for scope email), not only at userinfo.
	conformIdTokenClaims: false,
	cookies: { keys: ['raslog-test-only-cookie-key'] },
	features: { devInteractions: { enabled: true } },
	async findAccount(ctx, sub) {
		const a = accounts.get(sub);
		if (!a) return undefined;
		return { accountId: sub, async claims() { return { sub, ...a }; } };
	},
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));
server.on('request', provider.callback());
console.log(`listening ${server.address().port}`);
