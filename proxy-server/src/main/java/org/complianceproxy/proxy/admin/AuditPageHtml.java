package org.complianceproxy.proxy.admin;

/** The audit page itself: one HTML document, no external resources, rendered with textContent. */
final class AuditPageHtml {

  private AuditPageHtml() {}

  static final String PAGE =
      """
      <!doctype html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <title>Audit trail</title>
      <style>
        body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
        #chain-status { padding: .5em 1em; border-radius: 4px; margin-bottom: 1em; }
        #chain-status[data-state="ok"] { background: #e6f4ea; }
        #chain-status[data-state="broken"] { background: #fce8e6; }
        form { display: flex; flex-wrap: wrap; gap: .5em; align-items: end; margin-bottom: 1em; }
        label { display: flex; flex-direction: column; font-size: .85em; }
        table { border-collapse: collapse; width: 100%; font-size: .85em; }
        th, td { border-bottom: 1px solid #ddd; padding: .25em .5em; text-align: left; }
        #timeline { margin-top: 1.5em; }
        #timeline li { font-family: monospace; font-size: .85em; margin: .2em 0; }
      </style>
      </head>
      <body>
      <h1>Audit trail</h1>
      <p>Read-only. Records hold tokens and fingerprints, never clear personal data.</p>
      <div id="chain-status">Checking the chains&hellip;</div>
      <form id="filters">
        <label>Entity type
          <select id="entity-type">
            <option value="">any</option>
            <option>CARD</option><option>SSN</option><option>EMAIL</option>
            <option>PHONE</option><option>IBAN</option>
          </select></label>
        <label>Kind
          <select id="kind">
            <option value="">any</option><option>finding</option><option>restore</option>
            <option>request_summary</option><option>policy_refusal</option>
            <option>vault_operation</option><option>lifecycle</option>
          </select></label>
        <label>Action <input id="action" size="10"></label>
        <label>Tenant <input id="tenant" size="10"></label>
        <label>Request id <input id="request-id" size="24"></label>
        <label>Model <input id="model" size="12"></label>
        <label>Region <input id="region" size="12"></label>
        <label>Since (UTC) <input id="since" placeholder="2025-01-31T00:00:00Z" size="22"></label>
        <label>Until (UTC) <input id="until" size="22"></label>
        <button type="submit" id="search">Search</button>
      </form>
      <div id="summary"></div>
      <table id="records">
        <thead><tr><th>time</th><th>kind</th><th>tenant</th><th>request</th><th>entity type</th>
          <th>action</th><th>token</th><th>model</th><th>region</th><th>outcome</th></tr></thead>
        <tbody></tbody>
      </table>
      <section id="timeline" hidden><h2></h2><ul></ul></section>
      <script>
      'use strict';
      const $ = id => document.getElementById(id);
      function cell(tr, text) {
        const td = document.createElement('td');
        td.textContent = text == null ? '' : String(text);
        tr.appendChild(td);
        return td;
      }
      async function getJson(url) {
        const response = await fetch(url);
        const body = await response.json();
        if (!response.ok) { throw new Error(body.error || response.status); }
        return body;
      }
      async function chain() {
        const status = $('chain-status');
        try {
          const c = await getJson('/audit/api/chain');
          status.textContent = c.ok
            ? 'Chains intact: ' + c.instances.length + ' instance(s), ' + c.records + ' records.'
            : 'Chain problems: ' + c.problems.join('; ');
          status.dataset.state = c.ok ? 'ok' : 'broken';
        } catch (e) {
          status.textContent = 'Chain status unavailable: ' + e.message;
          status.dataset.state = 'unavailable';
        }
      }
      async function search(event) {
        if (event) { event.preventDefault(); }
        const table = $('records');
        table.dataset.state = 'loading';
        const params = new URLSearchParams();
        const fields = { 'entity-type': 'entity_type', 'kind': 'kind', 'action': 'action',
          'tenant': 'tenant', 'request-id': 'request_id', 'model': 'model', 'region': 'region',
          'since': 'since', 'until': 'until' };
        for (const [id, name] of Object.entries(fields)) {
          if ($(id).value.trim()) { params.set(name, $(id).value.trim()); }
        }
        const tbody = table.querySelector('tbody');
        tbody.replaceChildren();
        try {
          const result = await getJson('/audit/api/records?' + params);
          $('summary').textContent = result.total + ' matching record(s)'
            + (result.total > result.records.length ? ', newest ' + result.records.length + ' shown' : '');
          for (const r of result.records) {
            const tr = document.createElement('tr');
            tr.dataset.kind = r.kind;
            tr.dataset.entityType = r.entity_type || '';
            tr.dataset.requestId = r.request_id || '';
            cell(tr, r.ts); cell(tr, r.kind); cell(tr, r.tenant);
            const request = cell(tr, '');
            if (r.request_id) {
              const a = document.createElement('a');
              a.href = '#'; a.className = 'timeline'; a.textContent = r.request_id;
              a.addEventListener('click', e => { e.preventDefault(); timeline(r.request_id); });
              request.appendChild(a);
            }
            cell(tr, r.entity_type); cell(tr, r.action || r.operation || r.event);
            cell(tr, r.token); cell(tr, r.model); cell(tr, r.region);
            cell(tr, r.outcome || r.code);
            tbody.appendChild(tr);
          }
          table.dataset.state = 'loaded';
        } catch (e) {
          $('summary').textContent = 'Search failed: ' + e.message;
          table.dataset.state = 'failed';
        }
      }
      function describe(r) {
        switch (r.kind) {
          case 'finding': return r.entity_type + ' ' + r.action + (r.token ? ' -> ' + r.token : '')
            + ' at ' + r.field_path + ' [' + r.start + ',' + r.end + ') rule ' + r.rule_id;
          case 'restore': return r.entity_type + ' ' + r.token + ' restored from ' + r.source
            + ' in ' + r.field;
          case 'request_summary': return r.route + ' -> ' + (r.upstream || 'no upstream')
            + ' region ' + (r.region || '-') + ' model ' + (r.model || '-') + ': ' + r.status
            + ' ' + r.outcome + ' in ' + r.latency_millis + ' ms';
          case 'policy_refusal': return 'refused ' + r.code + ' (' + r.status + ')'
            + (r.rule_id ? ' rule ' + r.rule_id : '');
          case 'vault_operation': return r.operation + ' by ' + r.actor + ': ' + r.outcome;
          default: return r.event || '';
        }
      }
      async function timeline(requestId) {
        const section = $('timeline');
        section.hidden = false;
        section.dataset.state = 'loading';
        section.querySelector('h2').textContent = 'Request ' + requestId;
        const list = section.querySelector('ul');
        list.replaceChildren();
        try {
          const t = await getJson('/audit/api/timeline?request_id=' + encodeURIComponent(requestId));
          for (const r of t.records) {
            const li = document.createElement('li');
            li.dataset.kind = r.kind;
            li.textContent = r.ts + '  #' + r.seq + '  ' + r.kind + '  ' + describe(r);
            list.appendChild(li);
          }
          section.dataset.state = 'loaded';
        } catch (e) {
          section.querySelector('h2').textContent = 'Timeline unavailable: ' + e.message;
          section.dataset.state = 'failed';
        }
      }
      $('filters').addEventListener('submit', search);
      chain();
      search();
      </script>
      </body>
      </html>
      """;
}
