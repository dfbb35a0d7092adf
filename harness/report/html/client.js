/* gauntlet report.html client: draws the uPlot charts from the embedded RunReport and explains matrix cells.
   Plain ES2017, no module, no network. Every chart is drawn inside its own try/catch: a bad series shows a message
   in its box instead of breaking the page. */
(function () {
  'use strict';
  var MiB = 1024 * 1024;
  var MEMORY = [
    ['hostHeapUsed', 'host heap used', '#2563eb'],
    ['hostRss', 'host RSS', '#0891b2'],
    ['embedderRssAnon', 'embedder anon RSS', '#dc2626'],
    ['embedderRssFile', 'embedder file RSS', '#9333ea'],
  ];
  var MARKER_COLORS = { fault: '#d97706', crash: '#dc2626', restart: '#2563eb' };

  function byId(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function num(v) { return typeof v === 'number' && isFinite(v); }
  function fmt(v, digits) { return num(v) ? (+v.toFixed(digits === undefined ? 2 : digits)).toString() : 'n/a'; }
  /** Legend value: blank until the cursor is over a point. */
  function legendValue(digits) { return function (u, v) { return num(v) ? (+v.toFixed(digits)).toString() : '--'; }; }
  function fmtValue(v, unit) {
    if (!num(v)) return 'n/a';
    if (unit === 'bytes') return (v / MiB).toFixed(1) + ' MB';
    var a = Math.abs(v);
    return (+v.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 4)) + (unit && unit !== 'ratio' ? ' ' + unit : '');
  }

  var report = {};
  try {
    var dataEl = byId('report-data');
    report = JSON.parse(dataEl ? dataEl.textContent || '{}' : '{}') || {};
  } catch (e) {
    var banner = el('p', 'chart-error', 'The embedded report data could not be parsed, charts are not drawn: ' + e.message);
    document.body.insertBefore(banner, document.body.firstChild);
    return;
  }
  var runs = Array.isArray(report.scenarios) ? report.scenarios : [];
  var verdicts = Array.isArray(report.verdicts) ? report.verdicts : [];
  var charts = [];

  /** [xs, ys] sorted by t, unique x, in seconds and scaled units; drops non-finite points. */
  function table(points, scale) {
    var list = (Array.isArray(points) ? points : []).filter(function (p) { return p && num(p.t) && num(p.value); });
    list.sort(function (a, b) { return a.t - b.t; });
    var xs = [], ys = [];
    list.forEach(function (p) {
      var x = p.t / 1000;
      if (xs.length && xs[xs.length - 1] === x) ys[ys.length - 1] = p.value / scale;
      else { xs.push(x); ys.push(p.value / scale); }
    });
    return [xs, ys];
  }

  /** Dashed vertical lines at given x values (seconds or ms, as the chart's x scale). */
  function linesPlugin(lines) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, b = u.bbox;
          ctx.save();
          ctx.lineWidth = Math.max(1, window.devicePixelRatio || 1);
          ctx.setLineDash([5, 4]);
          lines.forEach(function (l) {
            var x = u.valToPos(l.x, 'x', true);
            if (!num(x) || x < b.left - 1 || x > b.left + b.width + 1) return;
            ctx.strokeStyle = l.color;
            ctx.beginPath();
            ctx.moveTo(x, b.top);
            ctx.lineTo(x, b.top + b.height);
            ctx.stroke();
          });
          ctx.restore();
        }],
      },
    };
  }

  function width(box) { return Math.max(240, Math.floor(box.clientWidth || (box.parentNode && box.parentNode.clientWidth) || 560)); }

  function mount(box, title, opts, data, caption) {
    box.appendChild(el('div', 'chart-title', title));
    var holder = el('div', 'chart-canvas');
    box.appendChild(holder);
    opts.width = width(box);
    opts.height = opts.height || 190;
    var u = new window.uPlot(opts, data, holder);
    charts.push({ u: u, box: box });
    if (caption) box.appendChild(caption);
  }

  function markerCaption(lines) {
    var kinds = {};
    lines.forEach(function (l) { kinds[l.kind] = l.color; });
    var names = Object.keys(kinds);
    if (!names.length) return null;
    var cap = el('div', 'chart-caption');
    cap.appendChild(document.createTextNode('dashed lines: '));
    names.forEach(function (k, i) {
      var s = el('span', null, k);
      s.style.color = kinds[k];
      cap.appendChild(s);
      if (i < names.length - 1) cap.appendChild(document.createTextNode(', '));
    });
    return cap;
  }

  function drawMemory(box, run) {
    var series = run.series || {};
    var used = MEMORY.filter(function (m) { return Array.isArray(series[m[0]]) && series[m[0]].length > 0; });
    if (!used.length) { box.textContent = 'no memory samples'; return; }
    var data = window.uPlot.join(used.map(function (m) { return table(series[m[0]], MiB); }));
    var events = (Array.isArray(run.timeline) ? run.timeline : []).filter(function (e) { return e && MARKER_COLORS[e.kind] && num(e.t); });
    var lines = events.map(function (e) { return { x: e.t / 1000, color: MARKER_COLORS[e.kind], kind: e.kind }; });
    var xmax = Math.max(num(run.durationMs) ? run.durationMs / 1000 : 0, data[0].length ? data[0][data[0].length - 1] : 1,
      lines.reduce(function (m, l) { return Math.max(m, l.x); }, 0)) || 1;
    mount(box, 'memory (MiB) over time (s)', {
      scales: { x: { time: false, range: [0, xmax] } },
      axes: [{ label: 's' }, { label: 'MiB', size: 56 }],
      series: [{ label: 't (s)', value: legendValue(2) }].concat(used.map(function (m) {
        return { label: m[1], stroke: m[2], width: 1.5, spanGaps: true, value: legendValue(1) };
      })),
      plugins: [linesPlugin(lines)],
    }, data, markerCaption(lines));
  }

  function drawSeries(box, run, name) {
    var pts = run.series && run.series[name];
    var data = table(pts, 1);
    if (!data[0].length) { box.textContent = 'no samples for ' + name; return; }
    mount(box, name + ' over time (s)', {
      scales: { x: { time: false } },
      axes: [{ label: 's' }, { size: 60 }],
      series: [{ label: 't (s)' }, { label: name, stroke: '#0f766e', width: 1.5, spanGaps: true }],
    }, data);
  }

  function drawLatency(box, run, key) {
    var lat = run.latency && run.latency[key];
    var buckets = (lat && Array.isArray(lat.histogram) ? lat.histogram : []).filter(function (b) { return Array.isArray(b) && num(b[0]) && num(b[1]); });
    buckets.sort(function (a, b) { return a[0] - b[0]; });
    if (!buckets.length) { box.textContent = 'no latency histogram for ' + key; return; }
    var xs = buckets.map(function (b) { return b[0]; });
    var ys = buckets.map(function (b) { return b[1]; });
    var log = xs[0] > 0 && xs[xs.length - 1] / xs[0] > 20;
    var lines = [];
    if (num(lat.p50)) lines.push({ x: lat.p50, color: '#16a34a', kind: 'p50' });
    if (num(lat.p99)) lines.push({ x: lat.p99, color: '#dc2626', kind: 'p99' });
    var bars = window.uPlot.paths && window.uPlot.paths.bars ? window.uPlot.paths.bars({ size: [0.85, 40] }) : undefined;
    mount(box, 'latency ' + key + ': p50 ' + fmt(lat.p50, 3) + ' ms, p99 ' + fmt(lat.p99, 3) + ' ms, max ' + fmt(lat.max, 3) + ' ms, n=' + (lat.count || 0) + (lat.errors ? ', ' + lat.errors + ' errors' : ''), {
      height: 170,
      scales: { x: { time: false, distr: log ? 3 : 1 } },
      axes: [{ label: 'ms (bucket upper bound)', labelSize: 16, size: 40 }, { label: 'count', size: 50 }],
      series: [{ label: 'ms' }, { label: 'count', stroke: '#2563eb', fill: 'rgba(37,99,235,0.35)', paths: bars, points: { show: false } }],
      plugins: [linesPlugin(lines)],
    }, [xs, ys], markerCaption(lines));
  }

  function drawAll() {
    var boxes = document.querySelectorAll('.chart[data-kind]');
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      var run = runs[Number(box.getAttribute('data-run'))];
      try {
        if (typeof window.uPlot !== 'function') throw new Error('uPlot is not loaded');
        if (!run) throw new Error('no run #' + box.getAttribute('data-run') + ' in the data');
        var kind = box.getAttribute('data-kind');
        if (kind === 'memory') drawMemory(box, run);
        else if (kind === 'latency') drawLatency(box, run, box.getAttribute('data-key'));
        else if (kind === 'series') drawSeries(box, run, box.getAttribute('data-series'));
      } catch (e) {
        box.classList.add('chart-error');
        box.textContent = 'chart not drawn: ' + (e && e.message ? e.message : String(e));
      }
    }
  }

  function showDetail(td) {
    var panel = byId('cell-detail');
    if (!panel) return;
    var claim = td.getAttribute('data-claim'), adapter = td.getAttribute('data-adapter');
    var v = verdicts.filter(function (x) { return x && x.claim === claim && x.adapter === adapter; })[0];
    if (!v) return;
    var prev = document.querySelector('#matrix td.selected');
    if (prev) prev.classList.remove('selected');
    td.classList.add('selected');
    panel.textContent = '';
    panel.appendChild(el('h3', null, v.claim + ' on ' + v.adapter + ': ' + v.verdict + ' (' + v.severity + ')'));
    var dl = el('dl');
    var ev = v.evidence || {};
    [['value', fmtValue(v.value, v.unit)], ['threshold', v.threshold], ['reason', v.reason], ['source', v.source],
      ['samples', num(ev.samples) ? String(ev.samples) : 'n/a'], ['notes', Array.isArray(ev.notes) && ev.notes.length ? ev.notes.join('; ') : 'none']]
      .forEach(function (kv) { dl.appendChild(el('dt', null, kv[0])); dl.appendChild(el('dd', null, kv[1] === undefined ? '' : String(kv[1]))); });
    dl.appendChild(el('dt', null, 'scenarios'));
    var dd = el('dd');
    (Array.isArray(ev.scenarios) ? ev.scenarios : []).forEach(function (id, i) {
      if (i) dd.appendChild(document.createTextNode(', '));
      var a = el('a', null, id);
      a.href = '#scenario-' + id;
      dd.appendChild(a);
    });
    dl.appendChild(dd);
    panel.appendChild(dl);
    panel.hidden = false;
  }

  var matrix = byId('matrix');
  if (matrix) {
    matrix.addEventListener('click', function (e) {
      var td = e.target && e.target.closest ? e.target.closest('td[data-claim]') : null;
      if (td) showDetail(td);
    });
    matrix.addEventListener('keydown', function (e) {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      var td = e.target && e.target.closest ? e.target.closest('td[data-claim]') : null;
      if (td) { e.preventDefault(); showDetail(td); }
    });
  }

  drawAll();

  var timer = 0;
  window.addEventListener('resize', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      charts.forEach(function (c) { c.u.setSize({ width: width(c.box), height: c.u.height }); });
    }, 150);
  });
})();
