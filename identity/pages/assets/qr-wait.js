// R22 — the QR sign-in tab waits for the e-SSC card app: it counts the ticket's life down, polls the
// ticket's state (connect-src 'self') and, once the app has confirmed, submits the "continue" form
// (with its CSRF token) so the sign-in completes without the person pressing anything.
(function () {
  'use strict';
  var box = document.getElementById('qr-signin');
  var form = document.getElementById('qr-complete');
  if (!box || !form) return;
  var countdown = document.getElementById('qr-countdown');
  var status = document.getElementById('qr-status');
  var left = Number(box.getAttribute('data-expires-in')) || 0;
  var done = false;
  var msg = function (name) { return box.getAttribute('data-msg-' + name) || ''; };

  function finish(text) {
    done = true;
    clearInterval(ticking);
    if (status) status.textContent = text;
  }

  function tick() {
    if (done) return;
    left = Math.max(0, left - 1);
    if (countdown) countdown.textContent = msg('countdown').replace('{seconds}', String(left));
  }
  var ticking = setInterval(tick, 1000);
  tick();

  function poll() {
    if (done) return;
    fetch(box.getAttribute('data-status-url'), { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (res) { return res.ok ? res.json() : { status: 'invalid' }; })
      .then(function (body) {
        if (done) return;
        if (body.status === 'confirmed') {
          finish(msg('confirmed'));
          form.submit();
        } else if (body.status === 'pending') {
          setTimeout(poll, 1500);
        } else {
          finish(msg('expired'));
        }
      })
      .catch(function () { if (!done) setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
