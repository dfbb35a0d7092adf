/* gauntlet report.html client: draws the uPlot charts from the embedded RunReport and explains matrix cells.
   Plain ES2017, no module, no network. Every chart is drawn inside its own try/catch: a bad series shows a message
   in its box instead of breaking the page. */
(function () {
  'use strict';
  var MB = 1e6; // 1000-based, as the claims' thresholds ("max<100MB") read
  var MEMORY = [
    ['hostHeapUsed', 'host heap used', '#2563eb'],
    ['hostRss', 'host RSS', '#0891b2'],
    ['embedderRssAnon', 'embedder anon RSS', '#dc2626'],
    ['embedderRssFile', 'embedder file RSS', '#9333ea'],
  ];
  var MARKER_COLORS = { fault: '#d97706', crash: '#dc2626', restart: '#2563eb', hang: '#b45309', 'host-exit': '#7f1d1d' };
  /** Below this many samples a series is drawn as points (a line needs two, and two read as a trend). */
  var SPARSE = 3;

  function byId(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function num(v) { return typeof v === 'number' && isFinite(v); }
  /** Legend value: blank until the cursor is over a point. */
  function legendValue(digits) { return function (u, v) { return num(v) ? (+v.toFixed(digits)).toString() : '--'; }; }
  function fmtValue(v, unit) {
    if (!num(v)) return 'n/a';
    if (unit === 'bytes') return (v / MB).toFixed(1) + ' MB';
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
          var pr = window.devicePixelRatio || 1, lastLabel = -Infinity;
          ctx.font = Math.round(10 * pr) + 'px system-ui, sans-serif';
          lines.forEach(function (l) {
            var x = u.valToPos(l.x, 'x', true);
            if (!num(x) || x < b.left - 1 || x > b.left + b.width + 1) return;
            ctx.strokeStyle = l.color;
            ctx.beginPath();
            ctx.moveTo(x, b.top);
            ctx.lineTo(x, b.top + b.height);
            ctx.stroke();
            if (l.text && x - lastLabel > 60 * pr) {
              ctx.fillStyle = l.color;
              ctx.fillText(l.text, x + 3 * pr, b.top + 10 * pr);
              lastLabel = x;
            }
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

  /** Number of finite values of a series in joined data. */
  function filled(ys) { return ys.filter(num).length; }

  /** A signal name for a fault marker (from its proof), else the event kind. */
  function markerText(e) {
    var d = e.details || {};
    var sig = (d.proof && d.proof.signal) || d.signal;
    return e.kind === 'fault' ? (typeof sig === 'string' ? sig : 'fault') : e.kind === 'hang' ? 'hang' : e.kind === 'host-exit' ? 'host exit' : '';
  }

  function drawMemory(box, run) {
    var series = run.series || {};
    var used = MEMORY.filter(function (m) { return Array.isArray(series[m[0]]) && series[m[0]].length > 0; });
    if (!used.length) { box.textContent = 'no memory samples'; return; }
    var data = window.uPlot.join(used.map(function (m) { return table(series[m[0]], MB); }));
    var events = (Array.isArray(run.timeline) ? run.timeline : []).filter(function (e) { return e && MARKER_COLORS[e.kind] && num(e.t); });
    var lines = events.map(function (e) { return { x: e.t / 1000, color: MARKER_COLORS[e.kind], kind: e.kind, text: markerText(e) }; });
    var xmax = Math.max(num(run.durationMs) ? run.durationMs / 1000 : 0, data[0].length ? data[0][data[0].length - 1] : 1,
      lines.reduce(function (m, l) { return Math.max(m, l.x); }, 0)) || 1;
    var ymax = 0;
    for (var k = 1; k < data.length; k++) data[k].forEach(function (v) { if (num(v) && v > ymax) ymax = v; });
    var sparse = used.map(function (m, i) { return filled(data[i + 1]) < SPARSE; });
    mount(box, 'memory (MB) over time (s)' + (sparse.some(Boolean) ? '; dots: series with fewer than ' + SPARSE + ' samples' : ''), {
      scales: { x: { time: false, range: [0, xmax] }, y: { range: [0, Math.max(1, ymax * 1.12)] } },
      axes: [{ label: 's' }, { label: 'MB', size: 56 }],
      series: [{ label: 't (s)', value: legendValue(2) }].concat(used.map(function (m, i) {
        return {
          label: m[1], stroke: m[2], width: 1.5, spanGaps: true, value: legendValue(1),
          points: sparse[i] ? { show: true, size: 9, width: 2, fill: m[2] } : { show: false },
        };
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
      series: [{ label: 't (s)' }, { label: name, stroke: '#0f766e', width: 1.5, spanGaps: true,
        points: data[0].length < SPARSE ? { show: true, size: 9, fill: '#0f766e' } : { show: false } }],
    }, data);
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
    var shown = td.querySelector('.val');
    [['value', shown ? shown.textContent : fmtValue(v.value, v.unit)], ['95% interval', td.getAttribute('data-interval') || 'none (not a timing or rate figure, or no samples)'], ['threshold', v.threshold], ['reason', v.reason], ['source', v.source],
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

  /* The "not measured" group of the matrix starts folded to its first row; its button unfolds it. */
  var folds = document.querySelectorAll('#matrix tbody.collapsible');
  for (var f = 0; f < folds.length; f++) {
    (function (tbody) {
      var btn = tbody.querySelector('button.toggle-rows');
      if (!btn) return;
      tbody.classList.add('collapsed');
      btn.hidden = false;
      btn.addEventListener('click', function () {
        var folded = tbody.classList.toggle('collapsed');
        btn.textContent = folded ? 'show all' : 'fold';
      });
    })(folds[f]);
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
