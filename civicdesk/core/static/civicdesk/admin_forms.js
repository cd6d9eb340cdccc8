/* The admin's own pages (the city's setup checklist, the districts import) tell a form's
   mistakes with the summary every form of the site shows (core/templates/core/forms/
   error_summary.html): focused when the page opens, as portal.js does on the site's pages,
   so a screen reader reads the mistakes first and Tab goes on from them to the fields. */
(function () {
  "use strict";
  function focusSummary() {
    // No mistake: a page that says what a change will do before saving it is read from there.
    var summary = document.querySelector("[data-error-summary]") || document.querySelector("[data-preview]");
    if (summary) { summary.focus(); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", focusSummary); }
  else { focusSummary(); }
  // Django's change_form.js, loaded async, focuses an add form's first box whenever it arrives,
  // before or after this script: once every script has run, the summary has the focus again.
  window.addEventListener("load", function () {
    var summary = document.querySelector("[data-error-summary]") || document.querySelector("[data-preview]");
    if (summary && !summary.contains(document.activeElement)) { summary.focus(); }
  });
})();
