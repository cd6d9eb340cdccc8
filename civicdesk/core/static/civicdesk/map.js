/* Maps of the resident pages (Leaflet). With no tile server configured the map is a plain
   background with the city's streets (streets.js, from this app), the city limits and the
   pins: nothing is fetched from outside. */
(function () {
  "use strict";
  if (!window.L) { return; }
  var REGION = [39.0, -94.38];

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  function baseMap(el) {
    var map = L.map(el, { zoomSnap: 0.25, keyboard: true }).setView(REGION, 11);
    // A scale in feet and miles, as residents in Missouri read, in the page's words
    // (streets.js); hidden from assistive technology (the form says the distance in words).
    if (window.civicScale) { window.civicScale(map, el); }
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution || "", maxZoom: 19 }).addTo(map);
    }
    // The app's own streets, or words saying there are none (streets.js); a tile server has its own.
    if (window.civicStreets && !el.dataset.tiles) { window.civicStreets(map, el); }
    // City limits lie under the pins, however late their file arrives.
    map.createPane("limits").style.zIndex = 250;
    if (window.civicQuietMap) { window.civicQuietMap(map); }
    if (el.dataset.boundary) {
      fetch(el.dataset.boundary, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (geojson) {
          if (!geojson) { return; }
          var layer = L.geoJSON(geojson, {
            style: { color: "#1a4480", weight: 2, fillColor: "#dfe8f6", fillOpacity: 0.5, className: "city-limits" },
            interactive: false,
            pane: "limits"
          }).addTo(map);
          if (window.civicFitCity) { window.civicFitCity(map, el, layer.getBounds()); }
          else if (!el.dataset.fitted) { map.fitBounds(layer.getBounds(), { padding: [12, 12], animate: false }); }
        })
        .catch(function () { /* offline: the pins still show */ });
    }
    return map;
  }

  function pinStyle() {
    return { radius: 8, color: "#fff", weight: 2, fillColor: "#b50909", fillOpacity: 1 };
  }

  function showMap(el) {
    var map = baseMap(el);
    var data = document.getElementById(el.dataset.pins);
    var pins = data ? JSON.parse(data.textContent) : [];
    var group = L.featureGroup();
    pins.forEach(function (p) {
      var marker = L.circleMarker([p.lat, p.lng], pinStyle());
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.label;
      if (p.lang) { link.lang = p.lang; }  // a type's English name on a Spanish page (WCAG 3.1.2)
      marker.bindPopup(link);
      marker.addTo(group);
    });
    group.addTo(map);
    // The browse page's "Near": the circle asked about, which the map shows whole.
    if (el.dataset.nearLat) {
      var centre = [parseFloat(el.dataset.nearLat), parseFloat(el.dataset.nearLng)];
      var circle = L.circle(centre, { radius: parseFloat(el.dataset.nearRadius), color: "#1a4480", weight: 2, fillOpacity: 0.08, interactive: false }).addTo(map);
      L.circleMarker(centre, { radius: 5, color: "#1a4480", weight: 2, fillColor: "#fff", fillOpacity: 1, interactive: false }).addTo(map);
      el.dataset.fitted = "1";
      map.fitBounds(circle.getBounds(), { padding: [16, 16], animate: false });
    } else if (pins.length) {
      el.dataset.fitted = "1";
      if (pins.length === 1) { map.setView([pins[0].lat, pins[0].lng], 16); }
      else { map.fitBounds(group.getBounds(), { padding: [16, 16], maxZoom: 16 }); }
    }
    if (el.dataset.nearInput) { nearPicking(map, el); }
  }

  // A point chosen on the browse page's map (a click or tap, or Enter for the map's centre)
  // goes into its "Near" box as "lat,lng", marked on the map; Show then lists the reports
  // near it. A click on a report's pin opens its popup instead.
  function nearPicking(map, el) {
    var input = document.getElementById(el.dataset.nearInput);
    var status = document.getElementById(el.dataset.nearStatus);
    var marker = null;
    if (!input) { return; }
    function choose(lat, lng) {
      lat = lat.toFixed(5);
      lng = lng.toFixed(5);
      input.value = lat + "," + lng;
      input.removeAttribute("aria-invalid");
      if (marker) { marker.setLatLng([lat, lng]); }
      else { marker = L.circleMarker([lat, lng], { radius: 7, color: "#fff", weight: 2, fillColor: "#1a4480", fillOpacity: 1 }).addTo(map); }
      if (status) { status.textContent = fmt(el.dataset.msgChosen, { lat: lat, lng: lng }); }
    }
    map.on("click", function (e) { choose(e.latlng.lat, e.latlng.lng); });
    el.addEventListener("keydown", function (e) {
      if ((e.key === "Enter" || e.key === " ") && e.target === el) {
        e.preventDefault();
        var c = map.getCenter();
        choose(c.lat, c.lng);
      }
    });
  }

  function pickMap(el) {
    var map = baseMap(el);
    var latInput = document.getElementById(el.dataset.latInput);
    var lngInput = document.getElementById(el.dataset.lngInput);
    var status = document.getElementById(el.dataset.status || "pin-status");
    var marker = null;

    function place(lat, lng, quiet, from) {
      lat = Math.round(lat * 1e6) / 1e6;
      lng = Math.round(lng * 1e6) / 1e6;
      latInput.value = lat;
      lngInput.value = lng;
      if (marker) { marker.setLatLng([lat, lng]); }
      else { marker = L.circleMarker([lat, lng], pinStyle()).addTo(map); }
      if (status) { status.textContent = fmt(el.dataset.msgPlaced, { lat: lat, lng: lng }); }
      // A pin put by the person on the map means "around this point" on a form that asks where
      // (alerts). One moved to an address chosen in the box is not: address.js ticks what that
      // address means (its council district) once it knows it.
      var choice = !quiet && from !== "address" && el.dataset.pinChooses && document.getElementById(el.dataset.pinChooses);
      if (choice && !choice.checked) { choice.checked = true; choice.dispatchEvent(new Event("change", { bubbles: true })); }
      // The address search (address.js) says which address is under the pin.
      el.dispatchEvent(new CustomEvent("civic:pinned", { detail: { lat: lat, lng: lng, from: from || "map", quiet: !!quiet } }));
      if (!quiet) { document.body.dispatchEvent(new CustomEvent("civic:pin", { bubbles: true })); }
    }

    // The view's centre ranks the address search's answers by nearness.
    function keepCentre() {
      var c = map.getCenter();
      el.dataset.viewLat = c.lat.toFixed(5);
      el.dataset.viewLng = c.lng.toFixed(5);
    }
    map.on("moveend", keepCentre);
    keepCentre();
    // An address chosen in the search box: the pin goes there.
    el.addEventListener("civic:goto", function (e) {
      el.dataset.fitted = "1";
      place(e.detail.lat, e.detail.lng, false, "address");
      map.setView([e.detail.lat, e.detail.lng], 17);
    });

    if (latInput.value && lngInput.value) {
      el.dataset.fitted = "1";
      place(parseFloat(latInput.value), parseFloat(lngInput.value), true);
      map.setView([parseFloat(latInput.value), parseFloat(lngInput.value)], 16);
    }
    map.on("click", function (e) { el.dataset.fitted = "1"; place(e.latlng.lat, e.latlng.lng); });
    el.addEventListener("keydown", function (e) {
      if ((e.key === "Enter" || e.key === " ") && e.target === el) {
        e.preventDefault();
        var c = map.getCenter();
        place(c.lat, c.lng);
      }
    });

    var actions = document.querySelector(".map-actions");
    if (actions) { actions.hidden = false; }
    var locate = document.getElementById("use-location");
    if (locate) {
      if (!navigator.geolocation) { locate.hidden = true; }
      locate.addEventListener("click", function () {
        if (status) { status.textContent = locate.dataset.msgFinding; }
        navigator.geolocation.getCurrentPosition(function (pos) {
          el.dataset.fitted = "1";
          place(pos.coords.latitude, pos.coords.longitude);
          map.setView([pos.coords.latitude, pos.coords.longitude], 17);
        }, function () {
          if (status) { status.textContent = locate.dataset.msgDenied; }
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
    var clear = document.getElementById("clear-pin");
    if (clear) {
      clear.addEventListener("click", function () {
        latInput.value = "";
        lngInput.value = "";
        if (marker) { map.removeLayer(marker); marker = null; }
        if (status) { status.textContent = ""; }
        el.dispatchEvent(new CustomEvent("civic:pinned", { detail: null }));
        document.body.dispatchEvent(new CustomEvent("civic:pin", { bubbles: true }));
      });
    }
  }

  function init() {
    document.querySelectorAll(".map[data-mode]").forEach(function (el) {
      if (el.dataset.mode === "pick") { pickMap(el); } else { showMap(el); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
