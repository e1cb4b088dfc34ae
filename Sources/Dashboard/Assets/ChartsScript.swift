// Charts drawn by Cairn's own code: curves and scatter as SVG, parallel coordinates on a canvas.
extension Assets {
    static let charts = #"""
        var CairnCharts = (function () {
          'use strict';
          const { abs, ceil, floor, log10, max, min, pow, round, sqrt } = Math;
          const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f',
            '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
          const VIRIDIS = [[68, 1, 84], [65, 68, 135], [42, 120, 142], [34, 168, 132], [122, 209, 81], [253, 231, 37]];
          const clamp = (v, lo, hi) => min(hi, max(lo, v));
          const isNum = v => typeof v === 'number' && isFinite(v);
          const r1 = v => round(v * 10) / 10;
          const str = v => (v == null ? '' : String(v));
          const missing = v => v == null || v === '' || (typeof v === 'number' && !isFinite(v));

          function viridis(t) {
            t = clamp(+t || 0, 0, 1) * 5;
            const i = min(4, floor(t)), a = VIRIDIS[i], b = VIRIDIS[i + 1];
            return 'rgb(' + a.map((c, j) => round(c + (b[j] - c) * (t - i))) + ')';
          }

          // Compact number, at most 4 significant digits: 0.001, 1e-4, 12.3k.
          function fmt(v) {
            if (!isNum(v)) return v == null ? '–' : String(v);
            const a = abs(v);
            if (a >= 1e9 || (a > 0 && a < 1e-3)) return Number(v.toPrecision(2)).toExponential().replace('e+', 'e');
            if (a >= 9.995e5) return +(v / 1e6).toPrecision(3) + 'M';
            if (a >= 1e4) return +(v / 1e3).toPrecision(3) + 'k';
            return String(+v.toPrecision(4));
          }

          function extent(vals) {
            let lo = Infinity, hi = -Infinity;
            for (const v of vals) if (isNum(v)) { lo = min(lo, v); hi = max(hi, v); }
            return [lo, hi];
          }

          // About n ticks 1, 2 or 5 × 10^k apart.
          function niceTicks(lo, hi, n) {
            if (!(hi > lo)) return isNum(lo) ? [lo] : [];
            const raw = (hi - lo) / n, mag = pow(10, floor(log10(raw))), f = raw / mag;
            const step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag, out = [];
            for (let i = ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) out.push(+(i * step).toPrecision(12));
            return out;
          }

          // [{p: pixel, t: text}]; powers of ten on a log axis spanning a decade.
          function ticks(lo, hi, log, s) {
            const a = ceil(log10(lo) - 1e-9), b = floor(log10(hi) + 1e-9), t = [];
            if (log && b > a) for (let e = a; e <= b; e += ceil((b - a + 1) / 6)) t.push(Number('1e' + e));
            else t.push(...niceTicks(lo, hi, 5));
            return t.filter(v => v >= lo && v <= hi).map(v => ({ p: r1(s(v)), t: fmt(v) }));
          }

          function scale(d0, d1, p0, p1, log) {
            const f = log ? log10 : v => v, a = f(d0), k = (p1 - p0) / ((f(d1) - a) || 1);
            return v => p0 + (f(v) - a) * k;
          }

          // A single value gets ±1 (zero) or ±10%.
          function pad(lo, hi, log, frac) {
            if (log) { const p = pow(10, lo === hi ? 0.1 : log10(hi / lo) * frac); return [lo / p, hi * p]; }
            if (lo === hi) return lo === 0 ? [-1, 1] : [lo - abs(lo) * 0.1, hi + abs(hi) * 0.1];
            return [lo - (hi - lo) * frac, hi + (hi - lo) * frac];
          }

          // Category → index; unseen values are appended to cats.
          function catIndex(cats, vals) {
            const idx = new Map(cats.map((c, i) => [c, i]));
            for (const v of vals) if (!missing(v) && !idx.has(String(v))) idx.set(String(v), cats.push(String(v)) - 1);
            return idx;
          }

          function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }

          function svgEl(tag, attrs, parent) {
            const n = document.createElementNS('http://www.w3.org/2000/svg', tag);
            for (const k in attrs) n.setAttribute(k, attrs[k]);
            return parent.appendChild(n);
          }

          function htmlEl(tag, cls, parent, text, css) {
            const n = document.createElement(tag);
            if (cls) n.className = cls;
            if (text != null) n.textContent = text;
            if (css) n.style.cssText = css;
            return parent.appendChild(n);
          }

          function svgText(parent, x, y, text, anchor, attrs) {
            attrs = Object.assign({ x, y, 'text-anchor': anchor, style: 'font:11px sans-serif', fill: '#444' }, attrs);
            svgEl('text', attrs, parent).textContent = text;
          }

          function keyed(parent, cls, color, text) {
            const n = htmlEl('span', cls, parent);
            htmlEl('i', '', n, null, 'display:inline-block;width:10px;height:10px;margin:0 4px 0 8px').style.background = color;
            n.appendChild(document.createTextNode(text));
            return n;
          }

          function empty(el) { clear(el); htmlEl('p', 'empty', el, 'No points yet.'); }

          function frame(el, cls, opts) {
            clear(el);
            el.style.position = 'relative';
            const W = el.clientWidth || 640, H = opts.height || 260;
            const svg = svgEl('svg', { class: 'chart ' + cls, width: '100%', viewBox: `0 0 ${W} ${H}`, style: 'display:block' }, el);
            const tip = htmlEl('div', 'tooltip', el, null, 'position:absolute;display:none;pointer-events:none;' +
              'background:#fffd;border:1px solid #ccc;padding:4px 6px;font:11px sans-serif;white-space:nowrap');
            return { W, H, svg, tip, L: 58, R: W - 14, T: 12, B: H - 36 };
          }

          function drawAxes(g, xt, yt, opts) {
            const { svg, L, R, T, B } = g;
            let grid = '';
            for (const k of yt) { grid += `M${L} ${k.p}H${R}`; svgText(svg, L - 6, k.p, k.t, 'end', { dy: '0.32em' }); }
            for (const k of xt) { grid += `M${k.p} ${T}V${B}`; svgText(svg, k.p, B + 14, k.t, 'middle'); }
            svgEl('path', { class: 'grid', d: grid, stroke: '#eee', fill: 'none' }, svg);
            svgEl('path', { d: `M${L} ${T}V${B}H${R}`, stroke: '#999', fill: 'none' }, svg);
            if (opts.xLabel) svgText(svg, (L + R) / 2, g.H - 4, str(opts.xLabel), 'middle');
            if (opts.yLabel) svgText(svg, 0, 0, str(opts.yLabel), 'middle', { transform: `translate(11 ${(T + B) / 2}) rotate(-90)` });
          }

          // rows: [colour | null, text]
          function showTip(el, tip, e, title, rows) {
            clear(tip);
            htmlEl('b', '', tip, title);
            for (const [color, text] of rows) color ? keyed(htmlEl('div', '', tip), '', color, text) : htmlEl('div', '', tip, text);
            const er = el.getBoundingClientRect();
            tip.style.display = 'block';
            tip.style.left = max(0, min(e.clientX - er.left + 14, er.width - tip.offsetWidth)) + 'px';
            tip.style.top = e.clientY - er.top + 10 + 'px';
          }

          // Index of the x nearest to v in sorted xs.
          function nearest(xs, v) {
            let lo = 0, hi = xs.length - 1;
            if (hi < 0) return -1;
            while (lo < hi) { const mid = (lo + hi) >> 1; if (xs[mid] < v) lo = mid + 1; else hi = mid; }
            return lo > 0 && v - xs[lo - 1] < xs[lo] - v ? lo - 1 : lo;
          }

          // Breaks at null ys; a lone point gets a zero-length segment (a dot).
          function pathD(xs, ys, sx, sy) {
            let d = '', run = 0;
            for (let j = 0; j < xs.length; j++) {
              if (ys[j] === null) { if (run === 1) d += 'l0 0'; run = 0; continue; }
              d += (run++ ? 'L' : 'M') + r1(sx(xs[j])) + ' ' + r1(sy(ys[j]));
            }
            return run === 1 ? d + 'l0 0' : d;
          }

          // ---- 1. line chart ----
          function lineChart(el, opts = {}) {
            const logY = !!opts.logY, w = clamp(+opts.smoothing || 0, 0, 0.99);
            const list = (opts.series || []).map((s, i) => {
              const pts = (s.points || []).filter(p => p && isNum(p[0])).sort((a, b) => a[0] - b[0]);
              const xs = pts.map(p => p[0]), raw = pts.map(p => (isNum(p[1]) && (!logY || p[1] > 0) ? p[1] : null));
              // TensorBoard's debiased EMA.
              let last = 0, n = 0;
              const ys = w > 0 ? raw.map(y => (y === null ? null : (last = last * w + (1 - w) * y) / (1 - pow(w, ++n)))) : raw;
              return { id: str(s.id), label: str(s.label ?? s.id), color: PALETTE[i % 10], xs, raw, ys };
            });
            let [x0, x1] = extent(list.flatMap(s => s.xs.filter((_, j) => s.raw[j] !== null)));
            const [y0, y1] = extent(list.flatMap(s => s.raw));
            if (!(x1 >= x0)) return empty(el);
            const mk = opts.marker && isNum(opts.marker.x) ? opts.marker : null;
            if (mk) [x0, x1] = [min(x0, mk.x), max(x1, mk.x)];

            const g = frame(el, 'line-chart', opts), { svg, tip, L, R, T, B } = g;
            const [xa, xb] = pad(x0, x1, false, 0), [ya, yb] = pad(y0, y1, logY, 0.05);
            const sx = scale(xa, xb, L, R), sy = scale(ya, yb, B, T, logY);
            drawAxes(g, ticks(xa, xb, false, sx), ticks(ya, yb, logY, sy), opts);
            const line = (cls, s, ys, width, extra) => svgEl('path', Object.assign({
              class: cls, 'data-run': s.id, d: pathD(s.xs, ys, sx, sy), stroke: s.color, 'stroke-width': width,
              fill: 'none', 'stroke-linecap': 'round',
            }, extra), svg);
            if (w > 0) for (const s of list) line('raw', s, s.raw, 1, { opacity: 0.25 });
            for (const s of list) line('series', s, s.ys, 1.5);
            if (mk) {
              const px = r1(sx(mk.x));
              svgEl('line', { class: 'marker', x1: px, x2: px, y1: T, y2: B, stroke: '#666', 'stroke-dasharray': '4 3' }, svg);
              if (mk.label != null) svgText(svg, px + 4, T + 10, str(mk.label), 'start', { class: 'marker-label' });
            }

            // Hover: guide line and values at the nearest x.
            const guide = svgEl('line', { class: 'guide', y1: T, y2: B, stroke: '#bbb', visibility: 'hidden' }, svg);
            const overlay = svgEl('rect', { x: L, y: T, width: R - L, height: B - T, fill: 'none', 'pointer-events': 'all' }, svg);
            const hide = () => { tip.style.display = 'none'; guide.setAttribute('visibility', 'hidden'); };
            overlay.addEventListener('mouseleave', hide);
            overlay.addEventListener('mousemove', e => {
              const rect = svg.getBoundingClientRect(); // the svg is scaled
              const xv = xa + ((e.clientX - rect.left) * g.W / rect.width - L) * (xb - xa) / (R - L);
              const rows = [];
              let best = null;
              for (const s of list) {
                const j = nearest(s.xs, xv);
                if (j < 0) continue;
                if (best === null || abs(s.xs[j] - xv) < abs(best - xv)) best = s.xs[j];
                rows.push([s.color, s.label + ': ' + fmt(s.ys[j])]);
              }
              if (best === null) return hide();
              guide.setAttribute('x1', r1(sx(best)));
              guide.setAttribute('x2', r1(sx(best)));
              guide.setAttribute('visibility', 'visible');
              showTip(el, tip, e, (opts.xLabel || 'x') + ' ' + fmt(best), rows);
            });

            const legend = htmlEl('div', 'legend', el);
            for (const s of list) keyed(legend, 'legend-item', s.color, s.label).setAttribute('data-run', s.id);
          }

          // ---- 2. scatter ----
          function scatter(el, opts = {}) {
            const cats = opts.categories ? opts.categories.map(String) : null;
            let pts = (opts.points || []).filter(p => p && p.x != null && isNum(p.y) && (cats || isNum(p.x)));
            let [x0, x1] = extent(pts.map(p => p.x));
            const logX = !cats && (opts.logX === 'auto' ? x0 > 0 && x1 / x0 >= 100 : !!opts.logX);
            if (logX) [x0, x1] = extent((pts = pts.filter(p => p.x > 0)).map(p => p.x));
            if (!pts.length) return empty(el);
            const [y0, y1] = extent(pts.map(p => p.y));

            const g = frame(el, 'scatter', opts), { svg, tip, L, R, B, T } = g;
            const [ya, yb] = pad(y0, y1, false, 0.05), sy = scale(ya, yb, B, T);
            let px, xt;
            if (cats) {
              const idx = catIndex(cats, pts.map(p => p.x)), bw = (R - L) / cats.length;
              // Jitter: ±25% of the band, golden-ratio sequence by index.
              px = (p, i) => L + (idx.get(String(p.x)) + 0.5 + ((i * 0.618034) % 1 - 0.5) * 0.5) * bw;
              xt = cats.map((c, i) => ({ p: r1(L + (i + 0.5) * bw), t: c }));
            } else {
              const [xa, xb] = pad(x0, x1, logX, 0.05), sx = scale(xa, xb, L, R, logX);
              px = p => sx(p.x);
              xt = ticks(xa, xb, logX, sx);
            }
            drawAxes(g, xt, ticks(ya, yb, false, sy), opts);

            const byNode = new Map();
            pts.forEach((p, i) => byNode.set(svgEl('circle', {
              class: 'point', 'data-run': str(p.id), cx: r1(px(p, i)), cy: r1(sy(p.y)), r: 3.5, stroke: '#fff',
              fill: viridis(y1 > y0 ? (p.y - y0) / (y1 - y0) : 0.5), style: opts.onClick ? 'cursor:pointer' : '',
            }, svg), p));
            svg.addEventListener('mouseover', e => {
              const p = byNode.get(e.target);
              if (p) showTip(el, tip, e, str(p.label ?? p.id), [
                [null, (opts.xLabel || 'x') + ': ' + (cats ? String(p.x) : fmt(p.x))], [null, (opts.yLabel || 'y') + ': ' + fmt(p.y)]]);
            });
            svg.addEventListener('mouseout', e => { if (byNode.has(e.target)) tip.style.display = 'none'; });
            svg.addEventListener('click', e => { if (byNode.has(e.target) && opts.onClick) opts.onClick(byNode.get(e.target).id); });
          }

          // ---- 3. parallel coordinates ----
          const NB = 24; // colour buckets; bucket NB: no colour value

          // value → t in [0, 1] (-1 if missing) and → y; labels [[y, text]].
          function pcAxis(a, vals, TOP, BOT, NONE) {
            const ax = {}, span = BOT - TOP;
            if (a.kind === 'category') {
              const cats = (a.categories || []).map(String), idx = catIndex(cats, vals);
              const k = cats.length, pos = i => BOT - (i + 0.5) * span / k;
              ax.t = v => (missing(v) ? -1 : k > 1 ? idx.get(String(v)) / (k - 1) : 0.5);
              ax.y = v => (missing(v) ? NONE : pos(idx.get(String(v))));
              ax.labels = cats.map((c, i) => [pos(i), c]).filter((_, i) => i % ceil(k * 12 / span) === 0);
            } else {
              const num = v => (missing(v) ? NaN : +v);
              const [lo, hi] = extent(vals.map(num));
              const log = lo > 0 && hi / lo >= 100, f = log ? log10 : v => v, f0 = f(lo), f1 = f(hi);
              ax.t = v => { const x = num(v); return !isFinite(x) ? -1 : f1 > f0 ? (f(x) - f0) / (f1 - f0) : 0.5; };
              ax.y = v => { const t = ax.t(v); return t < 0 ? NONE : BOT - t * span; };
              const mid = [BOT - span / 2, fmt(log ? sqrt(lo * hi) : (lo + hi) / 2)];
              ax.labels = !(hi >= lo) ? [] : hi === lo ? [mid] : [[BOT, fmt(lo)], mid, [TOP, fmt(hi)]];
            }
            if (vals.some(v => ax.t(v) < 0)) ax.labels.push([NONE, 'none']);
            return ax;
          }

          function parallelCoordinates(el, opts = {}) {
            if (el._cairnPC) el._cairnPC.dispose();
            const axes = opts.axes || [], rows = opts.rows || [], m = axes.length, n = rows.length;
            clear(el);
            el.style.position = 'relative';
            const W = el.clientWidth || 800, H = opts.height || 320, dpr = window.devicePixelRatio || 1;
            const TOP = 30, BOT = H - 38, NONE = H - 16, PAD = 44; // NONE: band for missing values
            const ax = axes.map((_, k) => PAD + k * (W - 2 * PAD) / max(1, m - 1));

            const canvas = htmlEl('canvas', 'parcoords', el, null, `display:block;width:${W}px;height:${H}px;touch-action:none`);
            const ctx = canvas.getContext('2d');
            [canvas.width, canvas.height] = [round(W * dpr), round(H * dpr)];
            const names = htmlEl('div', 'pc-axes', el, null, 'position:absolute;left:0;top:0;font:11px sans-serif;color:#444');
            axes.forEach((a, k) => htmlEl('span', '', names, str(a.label ?? a.key),
              `position:absolute;top:6px;left:${ax[k]}px;transform:translateX(-50%);white-space:nowrap`));

            const info = axes.map((a, k) => pcAxis(a, rows.map(r => (r.values || [])[k]), TOP, BOT, NONE));
            const cAx = info[opts.colorAxis] ? opts.colorAxis : m - 1;
            const ys = new Float32Array(n * m), ids = rows.map(r => r.id), groups = Array.from({ length: NB + 1 }, () => []);
            rows.forEach((r, i) => {
              const v = r.values || [], t = m ? info[cAx].t(v[cAx]) : -1;
              for (let k = 0; k < m; k++) ys[i * m + k] = info[k].y(v[k]);
              groups[t < 0 ? NB : min(NB - 1, floor(t * NB))].push(i);
            });

            // Brushes: axis → [y0, y1] px, combined with AND.
            const brushes = new Map(), sel = new Uint8Array(n).fill(1);
            let nSel = n;
            function updateSelection() {
              const bs = [...brushes];
              nSel = 0;
              for (let i = 0; i < n; i++) nSel += sel[i] = bs.every(([k, [lo, hi]]) => ys[i * m + k] >= lo && ys[i * m + k] <= hi) ? 1 : 0;
            }
            const selected = () => (brushes.size ? ids.filter((_, i) => sel[i]) : null);

            function strokeRows(color, list, keep) {
              ctx.strokeStyle = color;
              ctx.beginPath();
              for (const i of list) {
                if (sel[i] !== keep) continue;
                ctx.moveTo(ax[0], ys[i * m]);
                for (let k = 1; k < m; k++) ctx.lineTo(ax[k], ys[i * m + k]);
              }
              ctx.stroke();
            }

            function draw() {
              const t0 = performance.now();
              ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
              ctx.clearRect(0, 0, W, H);
              if (nSel < n) { // unselected rows first
                ctx.globalAlpha = clamp(20 / sqrt(n - nSel), 0.05, 0.5);
                strokeRows('#ccc', ids.keys(), 0);
              }
              ctx.globalAlpha = clamp(30 / sqrt(max(1, nSel)), 0.08, 0.8);
              strokeRows('#999', groups[NB], 1);
              for (let b = 0; b < NB; b++) strokeRows(viridis((b + 0.5) / NB), groups[b], 1);
              Object.assign(ctx, { globalAlpha: 1, font: '10px sans-serif', textBaseline: 'middle', strokeStyle: '#999' });
              ctx.beginPath();
              for (const x of ax) { ctx.moveTo(round(x) + 0.5, TOP); ctx.lineTo(round(x) + 0.5, BOT); }
              ctx.stroke();
              ctx.fillStyle = '#4e79a750';
              for (const [k, [y0, y1]] of brushes) ctx.fillRect(ax[k] - 8, y0, 16, y1 - y0);
              ctx.fillStyle = '#444';
              info.forEach((a, k) => {
                const right = k === m - 1 && m > 1;
                ctx.textAlign = right ? 'right' : 'left';
                for (const [y, s] of a.labels) ctx.fillText(s, ax[k] + (right ? -6 : 6), y);
              });
              Object.assign(el.dataset, { drawMs: (performance.now() - t0).toFixed(1), rows: n, selected: nSel });
            }

            let pending = 0;
            const schedule = () => {
              if (!pending) pending = requestAnimationFrame(() => { pending = 0; updateSelection(); draw(); });
            };

            // Brush: drag along an axis (within 12 px); a click clears it.
            const local = e => { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
            const axisAt = x => ax.findIndex(p => abs(p - x) <= 12);
            let drag = null;
            canvas.addEventListener('pointerdown', e => {
              const [x, y] = local(e), k = axisAt(x);
              if (k < 0) return;
              drag = { k, y0: y, moved: false };
              canvas.setPointerCapture(e.pointerId);
              e.preventDefault();
            });
            canvas.addEventListener('pointermove', e => {
              const y = local(e)[1];
              if (!drag || (!drag.moved && abs(y - drag.y0) < 3)) return; // < 3 px: a click
              drag.moved = true;
              brushes.set(drag.k, [clamp(min(y, drag.y0), TOP - 4, H), clamp(max(y, drag.y0), TOP - 4, H)]);
              schedule();
            });
            const end = () => {
              const d = drag;
              drag = null;
              if (!d) return;
              if (!d.moved) brushes.delete(d.k);
              updateSelection();
              schedule();
              if (opts.onBrush) opts.onBrush(selected());
            };
            canvas.addEventListener('pointerup', end);
            canvas.addEventListener('pointercancel', end);

            el._cairnPC = { dispose: () => cancelAnimationFrame(pending) };
            draw();
            return { redraw() { updateSelection(); draw(); }, selected };
          }

          return { lineChart, scatter, parallelCoordinates };
        })();
        """#
}
