// The "Copy the codes" button (without inline script: the CSP forbids it). Shown only where the
// clipboard can be written; the download link works without any script.
document.addEventListener('DOMContentLoaded', function () {
  var button = document.getElementById('copy-codes');
  var list = document.getElementById('recovery-codes');
  var status = document.getElementById('copy-status');
  if (!button || !list || !status || !window.navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener('click', function () {
    var codes = Array.prototype.map.call(list.querySelectorAll('code'), function (code) {
      return code.textContent.trim();
    });
    window.navigator.clipboard.writeText(codes.join('\n')).then(function () {
      status.textContent = button.getAttribute('data-copied');
    });
  });
});
