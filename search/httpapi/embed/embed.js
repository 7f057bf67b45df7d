/*! newsdex search widget. Paste on any page:
 *   <div data-newsdex-search data-endpoint="https://search.example.org"></div>
 *   <script src="https://search.example.org/embed.js" async></script>
 * Options (data-*): endpoint, query, source, person, org, place (fixed
 * filters; several values separated by |), from-date, to-date, sort, size,
 * facets (e.g. "source,person"), key (public key), theme (light, dark,
 * auto), target (_blank, _top, ...). Each widget is independent; call
 * NewsdexSearch.mount(element) for elements added later.
 *
 * Safety rule: text from the server never becomes markup. Snippets are
 * HTML-escaped text with <mark> around matches; they are split on the
 * mark tags and every piece becomes a text node.
 */
(function () {
  'use strict';
  if (window.NewsdexSearch) { window.NewsdexSearch.scan(); return; }

  var CSS = '__NEWSDEX_CSS__'; // the server puts embed.css here
  var script = document.currentScript;
  var scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var FILTERS = ['source', 'person', 'org', 'place'];
  var LABELS = { source: ['Outlet', 'All outlets'], person: ['Person', 'All people'],
    org: ['Organisation', 'All organisations'], place: ['Place', 'All places'] };
  var DEBOUNCE_MS = 100;
  var sheet = null;
  var widgets = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function style(root) {
    try {
      if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); }
      root.adoptedStyleSheets = [sheet];
    } catch (e) { // browsers without constructable stylesheets
      root.appendChild(el('style', null, CSS));
    }
  }

  var ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#34;': '"', '&#39;': "'", '&#x27;': "'" };
  function unescapeHTML(s) {
    return s.replace(/&(?:amp|lt|gt|quot|#34|#39|#x27);/g, function (m) { return ENTITIES[m]; });
  }

  // snippet appends the API's snippet to parent as text and <mark> nodes.
  function snippet(parent, s) {
    var marked = false;
    String(s || '').split(/(<mark>|<\/mark>)/).forEach(function (part) {
      if (part === '<mark>') { marked = true; return; }
      if (part === '</mark>') { marked = false; return; }
      if (!part) return;
      var text = unescapeHTML(part);
      parent.appendChild(marked ? el('mark', null, text) : document.createTextNode(text));
    });
  }

  function formatDate(s) {
    if (!s) return '';
    var d = new Date(s);
    if (isNaN(d)) return s.slice(0, 10);
    try {
      return d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
    } catch (e) { return s.slice(0, 10); }
  }

  function split(v) {
    return (v || '').split('|').map(function (x) { return x.trim(); }).filter(Boolean);
  }

  function mount(host) {
    if (!host || host.newsdexWidget) return host && host.newsdexWidget;
    var d = host.dataset;
    var endpoint = (d.endpoint || scriptOrigin).replace(/\/+$/, '');
    var size = Math.min(Math.max(parseInt(d.size, 10) || 8, 1), 50);
    var facets = (d.facets || '').split(',').map(function (f) { return f.trim(); })
      .filter(function (f) { return LABELS[f]; });
    var key = d.key || '';
    var target = /^_(blank|top|parent|self)$/.test(d.target || '') ? d.target : '';
    var fixed = new URLSearchParams();
    FILTERS.forEach(function (f) { split(d[f]).forEach(function (v) { fixed.append(f, v); }); });
    if (d.fromDate) fixed.set('from_date', d.fromDate);
    if (d.toDate) fixed.set('to_date', d.toDate);
    if (d.sort) fixed.set('sort', d.sort);

    var n = ++widgets;
    var root = host.shadowRoot || host.attachShadow({ mode: 'open' });
    style(root);
    var box = el('div', 'nd');
    box.setAttribute('data-theme', /^(dark|auto)$/.test(d.theme || '') ? d.theme : 'light');
    var form = el('form', 'bar');
    form.setAttribute('role', 'search');
    var label = el('label', 'vh', d.label || 'Search the archive');
    label.htmlFor = 'nd-q' + n;
    var input = el('input');
    input.type = 'search';
    input.id = 'nd-q' + n;
    input.placeholder = d.placeholder || 'Search the archive';
    input.autocomplete = 'off';
    input.spellcheck = false;
    input.setAttribute('enterkeyhint', 'search');
    var go = el('button', null, 'Search');
    go.type = 'submit';
    form.append(label, input, go);
    var facetBox = el('div', 'facets');
    facetBox.hidden = !facets.length;
    var selects = {};
    var chosen = {};
    facets.forEach(function (f) {
      var s = el('select');
      s.setAttribute('aria-label', LABELS[f][0]);
      s.appendChild(el('option', null, LABELS[f][1])).value = '';
      s.addEventListener('change', function () { chosen[f] = s.value; run(false); });
      selects[f] = s;
      facetBox.appendChild(s);
    });
    var status = el('p', 'status');
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    status.setAttribute('aria-atomic', 'true');
    var list = el('ol', 'hits');
    list.setAttribute('aria-label', 'Results');
    var more = el('button', 'more', 'More results');
    more.type = 'button';
    more.hidden = true;
    box.append(form, facetBox, status, list, more);
    root.appendChild(box);

    var seq = 0, timer = 0, ctrl = null, cursor = '';

    function say(text, isError) {
      status.textContent = text;
      status.className = isError ? 'status err' : 'status';
    }

    function params(q, after) {
      var p = new URLSearchParams(fixed);
      p.set('q', q);
      // A chosen value replaces the fixed ones of its field: it is one
      // of them, as the facet counts come from the fixed search.
      Object.keys(chosen).forEach(function (f) { if (chosen[f]) p.set(f, chosen[f]); });
      p.set('size', String(size));
      p.set('highlight', 'true');
      p.set('compact', 'true');
      if (after) p.set('cursor', after);
      else if (facets.length) { p.set('facets', facets.join(',')); p.set('facet_size', '10'); }
      if (key) p.set('key', key);
      return p;
    }

    function articleLink(h) {
      if (h.url && /^https?:\/\//i.test(h.url)) return h.url;
      if (key) return endpoint + '/api/v1/articles/' + encodeURIComponent(h.id) + '?key=' + encodeURIComponent(key);
      return endpoint + '/?view=article&id=' + encodeURIComponent(h.id);
    }

    function hit(h) {
      var li = el('li', 'hit');
      var a = el('a', 'title', h.title || '(untitled)');
      a.href = articleLink(h);
      if (target) { a.target = target; a.rel = 'noopener'; }
      var meta = [h.source, formatDate(h.published)].filter(Boolean).join(' · ');
      var p = el('p', 'snip');
      snippet(p, h.snippet);
      li.append(a);
      if (meta) li.append(el('span', 'meta', meta));
      li.append(p);
      return li;
    }

    function showFacets(res) {
      facets.forEach(function (f) {
        if (chosen[f]) return; // keep the list while a value is chosen
        var s = selects[f];
        while (s.options.length > 1) s.remove(1);
        ((res.facets || {})[f] || []).forEach(function (v) {
          s.appendChild(el('option', null, v.value + ' (' + v.count + ')')).value = v.value;
        });
      });
    }

    function render(q, res, append) {
      if (!append) list.textContent = '';
      var first = list.children.length;
      (res.hits || []).forEach(function (h) { list.appendChild(hit(h)); });
      cursor = res.next_cursor || '';
      more.hidden = !cursor;
      if (!append) showFacets(res);
      var total = res.total || 0;
      say(total ? total.toLocaleString() + (total === 1 ? ' result' : ' results') + ' for “' + q + '”'
        : 'No results for “' + q + '”');
      if (append && list.children[first]) list.children[first].querySelector('a').focus();
      host.dispatchEvent(new CustomEvent('newsdex:results', { detail: { query: q, total: total, shown: list.children.length } }));
    }

    function failure(r, body) {
      if (r.status === 429) return 'Too many searches; try again in ' + (r.headers.get('Retry-After') || 'a few') + ' s.';
      if (r.status === 401) return 'This site’s search key was refused.';
      var msg = body && body.error && body.error.message;
      return r.status === 400 && msg ? msg : 'Search failed (' + r.status + ').';
    }

    function run(append) {
      clearTimeout(timer);
      var q = input.value.trim();
      if (ctrl) ctrl.abort();
      var my = ++seq;
      if (!q) {
        list.textContent = '';
        more.hidden = true;
        say('');
        return;
      }
      ctrl = typeof AbortController === 'function' ? new AbortController() : null;
      list.setAttribute('aria-busy', 'true');
      fetch(endpoint + '/api/v1/search?' + params(q, append ? cursor : ''), {
        credentials: 'omit', signal: ctrl ? ctrl.signal : undefined,
      }).then(function (r) {
        return r.json().catch(function () { return null; }).then(function (body) {
          if (my !== seq) return;
          if (!r.ok || !body) throw new Error(failure(r, body));
          render(q, body, append);
        });
      }).catch(function (e) {
        if (my !== seq || (e && e.name === 'AbortError')) return;
        say(e && e.message && !/fetch|network/i.test(e.message) ? e.message : 'The search service could not be reached.', true);
        host.dispatchEvent(new CustomEvent('newsdex:error', { detail: { query: q } }));
      }).then(function () {
        if (my === seq) list.removeAttribute('aria-busy');
      });
    }

    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { run(false); }, DEBOUNCE_MS);
    });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && input.value) { e.preventDefault(); input.value = ''; run(false); }
    });
    form.addEventListener('submit', function (e) { e.preventDefault(); run(false); });
    more.addEventListener('click', function () { run(true); });

    var widget = { host: host, input: input, search: function (q) { input.value = q; run(false); } };
    host.newsdexWidget = widget;
    if (d.query) { input.value = d.query; run(false); }
    return widget;
  }

  function scan() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-newsdex-search]'), mount);
  }

  window.NewsdexSearch = { mount: mount, scan: scan };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan);
  else scan();
})();
