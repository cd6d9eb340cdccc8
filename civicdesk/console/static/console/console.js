/* Staff console behaviour: maps, canned responses, select-all. Every form works without it. */
(function () {
  "use strict";

  function drawMap(el) {
    if (el.dataset.ready || typeof L === "undefined") return;
    el.dataset.ready = "1";
    var map = L.map(el, { attributionControl: Boolean(el.dataset.tilesUrl), zoomSnap: 0.25 });
    // A scale in feet and miles, as staff in Missouri read, in the page's words (streets.js);
    // a drawing, hidden from assistive technology.
    if (window.civicScale) window.civicScale(map, el);
    if (el.dataset.tilesUrl) {
      L.tileLayer(el.dataset.tilesUrl, { attribution: el.dataset.tilesAttribution || "" }).addTo(map);
    } else if (window.civicStreets) {
      window.civicStreets(map, el);  // the app's own streets, or words saying there are none
    }
    if (window.civicQuietMap) window.civicQuietMap(map);  // one named element for a screen reader
    var pin = null;
    var lat = parseFloat(el.dataset.lat), lng = parseFloat(el.dataset.lng);
    var latInput = el.dataset.latInput && document.getElementById(el.dataset.latInput);
    var lngInput = el.dataset.lngInput && document.getElementById(el.dataset.lngInput);
    if (latInput && latInput.value && lngInput && lngInput.value) {
      lat = parseFloat(latInput.value); lng = parseFloat(lngInput.value);
    }
    function place(latlng) {
      if (pin) pin.setLatLng(latlng); else pin = L.circleMarker(latlng, { radius: 9, weight: 3, color: "#b50909", fillOpacity: 0.6 }).addTo(map);
    }
    if (!isNaN(lat) && !isNaN(lng)) { el.dataset.fitted = "1"; place([lat, lng]); map.setView([lat, lng], 15); }
    if (el.dataset.boundaryUrl) {
      fetch(el.dataset.boundaryUrl, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (geo) {
        if (!geo) return;
        var layer = L.geoJSON(geo, { style: { color: "#1a4480", weight: 2, fillOpacity: 0.04, className: "city-limits" }, interactive: false }).addTo(map);
        if (window.civicFitCity) window.civicFitCity(map, el, layer.getBounds());
        else if (!pin) map.fitBounds(layer.getBounds(), { padding: [12, 12] });
      });
    } else if (!pin) {
      map.setView([39.0, -94.4], 11);
    }
    if ("pick" in el.dataset && latInput && lngInput) {
      var pick = function (latlng, from) {
        el.dataset.fitted = "1";  // the city's view is not fitted again over the pin
        place(latlng);
        latInput.value = Number(latlng.lat).toFixed(6);
        lngInput.value = Number(latlng.lng).toFixed(6);
        // The address search (address.js) says which address is under the pin.
        el.dispatchEvent(new CustomEvent("civic:pinned", { detail: { lat: latlng.lat, lng: latlng.lng, from: from } }));
        // Lets the "similar cases nearby" panel refresh for the new point.
        latInput.dispatchEvent(new Event("change", { bubbles: true }));
      };
      map.on("click", function (e) { pick(e.latlng, "map"); });
      // An address chosen in the search box: the pin goes there.
      el.addEventListener("civic:goto", function (e) {
        pick(L.latLng(e.detail.lat, e.detail.lng), "address");
        map.setView([e.detail.lat, e.detail.lng], 17);
      });
      // The view's centre ranks the address search's answers by nearness.
      var keepCentre = function () {
        var c = map.getCenter();
        el.dataset.viewLat = c.lat.toFixed(5);
        el.dataset.viewLng = c.lng.toFixed(5);
      };
      map.on("moveend", keepCentre);
    }
  }

  function init(root) {
    root.querySelectorAll("[data-map]").forEach(drawMap);
  }

  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches && t.matches("select[data-canned-for]")) {
      var option = t.options[t.selectedIndex];
      var area = document.getElementById(t.dataset.cannedFor);
      if (area && option && option.dataset.text) area.value = option.dataset.text;
    }
    if (t.matches && t.matches("input[data-select-all]")) {
      t.closest("form").querySelectorAll('input[type=checkbox][name=case]').forEach(function (box) { box.checked = t.checked; });
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    // A list kept from earlier in the session (the case list, Overdue, Likely late, Not
    // placed), opened at its bare address ("Cases", "Back to …", the menu): the address then
    // says which list and page it is, so a reload or a bookmark is this place.
    var kept = document.querySelector("[data-list-address]");
    if (kept && !window.location.search && window.history.replaceState) {
      window.history.replaceState(window.history.state, "", kept.dataset.listAddress);
    }
  });
  // htmx swaps in new parts of the page (a case after an action): draw their maps too.
  document.addEventListener("htmx:load", function (e) { init(e.target); });

  // After an action on a case (a note, a status, closing…) its answer, done or refused, is
  // written beside the form used (_case_answer.html): that form stays where it was on the
  // screen with the answer in view, so a worker on a phone reads it without losing their
  // place. Where the action took the form away (a closed case has no close form), the answer
  // heads what can be done now. The answer is focused: a screen reader reads it, and the
  // keyboard goes on from there rather than from the top of the page.
  var usedFormTop = null;
  document.addEventListener("htmx:beforeSwap", function (e) {
    var elt = e.detail && e.detail.requestConfig && e.detail.requestConfig.elt;
    var form = elt && elt.closest ? elt.closest("form") : null;
    usedFormTop = form ? form.getBoundingClientRect().top : null;
  });
  document.addEventListener("htmx:afterSettle", function (e) {
    var config = e.detail && e.detail.requestConfig;
    if (!config || config.verb !== "post") return;
    var answer = document.getElementById("case-answer");
    if (!answer) return;
    var margin = 8;
    var box = answer.getBoundingClientRect();
    var holder = answer.closest("form") || answer;
    var offset = box.top - holder.getBoundingClientRect().top; // below the form's heading
    var kept = answer.hasAttribute("data-keeps-place") && usedFormTop !== null;
    var wanted = (kept ? usedFormTop : margin) + offset;
    // Wholly in view, with the form's heading above it when both fit.
    var highest = offset + box.height + 2 * margin <= window.innerHeight ? margin + offset : margin;
    wanted = Math.max(highest, Math.min(wanted, window.innerHeight - box.height - margin));
    window.scrollBy(0, box.top - wanted);
    answer.focus({ preventScroll: true });
  });

  // The case list's filters (home.html): a list loaded by htmx brings each box's message, or
  // none, and the summary of the filters left out (_results.html). The boxes are marked invalid
  // and described by their message, as on a page loaded whole; after "Apply" (or Enter) the
  // summary is focused, as it is when the page opens. A change is not a send: a date typed
  // digit by digit passes through backwards ranges, and the focus stays in its box.
  document.addEventListener("htmx:afterSettle", function (e) {
    var config = e.detail && e.detail.requestConfig;
    var form = config && config.elt && config.elt.closest ? config.elt.closest("form.filters") : null;
    if (!form || !e.target || e.target.id !== "results") return;
    form.querySelectorAll("input[id], select[id]").forEach(function (box) {
      var message = document.getElementById(box.id + "_error");
      if (!message) return;
      var ids = (box.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) { return id && id !== message.id; });
      if (!message.hidden && message.textContent.trim()) {
        box.setAttribute("aria-invalid", "true");
        ids.push(message.id);
      } else {
        box.removeAttribute("aria-invalid");
      }
      if (ids.length) box.setAttribute("aria-describedby", ids.join(" "));
      else box.removeAttribute("aria-describedby");
    });
    var summary = document.querySelector("#filter-errors [data-error-summary]");
    if (summary && config.triggeringEvent && config.triggeringEvent.type === "submit") summary.focus();
  });
})();
