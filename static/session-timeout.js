// The idle-timeout warning (WCAG 2.2.1 Timing Adjustable): shortly before the session would
// end, a modal dialog says so and offers to stay signed in. It asks the server first, so that
// activity in another tab counts. Without JavaScript nothing here runs, and a form sent after
// the session ended is carried through signing in again by the server.
(function () {
  "use strict";
  var dialog = document.getElementById("session-timeout");
  if (!dialog || typeof dialog.showModal !== "function" || !window.fetch) { return; }
  var warnSeconds = parseInt(dialog.getAttribute("data-warn"), 10) || 120;
  var idleSeconds = parseInt(dialog.getAttribute("data-idle"), 10) || 1800;
  var statusUrl = dialog.getAttribute("data-status-url");
  var form = dialog.querySelector("[data-extend-form]");
  var countdown = dialog.querySelector("[data-countdown]");
  var passwordGroup = dialog.querySelector("[data-password-group]");
  var password = dialog.querySelector("#session-timeout-password");
  var errorText = dialog.querySelector("[data-extend-error]");
  var warning = dialog.querySelector("[data-timeout-warning]");
  var ended = dialog.querySelector("[data-timeout-ended]");
  var timer = null, ticker = null, deadline = 0, opener = null;

  function schedule(secondsLeft) {
    clearTimeout(timer);
    timer = setTimeout(check, Math.max(1, secondsLeft - warnSeconds) * 1000);
  }

  function check() {
    fetch(statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (!s.signed_in) { showEnded(); return; }
        var left = Math.min(s.idle_left, s.absolute_left);
        if (left > warnSeconds + 5) { schedule(left); return; }  // active in another tab
        show(left, s.absolute_left <= s.idle_left);
      })
      .catch(function () { show(warnSeconds, false); });
  }

  function words(seconds) {
    if (seconds >= 120) { return Math.ceil(seconds / 60) + " minutes"; }
    if (seconds >= 60) { return "1 minute " + (seconds - 60) + " seconds"; }
    return seconds + " second" + (seconds === 1 ? "" : "s");
  }

  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    countdown.textContent = words(left);
    if (left <= 0) { showEnded(); return; }
    ticker = setTimeout(tick, 1000);
  }

  function show(secondsLeft, needsPassword) {
    deadline = Date.now() + secondsLeft * 1000;
    passwordGroup.hidden = !needsPassword;
    errorText.hidden = true;
    warning.hidden = false;
    ended.hidden = true;
    if (!dialog.open) {
      opener = document.activeElement;
      dialog.showModal();
    }
    (needsPassword ? password : dialog.querySelector("[data-extend]")).focus();
    clearTimeout(ticker);
    tick();
  }

  function showEnded() {
    clearTimeout(ticker);
    clearTimeout(timer);
    warning.hidden = true;
    ended.hidden = false;
    if (!dialog.open) { opener = document.activeElement; dialog.showModal(); }
    dialog.querySelector("[data-ended-heading]").focus();
  }

  function close() {
    clearTimeout(ticker);
    if (dialog.open) { dialog.close(); }
    if (opener && typeof opener.focus === "function") { opener.focus(); }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (result) {
        if (result.body.error) {
          errorText.textContent = result.body.error;
          errorText.hidden = false;
          password.focus();
          return;
        }
        if (password) { password.value = ""; }
        close();
        schedule(Math.min(result.body.idle_left, result.body.absolute_left));
      })
      .catch(function () { form.submit(); });
  });

  dialog.addEventListener("cancel", function (event) {
    // Escape: the same as "Stay signed in" while the warning shows; closes the notice after.
    event.preventDefault();
    if (ended.hidden) { form.requestSubmit(); } else { close(); }
  });
  dialog.querySelector("[data-close]").addEventListener("click", close);

  schedule(idleSeconds);
})();
