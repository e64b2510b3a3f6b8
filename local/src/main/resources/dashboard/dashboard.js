// Ebb's local dashboard: polls the gateway's /dashboard/state (the metrics the code emits, read back) once a second,
// and the public API with the page's API key for the tenant's last jobs and for submits. API errors are shown as
// their code and message.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const examples = {
    math: '{"text":"What is 50 divided by 2?"}',
    embed: '["hello","good morning"]',
    classify: '{"text":"I love this phone","labels":{"positive":["I really like it"],"negative":["I hate it"]}}'
  };
  const depthHistory = [];
  let watched = null;

  // The key: from the URL's fragment (never sent to a server), else what this tab last used.
  const fragmentKey = new URLSearchParams(location.hash.slice(1)).get('key');
  if (fragmentKey) {
    sessionStorage.setItem('ebb-key', fragmentKey);
    history.replaceState(null, '', location.pathname);
  }
  $('key').value = sessionStorage.getItem('ebb-key') || '';
  $('key').addEventListener('change', () => sessionStorage.setItem('ebb-key', $('key').value.trim()));
  $('task').addEventListener('change', () => { $('input').value = examples[$('task').value] || '{}'; });

  async function api(method, path, body) {
    const response = await fetch(path, {
      method,
      headers: Object.assign({'x-api-key': $('key').value.trim()}, body ? {'content-type': 'application/json'} : {}),
      body: body ? JSON.stringify(body) : undefined
    });
    let json = null;
    try { json = await response.json(); } catch (e) { /* empty body */ }
    if (!response.ok) {
      const error = (json && json.error) || {code: 'http_' + response.status, message: response.statusText};
      throw Object.assign(new Error(error.message), {code: error.code});
    }
    return json;
  }

  function showError(e) {
    $('error').textContent = e ? (e.code || 'error') + ': ' + e.message : '';
  }

  function fmt(value, digits) {
    return value === null || value === undefined ? '–' : Number(value).toFixed(digits);
  }

  function points(values, max) {
    const top = Math.max(1, max);
    const step = 600 / Math.max(1, values.length - 1);
    return values.map((v, i) => (i * step).toFixed(1) + ',' + (158 - 150 * v / top).toFixed(1)).join(' ');
  }

  function plot(line, values, max) {
    line.setAttribute('points', points(values, max));
    line.dataset.last = values.length ? values[values.length - 1] : 0;
    line.dataset.max = Math.max(0, ...values);
  }

  function percentiles(node) {
    return node && node.count ? fmt(node.p50, 0) + ' · ' + fmt(node.p95, 0) + ' · ' + fmt(node.p99, 0)
        + ' (p50 · p95 · p99)' : '–';
  }

  async function refreshState() {
    const state = await (await fetch('/dashboard/state', {cache: 'no-store'})).json();
    for (const lane of ['gpu', 'cpu']) {
      const q = (state.queues || {})[lane] || {};
      $(lane + '-visible').textContent = q.visible ?? '–';
      $(lane + '-inflight').textContent = q.inFlight ?? '–';
    }
    const w = (state.workers || {}).gpu || {};
    $('workers-running').textContent = w.running ?? 0;
    $('workers-busy').textContent = w.busy ?? 0;
    $('jobs-per-second').textContent = fmt(state.jobsPerSecond, 1);
    $('wait').textContent = percentiles(state.waitMs);
    $('e2e').textContent = percentiles(state.endToEndMs);
    $('cache-hit-rate').textContent = state.cacheHitRate === null ? 'no lookups' : fmt(100 * state.cacheHitRate, 1) + ' %';
    $('cost-per-1000').textContent = state.costPer1000Jobs === null ? '–' : '$' + fmt(state.costPer1000Jobs, 4);
    const seconds = state.seconds || [];
    const accepted = seconds.map((p) => p.accepted);
    const ended = seconds.map((p) => p.succeeded + p.failed);
    const top = Math.max(...accepted, ...ended);
    plot($('accepted-line'), accepted, top);
    plot($('ended-line'), ended, top);
    const q = state.queues || {};
    depthHistory.push([(q.gpu || {}).visible + (q.gpu || {}).inFlight || 0, (q.cpu || {}).visible + (q.cpu || {}).inFlight || 0]);
    while (depthHistory.length > 120) depthHistory.shift();
    const depthTop = Math.max(...depthHistory.flat());
    plot($('gpu-depth-line'), depthHistory.map((d) => d[0]), depthTop);
    plot($('cpu-depth-line'), depthHistory.map((d) => d[1]), depthTop);
    $('updated').textContent = 'updated ' + new Date(state.at).toLocaleTimeString()
        + ' · ' + state.totals.JobsAccepted + ' accepted · ' + state.totals.JobsSucceeded + ' succeeded';
  }

  async function refreshJobs() {
    if (!$('key').value.trim()) return;
    const page = await api('GET', '/v1/jobs?limit=15');
    const rows = (page.jobs || []).map((job) => {
      const t = job.timings || {};
      const tr = document.createElement('tr');
      tr.dataset.jobId = job.jobId;
      for (const [text, cls] of [[job.jobId, ''], [job.task, ''], [job.status, job.status], [t.waitMs ?? '', ''],
          [t.totalMs ?? '', ''], [job.cost ? job.cost.total.toExponential(2) : '', '']]) {
        const td = document.createElement('td');
        td.textContent = text;
        if (cls) td.className = cls;
        tr.appendChild(td);
      }
      return tr;
    });
    $('jobs').replaceChildren(...rows);
  }

  async function refreshWatched() {
    if (!watched) return;
    const job = await api('GET', '/v1/jobs/' + watched);
    let text = job.jobId + ': ' + job.status;
    if (job.timings && job.timings.totalMs !== undefined) text += ' in ' + job.timings.totalMs + ' ms';
    if (job.cost) text += ', cost $' + job.cost.total.toExponential(2);
    if (job.error) text += ' — ' + job.error.code + ': ' + job.error.message;
    $('watched').textContent = text;
    $('watched').dataset.status = job.status;
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.status)) watched = null;
  }

  $('submit-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(null);
    let input;
    try {
      input = JSON.parse($('input').value);
    } catch (e) {
      showError({code: 'invalid_json', message: 'the input is not JSON: ' + e.message});
      return;
    }
    const count = Math.max(1, Math.min(500, parseInt($('count').value, 10) || 1));
    $('submit').disabled = true;
    try {
      const sends = [];
      // A burst is there to watch the lanes work: its copies skip the result cache (a single job may be answered
      // from it). The watched job's status is set by the poll, with its text.
      const body = count > 1 ? {task: $('task').value, input, cache: 'off'} : {task: $('task').value, input};
      for (let i = 0; i < count; i++) sends.push(api('POST', '/v1/jobs', body));
      const answers = await Promise.all(sends);
      watched = answers[answers.length - 1].jobId;
      $('watched').textContent = count + ' submitted; watching ' + watched;
      delete $('watched').dataset.status;
    } catch (e) {
      showError(e);
    } finally {
      $('submit').disabled = false;
    }
  });

  async function tick() {
    try {
      await refreshState();
      await refreshWatched();
      await refreshJobs();
    } catch (e) {
      if (e.code) showError(e); else $('updated').textContent = 'gateway unreachable: ' + e.message;
    } finally {
      setTimeout(tick, 1000);
    }
  }
  tick();
})();
