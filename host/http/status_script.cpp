// status_script.cpp — the status page's script (served at /-/status.js):
// health filter, search, sortable columns and pagination of every table that
// names its controls (data-filter, data-search, data-page-size, data-pager,
// data-keys to search, data-hash-prefix): the collector table and the
// dial-in agents table. Each table's state lives in the URL fragment under
// its prefix (#health=down&q=pg&sort=name&dir=desc&page=2&size=50&
// agent-health=connected), so a view can be bookmarked or shared.
#include "http/status_page.hpp"

namespace pe::host {

std::string_view status_page_script() {
  static constexpr std::string_view kScript = R"JS('use strict';
(function () {
  function wire(table) {
    const tbody = table.tBodies[0];
    const rows = Array.from(tbody.rows);
    const byId = name => document.getElementById(table.dataset[name]);
    const health = byId('filter'), search = byId('search'), size = byId('pageSize'), pager = byId('pager');
    const keys = (table.dataset.keys || 'name').split(' ');
    const prefix = table.dataset.hashPrefix || '';
    const names = ['health', 'q', 'sort', 'dir', 'page', 'size'];
    const heads = Array.from(table.tHead.rows[0].cells).filter(th => th.dataset.sort);
    const state = {health: '', q: '', sort: '', dir: 'asc', page: 1, size: 50};

    function readHash() {
      const p = new URLSearchParams(location.hash.replace(/^#/, ''));
      state.health = p.get(prefix + 'health') || '';
      state.q = p.get(prefix + 'q') || '';
      state.sort = p.get(prefix + 'sort') || '';
      state.dir = p.get(prefix + 'dir') === 'desc' ? 'desc' : 'asc';
      state.page = Math.max(1, parseInt(p.get(prefix + 'page'), 10) || 1);
      state.size = Math.max(1, parseInt(p.get(prefix + 'size'), 10) || 50);
    }
    function writeHash() {
      // The other tables' keys stay as they are.
      const p = new URLSearchParams(location.hash.replace(/^#/, ''));
      names.forEach(n => p.delete(prefix + n));
      if (state.health) p.set(prefix + 'health', state.health);
      if (state.q) p.set(prefix + 'q', state.q);
      if (state.sort) { p.set(prefix + 'sort', state.sort); p.set(prefix + 'dir', state.dir); }
      if (state.page > 1) p.set(prefix + 'page', String(state.page));
      if (state.size !== 50) p.set(prefix + 'size', String(state.size));
      const h = p.toString();
      history.replaceState(null, '', h ? '#' + h : location.pathname + location.search);
    }
    function matches(row) {
      if (state.health && row.dataset.health !== state.health) return false;
      if (!state.q) return true;
      const q = state.q.toLowerCase();
      return keys.some(k => (row.dataset[k] || '').toLowerCase().includes(q));
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
      info.id = pager.id + '-info';
      info.textContent = shown.length + ' of ' + rows.length + ' shown, page ' + state.page + ' of ' + pages + ' ';
      pager.appendChild(info);
      [['prev', '\u2039 previous', state.page > 1, -1], ['next', 'next \u203a', state.page < pages, 1]]
        .forEach(([id, label, enabled, step]) => {
          const b = document.createElement('button');
          b.type = 'button';
          b.id = prefix + 'page-' + id;
          b.textContent = label;
          b.disabled = !enabled;
          b.addEventListener('click', () => { state.page += step; update(); });
          pager.appendChild(b);
        });
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
  }
  document.querySelectorAll('table[data-pager]').forEach(wire);
  document.body.dataset.statusScript = 'ready';
})();
)JS";
  return kScript;
}

}  // namespace pe::host
