// Refreshes the phone list every 3 seconds without reloading the page, so codes and push
// requests appear as they arrive. Skips a refresh while the user is on a control of the list
// (a button under the pointer or focus must not move), and can be turned off.
(function () {
  'use strict';
  var INTERVAL_MS = 3000;
  var list = document.getElementById('phones');
  var toggleRow = document.querySelector('.refresh');
  var toggle = document.getElementById('auto-refresh');
  if (!list) return;
  if (toggleRow) toggleRow.hidden = false;

  function busy() {
    var active = document.activeElement;
    return (
      (active && active !== document.body && list.contains(active) && active.tagName === 'BUTTON') ||
      list.querySelector('button:hover') !== null
    );
  }

  function refresh() {
    if ((toggle && !toggle.checked) || busy() || document.hidden) return schedule();
    fetch('/phone/fragment', { cache: 'no-store', headers: { Accept: 'text/html' } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null && !busy()) list.innerHTML = html;
      })
      .catch(function () {
        /* the emulator stopped; try again later */
      })
      .then(schedule);
  }

  function schedule() {
    window.setTimeout(refresh, INTERVAL_MS);
  }

  schedule();
})();
