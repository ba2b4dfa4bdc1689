// view-admin.js - #/admin: account management for admins (issue 14 item 5)
// through the existing APIs: list and search people (GET /users), change
// roles, site, programme, deactivate and reactivate (PATCH /users/{id}),
// invite (POST /invitations, showing the one-time link), and the
// programmes (GET/POST/PATCH /programmes).

import { api, itemsOf } from './api.js';
import { h, clear, tableWrap } from './dom.js';
import { announce, empty, title } from './ui.js';

const ROLES = ['trainee', 'trainer', 'faculty', 'admin'];

function field(id, label, input) {
	input.id = id;
	return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}

function rolesFieldset(prefix, selected = []) {
	return h('fieldset', { class: 'roles' }, h('legend', null, 'Roles'),
		ROLES.map((r) => {
			const box = h('input', { type: 'checkbox', id: `${prefix}-${r}`, name: 'roles', value: r });
			box.checked = selected.includes(r);
			return h('span', { class: 'field-check' }, box, h('label', { for: `${prefix}-${r}` }, r));
		}));
}
const checkedRoles = (fs) => [...fs.querySelectorAll('input[name=roles]:checked')].map((x) => x.value);

function programmeSelect(id, programmes, value) {
	const sel = h('select', { id }, h('option', { value: '' }, 'No programme'),
		programmes.map((p) => h('option', { value: String(p.id) }, p.name)));
	sel.value = value ? String(value) : '';
	return sel;
}

export async function render(root, ctx) {
	root.append(title('People and programmes'),
		h('p', { class: 'lede' }, 'Invite people, change their roles, site and programme, deactivate leavers, and manage programmes.'));
	let programmes = itemsOf(await api('/programmes', { signal: ctx.signal }));
	if (ctx.signal.aborted) return;

	/* ---- people ---- */
	const q = h('input', { type: 'search', name: 'q', autocomplete: 'off' });
	const results = h('div', { id: 'admin-people', 'aria-live': 'polite' });
	const editor = h('div', { id: 'admin-editor' });
	const search = h('form', { class: 'search', role: 'search' }, field('admin-q', 'Search by name or e-mail', q),
		h('button', { type: 'submit' }, 'Search'));

	// Each list() is numbered: a reply that arrives after a later search's (the first, unfiltered
	// list answering after a quick search) is dropped, so the table always shows the last search.
	let listed = 0;
	async function list() {
		const mine = ++listed;
		const r = await api('/users', { query: { q: q.value || undefined, limit: 100 } });
		if (mine !== listed) return;
		const items = itemsOf(r);
		clear(results);
		if (!items.length) { results.append(empty('Nobody matches.')); return; }
		results.append(tableWrap('People', h('table', null, h('caption', null, `People (${items.length})`),
			h('thead', null, h('tr', null, ['Name', 'E-mail', 'Roles', 'Site', 'Programme', 'Status', ''].map((x) => h('th', { scope: 'col' }, x)))),
			h('tbody', null, items.map((u) => {
				const edit = h('button', { type: 'button', class: 'button-secondary', dataset: { user: String(u.id) } }, 'Change');
				edit.addEventListener('click', () => openEditor(u));
				return h('tr', { dataset: { user: String(u.id) } }, h('th', { scope: 'row' }, u.name), h('td', null, u.email),
					h('td', null, u.roles.join(', ')), h('td', null, u.site || '–'),
					h('td', { class: 'programme' }, (u.programmes || []).map((p) => p.name).join(', ') || '–'),
					h('td', { class: 'status' }, u.active ? 'active' : 'deactivated'), h('td', null, edit));
			})))));
	}

	function openEditor(u) {
		clear(editor);
		const fs = rolesFieldset('edit-role', u.roles);
		const site = h('input', { type: 'text', value: u.site || '' });
		const prog = programmeSelect('edit-programme', programmes, u.programme?.id);
		const form = h('form', { class: 'admin-edit', 'aria-labelledby': 'edit-h' },
			h('h3', { id: 'edit-h' }, `Change ${u.name}`), fs, field('edit-site', 'Site', site),
			field('edit-programme', 'Programme', prog), h('button', { type: 'submit' }, 'Save changes'));
		form.addEventListener('submit', async (ev) => {
			ev.preventDefault();
			try {
				await api(`/users/${u.id}`, { method: 'PATCH', body: { roles: checkedRoles(fs), site: site.value || null,
					programme: prog.value ? Number(prog.value) : null } });
				announce(`${u.name}: saved.`, 'success');
				await list();
			} catch (e) {
				announce(`Not saved: ${e.message}`, 'error');
			}
		});
		const toggle = h('button', { type: 'button', class: u.active ? 'button-danger' : 'button-secondary', id: 'edit-active' },
			u.active ? 'Deactivate (signs them out everywhere)' : 'Reactivate');
		toggle.addEventListener('click', async () => {
			try {
				await api(`/users/${u.id}`, { method: 'PATCH', body: { active: !u.active } });
				announce(`${u.name} is ${u.active ? 'deactivated; every token and session is revoked' : 'active again'}.`, 'success');
				clear(editor);
				await list();
			} catch (e) {
				announce(`Not changed: ${e.message}`, 'error');
			}
		});
		editor.append(form, toggle);
		site.focus();
	}
	search.addEventListener('submit', (ev) => { ev.preventDefault(); list().catch((e) => announce(e.message, 'error')); });

	/* ---- invite ---- */
	const iname = h('input', { type: 'text', required: true });
	const iemail = h('input', { type: 'email', required: true });
	const isite = h('input', { type: 'text' });
	const iroles = rolesFieldset('inv-role', ['trainee']);
	const iprog = programmeSelect('inv-programme', programmes, null);
	const link = h('div', { id: 'invite-result', 'aria-live': 'polite' });
	const invite = h('form', { class: 'admin-invite' }, field('inv-name', 'Name', iname), field('inv-email', 'E-mail', iemail),
		iroles, field('inv-site', 'Site', isite), field('inv-programme', 'Programme', iprog), h('button', { type: 'submit' }, 'Invite'));
	invite.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		try {
			const body = { name: iname.value, email: iemail.value, roles: checkedRoles(iroles) };
			if (isite.value) body.site = isite.value;
			if (iprog.value) body.programme = Number(iprog.value);
			const r = await api('/invitations', { method: 'POST', body });
			clear(link).append(h('p', { class: 'notice' }, `Invitation for ${r.email}, valid until ${r.expires_at}. Send them this link: `),
				h('input', { type: 'text', readonly: true, value: r.url, class: 'invite-url', 'aria-label': 'Invitation link' }));
			announce('Invitation created.', 'success');
		} catch (e) {
			announce(`Not invited: ${e.message}`, 'error');
		}
	});

	/* ---- programmes ---- */
	const progList = h('div', { id: 'admin-programmes' });
	const drawProgrammes = () => {
		clear(progList).append(programmes.length ? tableWrap('Programmes', h('table', null, h('caption', null, 'Programmes'),
			h('thead', null, h('tr', null, ['Programme', 'Trainees', 'Trainers', 'Faculty', 'Reminder after (sessions / days)'].map((x) => h('th', { scope: 'col' }, x)))),
			h('tbody', null, programmes.map((p) => h('tr', null, h('th', { scope: 'row' }, p.name), h('td', null, String(p.members.trainees)),
				h('td', null, String(p.members.trainers)), h('td', null, String(p.members.faculty)),
				h('td', null, `${p.reminder_count ?? 'default'} / ${p.reminder_days ?? 'default'}`)))))) : empty('No programmes yet.'));
	};
	const pname = h('input', { type: 'text', required: true });
	const pform = h('form', { class: 'admin-programme' }, field('prog-name', 'New programme', pname), h('button', { type: 'submit' }, 'Create programme'));
	pform.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		try {
			await api('/programmes', { method: 'POST', body: { name: pname.value } });
			announce(`Programme ${pname.value} created.`, 'success');
			pname.value = '';
			programmes = itemsOf(await api('/programmes'));
			drawProgrammes();
		} catch (e) {
			announce(`Not created: ${e.message}`, 'error');
		}
	});
	drawProgrammes();

	root.append(h('section', { 'aria-labelledby': 'admin-people-h' }, h('h2', { id: 'admin-people-h' }, 'People'), search, results, editor),
		h('section', { 'aria-labelledby': 'admin-invite-h' }, h('h2', { id: 'admin-invite-h' }, 'Invite someone'), invite, link),
		h('section', { 'aria-labelledby': 'admin-prog-h' }, h('h2', { id: 'admin-prog-h' }, 'Programmes'), progList, pform));
	await list();
}
