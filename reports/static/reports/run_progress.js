// A running forecast's page: poll its status.json, update the progress bar, reload when it finishes.
// A file rather than an inline script, so the admin's Content-Security-Policy can forbid inline scripts.
(function () {
  var box = document.getElementById("forecast-progress");
  var url = box.dataset.statusUrl, every = Number(box.dataset.pollSeconds) * 1000;
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (state) {
        if (state.finished) { window.location.reload(); return; }
        var percent = Math.round(state.progress * 100);
        document.getElementById("forecast-status").textContent = state.status_label.toLowerCase();
        var queuedHelp = document.getElementById("forecast-queued-help");
        if (queuedHelp && state.status !== "queued") { queuedHelp.remove(); }
        document.getElementById("forecast-progress-bar").value = percent;
        document.getElementById("forecast-progress-text").textContent =
          percent + "% · " + state.blocks_done + " of " + state.blocks_total + " blocks of trials";
        window.setTimeout(poll, every);
      })
      .catch(function () { window.setTimeout(poll, every * 2); });
  }
  window.setTimeout(poll, every);
})();
