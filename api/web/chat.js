/* The web chat: ask, read the cited answer, give feedback, hand off, receive officers'
 * replies (polled). Every piece of server or user text goes in through textContent. */
(function () {
  'use strict';
  var store = window.localStorage;
  var state = {
    locale: store.getItem('pd.locale') === 'en' ? 'en' : 'zh',  // Chinese first
    key: store.getItem('pd.key'),
    after: Number(store.getItem('pd.after') || 0),
    texts: {}, catalog: null,
    zone: 'Asia/Shanghai'  // until /api/v1/web/config says which zone the office keeps
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
      else if (s.cited) item.appendChild(el('span', 'doc', s.cited));  // an officer's answer
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

  function showOfficer(id, text) {
    var bubble = el('li', 'msg officer');
    bubble.appendChild(el('span', 'label', t('officer')));
    bubble.appendChild(el('div', 'text', text));
    add(bubble);
    state.after = Math.max(state.after, id); store.setItem('pd.after', String(state.after));
  }

  var polling = null;
  function poll() {
    if (!state.key) return;
    api('GET', '/api/v1/web/messages?after=' + state.after).then(function (messages) {
      messages.forEach(function (m) { showOfficer(m.id, m.text); });
    }).catch(function () { /* try again at the next tick */ });
  }

  // Back on the page (a reload, the next visit): the conversation so far, officers'
  // answers included, as it was shown.
  function restore() {
    if (!state.key) return Promise.resolve();
    return api('GET', '/api/v1/web/history').then(function (said) {
      said.forEach(function (s) {
        if (s.kind === 'officer') { showOfficer(s.message_id, s.text); return; }
        add(el('li', 'msg mine', s.question));
        showAnswer({
          answered: s.answered, body: s.body, sources: s.sources, answer_log_id: s.answer_log_id
        }, add(el('li', 'msg bot')));
      });
    }).catch(function () { /* a new chat, or the server is away: start afresh */ });
  }

  var TABS = ['chat', 'events', 'benefits'];
  function showTab(name) {
    TABS.forEach(function (tab) {
      $('tab-' + tab).setAttribute('aria-selected', String(tab === name));
      $(tab).hidden = tab !== name;
    });
    $('ask').hidden = name !== 'chat';  // the question box belongs to the chat only
    document.dispatchEvent(new CustomEvent('policydesk:tab', { detail: name }));
  }

  TABS.forEach(function (tab) {
    $('tab-' + tab).addEventListener('click', function () { showTab(tab); });
  });
  // A link may open a tab directly (/chat#events): the WeChat menu's 活动报名 and 政策匹配.
  // After every script has run, so that the tab's own script hears it open.
  document.addEventListener('DOMContentLoaded', function () {
    var linked = location.hash.replace('#', '');
    if (TABS.indexOf(linked) > 0) showTab(linked);
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

  var config = fetch('/api/v1/web/config').then(function (r) { return r.ok ? r.json() : {}; })
    .then(function (c) { if (c.timezone) state.zone = c.timezone; })
    .catch(function () { /* China time, the default */ });
  fetch('/static/web/i18n.json').then(function (r) { return r.json(); }).then(function (catalog) {
    state.catalog = catalog;
    applyTexts();
    add(el('li', 'msg bot welcome', t('welcome')));
    restore().then(function () {
      if (state.key) poll();
      polling = setInterval(poll, 3000);
    });
  });
  function problem(body) {
    if (!body) return t('error');
    if (typeof body.detail === 'string') return body.detail;
    if (Array.isArray(body.detail)) return body.detail.map(function (d) { return d.msg; }).join('; ');
    return t('error');
  }

  // For the page's other scripts (benefits.js, events.js, signups.js): the texts, the
  // element helper, the sources list, request keys and the office's time zone.
  window.policydesk = {
    t: t, el: el, problem: problem, sourcesList: sourcesList, requestKey: requestKey,
    locale: function () { return state.locale; },
    zone: function () { return state.zone; },
    configured: config  // resolves once the office's time zone is known
  };
})();
