/* The benefits tab: a form built from GET /api/v1/benefits/facts (every question optional:
 * what is left blank is unknown), answered by POST /api/v1/benefits/match with the clause
 * each benefit rests on. Every piece of server or user text goes in through textContent. */
(function () {
  'use strict';
  var pd = window.policydesk;
  var form = document.getElementById('benefit-form');
  var results = document.getElementById('benefit-results');
  var facts = null;
  var loadedLocale = null;

  function control(fact) {
    var wrap = pd.el('label', 'field');
    wrap.appendChild(pd.el('span', null, fact.question));
    var input;
    if (fact.choices) {
      input = pd.el('select');
      var unsure = pd.el('option', null, pd.t('unsure'));
      unsure.value = '';
      input.appendChild(unsure);
      fact.choices.forEach(function (choice, i) {
        var option = pd.el('option', null, choice.label);
        option.value = String(i);  // an index into fact.choices: values may be true/false/null
        input.appendChild(option);
      });
    } else {
      input = pd.el('input');
      if (fact.kind === 'count') {
        input.type = 'number'; input.min = '0'; input.step = '1'; input.inputMode = 'numeric';
      } else {
        input.maxLength = 100;
      }
      input.placeholder = pd.t('unsure');
    }
    input.name = fact.name;
    wrap.appendChild(input);
    return wrap;
  }

  function profile() {
    var out = {};
    facts.forEach(function (fact) {
      var raw = form.elements[fact.name].value.trim();
      if (raw === '') return;  // unknown: left out
      if (fact.choices) out[fact.name] = fact.choices[Number(raw)].value;
      else if (fact.kind === 'count') out[fact.name] = Number(raw);
      else out[fact.name] = raw;
    });
    return out;
  }

  function item(benefit) {
    var node = pd.el('li', 'benefit ' + benefit.status);
    node.dataset.rule = benefit.id;
    node.appendChild(pd.el('h3', null, benefit.title));
    node.appendChild(pd.el('p', 'what', benefit.benefit));
    node.appendChild(pd.el('p', 'note reason', benefit.reason));
    if (benefit.next_step) {
      node.appendChild(pd.el('p', 'next', pd.t('next_step') + ': ' + benefit.next_step));
    }
    node.appendChild(pd.sourcesList([benefit]));
    return node;
  }

  function section(title, cls, benefits) {
    if (!benefits.length) return;
    results.appendChild(pd.el('h2', cls, title + ' (' + benefits.length + ')'));
    var list = pd.el('ul', 'benefits ' + cls);
    benefits.forEach(function (b) { list.appendChild(item(b)); });
    results.appendChild(list);
  }

  function show(match) {
    results.textContent = '';
    if (!match.eligible.length && !match.potential.length) {
      results.appendChild(pd.el('p', 'note', pd.t('no_benefits')));
      return;
    }
    section(pd.t('eligible'), 'eligible', match.eligible);
    section(pd.t('potential'), 'potential', match.potential);
    results.appendChild(pd.el('p', 'note', pd.t('benefits_disclaimer')));
  }

  function build(kept) {
    form.textContent = '';
    facts.forEach(function (fact) { form.appendChild(control(fact)); });
    var submit = pd.el('button', null, pd.t('match'));
    submit.type = 'submit';
    form.appendChild(submit);
    if (kept) restore(kept);
  }

  function restore(values) {  // after a language switch, keep what was filled in
    facts.forEach(function (fact) {
      if (!(fact.name in values)) return;
      var field = form.elements[fact.name];
      if (fact.choices) {
        field.value = String(fact.choices.findIndex(function (c) { return c.value === values[fact.name]; }));
      } else field.value = String(values[fact.name]);
    });
  }

  function load() {
    var locale = pd.locale();
    if (loadedLocale === locale) return;
    fetch('/api/v1/benefits/facts?locale=' + locale).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then(function (body) {
      var kept = facts ? profile() : null;  // the same facts in the other language
      facts = body; loadedLocale = locale; build(kept);
    }).catch(function () {
      results.textContent = '';
      results.appendChild(pd.el('p', 'note', pd.t('benefits_unavailable')));
    });
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var submit = form.querySelector('button[type=submit]');
    submit.disabled = true;
    fetch('/api/v1/benefits/match', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ profile: profile(), locale: pd.locale() })
    }).then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        submit.disabled = false;
        if (!res.ok) { results.textContent = ''; results.appendChild(pd.el('p', 'note error', pd.problem(res.body))); return; }
        show(res.body);
        results.scrollIntoView({ block: 'start' });  // the answers are below a long form
      })
      .catch(function () {
        submit.disabled = false;
        results.textContent = '';
        results.appendChild(pd.el('p', 'note error', pd.t('benefits_unavailable')));
      });
  });

  document.addEventListener('policydesk:tab', function (e) { if (e.detail === 'benefits') load(); });
  document.addEventListener('policydesk:locale', function () {
    if (!document.getElementById('benefits').hidden) { results.textContent = ''; load(); }
  });
})();
