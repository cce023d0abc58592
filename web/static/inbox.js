// The inbox refreshes itself: every 10 s it asks /inbox/poll.json for the badge counts
// and a change token; when the token moved, it reloads the list fragment in place.
(function () {
  "use strict";
  var list = document.getElementById("inbox-list");
  if (!list) { return; }
  var INTERVAL_MS = Number(list.dataset.interval || 10000);

  function setBadge(id, value) {
    var badge = document.getElementById(id);
    if (badge) { badge.textContent = String(value); }
  }

  function refreshList() {
    return fetch(list.dataset.refresh, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { list.innerHTML = html; });
  }

  function poll() {
    fetch(list.dataset.poll, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (body) {
        setBadge("nav-count-mine", body.counts.mine >= 100 ? "99+" : body.counts.mine);
        setBadge("nav-count-group", body.counts.queue >= 100 ? "99+" : body.counts.queue);
        if (body.token !== list.dataset.token) {
          list.dataset.token = body.token;
          return refreshList();
        }
      })
      .catch(function () { /* offline or signed out: try again next time */ })
      .finally(function () { window.setTimeout(poll, INTERVAL_MS); });
  }
  window.setTimeout(poll, INTERVAL_MS);
})();
