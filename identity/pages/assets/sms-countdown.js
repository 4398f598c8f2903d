// R21 — the SMS tab's resend countdown. The server writes the seconds left and the texts
// (data-seconds, data-wait with a {seconds} slot, data-ready); this only makes them tick and holds
// the send button until zero. Without it, the page still works: an early send is refused with the
// seconds left.
(() => {
  const box = document.getElementById('sms-countdown');
  const button = document.getElementById('sms-send');
  if (!box || !button) return;
  const end = Date.now() + Number(box.dataset.seconds || 0) * 1000;
  const wait = box.dataset.wait || '';
  const tick = () => {
    const left = Math.ceil((end - Date.now()) / 1000);
    if (left <= 0) {
      box.textContent = box.dataset.ready || '';
      button.disabled = false;
      return;
    }
    box.textContent = wait.replace('{seconds}', String(left));
    button.disabled = true;
    setTimeout(tick, (end - Date.now()) % 1000 || 1000);
  };
  tick();
})();
