// The status page's live updates, served by the node as /status.js (the CSP allows no inline script or handler).
// Every 2 s it fetches /status.fragment with the page's query and swaps it into <main id="status">; the filter form
// stays where it is, so typing in the search box is never interrupted. The fragment is HTML the node has already
// escaped, so it is inserted as it is.
(function () {
  'use strict';
  var PERIOD_MS = 2000;
  var main = document.getElementById('status');
  var form = document.getElementById('filter');
  var updated = document.getElementById('updated');
  if (!main || !form) return;
  var timer = null;
  var typing = null;
  var generation = 0;

  function queryFromForm() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { if (value !== '') params.set(key, value); });
    return params.toString();
  }

  function schedule(ms) {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(refresh, ms);
  }

  function refresh() {
    timer = null;
    var mine = ++generation;
    fetch('/status.fragment' + location.search, { cache: 'no-store', headers: { 'Accept': 'text/html' } })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.text();
      })
      .then(function (html) {
        if (mine !== generation) return; // a newer request (a new filter) is on its way
        // Wide tables scroll sideways on a phone: keep where the reader was.
        var scrolled = Array.prototype.map.call(main.querySelectorAll('.scroll'), function (box) { return box.scrollLeft; });
        main.innerHTML = html;
        Array.prototype.forEach.call(main.querySelectorAll('.scroll'), function (box, i) { if (scrolled[i]) box.scrollLeft = scrolled[i]; });
        document.body.classList.remove('stale');
        var asOf = document.getElementById('as-of');
        if (updated && asOf) updated.textContent = asOf.textContent;
      })
      .catch(function (error) {
        if (mine !== generation) return;
        document.body.classList.add('stale');
        if (updated) updated.textContent = 'node not answering (' + error.message + '); retrying';
      })
      .then(function () { if (mine === generation) schedule(PERIOD_MS); });
  }

  function navigate(query) {
    history.replaceState(null, '', query ? '?' + query : location.pathname);
    schedule(0);
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    navigate(queryFromForm());
  });
  form.addEventListener('change', function () { navigate(queryFromForm()); });
  form.addEventListener('input', function () {
    if (typing !== null) clearTimeout(typing);
    typing = setTimeout(function () { typing = null; navigate(queryFromForm()); }, 250);
  });
  // Pager and network links: stay on the page and refresh in place.
  main.addEventListener('click', function (event) {
    var link = event.target.closest ? event.target.closest('a[href^="/?"]') : null;
    if (!link) return;
    event.preventDefault();
    var query = link.getAttribute('href').slice(2);
    var params = new URLSearchParams(query);
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name) field.value = params.get(field.name) || '';
    });
    navigate(query);
  });
  schedule(PERIOD_MS);
})();
