// status_script.cpp — the status page's script (served at /-/status.js):
// health filter, search, sortable columns and pagination of the collector
// table. Its state lives in the URL fragment (#health=down&q=pg&sort=name&
// dir=desc&page=2&size=50), so a view can be bookmarked or shared.
#include "http/status_page.hpp"

namespace pe::host {

std::string_view status_page_script() {
  static constexpr std::string_view kScript = R"JS('use strict';
(function () {
  const table = document.getElementById('collector-table');
  if (!table) return;
  const tbody = table.tBodies[0];
  const rows = Array.from(tbody.rows);
  const health = document.getElementById('health-filter');
  const search = document.getElementById('collector-search');
  const size = document.getElementById('page-size');
  const pager = document.getElementById('pager');
  const heads = Array.from(table.tHead.rows[0].cells).filter(th => th.dataset.sort);
  const state = {health: '', q: '', sort: '', dir: 'asc', page: 1, size: 50};

  function readHash() {
    const p = new URLSearchParams(location.hash.replace(/^#/, ''));
    state.health = p.get('health') || '';
    state.q = p.get('q') || '';
    state.sort = p.get('sort') || '';
    state.dir = p.get('dir') === 'desc' ? 'desc' : 'asc';
    state.page = Math.max(1, parseInt(p.get('page'), 10) || 1);
    state.size = Math.max(1, parseInt(p.get('size'), 10) || 50);
  }
  function writeHash() {
    const p = new URLSearchParams();
    if (state.health) p.set('health', state.health);
    if (state.q) p.set('q', state.q);
    if (state.sort) { p.set('sort', state.sort); p.set('dir', state.dir); }
    if (state.page > 1) p.set('page', String(state.page));
    if (state.size !== 50) p.set('size', String(state.size));
    const h = p.toString();
    history.replaceState(null, '', h ? '#' + h : location.pathname + location.search);
  }
  function matches(row) {
    if (state.health && row.dataset.health !== state.health) return false;
    if (!state.q) return true;
    const q = state.q.toLowerCase();
    return ['name', 'plugin', 'error', 'health'].some(k => (row.dataset[k] || '').toLowerCase().includes(q));
  }
  function render() {
    health.value = state.health;
    search.value = state.q;
    if (!Array.from(size.options).some(o => o.value === String(state.size))) {
      size.add(new Option(String(state.size)));
    }
    size.value = String(state.size);
    let ordered = rows.slice();
    const th = heads.find(h => h.dataset.sort === state.sort);
    heads.forEach(h => h.classList.remove('asc', 'desc'));
    if (th) {
      th.classList.add(state.dir);
      const key = state.sort, num = th.dataset.type === 'num', sign = state.dir === 'desc' ? -1 : 1;
      ordered.sort((a, b) => {
        const x = a.dataset[key] || '', y = b.dataset[key] || '';
        const c = num ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y);
        return sign * (c || a.dataset.name.localeCompare(b.dataset.name));
      });
    }
    const shown = ordered.filter(matches);
    const pages = Math.max(1, Math.ceil(shown.length / state.size));
    state.page = Math.min(state.page, pages);
    const first = (state.page - 1) * state.size, last = first + state.size;
    const visible = new Set(shown.slice(first, last));
    ordered.forEach(r => { r.hidden = !visible.has(r); tbody.appendChild(r); });
    pager.textContent = '';
    const info = document.createElement('span');
    info.id = 'pager-info';
    info.textContent = shown.length + ' of ' + rows.length + ' shown, page ' + state.page + ' of ' + pages + ' ';
    pager.appendChild(info);
    [['prev', '\u2039 previous', state.page > 1, -1], ['next', 'next \u203a', state.page < pages, 1]]
      .forEach(([id, label, enabled, step]) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.id = 'page-' + id;
        b.textContent = label;
        b.disabled = !enabled;
        b.addEventListener('click', () => { state.page += step; update(); });
        pager.appendChild(b);
      });
    document.body.dataset.statusScript = 'ready';
  }
  function update() { writeHash(); render(); }

  health.addEventListener('change', () => { state.health = health.value; state.page = 1; update(); });
  search.addEventListener('input', () => { state.q = search.value; state.page = 1; update(); });
  size.addEventListener('change', () => { state.size = parseInt(size.value, 10) || 50; state.page = 1; update(); });
  heads.forEach(h => h.addEventListener('click', () => {
    state.dir = state.sort === h.dataset.sort && state.dir === 'asc' ? 'desc' : 'asc';
    state.sort = h.dataset.sort;
    update();
  }));
  window.addEventListener('hashchange', () => { readHash(); render(); });
  readHash();
  render();
})();
)JS";
  return kScript;
}

}  // namespace pe::host
