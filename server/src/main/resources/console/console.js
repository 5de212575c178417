// The console's one script, and only an improvement: every page reads (and every form posts) without it.
// - a running deploy's log follows live (server-sent events; the browser reconnects on its own, sending the
//   last line's id, so a server restart loses and repeats no line);
// - lab expiry countdowns tick;
// - an environment's rollout section (timeline, traffic split, canary-vs-stable charts) is fetched again every
//   analysis interval, unless someone is typing in it; a session that ended sends the page to the login.
(function () {
  'use strict';
  var log = document.getElementById('log');
  if (log && log.dataset.stream && window.EventSource) {
    var events = new EventSource(log.dataset.stream);
    events.addEventListener('log', function (e) {
      log.appendChild(document.createTextNode(e.data + '\n'));
    });
    events.addEventListener('end', function (e) {
      events.close();
      var state = document.getElementById('state');
      state.textContent = e.data;
      state.className = 'state ' + (e.data === 'succeeded' ? 'ok' : 'bad');
      var live = document.getElementById('live');
      if (live) { live.textContent = 'Finished.'; }
    });
  }
  var rollout = document.getElementById('rollout');
  if (rollout && rollout.dataset.refresh && window.fetch && window.DOMParser) {
    var every = parseInt(rollout.dataset.every, 10) || 10000;
    var refresh = function () {
      var current = document.getElementById('rollout');
      if (current.contains(document.activeElement) && document.activeElement.tagName === 'INPUT') { return; }
      fetch(current.dataset.refresh, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
        .then(function (r) {
          if (r.redirected && new URL(r.url).pathname === '/login') {
            window.location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
            return null;
          }
          return r.ok ? r.text() : null;
        })
        .then(function (html) {
          if (!html) { return; }
          var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('rollout');
          if (fresh) { current.replaceWith(fresh); }
        })
        .catch(function () { /* the server is away: keep what is shown, try again next time */ });
    };
    setInterval(refresh, every);
  }
  function left(ms) {
    if (ms <= 0) { return 'expired'; }
    var m = Math.floor(ms / 60000), h = Math.floor(m / 60), d = Math.floor(h / 24);
    return (d ? d + 'd' : '') + (h % 24 ? (h % 24) + 'h' : '') + ((m % 60) || !h ? (m % 60) + 'm' : '');
  }
  var expiries = document.querySelectorAll('time.expiry');
  if (expiries.length) {
    var tick = function () {
      expiries.forEach(function (t) { t.textContent = left(Date.parse(t.getAttribute('datetime')) - Date.now()); });
    };
    setInterval(tick, 30000);
  }
})();
