// Search over window.HVGEN_INDEX (search-index.js): by ABI, Go or C name, or
// by number (hex or decimal) against call codes, status values, constants and
// enum values. Results are ranked: an exact name first, then a name that
// starts with the query, then one that contains it; among equals, hypercalls
// and types before values and members, shorter names first. The query is kept
// in the page's URL (?q=), so a search can be linked and survives reloads.
(function () {
  var input = document.getElementById('q');
  var list = document.getElementById('results');
  if (!input || !list || !window.HVGEN_INDEX) { return; }
  var root = document.body.getAttribute('data-root') || '';
  var kinds = ['hypercall', 'type', 'ioctl', 'status', 'constant', 'value', 'event', 'member'];
  function number(s) {
    s = s.trim().toLowerCase();
    if (/^0x[0-9a-f]+$/.test(s)) { return parseInt(s, 16); }
    if (/^[0-9]+$/.test(s)) { return parseInt(s, 10); }
    return null;
  }
  // squash drops case and separators: "HV_PARTITION_ID", "PartitionID" and
  // "partition id" all become "partitionid".
  function squash(s) { return s.toLowerCase().replace(/[^a-z0-9.]/g, ''); }
  // core drops the prefixes every name has: HvCallMapStatsPage -> MapStatsPage.
  function core(s) { return s.replace(/^(HvExtCall|HvCall|HV_|Hv)/, ''); }
  var entries = window.HVGEN_INDEX.map(function (e) {
    var names = [e.n, core(e.n)];
    if (e.g) { names.push(e.g); }
    if (e.c) { names.push(e.c); }
    var kind = kinds.indexOf(e.k.split(' ')[0]);
    return { e: e, names: names.map(squash), kind: kind < 0 ? kinds.length : kind };
  });
  function rank(x, q, n) {
    var best = 99;
    if (n !== null && x.e.v === n) { best = 0; }
    for (var i = 0; i < x.names.length && q !== ''; i++) {
      var s = x.names[i];
      if (s === q) { best = Math.min(best, 0); }
      else if (s.indexOf(q) === 0) { best = Math.min(best, 1); }
      else if (s.indexOf('.' + q) >= 0) { best = Math.min(best, 2); }
      else if (s.indexOf(q) > 0) { best = Math.min(best, 3); }
    }
    return best;
  }
  function search(text) {
    var n = number(text);
    var q = squash(text);
    if (q === '') { return []; }
    var hits = [];
    entries.forEach(function (x) {
      var r = rank(x, q, n);
      if (r < 99) { hits.push({ x: x, r: r }); }
    });
    hits.sort(function (a, b) {
      return a.r - b.r || a.x.kind - b.x.kind || a.x.e.n.length - b.x.e.n.length ||
        (a.x.e.n < b.x.e.n ? -1 : a.x.e.n > b.x.e.n ? 1 : 0);
    });
    return hits.slice(0, 50).map(function (h) { return h.x.e; });
  }
  function show(text) {
    list.textContent = '';
    search(text).forEach(function (e) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = root + e.u;
      a.textContent = e.n;
      var small = document.createElement('small');
      var what = e.k + (e.v !== null && e.v !== undefined ? ' 0x' + e.v.toString(16) : '');
      if (e.g) { what += ' · Go ' + e.g; }
      if (e.c) { what += ' · C ' + e.c; }
      if (e.r) { what += ' · in ' + e.r; }
      small.textContent = what;
      a.appendChild(small);
      li.appendChild(a);
      list.appendChild(li);
    });
  }
  function remember(text) {
    try {
      var url = new URL(window.location.href);
      if (text) { url.searchParams.set('q', text); } else { url.searchParams.delete('q'); }
      window.history.replaceState(null, '', url.toString());
    } catch (err) { /* a browser that refuses to change a file:// URL keeps working without it */ }
  }
  input.addEventListener('input', function () {
    show(input.value);
    remember(input.value.trim());
  });
  var start = new URLSearchParams(window.location.search).get('q');
  if (start) {
    input.value = start;
    show(start);
  }
})();
