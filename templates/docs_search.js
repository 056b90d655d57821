// Search over window.HVGEN_INDEX (search-index.js): by name, or by number
// (hex or decimal) against call codes, status values, constants and enum values.
(function () {
  var input = document.getElementById('q');
  var list = document.getElementById('results');
  if (!input || !list || !window.HVGEN_INDEX) { return; }
  var root = document.body.getAttribute('data-root') || '';
  function number(s) {
    s = s.trim().toLowerCase();
    if (/^0x[0-9a-f]+$/.test(s)) { return parseInt(s, 16); }
    if (/^[0-9]+$/.test(s)) { return parseInt(s, 10); }
    return null;
  }
  function search(q) {
    var out = [];
    var n = number(q);
    var lower = q.trim().toLowerCase();
    if (lower === '') { return out; }
    for (var i = 0; i < window.HVGEN_INDEX.length && out.length < 50; i++) {
      var e = window.HVGEN_INDEX[i];
      if ((n !== null && e.v === n) || e.n.toLowerCase().indexOf(lower) >= 0) { out.push(e); }
    }
    return out;
  }
  input.addEventListener('input', function () {
    list.textContent = '';
    search(input.value).forEach(function (e) {
      var li = document.createElement('li');
      var a = document.createElement('a');
      a.href = root + e.u;
      a.textContent = e.n;
      var small = document.createElement('small');
      small.textContent = e.k + (e.v !== null && e.v !== undefined ? ' 0x' + e.v.toString(16) : '');
      a.appendChild(small);
      li.appendChild(a);
      list.appendChild(li);
    });
  });
})();
