/* The web chat: ask, read the cited answer, give feedback, hand off, receive officers'
 * replies (polled). Every piece of server or user text goes in through textContent. */
(function () {
  'use strict';
  var store = window.localStorage;
  var state = {
    locale: store.getItem('pd.locale') === 'en' ? 'en' : 'zh',  // Chinese first
    key: store.getItem('pd.key'),
    after: Number(store.getItem('pd.after') || 0),
    texts: {}, catalog: null
  };
  var $ = function (id) { return document.getElementById(id); };
  var log = $('log');

  function t(key) { return (state.texts[key] !== undefined ? state.texts[key] : key); }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function applyTexts() {
    state.texts = state.catalog[state.locale] || state.catalog.zh;
    document.documentElement.lang = state.locale === 'en' ? 'en' : 'zh-CN';
    document.title = t('title');
    document.querySelectorAll('[data-t]').forEach(function (n) { n.textContent = t(n.dataset.t); });
    document.querySelectorAll('[data-tp]').forEach(function (n) { n.placeholder = t(n.dataset.tp); });
  }

  // A random id per message or sign-up, sent as Idempotency-Key: if the answer to a send
  // is lost (a dropped connection), sending it again returns the first reply.
  function requestKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 14);
  }

  function api(method, path, body, key) {
    var headers = { 'Content-Type': 'application/json' };
    if (state.key) headers['X-Chat-Key'] = state.key;
    if (key) headers['Idempotency-Key'] = key;
    return fetch(path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined })
      .then(function (r) {
        if (r.status === 401 && path !== '/api/v1/web/chats') {
          state.key = null; store.removeItem('pd.key');
          return openChat().then(function () { return api(method, path, body, key); });
        }
        if (!r.ok) { var e = new Error(String(r.status)); e.status = r.status; throw e; }
        return r.status === 204 ? null : r.json();
      });
  }

  function openChat() {
    if (state.key) return Promise.resolve();
    return api('POST', '/api/v1/web/chats', { locale: state.locale }).then(function (chat) {
      state.key = chat.key; store.setItem('pd.key', chat.key);
      state.after = 0; store.setItem('pd.after', '0');
    });
  }

  function scroll() { var m = document.querySelector('main'); m.scrollTop = m.scrollHeight; }

  function add(node) { log.appendChild(node); scroll(); return node; }

  function sourcesList(sources) {
    var list = el('ul', 'sources');
    list.setAttribute('aria-label', t('sources'));
    sources.slice(0, 3).forEach(function (s) {
      var item = el('li', 'source');
      if (s.document) item.appendChild(el('span', 'doc', '《' + s.document + '》'));
      if (s.section) item.appendChild(el('span', 'sec', ' ' + s.section));
      if (s.quote) {
        var quote = el('blockquote', 'quote', s.quote);
        quote.addEventListener('click', function () { quote.classList.toggle('open'); });
        item.appendChild(quote);
      }
      list.appendChild(item);
    });
    return list;
  }

  function handOffButton(logId, bubble) {
    var button = el('button', 'handoff', t('handoff'));
    button.type = 'button';
    button.addEventListener('click', function () {
      button.disabled = true;
      api('POST', '/api/v1/web/handoff', { answer_log_id: logId }).then(function () {
        bubble.appendChild(el('p', 'note handed-off', t('handed_off')));
        poll();
      }).catch(function () { button.disabled = false; bubble.appendChild(el('p', 'note', t('error'))); });
    });
    return button;
  }

  function feedbackButton(logId, helpful, row) {
    var button = el('button', helpful ? 'up' : 'down', (helpful ? '👍 ' : '👎 ') + t(helpful ? 'helpful' : 'not_helpful'));
    button.type = 'button';
    button.setAttribute('aria-pressed', 'false');
    button.addEventListener('click', function () {
      api('POST', '/api/v1/web/feedback', { answer_log_id: logId, helpful: helpful }).then(function () {
        row.querySelectorAll('.up, .down').forEach(function (b) { b.setAttribute('aria-pressed', 'false'); });
        button.setAttribute('aria-pressed', 'true');
        if (!row.querySelector('.thanks')) row.appendChild(el('span', 'note thanks', t('thanks')));
      });
    });
    return button;
  }

  function showAnswer(answer, bubble) {
    bubble.className = 'msg bot' + (answer.answered ? ' answered' : ' not-found');
    bubble.textContent = '';
    // The sources are listed under the text, so the body without its citation line.
    bubble.appendChild(el('div', 'text', answer.body || answer.answer));
    if (answer.answered && answer.sources.length) bubble.appendChild(sourcesList(answer.sources));
    var row = el('div', 'actions');
    // A question nothing answers is already with the officers (the text says so, and
    // their answer appears here): only an answer gets the button to ask an officer.
    if (answer.answered) {
      row.appendChild(feedbackButton(answer.answer_log_id, true, row));
      row.appendChild(feedbackButton(answer.answer_log_id, false, row));
      row.appendChild(handOffButton(answer.answer_log_id, bubble));
    }
    bubble.appendChild(row);
    scroll();
  }

  function ask(question) {
    add(el('li', 'msg mine', question));
    var bubble = add(el('li', 'msg pending', t('thinking')));
    var key = requestKey();
    openChat()
      .then(function () { return api('POST', '/api/v1/web/ask', { question: question, locale: state.locale }, key); })
      .then(function (answer) { showAnswer(answer, bubble); })
      .catch(function (e) { bubble.className = 'msg error'; bubble.textContent = e.status === 429 ? t('too_many') : t('error'); });
  }

  var polling = null;
  function poll() {
    if (!state.key) return;
    api('GET', '/api/v1/web/messages?after=' + state.after).then(function (messages) {
      messages.forEach(function (m) {
        var bubble = el('li', 'msg officer');
        bubble.appendChild(el('span', 'label', t('officer')));
        bubble.appendChild(el('div', 'text', m.text));
        add(bubble);
        state.after = m.id; store.setItem('pd.after', String(m.id));
      });
    }).catch(function () { /* try again at the next tick */ });
  }

  function renderEvents(events) {
    var list = $('event-list');
    list.textContent = '';
    if (!events.length) { list.appendChild(el('li', 'note', t('events_empty'))); return; }
    events.forEach(function (ev) { list.appendChild(window.policydeskEventCard(ev)); });
  }

  function loadEvents() {
    fetch('/api/v1/events').then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then(function (body) {
      renderEvents(Array.isArray(body) ? body : (body.items || []));
    }).catch(function () {
      var list = $('event-list');
      list.textContent = '';
      list.appendChild(el('li', 'note', t('events_unavailable')));
    });
  }

  var TABS = ['chat', 'events', 'benefits'];
  function showTab(name) {
    TABS.forEach(function (tab) {
      $('tab-' + tab).setAttribute('aria-selected', String(tab === name));
      $(tab).hidden = tab !== name;
    });
    $('ask').hidden = name !== 'chat';  // the question box belongs to the chat only
    if (name === 'events') loadEvents();
    document.dispatchEvent(new CustomEvent('policydesk:tab', { detail: name }));
  }

  TABS.forEach(function (tab) {
    $('tab-' + tab).addEventListener('click', function () { showTab(tab); });
  });
  $('lang').addEventListener('click', function () {
    state.locale = state.locale === 'zh' ? 'en' : 'zh';
    store.setItem('pd.locale', state.locale);
    applyTexts();
    document.dispatchEvent(new CustomEvent('policydesk:locale', { detail: state.locale }));
  });
  $('ask').addEventListener('submit', function (e) {
    e.preventDefault();
    var q = $('question').value.trim();
    if (!q) return;
    $('question').value = '';
    ask(q);
  });
  $('question').addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); $('ask').requestSubmit(); }
  });

  fetch('/static/web/i18n.json').then(function (r) { return r.json(); }).then(function (catalog) {
    state.catalog = catalog;
    applyTexts();
    add(el('li', 'msg bot welcome', t('welcome')));
    if (state.key) poll();
    polling = setInterval(poll, 3000);
  });
  function when(iso) {
    var d = new Date(iso);
    return d.toLocaleString(state.locale === 'en' ? 'en-GB' : 'zh-CN',
      { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', weekday: 'short' });
  }

  function field(form, name, label, attrs) {
    var wrap = el('label', 'field');
    wrap.appendChild(el('span', null, label));
    var input = el('input');
    input.name = name; input.required = true;
    Object.keys(attrs || {}).forEach(function (k) { input.setAttribute(k, attrs[k]); });
    wrap.appendChild(input);
    form.appendChild(wrap);
  }

  function problem(body) {
    if (!body) return t('error');
    if (typeof body.detail === 'string') return body.detail;
    if (Array.isArray(body.detail)) return body.detail.map(function (d) { return d.msg; }).join('; ');
    return t('error');
  }

  function signUpForm(ev, card) {
    var form = el('form', 'signup');
    field(form, 'company', t('company'), { maxlength: '200', autocomplete: 'organization' });
    field(form, 'credit_code', t('credit_code'), { maxlength: '18', minlength: '18', autocapitalize: 'characters' });
    field(form, 'contact', t('contact'), { maxlength: '60', autocomplete: 'name' });
    field(form, 'phone', t('phone'), { maxlength: '11', inputmode: 'tel', autocomplete: 'tel' });
    var submit = el('button', null, t('submit'));
    submit.type = 'submit';
    form.appendChild(submit);
    var result = el('p', 'note result');
    result.setAttribute('role', 'status');
    form.appendChild(result);
    var sent = { body: null, key: null };
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      submit.disabled = true; result.textContent = t('sending');
      var v = function (name) { return form.elements[name].value.trim(); };
      var body = JSON.stringify({
        company: { name: v('company'), credit_code: v('credit_code').toUpperCase() },
        contact: { name: v('contact'), phone: v('phone') }
      });
      // Sending the same form again (after a lost response) reuses its key; a changed
      // form is a new request.
      if (body !== sent.body) sent = { body: body, key: requestKey() };
      fetch('/api/v1/events/' + ev.id + '/registrations', {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': sent.key },
        body: body
      }).then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (!res.ok) { submit.disabled = false; result.textContent = problem(res.body); return; }
          form.textContent = '';
          var reg = res.body;
          form.appendChild(el('p', 'done', t(reg.status === 'waitlisted' ? 'status_waitlisted' : 'status_confirmed')));
          form.appendChild(el('p', 'note', t('checkin_code') + ': ' + reg.checkin_code));
          form.appendChild(el('p', 'note', t('keep_secret')));
          form.appendChild(el('code', 'secret', reg.secret));
        })
        .catch(function () { submit.disabled = false; result.textContent = t('error'); });
    });
    return form;
  }

  // For the page's other scripts (benefits.js): the texts, the element helper, the sources list.
  window.policydesk = {
    t: t, el: el, problem: problem, sourcesList: sourcesList,
    locale: function () { return state.locale; }
  };

  window.policydeskEventCard = function (ev) {
    var card = el('li', 'event');
    card.dataset.event = String(ev.id);
    card.appendChild(el('h2', null, ev.title));
    card.appendChild(el('p', 'note', t('starts') + ': ' + when(ev.starts_at)));
    if (ev.place) card.appendChild(el('p', 'note', t('place') + ': ' + ev.place));
    if (ev.description) card.appendChild(el('p', 'desc', ev.description));
    if (!ev.registration_open) { card.appendChild(el('p', 'note', t('closed'))); return card; }
    card.appendChild(el('p', 'note', ev.seats_left > 0 ? t('seats_left') + ': ' + ev.seats_left : t('waitlist_only')));
    var open = el('button', 'open-signup', t('sign_up'));
    open.type = 'button';
    open.addEventListener('click', function () { open.remove(); card.appendChild(signUpForm(ev, card)); });
    card.appendChild(open);
    return card;
  };
})();
