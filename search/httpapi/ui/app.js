// newsdex researcher page. Plain JavaScript, no dependencies, no build.
//
// Safety rule: article text never reaches an HTML parser. Every title, body,
// outlet and name is set with textContent or a text node; the API's
// snippets (HTML-escaped text with <mark> only) are split on the <mark>
// tags and their pieces unescaped into text nodes (appendSnippet).
'use strict';

(() => {
  const FACETS = [
    { name: 'source', label: 'Outlets', one: 'Outlet', hitField: 'source', placeholder: 'Find an outlet' },
    { name: 'person', label: 'People', one: 'Person', hitField: 'persons', placeholder: 'Find a person' },
    { name: 'org', label: 'Organisations', one: 'Organisation', hitField: 'organizations', placeholder: 'Find an organisation' },
    { name: 'place', label: 'Places', one: 'Place', hitField: 'places', placeholder: 'Find a place' },
  ];
  const PAGE_SIZE = 10;
  const MAX_OFFSET = 1000; // the API's from+size limit; deeper pages use the cursor
  const FACET_SIZE = 10;
  const KWIC_WIDTH = 60;
  const KWIC_LIMIT = 1000;
  const VIEWS = ['results', 'kwic', 'article', 'entity', 'compare', 'network'];
  // The entity types are the facets after the outlets; the API names
  // them as the facets do.
  const ENTITY_FACETS = FACETS.slice(1);
  const entityFacet = (type) => ENTITY_FACETS.find((f) => f.name === type);

  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  };
  const SVG = 'http://www.w3.org/2000/svg';
  const svg = (tag, attrs) => {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    return e;
  };

  // ---- State and URL -------------------------------------------------

  // The URL's query string holds the whole state, so a search can be
  // cited, shared, bookmarked and walked with back and forward.
  function readState(search) {
    const p = new URLSearchParams(search === undefined ? location.search : search);
    const view = p.get('view');
    const page = parseInt(p.get('page') || '1', 10);
    const st = {
      q: p.get('q') || '',
      filters: {},
      from_date: p.get('from_date') || '',
      to_date: p.get('to_date') || '',
      sort: ['relevance', 'date', '-date'].includes(p.get('sort')) ? p.get('sort') : 'relevance',
      page: Number.isFinite(page) && page > 0 ? page : 1,
      cursor: p.get('cursor') || '',
      view: VIEWS.includes(view) ? view : 'results',
      id: p.get('id') || '',
      ksort: ['left', 'right'].includes(p.get('ksort')) ? p.get('ksort') : '',
      etype: entityFacet(p.get('etype')) ? p.get('etype') : '',
      ename: p.get('ename') || '',
      // Compare view (timeline): its queries, series, measure, interval.
      cq: p.getAll('cq').filter(Boolean).slice(0, 10),
      cby: p.get('cby') === 'source' ? 'source' : '',
      cmeasure: p.get('cmeasure') === 'share' ? 'share' : 'count',
      cint: ['day', 'week', 'year'].includes(p.get('cint')) ? p.get('cint') : 'month',
      dedup: p.get('dedup') === 'true', // unique stories: one article per near-duplicate group
    };
    for (const f of FACETS) st.filters[f.name] = p.getAll(f.name).filter(Boolean);
    if (st.view === 'article' && !st.id) st.view = 'results';
    if (st.view === 'entity' && !(st.etype && st.ename)) st.view = 'results';
    return st;
  }

  // searchParams are the parameters every endpoint shares: query,
  // filters, dates and sort.
  function searchParams(st) {
    const p = new URLSearchParams();
    if (st.q) p.set('q', st.q);
    for (const f of FACETS) for (const v of st.filters[f.name]) p.append(f.name, v);
    if (st.from_date) p.set('from_date', st.from_date);
    if (st.to_date) p.set('to_date', st.to_date);
    if (st.sort !== 'relevance') p.set('sort', st.sort);
    if (st.dedup) p.set('dedup', 'true');
    return p;
  }

  function stateURL(st) {
    const p = searchParams(st);
    if (st.page > 1) p.set('page', String(st.page));
    if (st.cursor) p.set('cursor', st.cursor);
    if (st.view !== 'results') p.set('view', st.view);
    if (st.view === 'article') p.set('id', st.id);
    if (st.view === 'entity') {
      p.set('etype', st.etype);
      p.set('ename', st.ename);
    }
    if (st.ksort) p.set('ksort', st.ksort);
    if (st.view === 'compare') {
      for (const q of st.cq) p.append('cq', q);
      if (st.cby) p.set('cby', st.cby);
      if (st.cmeasure !== 'count') p.set('cmeasure', st.cmeasure);
      if (st.cint !== 'month') p.set('cint', st.cint);
    }
    const qs = p.toString();
    return location.pathname + (qs ? '?' + qs : '');
  }

  function go(st, opts) {
    const url = stateURL(st);
    if (opts && opts.replace) history.replaceState({ app: true }, '', url);
    else history.pushState({ app: true }, '', url);
    render(opts || {});
  }

  // A changed search starts again at page 1.
  function withSearch(st, change) {
    const next = structuredClone(st);
    change(next);
    next.page = 1;
    next.cursor = '';
    if (next.view === 'article' || next.view === 'entity') next.view = 'results';
    return next;
  }

  // Cursors seen for pages beyond the offset limit, so "previous" works
  // there too. Keyed by the search they belong to.
  const cursors = new Map();
  const cursorKey = (st, page) => searchParams(st).toString() + '#' + page;

  // ---- API -------------------------------------------------------------

  let seq = 0; // the latest render; older responses are dropped

  // When the operator requires keys, open the page as /?key=KEY: the key
  // is kept for this tab (not in shared permalinks) and sent with every
  // API call and download link.
  const pageKey = (() => {
    const k = new URLSearchParams(location.search).get('key') || '';
    try {
      if (k) sessionStorage.setItem('newsdex-key', k);
      return k || sessionStorage.getItem('newsdex-key') || '';
    } catch (e) {
      return k;
    }
  })();
  function withKey(params) {
    const p = new URLSearchParams(params || '');
    if (pageKey) p.set('key', pageKey);
    return p;
  }

  async function api(path, params) {
    params = withKey(params);
    const url = path + (params.toString() ? '?' + params : '');
    return readJSON(await fetch(url, { headers: { Accept: 'application/json' } }));
  }

  // readJSON returns a response's JSON body, or throws the API's error
  // message with the status.
  async function readJSON(res) {
    let body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    if (!res.ok) {
      const msg = body && body.error && body.error.message ? body.error.message : res.status + ' ' + res.statusText;
      const err = new Error(msg);
      err.status = res.status;
      throw err;
    }
    return body;
  }

  // Entity corrections need an admin key. The server takes admin keys
  // only in the Authorization header, so the key is typed into the entity
  // page's editor, kept for this tab (sessionStorage), and sent only in
  // that header: never in a URL, which logs and history would keep.
  const ADMIN_KEY = 'newsdex-admin-key';
  let memoryAdminKey = ''; // when the browser refuses sessionStorage
  const adminKey = {
    get() {
      try { return sessionStorage.getItem(ADMIN_KEY) || ''; } catch (e) { return memoryAdminKey; }
    },
    set(k) {
      memoryAdminKey = k;
      try {
        if (k) sessionStorage.setItem(ADMIN_KEY, k);
        else sessionStorage.removeItem(ADMIN_KEY);
      } catch (e) { /* kept in memory for this page */ }
    },
  };

  async function adminPost(path, body) {
    return readJSON(await fetch(path, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: 'Bearer ' + adminKey.get() },
      body: JSON.stringify(body),
    }));
  }

  // ---- Text helpers ------------------------------------------------------

  const ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", '#39': "'", '#34': '"' };
  function unescapeHTML(s) {
    return s.replace(/&(lt|gt|amp|quot|apos|#39|#34);/g, (m, name) => ENTITIES[name]);
  }

  // appendSnippet renders an API snippet: the only markup it may hold is
  // <mark> and </mark>; everything between is escaped text, which is
  // unescaped into text nodes. Nothing is ever parsed as HTML.
  function appendSnippet(parent, snippet) {
    let marked = false;
    for (const part of String(snippet || '').split(/(<mark>|<\/mark>)/)) {
      if (part === '<mark>') { marked = true; continue; }
      if (part === '</mark>') { marked = false; continue; }
      if (!part) continue;
      const text = document.createTextNode(unescapeHTML(part));
      parent.append(marked ? el('mark', null, text) : text);
    }
  }

  const dateFmt = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  const monthFmt = new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });
  function formatDate(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : dateFmt.format(d);
  }
  const nf = new Intl.NumberFormat('en-GB');
  const plural = (n, one, many) => nf.format(n) + ' ' + (n === 1 ? one : many);

  // Query words for highlighting the article view client-side. The server
  // matches with its analyzer (stemming, folding); this approximates it
  // with a light English stemmer. Negated words and field names are left
  // out.
  function queryWords(q) {
    const out = [];
    const toks = q.match(/-?"[^"]*"(?:~\d+)?|\(|\)|[^\s()"]+/g) || [];
    let depth = 0;
    let skipAt = -1; // inside a negated group opened at this depth
    let negate = false;
    for (let t of toks) {
      if (t === '(') {
        if (negate && skipAt < 0) skipAt = depth;
        negate = false;
        depth++;
        continue;
      }
      if (t === ')') {
        depth = Math.max(0, depth - 1);
        if (depth === skipAt) skipAt = -1;
        continue;
      }
      if (skipAt >= 0) continue;
      if (t === 'NOT' || t === '-') { negate = true; continue; }
      if (t === 'AND' || t === 'OR' || t === 'TO' || t === '+') continue;
      if (/[[\]{}]/.test(t) || /^[-+]?[a-z_]+:$/i.test(t)) {
        if (/^-/.test(t)) negate = true;
        continue; // a date range, or a field name before a phrase or group
      }
      const wasNegated = negate || t.startsWith('-');
      negate = false;
      if (wasNegated) continue;
      t = t.replace(/^\+/, '').replace(/^[a-z_]+:/i, '');
      const phrase = t.startsWith('"');
      for (let w of t.replace(/"(~\d+)?/g, ' ').split(/\s+/)) {
        const prefix = !phrase && /\*$/.test(w);
        w = w.replace(/[~^][0-9.]*$/, '').replace(/[^\p{L}\p{N}]+/gu, '');
        if (w) out.push({ stem: prefix ? fold(w) : stem(w), prefix });
      }
    }
    return out;
  }
  const fold = (w) => w.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  function stem(w) {
    w = fold(w).replace(/['’]s$/, '');
    if (w.length <= 3) return w;
    if (w.endsWith('ies')) return w.slice(0, -3) + 'y';
    if (/(ss|us)$/.test(w)) return w;
    if (w.endsWith('es') && /(sh|ch|x|z|s)es$/.test(w)) return w.slice(0, -2);
    if (w.endsWith('s')) return w.slice(0, -1);
    if (w.endsWith('ing') && w.length > 5) return w.slice(0, -3);
    if (w.endsWith('ed') && w.length > 4) return w.slice(0, -2);
    return w;
  }
  // appendHighlighted adds text to parent as text nodes, with words that
  // match the query wrapped in <mark>.
  function appendHighlighted(parent, text, words) {
    if (!words.length) { parent.append(text); return; }
    const re = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;
    let last = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      const w = m[0];
      const s = stem(w);
      const f = fold(w);
      if (words.some((q) => (q.prefix ? f.startsWith(q.stem) : s === q.stem))) {
        if (m.index > last) parent.append(text.slice(last, m.index));
        parent.append(el('mark', { text: w }));
        last = m.index + w.length;
      }
    }
    if (last < text.length) parent.append(text.slice(last));
  }

  // ---- Rendering -----------------------------------------------------------

  // Re-rendering rebuilds the lists; focus returns to the element with
  // the same data-focus key, so keyboard users keep their place.
  function focusKey() {
    const a = document.activeElement;
    return a && a.dataset ? a.dataset.focus || '' : '';
  }
  function restoreFocus(key) {
    if (!key) return;
    const e = document.querySelector('[data-focus="' + CSS.escape(key) + '"]');
    if (e) e.focus();
  }

  function showError(msg) {
    const e = $('error');
    e.textContent = msg;
    e.hidden = !msg;
  }

  async function render(opts) {
    const my = ++seq;
    const st = readState();
    const keep = focusKey();
    showError('');
    $('q').value = st.q;
    $('sort').value = st.sort;
    $('dedup').checked = st.dedup;
    document.title = (st.q ? st.q + ' · ' : '') + 'newsdex';
    for (const b of document.querySelectorAll('.tabs button')) b.setAttribute('aria-pressed', String(b.dataset.view === st.view));
    $('results-view').hidden = st.view !== 'results';
    $('kwic-view').hidden = st.view !== 'kwic';
    $('article-view').hidden = st.view !== 'article';
    $('entity-view').hidden = st.view !== 'entity';
    $('compare-view').hidden = st.view !== 'compare';
    $('network-view').hidden = st.view !== 'network';
    const page = st.view === 'article' || st.view === 'entity'; // a page of its own, not a search
    $('toolbar').hidden = page;
    $('chart-box').hidden = page;
    $('exports').hidden = page;
    $('sidebar').hidden = page;
    $('active').hidden = st.view === 'entity'; // the entity page is not a search
    document.querySelector('.layout').classList.toggle('single', page);
    renderActive(st);
    renderDistinctive(st, my);
    $('main').setAttribute('aria-busy', 'true');
    try {
      if (st.view === 'article') await renderArticle(st, my);
      else if (st.view === 'entity') await renderEntity(st, my);
      else if (st.view === 'compare') await Promise.all([renderSearch(st, my), renderCompare(st, my)]);
      else if (st.view === 'network') await Promise.all([renderSearch(st, my), renderNetwork(st, my)]);
      else await renderSearch(st, my);
    } catch (err) {
      if (my === seq) {
        showError(err.message);
        $('status').textContent = '';
      }
    } finally {
      if (my === seq) $('main').removeAttribute('aria-busy');
    }
    if (my !== seq) return;
    if (opts.focusMain) {
      $('main').focus();
      window.scrollTo(0, 0);
    } else {
      restoreFocus(keep);
    }
  }

  async function renderSearch(st, my) {
    const p = searchParams(st);
    p.set('facets', FACETS.map((f) => f.name).join(','));
    p.set('facet_size', String(FACET_SIZE));
    p.set('histogram', 'month');
    const isKWIC = st.view === 'kwic';
    const from = (st.page - 1) * PAGE_SIZE;
    p.set('size', String(isKWIC ? 1 : PAGE_SIZE));
    if (!isKWIC) {
      if (st.cursor) p.set('cursor', st.cursor);
      else if (from + PAGE_SIZE <= MAX_OFFSET) p.set('from', String(from));
      else throw new Error('Page ' + st.page + ' can only be reached with the Next button (the link lost its cursor).');
    }
    const kp = searchParams(st);
    kp.set('width', String(KWIC_WIDTH));
    kp.set('limit', String(KWIC_LIMIT));
    const [res, kwic] = await Promise.all([api('/api/v1/search', p), isKWIC ? api('/api/v1/kwic', kp) : null]);
    if (my !== seq) return;
    if (st.cursor) cursors.set(cursorKey(st, st.page), st.cursor);
    $('status').textContent = plural(res.total, 'match', 'matches') + (st.q ? ' for ' + st.q : '') +
      (isKWIC ? '' : res.total > PAGE_SIZE ? ' · page ' + st.page + ' of ' + nf.format(Math.ceil(res.total / PAGE_SIZE)) : '') +
      ' · ' + res.took_ms.toFixed(1) + ' ms';
    renderFacets(st, res.facets || {});
    renderChart(st, res.histogram || [], res.total);
    renderExports(st, res.total);
    if (isKWIC) renderKWIC(st, kwic);
    else {
      renderHits(st, res, from);
      renderPager(st, res);
    }
  }

  function renderActive(st) {
    const box = $('active');
    box.replaceChildren();
    for (const f of FACETS) {
      for (const v of st.filters[f.name]) {
        box.append(el('button', {
          type: 'button', class: 'chip active-filter ' + f.name, 'data-focus': 'active:' + f.name + ':' + v,
          'aria-label': 'Remove filter ' + f.one + ': ' + v,
          onclick: () => go(withSearch(st, (n) => { n.filters[f.name] = n.filters[f.name].filter((x) => x !== v); })),
        }, el('span', { class: 'kind', text: f.one }), v, ' ×'));
      }
    }
    if (st.from_date || st.to_date) {
      const label = (st.from_date || '…') + ' to ' + (st.to_date || '…');
      box.append(el('button', {
        type: 'button', class: 'chip active-filter', 'data-focus': 'active:dates',
        'aria-label': 'Remove date range ' + label,
        onclick: () => go(withSearch(st, (n) => { n.from_date = ''; n.to_date = ''; })),
      }, el('span', { class: 'kind', text: 'Dates' }), label, ' ×'));
    }
  }

  function toggleFilter(st, facet, value) {
    return withSearch(st, (n) => {
      const vals = n.filters[facet];
      n.filters[facet] = vals.includes(value) ? vals.filter((x) => x !== value) : vals.concat([value]);
    });
  }

  // facetButton is one facet value: a button that toggles the filter,
  // and for people, organisations and places a link to the entity's page.
  function facetButton(st, f, value, count) {
    const on = st.filters[f.name].includes(value);
    return el('li', { class: 'facet-row' }, el('button', {
      type: 'button', class: 'facet-value', 'aria-pressed': String(on), 'data-focus': 'facet:' + f.name + ':' + value,
      title: (on ? 'Remove filter ' : 'Filter by ') + f.one.toLowerCase() + ' ' + value,
      onclick: () => go(toggleFilter(st, f.name, value)),
    }, el('span', { class: 'v', text: value }), el('span', { class: 'n', text: count === null ? '' : nf.format(count) })),
    entityFacet(f.name) ? entityLink(f.name, value, '›', {
      class: 'entity-link facet-entity', title: 'About ' + value, 'aria-label': 'About ' + f.one.toLowerCase() + ' ' + value,
      'data-focus': 'facet-entity:' + f.name + ':' + value,
    }) : null);
  }

  function fillFacetList(st, f, ul, values) {
    ul.replaceChildren();
    const shown = new Set(values.map((v) => v.value));
    for (const v of st.filters[f.name]) if (!shown.has(v)) ul.append(facetButton(st, f, v, null));
    for (const v of values) ul.append(facetButton(st, f, v.value, v.count));
    if (!ul.children.length) ul.append(el('li', { class: 'empty', text: 'None among these matches' }));
  }

  function renderFacets(st, facets) {
    const box = $('facets');
    box.replaceChildren();
    for (const f of FACETS) {
      const ul = el('ul', { id: 'facet-' + f.name + '-list', 'aria-label': f.label });
      const input = el('input', {
        type: 'search', placeholder: f.placeholder + '…', 'aria-label': f.placeholder, 'aria-controls': ul.id,
        'data-focus': 'facet-find:' + f.name, spellcheck: 'false',
      });
      let timer = 0;
      let asked = 0;
      input.addEventListener('input', () => {
        clearTimeout(timer);
        timer = setTimeout(async () => {
          const prefix = input.value.trim();
          const mine = ++asked;
          if (!prefix) { fillFacetList(st, f, ul, facets[f.name] || []); return; }
          const p = searchParams(st);
          p.set('prefix', prefix);
          p.set('size', '20');
          try {
            const res = await api('/api/v1/facets/' + encodeURIComponent(f.name), p);
            if (mine === asked) fillFacetList(st, f, ul, res.values || []);
          } catch (err) {
            showError(err.message);
          }
        }, 200);
      });
      fillFacetList(st, f, ul, facets[f.name] || []);
      box.append(el('section', { class: 'facet', 'aria-labelledby': 'facet-' + f.name + '-h' },
        el('h2', { id: 'facet-' + f.name + '-h', text: f.label }), input, ul));
    }
  }

  // renderChart draws matches per month, or per year when the matches
  // span more than four years, with empty periods shown as gaps. A bar
  // is a button: it narrows the date range to its period. The entity page
  // draws its own chart with opts: where, what a bar counts, and the
  // state a bar goes to.
  function renderChart(st, buckets, total, opts) {
    const o = Object.assign({
      box: $('chart'), caption: $('chart-caption'), title: 'Matches', one: 'match', many: 'matches', hint: 'Select a bar to narrow the dates.',
      narrow: (b) => withSearch(st, (n) => { n.from_date = b.from; n.to_date = b.to; }),
    }, opts || {});
    const box = o.box;
    box.replaceChildren();
    const dated = buckets.reduce((s, b) => s + b.count, 0);
    if (!buckets.length) {
      o.caption.textContent = o.title + ' over time';
      box.append(el('p', { class: 'empty', text: total ? 'None of these ' + o.many + ' has a publication date.' : 'No ' + o.many + '.' }));
      return;
    }
    const months = new Map(buckets.map((b) => [b.key, b.count]));
    const first = buckets[0].key;
    const last = buckets[buckets.length - 1].key;
    const [fy, fm] = first.split('-').map(Number);
    const [ly, lm] = last.split('-').map(Number);
    const span = (ly - fy) * 12 + (lm - fm) + 1;
    let bars = [];
    if (span > 48) {
      for (let y = fy; y <= ly; y++) bars.push({ key: String(y), count: 0, from: y + '-01-01', to: y + '-12-31', label: String(y) });
      for (const [k, c] of months) bars[Number(k.slice(0, 4)) - fy].count += c;
    } else {
      for (let i = 0; i < span; i++) {
        const y = fy + Math.floor((fm - 1 + i) / 12);
        const m = ((fm - 1 + i) % 12) + 1;
        const key = y + '-' + String(m).padStart(2, '0');
        const end = new Date(Date.UTC(y, m, 0)).getUTCDate();
        bars.push({ key, count: months.get(key) || 0, from: key + '-01', to: key + '-' + end, label: monthFmt.format(new Date(Date.UTC(y, m - 1, 1))) });
      }
    }
    const per = span > 48 ? 'year' : 'month';
    o.caption.textContent = o.title + ' per ' + per + ' (' + plural(dated, 'dated article', 'dated articles') +
      (dated < total ? ' of ' + nf.format(total) : '') + '). ' + o.hint;
    const W = Math.max(320, Math.round(box.clientWidth || 800));
    const H = 140;
    const top = 14;
    const bottom = 18;
    const max = Math.max(...bars.map((b) => b.count), 1);
    const step = W / bars.length;
    const bw = Math.max(1, Math.min(step * 0.8, 60));
    const s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'group', 'aria-label': o.title + ' per ' + per });
    s.append(svg('line', { class: 'axis', x1: 0, x2: W, y1: H - bottom + 0.5, y2: H - bottom + 0.5 }));
    bars.forEach((b, i) => {
      const h = b.count ? Math.max(2, ((H - top - bottom) * b.count) / max) : 1;
      const x = i * step + (step - bw) / 2;
      const rect = svg('rect', { x: x.toFixed(2), y: (H - bottom - h).toFixed(2), width: bw.toFixed(2), height: h.toFixed(2) });
      if (!b.count) {
        rect.setAttribute('class', 'zero');
        s.append(rect);
        return;
      }
      const name = b.label + ': ' + plural(b.count, o.one, o.many);
      const g = svg('g', { class: 'bar', tabindex: '0', role: 'button', 'aria-label': name + '. Narrow to this ' + per, 'data-focus': 'bar:' + b.key, 'data-key': b.key });
      const t = svg('title', {});
      t.textContent = name;
      g.append(t, rect);
      const narrow = () => go(o.narrow(b));
      g.addEventListener('click', narrow);
      g.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); narrow(); }
      });
      s.append(g);
    });
    const label = (x, anchor, txt) => {
      const t = svg('text', { x, y: H - 4, 'text-anchor': anchor });
      t.textContent = txt;
      s.append(t);
    };
    label(2, 'start', bars[0].label);
    if (bars.length > 1) label(W - 2, 'end', bars[bars.length - 1].label);
    const mx = svg('text', { x: 2, y: 10 });
    mx.textContent = 'max ' + nf.format(max);
    s.append(mx);
    box.append(s);
  }

  function renderExports(st, total) {
    const box = $('exports');
    box.replaceChildren();
    if (!total) return;
    box.append('Export all ' + plural(total, 'match', 'matches') + ':');
    for (const [format, text, label] of [['csv', 'snippet', 'CSV'], ['csv', 'full', 'CSV, full text'], ['jsonl', 'snippet', 'JSON Lines'], ['jsonl', 'full', 'JSON Lines, full text']]) {
      const p = searchParams(st);
      p.set('format', format);
      p.set('text', text);
      box.append(' ', el('a', { href: '/api/v1/export?' + withKey(p), download: 'newsdex-export.' + format, class: 'export-link', 'data-format': format, 'data-text': text, text: label }));
    }
    renderFeedLinks(st, box);
  }

  // renderFeedLinks offers the current search as a feed (newest matches
  // first) and announces it to browsers and feed readers in <head>.
  function renderFeedLinks(st, box) {
    const href = (format) => {
      const p = searchParams(st);
      for (const k of ['sort', 'from', 'cursor', 'facets', 'histogram']) p.delete(k);
      p.set('format', format);
      return '/api/v1/feed?' + withKey(p);
    };
    box.append(' · Follow as a feed:');
    for (const [format, label] of [['atom', 'Atom'], ['rss', 'RSS'], ['json', 'JSON Feed']]) {
      box.append(' ', el('a', { href: href(format), class: 'feed-link', 'data-format': format, text: label }));
    }
    let alt = document.querySelector('link[rel="alternate"][type="application/atom+xml"]');
    if (!alt) {
      alt = document.createElement('link');
      alt.rel = 'alternate';
      alt.type = 'application/atom+xml';
      document.head.append(alt);
    }
    alt.title = 'newsdex: ' + (st.q || 'all articles');
    alt.href = href('atom');
  }

  // A link that navigates inside the page but still works as a permalink
  // (open in a new tab, copy link).
  function appLink(text, st, attrs) {
    return el('a', Object.assign({
      href: stateURL(st), text,
      onclick: (e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        go(st, { focusMain: true });
      },
    }, attrs || {}));
  }

  // entityState is the page of one person, organisation or place. It
  // carries no search: its permalink names the entity only.
  function entityState(type, name) {
    return Object.assign(readState(''), { view: 'entity', etype: type, ename: name });
  }

  // entitySearch is the result list of the entity's articles.
  function entitySearch(st, change) {
    const n = readState('');
    n.filters[st.etype] = [st.ename];
    if (change) change(n);
    return n;
  }

  function entityLink(type, name, text, attrs) {
    return appLink(text, entityState(type, name), Object.assign({ 'data-type': type, 'data-name': name }, attrs || {}));
  }

  function articleState(st, id) {
    const n = structuredClone(st);
    n.view = 'article';
    n.id = id;
    return n;
  }

  // entityChips lists the names an article mentions as filter buttons.
  // In a result list only the first few show, with a button for the rest.
  function entityChips(st, item, label, show) {
    const ul = el('ul', { class: 'chips', 'aria-label': label });
    const chips = [];
    for (const f of ENTITY_FACETS) {
      for (const v of item[f.hitField] || []) {
        const on = st.filters[f.name].includes(v);
        // The name opens the entity's page; the small button beside it
        // filters the search by it.
        chips.push(el('li', { class: 'chip ' + f.name + (on ? ' active-filter' : '') },
          el('span', { class: 'kind', text: f.one }),
          entityLink(f.name, v, v, { class: 'entity-link', title: 'About ' + v }),
          el('button', {
            type: 'button', class: 'chip-filter', 'aria-pressed': String(on),
            'aria-label': (on ? 'Remove filter ' : 'Filter by ') + f.one.toLowerCase() + ' ' + v,
            title: (on ? 'Remove filter ' : 'Filter by ') + f.one.toLowerCase() + ' ' + v,
            onclick: () => go(toggleFilter(st, f.name, v), { focusMain: true }),
          }, on ? '×' : '+')));
      }
    }
    if (!chips.length) return null;
    const limit = show && chips.length > show + 1 ? show : chips.length; // never hide just one
    ul.append(...chips.slice(0, limit));
    if (chips.length > limit) {
      const more = el('li', null, el('button', {
        type: 'button', class: 'chip more', 'aria-label': 'Show ' + (chips.length - limit) + ' more names',
        onclick: () => {
          more.replaceWith(...chips.slice(limit));
          chips[limit].querySelector('a').focus();
        },
      }, '+' + (chips.length - limit) + ' more'));
      ul.append(more);
    }
    return ul;
  }

  function renderHits(st, res, from) {
    const ol = $('results');
    ol.replaceChildren();
    ol.start = from + 1;
    if (!res.hits.length) {
      ol.append(el('li', { class: 'empty', text: res.total ? 'No more matches on this page.' : 'Nothing matches. Try fewer words, OR, or remove a filter.' }));
      return;
    }
    for (const h of res.hits) {
      const snippet = el('p', { class: 'snippet' });
      appendSnippet(snippet, h.snippet);
      const meta = el('p', { class: 'meta' });
      if (h.source) meta.append(el('span', { class: 'outlet', text: h.source }));
      if (h.source && h.published) meta.append(' · ');
      if (h.published) meta.append(el('time', { datetime: h.published, text: formatDate(h.published) }));
      if (h.copies > 1) meta.append(' · ', copiesToggle(h));
      ol.append(el('li', { class: 'hit', 'data-id': h.id },
        el('h2', null, appLink(h.title || '(untitled)', articleState(st, h.id), { class: 'hit-title', 'data-focus': 'hit:' + h.id })),
        meta, snippet, entityChips(st, h, 'Named in this article', 8)));
    }
  }

  // copiesToggle is a hit's "N copies": it lists the articles of its
  // near-duplicate group (GET /api/v1/articles/{id}/copies) below it.
  function copiesToggle(h) {
    const b = el('button', { type: 'button', class: 'copies-toggle', 'aria-expanded': 'false', 'data-focus': 'copies:' + h.id, text: plural(h.copies, 'copy', 'copies') });
    b.addEventListener('click', async () => {
      const li = b.closest('li');
      const old = li.querySelector('.copies-list');
      if (old) { old.remove(); b.setAttribute('aria-expanded', 'false'); return; }
      try {
        const res = await api('/api/v1/articles/' + encodeURIComponent(h.id) + '/copies');
        const st = readState();
        li.append(el('ol', { class: 'copies-list' }, ...res.copies.map((c) => el('li', { 'data-id': c.id },
          appLink(c.title || c.id, articleState(st, c.id)),
          ' ' + [c.source, formatDate(c.published)].filter(Boolean).join(' · ') + (c.id === res.group ? ' (first)' : '')))));
        b.setAttribute('aria-expanded', 'true');
      } catch (err) {
        showError(err.message);
      }
    });
    return b;
  }

  function renderPager(st, res) {
    const nav = $('pager');
    nav.replaceChildren();
    const pages = Math.ceil(res.total / PAGE_SIZE);
    if (pages <= 1) return;
    const page = (n) => {
      const s = structuredClone(st);
      s.page = n;
      s.cursor = '';
      if ((n - 1) * PAGE_SIZE + PAGE_SIZE > MAX_OFFSET) {
        if (n === st.page + 1) s.cursor = res.next_cursor || '';
        else s.cursor = cursors.get(cursorKey(st, n)) || '';
        if (!s.cursor) return null;
      }
      return s;
    };
    const prev = st.page > 1 ? page(st.page - 1) : null;
    const next = st.page < pages && res.next_cursor ? page(st.page + 1) : null;
    if (prev) nav.append(appLink('← Previous', prev, { rel: 'prev', 'data-focus': 'pager:prev' }));
    nav.append(el('span', { text: 'Page ' + nf.format(st.page) + ' of ' + nf.format(pages) }));
    if (next) nav.append(appLink('Next →', next, { rel: 'next', 'data-focus': 'pager:next' }));
  }

  // ---- Keyword in context -------------------------------------------------

  const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });
  const words = (s) => s.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  function compareWords(a, b) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = collator.compare(a[i], b[i]);
      if (c) return c;
    }
    return a.length - b.length;
  }

  let lastKWIC = null; // the lines on screen, to re-order them in place

  function renderKWIC(st, kwic) {
    lastKWIC = { key: searchParams(st).toString(), data: kwic };
    $('kwic-sort').value = st.ksort;
    $('kwic').dataset.sort = st.ksort || 'found';
    const lines = kwic.lines.map((l, i) => ({ l, i, left: words(l.left).reverse(), right: words(l.right) }));
    // Sorting by the word before (then the one before that, and so on) or
    // after groups the same usage, the classic concordance orders.
    if (st.ksort === 'left') lines.sort((a, b) => compareWords(a.left, b.left) || collator.compare(a.l.keyword, b.l.keyword) || a.i - b.i);
    if (st.ksort === 'right') lines.sort((a, b) => compareWords(a.right, b.right) || collator.compare(a.l.keyword, b.l.keyword) || a.i - b.i);
    let msg = plural(kwic.lines.length, 'line', 'lines') + ' from ' + plural(kwic.articles, 'article', 'articles');
    if (kwic.truncated) msg += ' (the first ' + nf.format(kwic.lines.length) + '; export for all up to the server limit)';
    if (!kwic.lines.length) msg = st.q ? 'The query’s words do not occur in the text of these matches.' : 'Type a query to see its words in context.';
    $('kwic-status').textContent = msg;
    const body = $('kwic').tBodies[0];
    body.replaceChildren();
    for (const { l } of lines) {
      const when = l.published ? ' · ' + formatDate(l.published) : '';
      body.append(el('tr', null,
        el('td', { class: 'l' }, el('span', { dir: 'ltr', text: l.left })),
        el('td', { class: 'k' }, appLink(l.keyword, articleState(st, l.id), { title: l.title })),
        el('td', { class: 'r', text: l.right }),
        el('td', { class: 'src', title: l.title + (l.source ? ' · ' + l.source : '') + when, text: l.source || l.title })));
    }
    const box = $('kwic-exports');
    box.replaceChildren('Export lines:');
    for (const format of ['csv', 'jsonl']) {
      const p = searchParams(st);
      p.set('width', String(KWIC_WIDTH));
      p.set('limit', '5000');
      p.set('format', format);
      box.append(' ', el('a', { href: '/api/v1/kwic?' + withKey(p), download: 'newsdex-kwic.' + format, class: 'kwic-export', text: format === 'csv' ? 'CSV' : 'JSON Lines' }));
    }
  }

  // ---- Entity page --------------------------------------------------------------

  // renderEntity shows one person, organisation or place: its articles over
  // time, the outlets that name it most, the names that occur with it, its
  // spellings and its latest articles, from one search filtered by it and
  // the entity list; with an admin key, the corrections.
  async function renderEntity(st, my) {
    const f = entityFacet(st.etype);
    const p = new URLSearchParams();
    p.set(st.etype, st.ename);
    p.set('histogram', 'month');
    p.set('size', '10');
    p.set('sort', '-date');
    p.set('facets', FACETS.map((x) => x.name).join(','));
    p.set('facet_size', String(FACET_SIZE + 1)); // it is among the names that occur with it
    const ep = new URLSearchParams({ type: st.etype, prefix: st.ename, size: '20' });
    const [res, list] = await Promise.all([
      api('/api/v1/search', p),
      api('/api/v1/entities', ep).then((l) => ({ entities: l.entities || [] }), (err) => ({ error: err })),
    ]);
    if (my !== seq) return;
    const entity = list.entities ? pickEntity(list.entities, st.ename) : null;
    document.title = st.ename + ' · newsdex';
    $('status').textContent = '';
    $('entity-kind').textContent = f.one;
    $('entity-name').textContent = st.ename;
    $('entity-summary').textContent = 'Named in ' + plural(res.total, 'article', 'articles') + '.';

    const variants = $('entity-variants');
    variants.replaceChildren();
    if (entity && entity.blocked) variants.append(el('span', { class: 'badge', text: 'Blocked' }), ' ');
    if (entity && entity.aliases && entity.aliases.length) {
      variants.append('Also written: ');
      entity.aliases.forEach((a, i) => variants.append(i ? ', ' : '', el('span', { class: 'variant', text: a })));
    } else if (entity) {
      variants.append('No other spellings known.');
    }

    renderChart(st, res.histogram || [], res.total, {
      box: $('entity-chart'), caption: $('entity-chart-caption'), title: 'Articles', one: 'article', many: 'articles',
      hint: 'Select a bar to list its articles.',
      narrow: (b) => entitySearch(st, (n) => { n.from_date = b.from; n.to_date = b.to; }),
    });

    const facets = res.facets || {};
    const outlets = $('entity-outlets');
    outlets.replaceChildren();
    for (const v of facets.source || []) {
      outlets.append(el('li', null,
        appLink(v.value, entitySearch(st, (n) => { n.filters.source = [v.value]; }), { class: 'outlet-link' }),
        el('span', { class: 'n', text: nf.format(v.count) })));
    }
    if (!outlets.children.length) outlets.append(el('li', { class: 'empty', text: 'No outlet names it.' }));

    const related = $('entity-related');
    related.replaceChildren();
    for (const g of ENTITY_FACETS) {
      const vals = (facets[g.name] || []).filter((v) => !(g.name === st.etype && v.value === st.ename)).slice(0, FACET_SIZE);
      if (!vals.length) continue;
      related.append(el('h4', { text: g.label }), el('ol', { class: 'entity-counts related-' + g.name },
        ...vals.map((v) => el('li', null, entityLink(g.name, v.value, v.value, { class: 'entity-link' }),
          el('span', { class: 'n', text: nf.format(v.count) })))));
    }
    if (!related.children.length) related.append(el('p', { class: 'empty', text: 'No other names occur with it.' }));

    const latest = $('entity-latest');
    latest.replaceChildren();
    for (const h of res.hits || []) {
      const meta = el('p', { class: 'meta' });
      if (h.source) meta.append(el('span', { class: 'outlet', text: h.source }));
      if (h.source && h.published) meta.append(' · ');
      if (h.published) meta.append(el('time', { datetime: h.published, text: formatDate(h.published) }));
      latest.append(el('li', { class: 'hit', 'data-id': h.id },
        el('h4', null, appLink(h.title || '(untitled)', articleState(st, h.id), { class: 'hit-title' })), meta));
    }
    if (!latest.children.length) latest.append(el('li', { class: 'empty', text: 'No articles name it.' }));
    const all = $('entity-all');
    all.replaceChildren();
    if (res.total > (res.hits || []).length) {
      all.append(appLink('All ' + plural(res.total, 'article', 'articles') + ' naming ' + st.ename + ' →', entitySearch(st), { class: 'entity-all' }));
    }
    renderEditor(st, entity, list.error);
  }

  // pickEntity finds the entity the page is about in a prefix list: the
  // exact name, else the same name in other case, else the one that has
  // it as a spelling.
  function pickEntity(list, name) {
    const lower = name.toLowerCase();
    return list.find((e) => e.name === name) || list.find((e) => e.name.toLowerCase() === lower) ||
      list.find((e) => (e.aliases || []).some((a) => a.toLowerCase() === lower)) || null;
  }

  // editorFlash is the outcome of the last correction, shown once after
  // the page re-renders.
  let editorFlash = '';

  // renderEditor fills the corrections panel: a key form without an admin
  // key, else merge, rename, retype, block and split, each confirmed
  // before it is sent. The API's refusals show as they come.
  function renderEditor(st, entity, listErr) {
    const details = $('entity-editor');
    const box = $('editor-body');
    box.replaceChildren();
    // A server without entity support says so on the list.
    details.hidden = !!(listErr && listErr.status === 501);
    if (details.hidden) return;
    const f = entityFacet(st.etype);
    const name = st.ename;
    const error = el('p', { id: 'editor-error', class: 'error', role: 'alert', hidden: true });
    const done = el('p', { id: 'editor-done', class: 'done', role: 'status', text: editorFlash });
    editorFlash = '';
    const showError = (msg) => { error.textContent = msg; error.hidden = !msg; };

    if (!adminKey.get()) {
      const input = el('input', { id: 'admin-key', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true });
      const form = el('form', { id: 'admin-key-form', class: 'editor-row' },
        el('label', { for: 'admin-key', text: 'Admin key' }), input, el('button', { type: 'submit', text: 'Use key' }));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const k = input.value.trim();
        if (!k) return;
        adminKey.set(k);
        details.open = true;
        renderEditor(st, entity, listErr);
        const first = box.querySelector('input, select');
        if (first) first.focus();
      });
      box.append(el('p', { class: 'hint', text: 'Corrections need an admin key. It is kept for this tab only and sent in the Authorization header, never in a link.' }), form, done);
      return;
    }
    details.open = true;

    // ask shows what is about to change and runs it on Confirm.
    const confirmBox = el('div', { id: 'editor-confirm', class: 'confirm', role: 'group', 'aria-label': 'Confirm the change', hidden: true });
    const ask = (question, action) => {
      showError('');
      const yes = el('button', { type: 'button', id: 'confirm-yes', class: 'primary', text: 'Confirm' });
      const no = el('button', { type: 'button', id: 'confirm-no', text: 'Cancel' });
      confirmBox.replaceChildren(el('p', { text: question }), yes, ' ', no);
      confirmBox.hidden = false;
      no.addEventListener('click', () => { confirmBox.hidden = true; });
      yes.addEventListener('click', async () => {
        yes.disabled = true;
        no.disabled = true;
        try {
          await action();
        } catch (err) {
          showError(err.message);
          confirmBox.hidden = true;
        }
      });
      yes.focus();
    };
    const post = (op, body) => adminPost('/api/v1/entities/' + op, body);
    const show = (type, nm, msg) => {
      editorFlash = msg;
      // Replace: the page before the change is gone, Back leaves it.
      go(entityState(type, nm), { replace: true });
    };
    const kind = (t) => entityFacet(t).one.toLowerCase();

    const forget = el('button', { type: 'button', id: 'forget-key', text: 'Forget key' });
    forget.addEventListener('click', () => { adminKey.set(''); renderEditor(st, entity, listErr); });

    const renameTo = el('input', { id: 'rename-to', type: 'text', value: name, spellcheck: 'false', required: true });
    const rename = el('form', { id: 'rename-form', class: 'editor-row' },
      el('label', { for: 'rename-to', text: 'Rename to' }), renameTo, el('button', { type: 'submit', text: 'Rename' }));
    rename.addEventListener('submit', (e) => {
      e.preventDefault();
      const to = renameTo.value.trim();
      if (!to || to === name) { showError('Type the new name first.'); return; }
      ask('Rename the ' + kind(st.etype) + ' “' + name + '” to “' + to + '”? The old name stays as a spelling of it.', async () => {
        const r = await post('rename', { type: st.etype, name, to });
        show(r.entity.type, r.entity.name, 'Renamed “' + name + '” to “' + r.entity.name + '”.');
      });
    });

    const retypeTo = el('select', { id: 'retype-to' }, ...ENTITY_FACETS.filter((g) => g.name !== st.etype)
      .map((g) => el('option', { value: g.name, text: g.one })));
    const retype = el('form', { id: 'retype-form', class: 'editor-row' },
      el('label', { for: 'retype-to', text: 'It is really a' }), retypeTo, el('button', { type: 'submit', text: 'Change type' }));
    retype.addEventListener('submit', (e) => {
      e.preventDefault();
      const to = retypeTo.value;
      ask('Make “' + name + '” a ' + kind(to) + ' instead of a ' + kind(st.etype) + '?', async () => {
        const r = await post('retype', { type: st.etype, name, to });
        show(r.entity.type, r.entity.name, '“' + name + '” is now a ' + kind(r.entity.type) + '.');
      });
    });

    // Merge: find names with the entity list and tick the ones that are
    // this entity under another spelling.
    const picked = new Set();
    const find = el('input', { id: 'merge-find', type: 'search', spellcheck: 'false', placeholder: 'Find names…', 'aria-controls': 'merge-candidates' });
    const cands = el('ul', { id: 'merge-candidates', class: 'candidates', 'aria-label': 'Names to merge' });
    const mergeBtn = el('button', { type: 'submit', id: 'merge-button', text: 'Merge into “' + name + '”' });
    const fillCands = (list, prefix) => {
      cands.replaceChildren();
      const others = list.filter((e) => e.name !== name);
      others.forEach((e, i) => {
        const id = 'merge-' + i;
        const cb = el('input', { type: 'checkbox', id, value: e.name, checked: picked.has(e.name) });
        cb.addEventListener('change', () => { if (cb.checked) picked.add(e.name); else picked.delete(e.name); });
        cands.append(el('li', null, cb, el('label', { for: id },
          el('span', { class: 'v', text: e.name }), ' ', el('span', { class: 'n', text: plural(e.count, 'article', 'articles') }))));
      });
      if (!others.length) cands.append(el('li', { class: 'empty', text: prefix ? 'No other name starts with “' + prefix + '”.' : 'No other names.' }));
    };
    let timer = 0;
    let asked = 0;
    const lookup = (prefix) => {
      const mine = ++asked;
      api('/api/v1/entities', new URLSearchParams({ type: st.etype, prefix, size: '20' }))
        .then((l) => { if (mine === asked) fillCands(l.entities || [], prefix); }, (err) => showError(err.message));
    };
    find.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => lookup(find.value.trim()), 200);
    });
    const merge = el('form', { id: 'merge-form', class: 'editor-block' },
      el('label', { for: 'merge-find', text: 'Merge other names into this one' }), find, cands, mergeBtn);
    merge.addEventListener('submit', (e) => {
      e.preventDefault();
      const names = [...picked];
      if (!names.length) { showError('Tick the names to merge first.'); return; }
      ask('Merge ' + names.map((n) => '“' + n + '”').join(', ') + ' into “' + name + '”? They will be counted as it.', async () => {
        const r = await post('merge', { type: st.etype, names, into: name });
        show(r.entity.type, r.entity.name, 'Merged ' + plural(names.length, 'name', 'names') + ' into “' + r.entity.name + '”.');
      });
    });
    // Start with the names that share the first word.
    lookup(name.split(/\s+/)[0].slice(0, 3));

    const blocked = !!(entity && entity.blocked);
    const block = el('button', { type: 'button', id: blocked ? 'unblock-button' : 'block-button', text: blocked ? 'Unblock' : 'Block: not a ' + kind(st.etype) });
    block.addEventListener('click', () => {
      const op = blocked ? 'unblock' : 'block';
      ask(blocked ? 'Unblock “' + name + '”?' : 'Block “' + name + '”? It will no longer count as a ' + kind(st.etype) + '.', async () => {
        const r = await post(op, { type: st.etype, name });
        show(r.entity.type, r.entity.name, (blocked ? 'Unblocked “' : 'Blocked “') + r.entity.name + '”.');
      });
    });
    const actions = el('div', { class: 'editor-row' }, block);
    if (entity && entity.aliases && entity.aliases.length) {
      const split = el('button', { type: 'button', id: 'split-button', text: 'Split its spellings off' });
      split.addEventListener('click', () => ask('Count ' + entity.aliases.map((a) => '“' + a + '”').join(', ') + ' apart from “' + name + '” again?', async () => {
        const r = await post('split', { type: st.etype, name });
        show(r.entity.type, r.entity.name, 'Split the spellings off “' + r.entity.name + '”.');
      }));
      actions.append(' ', split);
    }

    box.append(
      el('p', { class: 'hint' }, 'Using an admin key for this tab. ', forget),
      done, error, rename, retype, merge, actions, confirmBox);
  }

  // ---- Article view -----------------------------------------------------------

  async function renderArticle(st, my) {
    $('similar').hidden = true; // until this article's list comes
    $('similar-list').replaceChildren();
    const a = await api('/api/v1/articles/' + encodeURIComponent(st.id));
    if (my !== seq) return;
    const qw = queryWords(st.q);
    const art = $('article');
    art.replaceChildren();
    const h = el('h2', { id: 'article-title' });
    appendHighlighted(h, a.title || '(untitled)', qw);
    const meta = el('p', { class: 'meta' });
    const bits = [];
    if (a.source) bits.push(el('span', { class: 'outlet', text: a.source }));
    if (a.published) bits.push(el('time', { datetime: a.published, text: formatDate(a.published) }));
    if (a.author) bits.push(document.createTextNode('by ' + a.author));
    if (a.category) bits.push(document.createTextNode(a.category));
    const link = safeURL(a.url);
    if (link) bits.push(el('a', { href: link, rel: 'noopener noreferrer nofollow', target: '_blank', text: 'original' }));
    bits.forEach((b, i) => { if (i) meta.append(' · '); meta.append(b); });
    const body = el('div', { class: 'article-body' });
    for (const para of String(a.body || '').split(/\n\s*\n/)) {
      if (!para.trim()) continue;
      const p = el('p');
      appendHighlighted(p, para.trim(), qw);
      body.append(p);
    }
    art.append(h, meta, entityChips(st, a, 'Named in this article'), body);
    $('status').textContent = '';
    document.title = (a.title || 'Article') + ' · newsdex';
    await renderSimilar(st, my);
  }

  // renderSimilar lists the articles most like the one shown (the API's
  // more like this, over the whole archive the key may see: the search's
  // filters are left out). A failure here leaves the article in place and
  // says so under it.
  const SIMILAR_SIZE = 10;
  async function renderSimilar(st, my) {
    const box = $('similar');
    const ol = $('similar-list');
    const note = $('similar-note');
    ol.replaceChildren();
    note.textContent = '';
    box.hidden = false;
    let res;
    try {
      res = await api('/api/v1/articles/' + encodeURIComponent(st.id) + '/similar', { size: String(SIMILAR_SIZE) });
    } catch (err) {
      if (my === seq) note.textContent = 'Similar articles could not be found: ' + err.message;
      return;
    }
    if (my !== seq) return;
    for (const h of (res.hits || []).slice(0, SIMILAR_SIZE)) {
      const meta = el('p', { class: 'meta' });
      if (h.source) meta.append(el('span', { class: 'outlet', text: h.source }));
      if (h.source && h.published) meta.append(' · ');
      if (h.published) meta.append(el('time', { datetime: h.published, text: formatDate(h.published) }));
      ol.append(el('li', { class: 'hit', 'data-id': h.id },
        el('h4', null, appLink(h.title || '(untitled)', articleState(st, h.id), { class: 'hit-title' })), meta));
    }
    if (!ol.children.length) note.textContent = 'No other article is much like this one.';
  }

  // safeURL admits only web links, so a stored javascript: URL is inert.
  function safeURL(u) {
    if (!u) return '';
    try {
      const url = new URL(u);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '';
    } catch (e) {
      return '';
    }
  }

  // ---- Compare view (GET /api/v1/timeline) ---------------------------------

  // timelineParams are the timeline request of the compare view: the
  // search's filters, and its queries (the search's own when none).
  function timelineParams(st) {
    const p = searchParams(st);
    p.delete('q');
    p.delete('sort');
    const qs = st.cq.length ? st.cq : [st.q];
    for (const q of (st.cby ? qs.slice(0, 1) : qs)) p.append('q', q);
    if (st.cby) p.set('split', st.cby);
    p.set('interval', st.cint);
    return p;
  }

  async function renderCompare(st, my) {
    $('compare-q').value = st.cq.join('\n');
    $('compare-by').value = st.cby;
    $('compare-measure').value = st.cmeasure;
    $('compare-interval').value = st.cint;
    const p = timelineParams(st);
    const csv = new URLSearchParams(p);
    csv.set('format', 'csv');
    $('compare-csv').setAttribute('href', '/api/v1/timeline?' + withKey(csv));
    const tl = await api('/api/v1/timeline', p);
    if (my !== seq) return;
    const share = st.cmeasure === 'share';
    const label = (se) => se.source || se.query || '(everything)';
    $('compare-status').textContent = plural(tl.series.length, 'series', 'series') + ' per ' + tl.interval +
      (share ? ', as a share of all articles in scope' : ', article counts') + ' · ' + tl.took_ms.toFixed(1) + ' ms';
    const legend = $('compare-legend');
    legend.replaceChildren();
    tl.series.forEach((se, i) => legend.append(el('li', { class: 'compare-item', 'data-series': String(i) },
      el('span', { class: 'swatch series-' + i, 'aria-hidden': 'true' }), label(se) + ': ' + plural(se.total, 'match', 'matches'))));
    const box = $('compare-chart');
    box.replaceChildren();
    if (!tl.all.length) {
      box.append(el('p', { class: 'empty', text: 'No dated articles in scope.' }));
      return;
    }
    const W = Math.max(320, Math.round(box.clientWidth || 800));
    const H = 220;
    const pad = { top: 14, bottom: 18, left: 4, right: 4 };
    const val = (b) => (share ? b.share : b.count);
    const max = Math.max(...tl.series.flatMap((se) => se.buckets.map(val)), share ? 0.0001 : 1);
    const n = tl.all.length;
    const x = (i) => pad.left + (n === 1 ? (W - pad.left - pad.right) / 2 : (i * (W - pad.left - pad.right)) / (n - 1));
    const y = (v) => H - pad.bottom - ((H - pad.top - pad.bottom) * v) / max;
    const s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'Series over time; the legend lists them' });
    s.append(svg('line', { class: 'axis', x1: 0, x2: W, y1: H - pad.bottom + 0.5, y2: H - pad.bottom + 0.5 }));
    tl.series.forEach((se, i) => {
      const line = svg('polyline', { class: 'series-' + i, 'data-series': String(i), points: se.buckets.map((b, j) => x(j).toFixed(1) + ',' + y(val(b)).toFixed(1)).join(' ') });
      const t = svg('title', {});
      t.textContent = label(se);
      line.append(t);
      s.append(line);
    });
    const text = (tx, ty, anchor, txt) => {
      const t = svg('text', { x: tx, y: ty, 'text-anchor': anchor });
      t.textContent = txt;
      s.append(t);
    };
    text(2, H - 4, 'start', tl.all[0].key);
    if (n > 1) text(W - 2, H - 4, 'end', tl.all[n - 1].key);
    text(2, 10, 'start', 'max ' + (share ? (max * 100).toFixed(1) + '%' : nf.format(max)));
    box.append(s);
  }

  // ---- Distinctive terms and names (GET /api/v1/significant) ---------------

  // renderDistinctive fills the sidebar panel for a search with a query:
  // the words or names most distinctive of its matches against everything
  // in the filters' scope. A word joins the query; a name becomes a filter.
  async function renderDistinctive(st, my) {
    const box = $('distinctive');
    box.hidden = !st.q || st.view === 'article' || st.view === 'entity';
    if (box.hidden) return;
    const field = $('distinctive-field').value;
    const p = searchParams(st);
    p.delete('sort');
    p.set('field', field);
    p.set('size', '10');
    const list = $('distinctive-list');
    let res;
    try {
      res = await api('/api/v1/significant', p);
    } catch (err) {
      if (my === seq) $('distinctive-note').textContent = err.message;
      return;
    }
    if (my !== seq) return;
    $('distinctive-note').textContent = 'By JLH against ' + plural(res.background_total, 'article', 'articles') +
      (res.sampled ? '; words found in ' + nf.format(res.sampled) + ' sampled matches' : '') + (res.items.length ? '' : '. None stands out.');
    list.replaceChildren(...res.items.map((it) => el('li', null, el('button', {
      type: 'button', class: 'distinctive-item', 'data-value': it.value, 'data-focus': 'distinctive:' + field + ':' + it.value,
      title: it.fg + ' of ' + res.foreground_total + ' matches, ' + it.bg + ' of ' + res.background_total + ' in scope',
      onclick: () => go(field === 'terms'
        ? withSearch(st, (n) => { n.q = (n.q ? n.q + ' ' : '') + '"' + it.value + '"'; })
        : toggleFilter(st, field, it.value)),
    }, el('span', { text: it.value }), el('span', { class: 'n', text: nf.format(it.fg) })))));
  }

  // ---- Network view (GET /api/v1/cooccurrence) -----------------------------

  const NETWORK_SIZE = 30;

  async function renderNetwork(st, my) {
    const p = searchParams(st);
    p.delete('sort');
    p.set('size', String(NETWORK_SIZE));
    const nw = await api('/api/v1/cooccurrence', p);
    if (my !== seq) return;
    $('network-status').textContent = plural(nw.nodes.length, 'name', 'names') + ' named most in ' + plural(nw.total, 'match', 'matches') +
      ', ' + plural(nw.edges.length, 'pair', 'pairs') + ' named together · ' + nw.took_ms.toFixed(1) + ' ms';
    const ex = $('network-exports');
    ex.replaceChildren('Download:');
    for (const [format, label] of [['gexf', 'GEXF (Gephi)'], ['csv', 'CSV edge list']]) {
      const dp = new URLSearchParams(p);
      dp.set('format', format);
      ex.append(' ', el('a', { href: '/api/v1/cooccurrence?' + withKey(dp), download: 'newsdex-network.' + format, class: 'export-link', 'data-format': format, text: label }));
    }
    $('network-articles').replaceChildren();
    const box = $('network-chart');
    box.replaceChildren();
    if (!nw.nodes.length) {
      box.append(el('p', { class: 'empty', text: 'No people, organisations or places in these matches.' }));
      return;
    }
    // Nodes on a circle, grouped by type; edges as lines, thicker for
    // more articles. Select a line to list its articles.
    const W = 640;
    const H = 520;
    const R = 200;
    const pos = new Map();
    const order = nw.nodes.slice().sort((a, b) => a.type.localeCompare(b.type) || b.count - a.count);
    order.forEach((n, i) => {
      const a = (2 * Math.PI * i) / order.length - Math.PI / 2;
      pos.set(n.id, { x: W / 2 + R * Math.cos(a), y: H / 2 + R * Math.sin(a), a });
    });
    const s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'group', 'aria-label': 'Network of names; each line is a pair named together' });
    const maxEdge = Math.max(...nw.edges.map((e) => e.count), 1);
    const byID = new Map(nw.nodes.map((n) => [n.id, n]));
    for (const e of nw.edges) {
      const a = pos.get(e.source);
      const b = pos.get(e.target);
      const name = byID.get(e.source).name + ' and ' + byID.get(e.target).name + ': ' + plural(e.count, 'article', 'articles');
      const g = svg('g', { class: 'edge', tabindex: '0', role: 'button', 'aria-label': name, 'data-source': e.source, 'data-target': e.target, 'data-count': String(e.count) });
      const t = svg('title', {});
      t.textContent = name;
      const coords = { x1: a.x.toFixed(1), y1: a.y.toFixed(1), x2: b.x.toFixed(1), y2: b.y.toFixed(1) };
      g.append(t, svg('line', Object.assign({ class: 'hit' }, coords)), svg('line', Object.assign({ class: 'vis', 'stroke-width': (0.5 + (3.5 * e.count) / maxEdge).toFixed(2) }, coords)));
      const pick = () => {
        for (const x of s.querySelectorAll('.edge.selected')) x.classList.remove('selected');
        g.classList.add('selected');
        edgeArticles(st, e, name);
      };
      g.addEventListener('click', pick);
      g.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); pick(); }
      });
      s.append(g);
    }
    const maxNode = Math.max(...nw.nodes.map((n) => n.count), 1);
    for (const n of order) {
      const c = pos.get(n.id);
      const circle = svg('circle', { class: n.type, cx: c.x.toFixed(1), cy: c.y.toFixed(1), r: (3 + (7 * n.count) / maxNode).toFixed(1), 'data-id': n.id });
      const t = svg('title', {});
      t.textContent = n.name + ' (' + n.type + '): ' + plural(n.count, 'article', 'articles');
      circle.append(t);
      const right = Math.cos(c.a) >= 0;
      const label = svg('text', { x: (c.x + (right ? 12 : -12)).toFixed(1), y: (c.y + 4).toFixed(1), 'text-anchor': right ? 'start' : 'end' });
      label.textContent = n.name;
      s.append(circle, label);
    }
    box.append(s);
  }

  // edgeArticles lists the matches naming both ends of an edge.
  async function edgeArticles(st, e, name) {
    const p = searchParams(st);
    p.append('with', e.source);
    p.append('with', e.target);
    p.set('size', '20');
    const list = $('network-articles');
    const res = await api('/api/v1/search', p);
    $('network-articles-h').textContent = name + (res.total > res.hits.length ? ' (first ' + res.hits.length + ')' : '');
    list.replaceChildren(...res.hits.map((h) => el('li', { class: 'hit', 'data-id': h.id },
      appLink(h.title || h.id, Object.assign(readState(), { view: 'article', id: h.id })),
      el('span', { class: 'meta', text: ' ' + [h.source, formatDate(h.published)].filter(Boolean).join(' · ') }))));
  }

  // ---- Wiring ---------------------------------------------------------------

  function init() {
    $('search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const st = readState();
      go(withSearch(st, (n) => { n.q = $('q').value.trim(); }));
    });
    $('sort').addEventListener('change', () => go(withSearch(readState(), (n) => { n.sort = $('sort').value; })));
    $('dedup').addEventListener('change', () => go(withSearch(readState(), (n) => { n.dedup = $('dedup').checked; })));
    for (const b of document.querySelectorAll('.tabs button')) {
      b.addEventListener('click', () => {
        const st = readState();
        if (st.view === b.dataset.view) return;
        st.view = b.dataset.view;
        go(st);
      });
    }
    // Re-ordering the lines needs no new request.
    $('kwic-sort').addEventListener('change', () => {
      const st = readState();
      st.ksort = $('kwic-sort').value;
      if (lastKWIC && lastKWIC.key === searchParams(st).toString()) {
        history.replaceState({ app: true }, '', stateURL(st));
        renderKWIC(st, lastKWIC.data);
      } else {
        go(st, { replace: true });
      }
    });
    const help = $('syntax');
    const toggle = $('syntax-toggle');
    const setHelp = (open) => {
      help.hidden = !open;
      toggle.setAttribute('aria-expanded', String(open));
      if (open) $('syntax-title').focus();
    };
    $('syntax-title').setAttribute('tabindex', '-1');
    toggle.addEventListener('click', () => setHelp(help.hidden));
    $('syntax-close').addEventListener('click', () => { setHelp(false); toggle.focus(); });
    help.addEventListener('keydown', (e) => { if (e.key === 'Escape') { setHelp(false); toggle.focus(); } });
    $('back').addEventListener('click', () => {
      if (history.state && history.state.app && history.length > 1) history.back();
      else {
        const st = readState();
        st.view = 'results';
        go(st, { focusMain: true });
      }
    });
    $('entity-back').addEventListener('click', () => {
      if (history.state && history.state.app && history.length > 1) history.back();
      else go(entitySearch(readState()), { focusMain: true });
    });
    $('home').addEventListener('click', (e) => {
      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      history.pushState({ app: true }, '', location.pathname);
      render({});
      $('q').focus();
    });
    // On a phone the filters sit below the results.
    $('to-filters').addEventListener('click', () => {
      const first = document.querySelector('#facets input');
      $('sidebar').scrollIntoView();
      if (first) first.focus();
    });
    $('distinctive-field').addEventListener('change', () => renderDistinctive(readState(), seq));
    $('compare-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const st = readState();
      st.cq = $('compare-q').value.split('\n').map((q) => q.trim()).filter(Boolean).slice(0, 10);
      st.cby = $('compare-by').value;
      st.cmeasure = $('compare-measure').value;
      st.cint = $('compare-interval').value;
      go(st);
    });
    window.addEventListener('popstate', () => render({}));
    render({});
    if (!location.search) $('q').focus();
  }

  init();
})();
