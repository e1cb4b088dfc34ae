// The pages' script: each page fetches its data from /api, draws it, and fetches again when
// the store changes (server-sent events). The query a page shows lives in its URL.
extension Assets {
    static let app = #"""
        (() => {
          'use strict';
          const app = document.getElementById('app');
          const page = app.dataset.page, subject = app.dataset.subject;
          const token = document.querySelector('meta[name=cairn-token]').content;

          // ---- helpers
          function h(tag, attrs, ...kids) {
            const el = document.createElement(tag);
            for (const [k, v] of Object.entries(attrs || {})) {
              if (v == null || v === false) continue;
              if (k === 'text') el.textContent = v;
              else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
              else if (k === 'dataset') Object.assign(el.dataset, v);
              else el.setAttribute(k, v === true ? '' : v);
            }
            for (const kid of kids.flat()) if (kid != null) el.append(kid instanceof Node ? kid : String(kid));
            return el;
          }
          const short = (hash) => hash.slice(0, 12);
          function fmt(v) {
            if (v == null) return '–';
            if (typeof v === 'number') {
              if (!isFinite(v)) return String(v);
              if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
              const a = Math.abs(v);
              if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
              return String(+v.toPrecision(5));
            }
            if (typeof v === 'object') return JSON.stringify(v);
            return String(v);
          }
          function bytes(n) { return n < 1024 ? n + ' B' : n < 1048576 ? (n / 1024).toFixed(1) + ' KiB' : (n / 1048576).toFixed(2) + ' MiB'; }
          function lastPart(key) { const p = key.split('.'); return p[p.length - 1]; }
          async function getJSON(url) {
            const r = await fetch(url, { headers: { Accept: 'application/json' } });
            const body = await r.json().catch(() => ({}));
            if (!r.ok) { const e = new Error(body.error || r.statusText); e.status = r.status; throw e; }
            return body;
          }
          async function send(method, url, body) {
            const r = await fetch(url, { method, headers: { 'Content-Type': 'application/json', 'X-Cairn-Token': token }, body: JSON.stringify(body) });
            const j = await r.json().catch(() => ({}));
            if (!r.ok) throw new Error(j.error || r.statusText);
            return j;
          }
          // A query string built with encodeURIComponent (spaces as %20, so `+` stays a plus).
          function query(params) {
            return Object.entries(params).filter(([, v]) => v != null && v !== '').map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join('&');
          }
          // A malformed escape (a stray %) is kept as typed rather than stopping the page.
          function decode(s) { try { return decodeURIComponent(s); } catch (e) { return s; } }
          function params() {
            const out = {};
            for (const part of location.search.slice(1).split('&')) {
              if (!part) continue;
              const i = part.indexOf('=');
              const k = decode(i < 0 ? part : part.slice(0, i)), v = i < 0 ? '' : decode(part.slice(i + 1));
              if (k !== 'token') out[k] = v;
            }
            return out;
          }
          function setURL(state, push) {
            const url = location.pathname + (query(state) ? '?' + query(state) : '');
            if (url !== location.pathname + location.search) history[push ? 'pushState' : 'replaceState'](null, '', url);
          }
          function statusBadge(s) { return h('span', { class: 'status ' + s, text: s }); }
          function reproBadge(badge, title) { return badge ? h('span', { class: 'badge ' + badge, title: title || badge, text: badge }) : null; }
          function runLink(hash) { return h('a', { class: 'hash', href: '/runs/' + hash, text: short(hash) }); }
          function show(...kids) { app.replaceChildren(...kids); }
          function failed(e) { show(h('pre', { class: 'error', id: 'failure', text: e.message })); }

          // ---- live updates: refresh() redraws the page from the API; one at a time, the last wins.
          let refresh = async () => {};
          // Whether the store changed since the page last drew (its first draw counts): what only a
          // change can alter (the list of sweeps) is fetched again only then.
          let storeChanged = true;
          let running = false, again = false;
          async function update() {
            if (running) { again = true; return; }
            running = true;
            const t0 = performance.now();
            try { await refresh(); } catch (e) { failed(e); }
            // For tests and benchmarks: how many times the page was drawn, and how long the last took.
            app.dataset.refreshMs = (performance.now() - t0).toFixed(1);
            app.dataset.renders = (+app.dataset.renders || 0) + 1;
            running = false;
            if (again) { again = false; update(); }
          }
          const live = document.getElementById('live');
          if (window.EventSource) {
            const es = new EventSource('/api/events');
            // The first hello opens the stream; a later one is a reconnect, and changes may have been missed.
            let hellos = 0;
            es.addEventListener('hello', () => { live.classList.add('on'); if (hellos++ > 0) { storeChanged = true; update(); } });
            es.addEventListener('change', (e) => { app.dataset.generation = e.data; storeChanged = true; update(); });
            es.onerror = () => live.classList.remove('on');
          }

          // ---- runs
          function runsPage() {
            let state = params();
            let data = null, sweeps = [];
            const selected = new Set();
            const form = h('form', { class: 'filters', onsubmit: (e) => {
              e.preventDefault();
              const f = new FormData(form);
              state = { ...state, where: f.get('where').trim(), sweep: f.get('sweep'), status: f.get('status'), tag: f.get('tag').trim(), offset: '' };
              setURL(state, true); update();
            } },
              h('input', { name: 'where', placeholder: "where: train.lr < 0.01 and val_accuracy >= 0.9", value: state.where || '', spellcheck: 'false' }),
              h('select', { name: 'sweep' }, h('option', { value: '', text: 'all sweeps' })),
              h('select', { name: 'status' }, h('option', { value: '', text: 'any status' }),
                ...['planned', 'queued', 'running', 'completed', 'failed', 'diverged', 'interrupted', 'paused', 'stopped'].map((s) => h('option', { value: s, text: s, selected: state.status === s }))),
              h('input', { name: 'tag', placeholder: 'tag', value: state.tag || '', size: 10 }),
              h('button', { type: 'submit', text: 'Apply' }));
            const error = h('pre', { class: 'error', id: 'where-error', hidden: true });
            const count = h('span', { id: 'count' });
            const prev = h('button', { text: '‹ prev', onclick: () => page(-1) });
            const next = h('button', { text: 'next ›', onclick: () => page(1) });
            const columnsBox = h('div', { class: 'columns', id: 'columns' });
            const command = h('code', { id: 'command' });
            const compare = h('button', { id: 'compare', text: 'Compare selected', disabled: true, onclick: () => { location.href = '/compare?' + query({ runs: [...selected].join(',') }); } });
            const toolbar = h('div', { class: 'toolbar' }, count, prev, next,
              h('button', { text: 'Columns', onclick: () => columnsBox.classList.toggle('open') }), compare,
              h('button', { text: 'Copy as command', id: 'copy', onclick: () => { navigator.clipboard && navigator.clipboard.writeText(command.textContent); } }), command);
            const table = h('table', { id: 'runs' });
            const sweepList = h('div', { class: 'sweeps', id: 'sweeps' });
            show(h('h1', { text: 'Runs' }), sweepList, form, error, toolbar, columnsBox, h('div', { class: 'table-wrap' }, table));

            function page(delta) {
              const limit = data ? data.limit : 100;
              const offset = Math.max(0, (+state.offset || 0) + delta * limit);
              state = { ...state, offset: offset || '' };
              setURL(state, true); update();
            }
            function sortBy(key) {
              if (state.sort === key) state = { ...state, dir: (state.dir || data.dir) === 'desc' ? 'asc' : 'desc' };
              else state = { ...state, sort: key, dir: '' };
              state.offset = '';
              setURL(state, true); update();
            }
            function columns() { return data.columns.params.concat(data.columns.metrics); }
            function drawColumns() {
              const chosen = new Set(columns());
              const box = (name, group) => h('label', {}, h('input', { type: 'checkbox', checked: chosen.has(name), onchange: (e) => {
                e.target.checked ? chosen.add(name) : chosen.delete(name);
                const cols = data.names.params.concat(data.names.metrics).filter((c) => chosen.has(c));
                state = { ...state, cols: cols.join(',') };
                setURL(state, false); update();
              } }), ' ' + name + (group ? '' : ''));
              columnsBox.replaceChildren(h('strong', { text: 'params' }), ...data.names.params.map((p) => box(p)),
                h('strong', { text: 'metrics' }), ...data.names.metrics.map((m) => box(m)));
            }
            function drawTable() {
              const t0 = performance.now();
              const head = h('tr', {}, h('th', {}, ''), h('th', { text: 'run' }));
              const sorted = (key) => 'sortable' + (data.sort === key ? ' sorted' + (data.dir === 'asc' ? ' asc' : '') : '');
              head.append(h('th', { class: sorted('status'), text: 'status', onclick: () => sortBy('status') }));
              for (const p of data.columns.params) head.append(h('th', { class: sorted(p), title: p, text: lastPart(p), onclick: () => sortBy(p) }));
              for (const m of data.columns.metrics) {
                head.append(h('th', { class: 'num ' + sorted(m), text: m, onclick: () => sortBy(m) }), h('th', { class: 'num', text: 'best' }));
              }
              head.append(h('th', { class: 'num', text: 'time' }), h('th', { text: 'reproduction' }), h('th', { text: 'tags' }));
              const body = document.createElement('tbody');
              for (const r of data.rows) {
                const tr = h('tr', { dataset: { run: r.hash } },
                  h('td', {}, h('input', { type: 'checkbox', checked: selected.has(r.hash), onchange: (e) => {
                    e.target.checked ? selected.add(r.hash) : selected.delete(r.hash);
                    compare.disabled = selected.size < 1; compare.textContent = 'Compare selected (' + selected.size + ')';
                  } })),
                  h('td', {}, runLink(r.hash)), h('td', {}, statusBadge(r.status)));
                for (const p of data.columns.params) tr.append(h('td', { text: r.params[p] == null ? '' : fmt(r.params[p]) }));
                for (const m of data.columns.metrics) {
                  const s = r.metrics[m];
                  const best = s ? (data.goals[m] === 'min' ? s.min : s.max) : null;
                  tr.append(h('td', { class: 'num', text: fmt(s ? s.final : null) }), h('td', { class: 'num muted', text: fmt(best) }));
                }
                tr.append(h('td', { class: 'num', text: r.seconds == null ? '–' : r.seconds.toFixed(1) + 's' }),
                  h('td', {}, reproBadge(r.badge, r.checked)), h('td', {}, ...r.tags.map((t) => h('span', { class: 'tag', text: t }))));
                body.append(tr);
              }
              table.replaceChildren(h('thead', {}, head), body);
              const from = data.total ? data.offset + 1 : 0, to = data.offset + data.rows.length;
              count.textContent = data.total + ' run' + (data.total === 1 ? '' : 's') + (data.total > data.rows.length ? ' · ' + from + '–' + to : '');
              prev.disabled = data.offset === 0; next.disabled = to >= data.total;
              command.textContent = data.command;
              app.dataset.renderMs = (performance.now() - t0).toFixed(1);
            }
            function drawSweeps() {
              const select = form.elements.sweep;
              select.replaceChildren(h('option', { value: '', text: 'all sweeps' }),
                ...sweeps.map((s) => h('option', { value: s.hash, text: s.source + ' · ' + short(s.hash), selected: state.sweep && s.hash.startsWith(state.sweep) })));
              sweepList.replaceChildren(...sweeps.slice(0, 12).map((s) => h('a', { href: '/sweeps/' + s.hash, title: s.hash },
                h('strong', { text: s.source }), ' ', h('span', { class: 'hash muted', text: short(s.hash) }), ' · ' + s.runs + ' runs')));
            }
            refresh = async () => {
              const q = query({ where: state.where, sort: state.sort, dir: state.dir, sweep: state.sweep, status: state.status, tag: state.tag, cols: state.cols, offset: state.offset, limit: state.limit });
              // Both at once: one round trip's wait, not two; the sweeps only when the store changed.
              const fresh = storeChanged;
              storeChanged = false;
              const [runs, all] = await Promise.allSettled([getJSON('/api/runs' + (q ? '?' + q : '')), fresh ? getJSON('/api/sweeps') : Promise.resolve(sweeps)]);
              if (runs.status === 'rejected') {
                if (runs.reason.status !== 400) throw runs.reason;
                error.textContent = runs.reason.message; error.hidden = false;
                return;
              }
              data = runs.value; error.hidden = true;
              drawTable(); drawColumns();
              if (all.status === 'fulfilled') { sweeps = all.value; drawSweeps(); }
              app.dataset.ready = 'true';
            };
            window.addEventListener('popstate', () => { state = params(); form.elements.where.value = state.where || ''; update(); });
          }

          // ---- sweep
          function sweepPage() {
            let brushed = null;
            let scatterKey = params().x || '';
            refresh = async () => {
              // A live update would draw the chart anew and drop the selection: wait until it is cleared.
              const live = storeChanged && app.dataset.ready === 'true';
              storeChanged = false;
              if (live && brushed) { document.getElementById('picked').textContent = brushed.length + ' runs selected · new results arrive when the selection is cleared'; return; }
              const d = await getJSON('/api/sweeps/' + subject);
              const s = d.sweep || {};
              const counts = Object.entries(s.statuses || {}).map(([k, v]) => v + ' ' + k).join(' · ');
              const cards = h('div', { class: 'cards' },
                h('div', { class: 'card' }, h('div', { class: 'k', text: 'runs' }), h('div', { class: 'v', text: s.runs }), h('div', { class: 'k', text: counts })),
                h('div', { class: 'card' }, h('div', { class: 'k', text: 'metric' }), h('div', { class: 'v', text: d.metric }), h('div', { class: 'k', text: (d.goal === 'max' ? 'maximised' : 'minimised') })),
                d.best ? h('div', { class: 'card', id: 'best' }, h('div', { class: 'k', text: 'best run' }), h('div', { class: 'v' }, runLink(d.best.hash), ' ' + fmt(d.best.value)),
                  h('div', { class: 'k', text: Object.entries(d.best.params).map(([k, v]) => lastPart(k) + '=' + fmt(v)).join('  ') })) : null);
              const pcBox = h('div', { class: 'pc-wrap', id: 'parcoords' });
              const picked = h('div', { class: 'toolbar' });
              const scatterBox = h('div', { id: 'scatter' });
              const xSelect = h('select', { onchange: (e) => { scatterKey = e.target.value; setURL({ x: scatterKey }, false); drawScatter(); } },
                ...d.params.map((p) => h('option', { value: p, text: p, selected: p === scatterKey })));
              if (!d.params.includes(scatterKey)) scatterKey = d.params[0] || '';
              const groups = h('table', { id: 'seed-groups' });
              show(h('h1', {}, 'Sweep ', h('span', { class: 'hash', text: short(d.sweep ? s.hash : subject) }), ' ', h('span', { class: 'muted', text: s.source || '' })),
                cards, h('p', {}, h('a', { href: '/?' + query({ sweep: s.hash }), text: 'All its runs in the table' })),
                h('h2', { text: 'Parallel coordinates' }), h('p', { class: 'muted', text: 'Drag along an axis to select a range; click the axis to clear it.' }), pcBox, picked,
                h('h2', { text: 'Scatter' }), h('div', { class: 'controls' }, 'x: ', xSelect, ' y: ' + d.metric), scatterBox,
                h('h2', { text: 'Seed groups' }), h('p', { class: 'muted', text: d.seeded ? 'Runs that differ only in their seeds; mean ± standard deviation (n − 1), as ' : 'Every run has params of its own: no seed groups. Same as ' }, h('code', { text: d.command })), groups);
              const axes = d.params.map((p) => {
                const values = d.runs.map((r) => r.params[p]).filter((v) => v != null);
                const numeric = values.every((v) => typeof v === 'number');
                return numeric ? { key: p, label: lastPart(p), kind: 'number' } : { key: p, label: lastPart(p), kind: 'category', categories: [...new Set(values.map(String))].sort() };
              });
              axes.push({ key: d.metric, label: d.metric, kind: 'number' });
              const rows = d.runs.map((r) => ({ id: r.hash, values: d.params.map((p) => r.params[p] == null ? null : r.params[p]).concat([r.value]) }));
              function drawPicked(ids) {
                brushed = ids;
                const n = ids ? ids.length : rows.length;
                picked.replaceChildren(h('span', { id: 'picked', text: n + ' of ' + rows.length + ' runs selected' }));
                if (ids && ids.length && ids.length <= 100) picked.append(h('a', { href: '/compare?' + query({ runs: ids.join(',') }), text: 'Compare them' }));
              }
              CairnCharts.parallelCoordinates(pcBox, { axes, rows, colorAxis: axes.length - 1, onBrush: drawPicked });
              drawPicked(brushed);
              function drawScatter() {
                const axis = axes.find((a) => a.key === scatterKey);
                if (!axis) { scatterBox.replaceChildren(h('p', { class: 'muted', text: 'No param varies.' })); return; }
                CairnCharts.scatter(scatterBox, { points: d.runs.map((r) => ({ id: r.hash, x: r.params[scatterKey] == null ? null : (axis.kind === 'number' ? r.params[scatterKey] : String(r.params[scatterKey])), y: r.value, label: short(r.hash) })),
                  xLabel: scatterKey, yLabel: d.metric, categories: axis.kind === 'category' ? axis.categories : null, logX: 'auto', onClick: (id) => { location.href = '/runs/' + id; } });
              }
              drawScatter();
              const head = h('tr', {}, ...d.params.filter((p) => !/seed/.test(p)).map((p) => h('th', { text: lastPart(p), title: p })), h('th', { class: 'num', text: 'n' }),
                h('th', { class: 'num', text: d.metric + ' (final)' }), h('th', { text: 'runs' }));
              groups.replaceChildren(h('thead', {}, head), h('tbody', {}, ...d.seed_groups.map((g) => {
                const m = g.metrics[d.metric] && g.metrics[d.metric].final;
                return h('tr', {}, ...d.params.filter((p) => !/seed/.test(p)).map((p) => h('td', { text: g.params[p] == null ? '' : fmt(g.params[p]) })), h('td', { class: 'num', text: g.n }),
                  h('td', { class: 'num', text: m ? fmt(m.mean) + (g.n > 1 ? ' ± ' + fmt(m.std) : '') : '–' }), h('td', {}, ...g.runs.map((r) => [runLink(r), ' '])));
              })));
              app.dataset.ready = 'true';
            };
          }

          // ---- one run
          function curveSeries(points, byEpoch) {
            return points.map((p) => [byEpoch ? p[1] : p[0], p[2]]);
          }
          function runPage() {
            // Each curve's chart and the points it drew: a live update draws again only those whose points changed.
            let drawn = new Map();
            refresh = async () => {
              const d = await getJSON('/api/runs/' + subject);
              const r = d.run, prov = d.provenance || {};
              // What is being typed survives a live update.
              const oldNote = document.getElementById('note'), oldTag = document.getElementById('tag-input');
              const typing = oldNote && oldNote.value !== oldNote.dataset.saved ? oldNote.value : null;
              const typingTag = oldTag ? oldTag.value : '';
              const focused = document.activeElement ? document.activeElement.id : '';
              const write = async (method, path, body) => { try { await send(method, '/api/runs/' + r.hash + path, body); writeError.textContent = ''; update(); } catch (err) { writeError.textContent = err.message; } };
              const writeError = h('span', { class: 'error', id: 'write-error' });
              const tags = h('span', { id: 'tags' }, ...r.tags.map((t) => h('span', { class: 'tag' }, t, h('button', { title: 'remove', text: '×', onclick: () => write('POST', '/tags', { remove: [t] }) }))));
              const tagInput = h('input', { placeholder: 'new tag', size: 12, id: 'tag-input' });
              const tagForm = h('form', { class: 'controls', onsubmit: (e) => {
                e.preventDefault();
                const t = tagInput.value.trim();
                tagInput.value = '';
                write('POST', '/tags', { add: [t] });
              } }, 'tags: ', tags, tagInput, h('button', { text: 'Add' }));
              const note = h('textarea', { id: 'note', placeholder: 'a note about this run' });
              note.value = r.note || '';
              note.dataset.saved = note.value;
              if (typing != null) note.value = typing;
              const noteForm = h('form', { onsubmit: (e) => { e.preventDefault(); write('PUT', '/note', { note: note.value }); } }, note, h('button', { text: 'Save note' }), ' ', writeError);
              const facts = h('dl', { class: 'facts' });
              const fact = (k, ...v) => facts.append(h('dt', { text: k }), h('dd', {}, ...v));
              fact('status', statusBadge(r.status), r.stopped ? ' ' + r.stopped : '');
              fact('reproduction', d.checked ? h('span', { id: 'checked', class: 'badge ' + (r.reproduction.verdict === 'REPRODUCED' ? 'reproduced' : r.reproduction.verdict.toLowerCase()), text: d.checked }) : h('span', { class: 'muted', text: 'not reproduced yet: cairn reproduce ' + short(r.hash) }));
              fact('cairn', (prov.cairn_version || '?') + ', numerics version ' + (prov.numerics_version == null ? '?' : prov.numerics_version) + (prov.swift_version ? ', Swift ' + prov.swift_version : '') + (prov.git_commit ? ', commit ' + prov.git_commit.slice(0, 12) : ''));
              fact('machine', [prov.host, prov.cpu, prov.os].filter(Boolean).join(', '));
              fact('data set', h('span', { class: 'hash', text: d.data_set_sha256 }));
              for (const f of d.data_files || []) fact('  ' + f.role, h('span', { class: 'hash', text: f.sha256.slice(0, 12) }), ' ' + bytes(f.bytes) + ' ' + f.path);
              fact('attempts', (d.attempts || []).map((a) => '#' + a.attempt + (a.resumed_from_epoch ? ' (resumed from epoch ' + a.resumed_from_epoch + ')' : '') + (a.host ? ' on ' + a.host : '')).join(', ') || '–');
              const curves = h('div', { class: 'grid', id: 'curves' });
              const finals = h('table', { id: 'finals' }, h('thead', {}, h('tr', {}, h('th', { text: 'metric' }), h('th', { class: 'num', text: 'final' }), h('th', { class: 'num', text: 'min' }), h('th', { class: 'num', text: 'max' }))),
                h('tbody', {}, ...Object.keys(r.metrics).filter((k) => !/_class_\d|_confusion_|_calibration_bin_|_group_\d/.test(k)).sort().map((k) => h('tr', {}, h('td', { text: k }), h('td', { class: 'num', text: fmt(r.metrics[k].final) }), h('td', { class: 'num muted', text: fmt(r.metrics[k].min) }), h('td', { class: 'num muted', text: fmt(r.metrics[k].max) })))));
              const perClass = h('div', { id: 'per-class' });
              for (const [split, list] of Object.entries(d.per_class || {})) {
                perClass.append(h('h3', { text: split + ' accuracy by class' }), h('table', {}, h('tbody', {}, ...list.map((c) => h('tr', {}, h('td', { text: 'class ' + c.class }), h('td', { class: 'num', text: fmt(c.accuracy) }), h('td', {}, h('span', { class: 'bar', style: 'width:' + Math.round(c.accuracy * 200) + 'px' })))))));
              }
              const checkpoints = h('table', { id: 'checkpoints' }, h('thead', {}, h('tr', {}, ...['epoch', 'step', 'kinds', 'object (sha-256)', 'raw', 'stored'].map((t) => h('th', { text: t })))),
                h('tbody', {}, ...d.checkpoints.map((c) => h('tr', {}, h('td', { text: c.epoch }), h('td', { text: c.step }), h('td', { text: c.kinds }), h('td', { class: 'hash', text: c.object }), h('td', { class: 'num', text: bytes(c.raw_size) }), h('td', { class: 'num', text: bytes(c.stored_size) })))));
              tagInput.value = typingTag;
              show(h('h1', {}, 'Run ', h('span', { class: 'hash', text: r.hash }), ' ', reproBadge(d.badge, d.checked)), h('p', { class: 'muted', text: r.name }),
                facts, tagForm, noteForm,
                h('h2', { text: 'Curves' }), curves, h('h2', { text: 'Metrics' }), finals, perClass,
                h('h2', { text: 'Checkpoints' }), checkpoints,
                h('h2', { text: 'Spec (canonical)' }), h('pre', { id: 'spec', text: JSON.stringify(d.config, null, 2) }),
                h('h2', { text: 'Log (tail)' }), h('p', { class: 'muted hash', text: d.log }), h('pre', { id: 'log', text: d.log_tail || '(empty)' }));
              // The model's metrics first, then what the machine measured.
              const first = ['val_accuracy', 'val_loss', 'train_loss', 'train_accuracy', 'val_rmse', 'test_accuracy', 'test_loss'];
              const rank = (k) => (first.includes(k) ? first.indexOf(k) - first.length : d.curve_kinds[k] === 'model' ? 0 : 1);
              const kept = drawn;
              drawn = new Map();
              for (const key of Object.keys(d.curves).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1))) {
                const pts = d.curves[key];
                const byEpoch = pts.some((p) => p[3] === 1) && pts.filter((p) => p[3] === 1).length > 1;
                const used = curveSeries(pts.filter((p) => !byEpoch || p[3] === 1), byEpoch);
                const sig = r.hash + (byEpoch ? ' epoch ' : ' step ') + JSON.stringify(used);
                const old = kept.get(key);
                if (old && old.sig === sig) { curves.append(old.box); drawn.set(key, old); continue; }
                const box = h('div', { class: 'chart-box', dataset: { metric: key, points: used.length } }, h('h3', { text: key }));
                const chart = h('div');
                box.append(chart);
                curves.append(box);
                CairnCharts.lineChart(chart, { series: [{ id: r.hash, label: short(r.hash), points: used }], xLabel: byEpoch ? 'epoch' : 'step', yLabel: key, height: 200 });
                drawn.set(key, { box, sig });
              }
              if (focused && (focused === 'note' || focused === 'tag-input')) document.getElementById(focused).focus();
              app.dataset.ready = 'true';
            };
          }

          // ---- compare
          function comparePage() {
            let state = params();
            refresh = async () => {
              const d = await getJSON('/api/compare?' + query({ runs: state.runs }));
              const metric = d.metrics.includes(state.metric) ? state.metric : (d.metrics.find((m) => m === 'val_loss') || d.metrics.find((m) => /loss/.test(m)) || d.metrics[0]);
              const x = state.x === 'step' ? 'step' : 'epoch';
              const smooth = Math.min(0.99, Math.max(0, +state.smooth || 0));
              const label = (r) => short(r.hash) + d.params.map((p) => '  ' + lastPart(p) + '=' + fmt(r.params[p])).join('');
              const metricSelect = h('select', { id: 'metric', onchange: (e) => { state = { ...state, metric: e.target.value }; setURL(state, false); update(); } }, ...d.metrics.map((m) => h('option', { value: m, text: m, selected: m === metric })));
              const xSelect = h('select', { id: 'x', onchange: (e) => { state = { ...state, x: e.target.value }; setURL(state, false); update(); } }, h('option', { value: 'epoch', text: 'epoch', selected: x === 'epoch' }), h('option', { value: 'step', text: 'step', selected: x === 'step' }));
              const slider = h('input', { type: 'range', min: 0, max: 0.95, step: 0.05, value: smooth, id: 'smooth', onchange: (e) => { state = { ...state, smooth: e.target.value }; setURL(state, false); update(); } });
              const chart = h('div', { id: 'compare-chart' });
              const table = h('table', { id: 'compare-params' }, h('thead', {}, h('tr', {}, h('th', { text: 'run' }), h('th', { text: 'status' }), ...d.params.map((p) => h('th', { text: p })), h('th', { text: 'reproduction' }))),
                h('tbody', {}, ...d.runs.map((r) => h('tr', {}, h('td', {}, runLink(r.hash)), h('td', {}, statusBadge(r.status)), ...d.params.map((p) => h('td', { text: fmt(r.params[p]) })), h('td', {}, reproBadge(r.badge))))));
              const kids = [h('h1', { text: 'Compare ' + d.runs.length + ' runs' }), h('div', { class: 'controls' }, 'metric ', metricSelect, ' x ', xSelect, ' smoothing ', slider, h('span', { text: smooth })), chart,
                h('h2', { text: d.params.length ? 'Params that differ' : 'No param differs' }), table];
              let marker = null;
              if (d.diff) {
                const m = d.diff.metrics.find((e) => e.key === metric);
                if (m && m.first_different_epoch != null && x === 'epoch') marker = { x: m.first_different_epoch, label: 'first difference' };
                kids.push(h('h2', { text: 'Diff' }), h('p', { id: 'checkpoints-verdict', text: d.diff.checkpoints_identical ? 'Final checkpoints: identical bytes (' + short(d.diff.final_checkpoint_a) + ').' : 'Final checkpoints differ.' }),
                  h('table', { id: 'diff-config' }, h('thead', {}, h('tr', {}, h('th', { text: 'config key' }), h('th', { text: short(d.runs[0].hash) }), h('th', { text: short(d.runs[1].hash) }))),
                    h('tbody', {}, ...d.diff.config.map((c) => h('tr', {}, h('td', { text: c.key }), h('td', { text: fmt(c.a) }), h('td', { text: fmt(c.b) }))))),
                  h('table', { id: 'diff-metrics' }, h('thead', {}, h('tr', {}, h('th', { text: 'metric' }), h('th', { class: 'num', text: 'final a' }), h('th', { class: 'num', text: 'final b' }), h('th', { text: 'first epoch that differs' }))),
                    h('tbody', {}, ...d.diff.metrics.map((e) => h('tr', {}, h('td', { text: e.key }), h('td', { class: 'num', text: fmt(e.final_a) }), h('td', { class: 'num', text: fmt(e.final_b) }), h('td', { text: e.first_different_epoch == null ? 'identical at every epoch' : 'epoch ' + e.first_different_epoch }))))));
              }
              show(...kids);
              const curves = d.curves[metric] || {};
              CairnCharts.lineChart(chart, { series: d.runs.map((r) => {
                const pts = curves[r.hash] || [];
                const epochs = pts.filter((p) => p[3] === 1);
                const use = x === 'epoch' ? (epochs.length ? epochs : pts) : pts.filter((p) => p[3] === 0).length ? pts.filter((p) => p[3] === 0) : pts;
                return { id: r.hash, label: label(r), points: use.map((p) => [x === 'epoch' && epochs.length ? p[1] : p[0], p[2]]) };
              }), xLabel: x, yLabel: metric, smoothing: smooth, marker, height: 320 });
              app.dataset.ready = 'true';
            };
          }

          ({ runs: runsPage, sweep: sweepPage, run: runPage, compare: comparePage })[page]();
          update();
        })();
        """#
}
