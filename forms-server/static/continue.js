// Sends the signed result back to Auth0 without inline script (the CSP forbids it);
// the visible button is the fallback when scripts are off.
document.addEventListener('DOMContentLoaded', function () {
  var form = document.getElementById('continue');
  if (form) form.submit();
});
