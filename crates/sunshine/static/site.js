// Progressive enhancement only: every page works without this file.
(function () {
  document.documentElement.className += ' js';
  document.addEventListener('click', function (e) {
    var t = e.target;
    if (!t || !t.getAttribute) return;
    var a = t.getAttribute('data-action');
    if (a === 'print') { window.print(); }
    var c = t.getAttribute('data-confirm');
    if (c && !window.confirm(c)) { e.preventDefault(); }
  });
})();
