/* The events tab: upcoming events as cards (kind, time, place, sign-up deadline, seats) and
 * the sign-up form, with the financing questions at matchmaking events. The API checks
 * every answer; each of its complaints is shown next to its field, in the page's language,
 * and goes away when that field is edited. Every piece of server or user text goes in
 * through textContent. */
(function () {
  'use strict';
  var pd = window.policydesk;
  var signups = window.policydeskSignups;
  var t = pd.t, el = pd.el, fill = signups.fill, when = signups.when;
  var list = document.getElementById('event-list');
  var panel = document.getElementById('events');
  var seq = 0;

  // Where the API's validation errors point (their `loc` after "body") → the form's field.
  var FIELDS = {
    'company.name': 'company', 'company.credit_code': 'credit_code',
    'contact.name': 'contact', 'contact.phone': 'phone',
    'financing_need.amount_wan': 'amount_wan', 'financing_need.patents': 'patents',
    'financing_need.purpose': 'purpose'
  };
  // The `field` of a domain error (checked by the service rather than the schema).
  var DOMAIN_FIELDS = { credit_code: 'credit_code', phone: 'phone', patents: 'patents', amount_wan: 'amount_wan' };

  function seatsText(ev) {
    if (ev.seats_left > 0) return fill('seats_of', { left: ev.seats_left, capacity: ev.capacity });
    return fill('waitlist_only', { waiting: ev.waitlisted });
  }

  function fact(card, cls, label, value) {
    card.appendChild(el('p', 'note ' + cls, t(label) + t('colon') + value));
  }

  function field(form, name, label, attrs, tag) {
    var id = 'signup-' + (++seq) + '-' + name;
    var wrap = el('div', 'field');
    var caption = el('label', null, label);
    caption.htmlFor = id;
    var input = el(tag || 'input');
    input.id = id;
    input.name = name;
    Object.keys(attrs || {}).forEach(function (k) { input.setAttribute(k, attrs[k]); });
    var error = el('p', 'field-error');
    error.id = id + '-error';
    error.hidden = true;
    input.setAttribute('aria-describedby', error.id);
    // The complaint was about the value that was sent: editing the field retires it.
    input.addEventListener('input', function () { clearError(input); });
    wrap.appendChild(caption);
    wrap.appendChild(input);
    wrap.appendChild(error);
    form.appendChild(wrap);
    return input;
  }

  function clearError(input) {
    input.removeAttribute('aria-invalid');
    var error = document.getElementById(input.getAttribute('aria-describedby'));
    error.textContent = '';
    error.hidden = true;
  }

  function setError(input, text) {
    var error = document.getElementById(input.getAttribute('aria-describedby'));
    if (!error.hidden) return;  // the first complaint about a field is enough
    input.setAttribute('aria-invalid', 'true');
    error.textContent = text;
    error.hidden = false;
  }

  function patentsOf(text) {
    // As the bot reads them: commas, 、, semicolons or new lines between numbers (a number
    // itself may contain spaces: "ZL 2017 1 0601862.3").
    return text.split(/[,，、;；\n]+/).map(function (p) { return p.trim(); }).filter(Boolean);
  }

  function problemFor(form, name, index) {
    var value = form.elements[name].value;
    if (name === 'credit_code') {
      var count = value.replace(/[\s\-_·.．]/g, '').length;
      return count === 18 ? t('err_credit_code') : fill('err_credit_code_length', { count: count });
    }
    if (name === 'patents') {
      var raw = patentsOf(value)[index];
      return raw === undefined ? t('err_patents') : fill('err_patent', { n: index + 1, raw: raw });
    }
    return t('err_' + name);
  }

  function fieldOf(loc) {
    var path = (loc || []).slice(loc && loc[0] === 'body' ? 1 : 0);
    var name = FIELDS[path.slice(0, 2).join('.')];
    if (!name && path[0] === 'financing_need' && path.length === 1) name = 'amount_wan';
    return name ? { name: name, index: path[2] } : null;
  }

  function formProblem(res) {
    if (res.status === 429) return t('too_many');
    var code = res.body && res.body.code;
    var key = 'err_' + code;
    if (code && t(key) !== key) return t(key);
    return res.status === 422 ? t('err_form') : t('error');
  }

  function showProblems(form, result, res) {
    var body = res.body || {};
    var marked = [];
    var mark = function (name, index) {
      var input = form.elements[name];
      if (!input) return;
      setError(input, problemFor(form, name, index));
      marked.push(input);
    };
    if (Array.isArray(body.detail)) {
      body.detail.forEach(function (d) { var f = fieldOf(d.loc); if (f) mark(f.name, f.index); });
    } else if (body.field && DOMAIN_FIELDS[body.field]) {
      mark(DOMAIN_FIELDS[body.field], undefined);
    }
    result.className = 'note result error';
    result.textContent = marked.length ? t('err_form') : formProblem(res);
    if (marked.length) marked[0].focus();
  }

  function payload(form, ev) {
    var v = function (name) { return form.elements[name].value.trim(); };
    var body = {
      company: { name: v('company'), credit_code: v('credit_code').toUpperCase() },
      contact: { name: v('contact'), phone: v('phone') }
    };
    if (ev.kind === 'financing_matchmaking') {
      body.financing_need = {
        amount_wan: v('amount_wan').replace(/\s*(万元|万)$/, ''),
        patents: patentsOf(form.elements.patents.value),
        purpose: v('purpose')
      };
    }
    return body;
  }

  function signUpForm(ev, node) {
    var form = el('form', 'signup');
    form.noValidate = true;  // the API checks; its words appear next to each field
    field(form, 'company', t('company'), { maxlength: '200', autocomplete: 'organization', 'aria-required': 'true' });
    field(form, 'credit_code', t('credit_code'), { maxlength: '40', autocapitalize: 'characters', 'aria-required': 'true' });
    field(form, 'contact', t('contact'), { maxlength: '60', autocomplete: 'name', 'aria-required': 'true' });
    // Room for "+86 138-0013-8000": the API reads spaces, dashes and +86.
    field(form, 'phone', t('phone'), { maxlength: '24', type: 'tel', inputmode: 'tel', autocomplete: 'tel', 'aria-required': 'true' });
    if (ev.kind === 'financing_matchmaking') {
      form.appendChild(el('p', 'financing-title', t('financing')));
      field(form, 'amount_wan', t('amount_wan'), { inputmode: 'decimal', placeholder: t('amount_hint'), maxlength: '20', 'aria-required': 'true' });
      field(form, 'patents', t('patents'), { rows: '2', placeholder: t('patents_hint'), maxlength: '2000' }, 'textarea');
      field(form, 'purpose', t('purpose'), { rows: '2', maxlength: '1000' }, 'textarea');
    }
    var submit = el('button', null, t('submit'));
    submit.type = 'submit';
    form.appendChild(submit);
    var result = el('p', 'note result');
    result.setAttribute('role', 'status');
    form.appendChild(result);
    var sent = { body: null, key: null };
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      submit.disabled = true;
      result.className = 'note result';
      result.textContent = t('sending');
      var body = JSON.stringify(payload(form, ev));
      // Sending the same form again (after a lost response) reuses its key; a changed
      // form is a new request.
      if (body !== sent.body) sent = { body: body, key: pd.requestKey() };
      form.querySelectorAll('[aria-describedby]').forEach(clearError);
      fetch('/api/v1/events/' + ev.id + '/registrations', {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': sent.key, 'X-Policydesk-Client': 'web' },
        body: body
      }).then(function (r) {
        return r.json().catch(function () { return null; }).then(function (b) { return { ok: r.ok, status: r.status, body: b }; });
      }).then(function (res) {
        submit.disabled = false;
        if (!res.ok) { showProblems(form, result, res); return; }
        form.replaceWith(signups.outcome(res.body));
        signups.add(ev, res.body);
        refresh(node);
      }).catch(function () { submit.disabled = false; result.className = 'note result error'; result.textContent = t('error'); });
    });
    return form;
  }

  function card(ev) {
    var node = el('li', 'event');
    node.dataset.event = String(ev.id);
    node.dataset.kind = ev.kind;
    node.appendChild(el('span', 'kind kind-' + ev.kind, t('kind_' + ev.kind)));
    node.appendChild(el('h2', null, ev.title));
    fact(node, 'starts', 'starts', when(ev.starts_at));
    if (ev.place) fact(node, 'place', 'place', ev.place);
    fact(node, 'deadline', 'deadline', when(ev.registration_deadline));
    if (ev.description) node.appendChild(el('p', 'desc', ev.description));
    if (!ev.registration_open) { node.appendChild(el('p', 'note closed', t('closed'))); return node; }
    node.appendChild(el('p', 'note seats', seatsText(ev)));
    var open = el('button', 'open-signup', t('sign_up'));
    open.type = 'button';
    open.addEventListener('click', function () {
      var form = signUpForm(ev, node);
      open.replaceWith(form);
      form.elements.company.focus();
    });
    node.appendChild(open);
    return node;
  }

  // Seats change with every sign-up and cancellation: read them again.
  function refresh(node) {
    fetch('/api/v1/events/' + node.dataset.event).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then(function (ev) {
      var seats = node.querySelector('.seats');
      if (seats) seats.textContent = seatsText(ev);
    }).catch(function () { /* the old figure stays until the next visit */ });
  }

  // Loads may overlap (a tab switch, then the language): only the latest one draws, and a
  // card whose sign-up form is open is kept as it is, so nothing typed is lost.
  var loads = 0;
  function load() {
    var mine = ++loads;
    pd.configured.then(function () { signups.render(); return fetch('/api/v1/events'); }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then(function (body) {
      if (mine !== loads) return;
      var events = Array.isArray(body) ? body : (body.items || []);
      var open = {};
      list.querySelectorAll('.event').forEach(function (node) {
        if (node.querySelector('form.signup')) open[node.dataset.event] = node;
      });
      list.textContent = '';
      if (!events.length) list.appendChild(el('li', 'note', t('events_empty')));
      events.forEach(function (ev) { list.appendChild(open[String(ev.id)] || card(ev)); });
    }).catch(function () {
      if (mine !== loads) return;
      list.textContent = '';
      list.appendChild(el('li', 'note', t('events_unavailable')));
    });
  }

  document.addEventListener('policydesk:tab', function (e) { if (e.detail === 'events') load(); });
  document.addEventListener('policydesk:locale', function () { if (!panel.hidden) load(); });
  document.addEventListener('policydesk:seats', function (e) {
    var node = list.querySelector('.event[data-event="' + Number(e.detail) + '"]');
    if (node) refresh(node);
  });
})();
