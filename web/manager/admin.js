// web/manager/admin.js - Mirrors and accounts (managers): pair a new Smart Mirror (shows its
// pairing link and code once), revoke one; add a staff account, reset a password.
import { api, h, card, table, empty, datetime, confirmBox, toast } from './lib.js';

export async function render({ go, params }) {
  const [mirrors, users] = await Promise.all([api('/mirrors'), api('/users')]);
  const paired = h('div#pairing');
  const mirrorForm = h('form.inline#pair-form', {
    onsubmit: async (e) => {
      e.preventDefault();
      const f = e.target.elements;
      try {
        const r = await api('/mirrors', { method: 'POST', body: { name: f.name.value.trim(), location: f.location.value.trim() } });
        const link = location.origin + r.pairing_path;
        paired.replaceChildren(h('h3', `Mirror "${r.mirror.name}" paired`),
          h('p', 'Open this link on the mirror. It is shown only now: copy it before leaving this page.'),
          h('p.secret#pairing-link', link),
          h('p', 'Or type this code on the mirror\'s pairing screen:'), h('p.secret#pairing-code', r.token));
        f.name.value = ''; f.location.value = '';
        mirrorTable.setRows((await api('/mirrors')).mirrors);
      } catch (err) { toast(`Cannot pair: ${err.message}`); }
    } },
  h('label', 'Name', h('input', { name: 'name', required: true, maxLength: 64, placeholder: 'mirror-2' })),
  h('label', 'Location', h('input', { name: 'location', maxLength: 64, placeholder: 'Fitting rooms' })),
  h('button.primary', { type: 'submit' }, 'Pair a mirror'));
  const mirrorTable = table([
    { key: 'name', label: 'Mirror' },
    { key: 'location', label: 'Location' },
    { key: 'created_at', label: 'Paired', fmt: datetime },
    { key: 'last_seen_at', label: 'Last seen', fmt: datetime },
    { key: 'revoked_at', label: 'Status', fmt: (v) => (v ? h('span.tag', `revoked ${datetime(v)}`) : h('span.tag.resolved', 'active')) },
    { key: 'x', label: '', nosort: true, fmt: (v, m) => (m.revoked_at ? '' : h('button.danger', { type: 'button', className: 'danger revoke', dataset: { mirror: m.id },
      onclick: async () => {
        if (!(await confirmBox(`Revoke mirror "${m.name}"? It stops working until paired again.`, 'Revoke'))) return;
        try { await api(`/mirrors/${m.id}`, { method: 'DELETE' }); toast(`Mirror ${m.name} revoked`); go(params); } catch (e) { toast(`Cannot revoke: ${e.message}`); }
      } }, 'Revoke')) },
  ], mirrors.mirrors, { sort: 'created_at', id: 'mirrors' });

  const userForm = h('form.inline#user-form', {
    onsubmit: async (e) => {
      e.preventDefault();
      const f = e.target.elements;
      try {
        await api('/users', { method: 'POST', body: { username: f.username.value.trim(), role: f.role.value, password: f.password.value } });
        toast(`Account ${f.username.value} added`);
        go(params);
      } catch (err) { toast(`Cannot add: ${err.message}`); }
    } },
  h('label', 'User name', h('input', { name: 'username', required: true, maxLength: 64, autocomplete: 'off' })),
  h('label', 'Role', h('select', { name: 'role' }, h('option', { value: 'staff' }, 'staff'), h('option', { value: 'manager' }, 'manager'))),
  h('label', 'Password (10+ characters)', h('input', { name: 'password', type: 'password', required: true, minLength: 10, maxLength: 256, autocomplete: 'new-password' })),
  h('button.primary', { type: 'submit' }, 'Add account'));
  const resetBox = h('div#reset-box');
  const userTable = table([
    { key: 'username', label: 'User' },
    { key: 'role', label: 'Role' },
    { key: 'created_at', label: 'Created', fmt: datetime },
    { key: 'x', label: '', nosort: true, fmt: (v, u) => h('button', { type: 'button', className: 'reset', dataset: { user: u.username },
      onclick: () => resetBox.replaceChildren(h('form.inline#reset-form', {
        onsubmit: async (e) => {
          e.preventDefault();
          try {
            await api(`/users/${encodeURIComponent(u.username)}/password`, { method: 'PUT', body: { password: e.target.elements.password.value } });
            toast(`Password of ${u.username} reset`);
            resetBox.replaceChildren();
          } catch (err) { toast(`Cannot reset: ${err.message}`); }
        } },
      h('label', `New password for ${u.username}`, h('input', { name: 'password', type: 'password', required: true, minLength: 10, maxLength: 256, autocomplete: 'new-password' })),
      h('button.primary', { type: 'submit' }, 'Reset password'),
      h('button', { type: 'button', onclick: () => resetBox.replaceChildren() }, 'Cancel'))) }, 'Reset password') },
  ], users.users, { sort: 'username', desc: false, id: 'users' });

  return h('div.grid',
    card('Smart Mirrors', mirrorForm, paired, h('div.scroll', mirrors.mirrors.length ? mirrorTable : empty('No mirror paired'))),
    card('Accounts', userForm, resetBox, h('div.scroll', userTable)));
}
