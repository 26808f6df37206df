/* "我的报名": the sign-ups made in this browser, kept in localStorage with their secrets
 * (the API shows a secret once), each looked up for its current status, with the check-in
 * code and QR image once confirmed and a cancel button. Also draws the outcome of a new
 * sign-up. Every piece of server or user text goes in through textContent. */
(function () {
  'use strict';
  var pd = window.policydesk;
  var t = pd.t, el = pd.el;
  var KEY = 'pd.signups';
  var LIMIT = 50;
  var section = document.getElementById('my-signups');
  var list = document.getElementById('my-signup-list');

  function fill(key, params) {
    return t(key).replace(/\{(\w+)\}/g, function (whole, name) {
      return params[name] === undefined || params[name] === null ? whole : String(params[name]);
    });
  }

  // "2026-12-20 09:30" on the office's clock, whatever the browser's own zone.
  function when(iso) {
    var text = /[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : iso + 'Z';  // stored times are UTC
    var parts = {};
    new Intl.DateTimeFormat('en-GB', {
      timeZone: pd.zone(), year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23'
    }).formatToParts(new Date(text)).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + '-' + parts.month + '-' + parts.day + ' ' + parts.hour + ':' + parts.minute;
  }

  function stored() {
    try {
      var kept = JSON.parse(window.localStorage.getItem(KEY) || '[]');
      return Array.isArray(kept) ? kept.filter(function (s) { return s && typeof s.secret === 'string'; }) : [];
    } catch (e) { return []; }
  }

  function save(signups) { window.localStorage.setItem(KEY, JSON.stringify(signups.slice(0, LIMIT))); }

  function post(path, body) {
    return fetch(path, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
    });
  }

  function json(response) {
    return response.json().catch(function () { return null; }).then(function (body) {
      return { ok: response.ok, status: response.status, body: body };
    });
  }

  function seated(status) { return status === 'confirmed' || status === 'attended'; }

  // The QR image comes from the server (POST: the secret stays out of addresses and logs).
  function qrImage(secret, code) {
    var img = el('img', 'qr');
    img.alt = t('checkin_qr') + ' ' + code;
    post('/api/v1/registrations/checkin-qr', { secret: secret })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.blob(); })
      .then(function (png) { img.src = URL.createObjectURL(png); })
      .catch(function () { img.remove(); });
    return img;
  }

  function checkin(box, reg, secret) {
    var code = el('p', 'code');
    code.appendChild(document.createTextNode(t('checkin_code') + t('colon')));
    code.appendChild(el('strong', null, reg.checkin_code));
    box.appendChild(code);
    box.appendChild(qrImage(secret, reg.checkin_code));
    box.appendChild(el('p', 'note', t('checkin_note')));
  }

  /* The outcome of a new sign-up: confirmed (code and QR) or waitlisted (its place in the
   * line; no code until confirmed), and where the page keeps it. */
  function outcome(reg) {
    var box = el('div', 'signup-outcome ' + reg.status);
    box.setAttribute('role', 'status');
    if (seated(reg.status)) {
      box.appendChild(el('p', 'done confirmed', t('status_confirmed')));
      checkin(box, reg, reg.secret);
    } else {
      box.appendChild(el('p', 'done waitlisted', fill('status_waitlisted', { position: reg.waitlist_position || '-' })));
      box.appendChild(el('p', 'note', t('waitlist_note')));
    }
    box.appendChild(el('p', 'note', t('saved_here')));
    box.appendChild(el('code', 'secret', reg.secret));
    return box;
  }

  function statusText(reg) {
    if (reg.status === 'waitlisted') return fill('my_status_waitlisted', { position: reg.waitlist_position || '-' });
    return t('my_status_' + reg.status);
  }

  function removeButton(entry, item) {
    var button = el('button', 'remove', t('remove'));
    button.type = 'button';
    button.addEventListener('click', function () {
      save(stored().filter(function (s) { return s.secret !== entry.secret; }));
      item.remove();
      section.hidden = !list.children.length;
    });
    return button;
  }

  function cancelButton(entry, item, problem) {
    var button = el('button', 'cancel', t('cancel_signup'));
    button.type = 'button';
    button.addEventListener('click', function () {
      if (!button.classList.contains('armed')) {  // a second tap confirms
        button.classList.add('armed');
        button.textContent = t('cancel_confirm');
        return;
      }
      button.disabled = true;
      post('/api/v1/registrations/cancel', { secret: entry.secret }).then(json).then(function (res) {
        if (!res.ok) {
          button.disabled = false;
          var closed = res.body && res.body.code === 'registration_closed';
          problem.textContent = closed ? t('cancel_started') : fill('cancel_failed', { reason: t('error') });
          problem.hidden = false;
          return;
        }
        show(entry, item, res.body);
        document.dispatchEvent(new CustomEvent('policydesk:seats', { detail: entry.event_id }));
      }).catch(function () {
        button.disabled = false;
        problem.textContent = fill('cancel_failed', { reason: t('error') });
        problem.hidden = false;
      });
    });
    return button;
  }

  function show(entry, item, reg) {
    var body = item.querySelector('.body');
    body.textContent = '';
    item.dataset.status = reg ? reg.status : 'missing';
    if (!reg) {
      body.appendChild(el('p', 'status missing', t('my_status_missing')));
      body.appendChild(removeButton(entry, item));
      return;
    }
    body.appendChild(el('p', 'status ' + reg.status, statusText(reg)));
    if (seated(reg.status)) checkin(body, reg, entry.secret);
    var problem = el('p', 'field-error');
    problem.hidden = true;
    problem.setAttribute('role', 'alert');
    if (reg.status === 'confirmed' || reg.status === 'waitlisted') body.appendChild(cancelButton(entry, item, problem));
    if (reg.status === 'cancelled') body.appendChild(removeButton(entry, item));
    body.appendChild(problem);
  }

  function render() {
    var signups = stored();
    list.querySelectorAll('img.qr[src^="blob:"]').forEach(function (img) { URL.revokeObjectURL(img.src); });
    list.textContent = '';
    section.hidden = !signups.length;
    signups.forEach(function (entry) {
      var item = el('li', 'my-signup');
      item.dataset.event = String(entry.event_id);
      item.appendChild(el('h3', null, entry.title));
      if (entry.starts_at) item.appendChild(el('p', 'note', t('starts') + t('colon') + when(entry.starts_at)));
      item.appendChild(el('div', 'body'));
      list.appendChild(item);
      post('/api/v1/registrations/lookup', { secret: entry.secret }).then(json).then(function (res) {
        if (res.ok) show(entry, item, res.body);
        else if (res.status === 404) show(entry, item, null);
        else item.querySelector('.body').appendChild(el('p', 'note', t('error')));
      }).catch(function () { item.querySelector('.body').appendChild(el('p', 'note', t('error'))); });
    });
  }

  function add(ev, reg) {
    var signups = stored().filter(function (s) { return s.secret !== reg.secret; });
    signups.unshift({ secret: reg.secret, id: reg.id, event_id: ev.id, title: ev.title, starts_at: ev.starts_at });
    save(signups);
    render();
  }

  window.policydeskSignups = { add: add, outcome: outcome, render: render, when: when, fill: fill };
})();
