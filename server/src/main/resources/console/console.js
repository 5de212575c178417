// The console's one script, and only an improvement: every page reads (and every form posts) without it.
// - a running deploy's log follows live (server-sent events; the browser reconnects on its own, sending the
//   last line's id, so a server restart loses and repeats no line);
// - lab expiry countdowns tick.
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
