// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", function () {
  // The error summary takes focus after a failed submit, so screen readers announce it.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
  // Links in the error summary move focus to the field, not only scroll to it.
  document.querySelectorAll(".error-summary__list a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (target) { event.preventDefault(); target.focus(); target.scrollIntoView({block: "center"}); }
    });
  });
});
