/* The resident pages' behaviour (portal.js is on every page, the console's too), added on top
   of pages that work without it: a form's summary of mistakes focused, the problem type
   filter, photos too large said when chosen, the offline queue, the service worker, and "Sent: your report …". */
(function () {
  "use strict";
  var status = document.getElementById("queue-status");

  function fmt(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  function say(text, link) {
    if (!status) { return; }
    var p = document.createElement("p");
    p.textContent = text + " ";
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.textContent = status.dataset.msgTrack;
      p.appendChild(a);
    }
    status.appendChild(p);
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }

  function isApp() {
    return (window.matchMedia && matchMedia("(display-mode: standalone)").matches) || navigator.standalone === true;
  }

  /* --- the problem type filter ---------------------------------------------------- */
  function typeFilter() {
    var box = document.querySelector(".type-filter");
    var select = document.getElementById("id_service_type");
    if (!box || !select) { return; }
    box.hidden = false;
    var input = document.getElementById("type-filter");
    var count = document.getElementById("type-filter-count");
    // Accents folded on both sides: "vehiculo" finds "Vehículo que no funciona".
    function fold(text) {
      return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
    }
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) { return; }
        var text = fold(option.dataset.keywords || option.textContent);
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !match;
        option.disabled = !match;
        if (match) { shown += 1; }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
      // Said in words (the region is there from the start: only its text changes), including
      // the type chosen for the resident when one alone is left: "1 of 56 types match: Pothole, selected."
      var counts = { shown: shown, total: select.querySelectorAll("option:not([value=''])").length };
      var only = shown === 1 ? select.querySelector("option[value]:not([hidden]):not([value=''])") : null;
      if (!words.length) { count.textContent = ""; }
      else if (only) { counts.type = only.textContent.trim(); count.textContent = fmt(count.dataset.msgChosen, counts); }
      else { count.textContent = fmt(count.dataset.msgCount, counts); }
      if (only && select.value !== only.value) {
        select.value = only.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  /* --- the report form and the offline queue -------------------------------------- */
  function reportForm() {
    var form = document.getElementById("report-form");
    if (!form) { return; }
    var token = form.querySelector("[name=client_token]");
    // Always a new token on load: this page may come from the offline app's cache, and two
    // reports must never share one. A resubmit of the same POST keeps the token it was sent with.
    if (token) { token.value = uuid(); }
    var channel = form.querySelector("[name=channel]");
    if (channel && isApp()) { channel.value = "mobile"; }
    form.addEventListener("submit", function (event) {
      if (navigator.onLine !== false || !window.CivicQueue || !window.indexedDB) { return; }
      // No signal: keep the report on the device instead of showing the browser's error page.
      if (event.submitter && event.submitter.formAction && event.submitter.formAction !== form.action) { return; }
      event.preventDefault();
      var data = new FormData(form);
      CivicQueue.add(form.action, data).then(function () {
        if (navigator.serviceWorker && navigator.serviceWorker.ready) {
          navigator.serviceWorker.ready.then(function (reg) {
            if (reg.sync) { reg.sync.register("civicdesk-reports").catch(function () {}); }
          });
        }
        say(status.dataset.msgQueued);
        form.reset();
        if (token) { token.value = uuid(); }
        status.scrollIntoView();
      });
    });
  }

  /* --- photos checked when chosen (portal/forms.py photo_limits) -------------------- */
  // A photo too large is said at once, beside the box, not after an upload of many
  // megabytes that ends with the form sent back and every chosen photo forgotten. The box is
  // marked invalid, so the browser does not send the form until the choice is changed.
  function photoChecks() {
    document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
      var max = parseInt(input.dataset.maxBytes, 10);
      var maxCount = parseInt(input.dataset.maxCount || "0", 10);
      var message = document.createElement("p");
      message.id = input.id + "_check";
      message.className = "error photo-check";
      // Always in the page, only its words change: a live region is then announced.
      message.setAttribute("aria-live", "polite");
      input.parentNode.insertBefore(message, input);
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      described.push(message.id);
      input.setAttribute("aria-describedby", described.join(" "));
      var invalidBefore = input.getAttribute("aria-invalid"); // the server's own mistake, if any
      input.addEventListener("change", function () {
        var problems = [];
        var files = Array.prototype.slice.call(input.files || []);
        if (maxCount && files.length > maxCount) {
          problems.push(fmt(input.dataset.msgTooMany, { n: files.length }));
        }
        files.forEach(function (file) {
          if (file.size > max) { problems.push(fmt(input.dataset.msgTooLarge, { name: file.name })); }
        });
        var text = problems.join(" ");
        message.textContent = text;
        input.setCustomValidity(text);
        if (text) { input.setAttribute("aria-invalid", "true"); }
        else if (invalidBefore) { input.setAttribute("aria-invalid", invalidBefore); }
        else { input.removeAttribute("aria-invalid"); }
      });
      if (input.form) {
        input.form.addEventListener("reset", function () {
          message.textContent = "";
          input.setCustomValidity("");
        });
      }
    });
  }

  /* A confidential report sent from the queue: its access code, with the confirmation
     page's words, kept on screen (and on later pages) until the resident dismisses it. */
  function showCode(r) {
    if (!status || status.querySelector('[data-code-token="' + r.token + '"]')) { return; }
    var box = document.createElement("div");
    box.className = "queued-access-code";
    box.dataset.codeToken = r.token;
    var sent = document.createElement("p");
    sent.textContent = status.dataset.msgConfidentialSent;
    var help = document.createElement("p");
    help.textContent = status.dataset.msgCode;
    var code = document.createElement("p");
    code.className = "access-code";
    var strong = document.createElement("strong");
    strong.textContent = r.access_code;
    code.appendChild(strong);
    var use = document.createElement("p");
    use.textContent = status.dataset.msgCodeUse + " ";
    var link = document.createElement("a");
    link.href = status.dataset.codeUrl;
    link.textContent = status.dataset.msgCodeLink;
    use.appendChild(link);
    var done = document.createElement("button");
    done.type = "button";
    done.className = "secondary";
    done.textContent = status.dataset.msgDismiss;
    done.addEventListener("click", function () {
      CivicQueue.dismiss(r.token).then(function () { box.remove(); }).catch(function () {});
    });
    [sent, help, code, use, done].forEach(function (el) { box.appendChild(el); });
    status.appendChild(box);
    status.scrollIntoView();
  }

  function showResults() {
    if (!window.CivicQueue || !window.indexedDB) { return Promise.resolve(); }
    return CivicQueue.takeResults().then(function (results) {
      results.forEach(function (r) {
        if (r.ok && r.confidential && r.access_code) { showCode(r); }
        else if (r.ok && r.confidential) { say(status.dataset.msgConfidentialSent + " " + status.dataset.msgCodeAgain); }
        else if (r.ok) { say(fmt(status.dataset.msgSent, { ref: r.reference }), r.tracking_url); }
        else { say(fmt(status.dataset.msgFailed, { errors: r.errors })); }
      });
    }).catch(function () {});
  }

  function flush() {
    if (!window.CivicQueue || !window.indexedDB) { return; }
    CivicQueue.flush().then(showResults);
  }

  function serviceWorker() {
    var script = document.querySelector("script[data-sw]");
    if (!("serviceWorker" in navigator) || !script) { return; }
    navigator.serviceWorker.register(script.dataset.sw, { scope: "/" }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "civicdesk-queue") { showResults(); }
    });
  }

  /* --- a form sent back with mistakes (core/templates/core/forms/error_summary.html) ----- */
  // Its list of mistakes is read first and Tab goes on from it to the fields (GOV.UK's pattern);
  // the page's title already starts with "Error: ".
  function errorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }

  // A choice that means one of a group of radios checks it ("District 2" means "A council
  // district" on the alert form): the form's data-chooses names the radio.
  function choosers() {
    document.addEventListener("change", function (e) {
      var el = e.target;
      var radio = el && el.dataset && el.dataset.chooses && document.getElementById(el.dataset.chooses);
      if (radio && el.value && !radio.checked) {
        radio.checked = true;
        radio.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  /* --- the photo box in the page's language (portal/forms.py photo_limits) ----------- */
  // The browser writes its file box in its own language ("Choose Files", "No file chosen"),
  // English on a Spanish page when the phone is in English. The box stays (visually hidden,
  // still focused and opened by the keyboard); a button of ours opens it and a line under
  // it says what is chosen. Without this script the browser's own box shows, as before.
  // The console's case page has such a box too, in the part htmx swaps after each action:
  // each new part is drawn when htmx has put it in (htmx:load, below), each box once.
  function photoPickers(root) {
    var selector = "input[type=file][data-msg-choose]";
    var boxes = Array.prototype.slice.call((root || document).querySelectorAll(selector));
    if (root && root.matches && root.matches(selector)) { boxes.push(root); }
    boxes.forEach(function (input) {
      if (input.dataset.picker) { return; }
      input.dataset.picker = "drawn";
      var button = document.createElement("label");
      button.htmlFor = input.id;
      button.className = "button secondary file-button";
      button.textContent = input.dataset.msgChoose;
      // The box keeps its own name (the field's label); this is only what the eye clicks.
      button.setAttribute("aria-hidden", "true");
      var chosen = document.createElement("span");
      chosen.id = input.id + "_chosen";
      chosen.className = "file-chosen";
      input.classList.add("file-native");
      input.parentNode.insertBefore(chosen, input.nextSibling);
      input.parentNode.insertBefore(button, chosen);
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      described.push(chosen.id);
      input.setAttribute("aria-describedby", described.join(" "));
      function show() {
        var files = Array.prototype.slice.call(input.files || []);
        if (!files.length) { chosen.textContent = input.dataset.msgChosenNone; }
        else if (files.length === 1) { chosen.textContent = files[0].name; }
        else { chosen.textContent = fmt(input.dataset.msgChosenMany, { n: files.length }); }
      }
      input.addEventListener("change", show);
      // A report kept on the device empties the form: the line follows.
      if (input.form) { input.form.addEventListener("reset", function () { setTimeout(show, 0); }); }
      show();
    });
  }

  /* --- the browser's own checks, said in the page's language ----------------------- */
  // A box left empty or an email address without its domain is refused by the browser
  // before anything is sent, in a bubble written in the browser's language ("Please select
  // an item in the list."): English on a Spanish page when the phone is in English. The
  // form gives the same words the server would (data-msg-*). Photos keep their own check.
  function browserChecksInThePagesLanguage() {
    var form = document.getElementById("report-form");
    if (!form || !form.dataset.msgRequired) { return; }
    function ours(el) { return el && el.setCustomValidity && el.type !== "file"; }
    form.addEventListener("invalid", function (event) {
      var el = event.target;
      if (!ours(el)) { return; }
      el.setCustomValidity("");
      if (el.validity.valueMissing) {
        el.setCustomValidity(el.id === "id_service_type" ? form.dataset.msgType : form.dataset.msgRequired);
      } else if (el.validity.typeMismatch && el.type === "email") {
        el.setCustomValidity(form.dataset.msgEmail);
      }
    }, true);
    function clear(event) { if (ours(event.target)) { event.target.setCustomValidity(""); } }
    form.addEventListener("input", clear, true);
    form.addEventListener("change", clear, true);
  }

  function init() {
    errorSummary();
    browserChecksInThePagesLanguage();
    choosers();
    typeFilter();
    photoChecks();
    photoPickers();
    reportForm();
    serviceWorker();
    if (/[?&]queued=1/.test(location.search)) { say(status.dataset.msgQueued); }
    showResults().then(function () { if (navigator.onLine !== false) { flush(); } });
    window.addEventListener("online", flush);
  }
  // Not htmx:afterSwap: htmx then settles the new part's attributes (its class among them)
  // back to what the server sent, which would show the browser's box again.
  document.addEventListener("htmx:load", function (event) {
    if (event.target && event.target.querySelectorAll) { photoPickers(event.target); }
  });
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
