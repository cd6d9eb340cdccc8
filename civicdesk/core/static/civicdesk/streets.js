/* The street layer of the maps, from the app's own street tiles (data-streets, a
   /places/streets/{z}/{x}/{y}.geojson template): lines by importance, names along them once
   there is room. Tiles are the web map's 256 px squares drawn at 512 px, so a view needs few.
   With no street map loaded (data-streets-missing) the map says so in words, under it. Also the
   maps' first view on the city (civicFitCity), their drawing hidden from screen readers
   (civicQuietMap) and their scale in the page's words (civicScale). Used by map.js (resident
   pages) and console.js. */
(function () {
  "use strict";
  var MIN_ZOOM = 10;          // below: a whole region, no streets drawn
  var MAX_TILE_ZOOM = 15;     // the finest tiles the server gives (drawn at map zoom 16 and above)
  var LABEL_ZOOM = 15;        // every street's name from here; main roads' from LABEL_MAIN_ZOOM
  var LABEL_MAIN_ZOOM = 13;
  var STYLES = {
    1: { color: "#c26a12", weight: 4 },
    2: { color: "#d39a2c", weight: 3 },
    3: { color: "#8d949c", weight: 2 },
    4: { color: "#a9aeb4", weight: 1.5 },
    5: { color: "#b9bdc2", weight: 1 }
  };

  // Under the map, not on it: a box in a corner of the map covered the names of the streets
  // there. Said once, however often the map is drawn.
  function note(el, text) {
    var next = el.nextElementSibling;
    if (next && next.classList.contains("map-note")) { return; }
    var p = document.createElement("p");
    p.className = "map-note";
    if (el.id) { p.id = el.id + "-note"; }
    p.textContent = text;
    el.insertAdjacentElement("afterend", p);
  }

  function tileX(lng, n) { return Math.floor((lng + 180) / 360 * n); }
  function tileY(lat, n) {
    var r = lat * Math.PI / 180;
    return Math.floor((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * n);
  }
  function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }

  function civicStreets(map, el) {
    var template = el.dataset.streets;
    if (!template) {
      if (el.dataset.streetsMissing) { note(el, el.dataset.streetsMissing); }
      return;
    }
    if (el.dataset.streetsNote) { note(el, el.dataset.streetsNote); }
    // Over the city limits' fill (250), under the pins (400); names over the lines, never clickable.
    map.createPane("streets").style.zIndex = 300;
    var labelPane = map.createPane("streetLabels");
    labelPane.style.zIndex = 350;
    labelPane.style.pointerEvents = "none";
    var renderer = L.svg({ pane: "streets", padding: 0.3 });
    var tiles = {};     // "z/x/y" -> { layer, features } once loaded, or { pending: true }
    var labels = L.layerGroup().addTo(map);

    function wanted() {
      var zoom = Math.round(map.getZoom());
      var keys = {}, size = map.getSize();
      // A map with no box (hidden, or while the page is laid out again) has no bounds to draw.
      if (!isFinite(zoom) || zoom < MIN_ZOOM || !size.x || !size.y) { return keys; }
      var z = Math.min(MAX_TILE_ZOOM, zoom - 1), n = Math.pow(2, z);
      var b = map.getBounds().pad(0.15);
      var x0 = clamp(tileX(b.getWest(), n), 0, n - 1), x1 = clamp(tileX(b.getEast(), n), 0, n - 1);
      var y0 = clamp(tileY(b.getNorth(), n), 0, n - 1), y1 = clamp(tileY(b.getSouth(), n), 0, n - 1);
      for (var x = x0; x <= x1; x++) {
        for (var y = y0; y <= y1; y++) { keys[z + "/" + x + "/" + y] = [z, x, y]; }
      }
      return keys;
    }

    function url(zxy) {
      return template.replace("{z}", zxy[0]).replace("{x}", zxy[1]).replace("{y}", zxy[2]);
    }

    function refresh() {
      var keys = wanted();
      Object.keys(tiles).forEach(function (key) {
        if (!keys[key]) {
          if (tiles[key].layer) { map.removeLayer(tiles[key].layer); }
          delete tiles[key];
        }
      });
      Object.keys(keys).forEach(function (key) {
        if (tiles[key]) { return; }
        tiles[key] = { pending: true };
        fetch(url(keys[key]), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (geojson) {
            if (!geojson || !tiles[key]) { return; }  // moved on meanwhile
            var layer = L.geoJSON(geojson, {
              style: function (f) {
                var style = STYLES[f.properties.rank] || STYLES[3];
                // Thinner when a whole city is in view, so the lines do not hide the limits.
                return keys[key][0] < 12 ? { color: style.color, weight: Math.max(1, style.weight * 0.6) } : style;
              },
              interactive: false,
              renderer: renderer,
              pane: "streets"
            }).addTo(map);
            tiles[key] = { layer: layer, features: geojson.features };
            relabel();
          })
          .catch(function () { if (tiles[key] && tiles[key].pending) { delete tiles[key]; } });
      });
      relabel();
    }

    // Names at the middle of the longest stretch of each street in a tile, turned along it,
    // where the stretch is longer than the name and no other name is in the way.
    function relabel() {
      labels.clearLayers();
      var zoom = map.getZoom();
      if (zoom < LABEL_MAIN_ZOOM) { return; }
      var placed = [];
      var size = map.getSize();
      var view = L.bounds([8, 8], [size.x - 8, size.y - 8]);
      Object.keys(tiles).forEach(function (key) {
        (tiles[key].features || []).forEach(function (f) {
          var name = f.properties.name;
          if (!name || (zoom < LABEL_ZOOM && f.properties.rank > 2)) { return; }
          var parts = f.geometry.type === "LineString" ? [f.geometry.coordinates] : f.geometry.coordinates;
          // The longest stretch of the street inside the view (lines reach past it, to the tile's edge).
          var best = null;
          parts.forEach(function (coords) {
            var run = [], length = 0, prev = null;
            function close() {
              if (run.length > 1 && (!best || length > best.length)) { best = { pts: run, length: length }; }
              run = []; length = 0;
            }
            coords.forEach(function (c) {
              var p = map.latLngToContainerPoint([c[1], c[0]]);
              if (prev) {
                var seg = L.LineUtil.clipSegment(prev, p, view, false, true);
                if (!seg) { close(); }
                else {
                  if (!run.length || !run[run.length - 1].equals(seg[0])) { close(); run.push(seg[0]); }
                  run.push(seg[1]);
                  length += seg[0].distanceTo(seg[1]);
                }
              }
              prev = p;
            });
            close();
          });
          var width = name.length * 6.5 + 16;
          if (!best || best.length < width) { return; }
          var half = best.length / 2, walked = 0, at = null, angle = 0;
          for (var i = 1; i < best.pts.length && !at; i++) {
            var a = best.pts[i - 1], b = best.pts[i], step = a.distanceTo(b);
            if (walked + step >= half && step > 0) {
              var t = (half - walked) / step;
              at = L.point(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t);
              angle = Math.atan2(b.y - a.y, b.x - a.x) * 180 / Math.PI;
            }
            walked += step;
          }
          if (!at) { return; }
          if (angle > 90) { angle -= 180; } else if (angle <= -90) { angle += 180; }
          var rad = angle * Math.PI / 180;
          var w = Math.abs(width * Math.cos(rad)) + Math.abs(14 * Math.sin(rad));
          var h = Math.abs(width * Math.sin(rad)) + Math.abs(14 * Math.cos(rad));
          var box = [at.x - w / 2, at.y - h / 2, at.x + w / 2, at.y + h / 2];
          // Another name in the way, or the same name near (a street split across tiles).
          var clash = placed.some(function (o) {
            return (box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]) ||
              (o.name === name && Math.abs(o.x - at.x) + Math.abs(o.y - at.y) < 250);
          });
          if (clash) { return; }
          box.name = name; box.x = at.x; box.y = at.y;
          placed.push(box);
          var span = document.createElement("span");
          span.textContent = name;
          span.style.transform = "translate(-50%, -50%) rotate(" + angle.toFixed(1) + "deg)";
          L.marker(map.containerPointToLatLng(at), {
            icon: L.divIcon({ className: "street-label", html: span, iconSize: null }),
            pane: "streetLabels",
            interactive: false,
            keyboard: false
          }).addTo(labels);
        });
      });
    }

    map.on("moveend", refresh);
    map.whenReady(refresh);
  }

  /* The first view of a map: the whole city, inside the map with a margin. The map is told its
     own size first (a map started before the page's layout settled fitted the city to a box it
     no longer had: the south cut off, or a small city in a map zoomed out past its streets),
     and fits the city again when its box changes size, until someone moves it or a pin, an
     address or a location takes the view (data-fitted). data-city-shown says it is done. */
  function civicFitCity(map, el, bounds) {
    var fitting = false, moved = false;
    map.on("movestart zoomstart", function () { if (!fitting) { moved = true; } });
    function fit() {
      if (el.dataset.fitted || moved) { return; }
      // A box of no size (the map hidden, or its page being laid out again) has no zoom that
      // fits the city: Leaflet's would be infinite. It fits again when the box comes back.
      if (!el.clientWidth || !el.clientHeight) { return; }
      fitting = true;
      try {
        map.invalidateSize({ animate: false, pan: false });
        // Not animated: Leaflet drops a setView asked for during a zoom animation, so a
        // location found while the limits' zoom was under way would leave the map here.
        map.fitBounds(bounds, { padding: [12, 12], animate: false });
      } finally {
        fitting = false;
      }
      el.dataset.cityShown = "1";
    }
    fit();
    if (window.ResizeObserver) { new ResizeObserver(fit).observe(el); }
  }

  /* The map is one element for a screen reader, named by its page ("Map of where the problem
     is: 18891 Meadow Ln"), with what it shows written beside it: its drawing (street lines and
     names, city limits, pins, tiles) is hidden from assistive technology, which read it as
     unnamed images and a jumble of street names. Controls (zoom, attribution) and an opened
     pin's popup, with its link, stay readable. Called once every pane is made. */
  function civicQuietMap(map) {
    var panes = map.getPanes();
    Object.keys(panes).forEach(function (name) {
      if (name !== "mapPane" && name !== "popupPane") { panes[name].setAttribute("aria-hidden", "true"); }
    });
  }

  /* The map's scale, in feet and then miles as residents and staff in Missouri read, in the
     page's words: "500 ft", "2 mi" in English, "500 pies", "2 mi" in Spanish (Leaflet's own
     scale writes English "ft" and "mi" on every page). The words come with the map's
     attributes (street_map_attrs: data-scale-ft, -ft-one, -mi, -mi-one, each with %(n)s), the
     number as the page's language writes it. The bar is 1, 2, 3 or 5 times a power of ten of
     the unit, at most 100 px long, or 150 px when its words would not fit in it. A drawing,
     like the streets: hidden from assistive technology (what the page asks is said in words).
     Without the words, Leaflet's scale. */
  var FEET_PER_METER = 1 / 0.3048;
  var FEET_PER_MILE = 5280;
  var SCALE_WIDTHS = [100, 150]; // px the bar may take: Leaflet's 100, or more when its words need it

  // The round number of feet or miles at or under ``value`` (>= 1: 100 px is some 70 ft at the
  // closest zoom, and miles are used from 1 mile).
  function roundDown(value) {
    var power = Math.pow(10, String(Math.floor(value)).length - 1);
    var digit = value / power;
    return power * (digit >= 5 ? 5 : digit >= 3 ? 3 : digit >= 2 ? 2 : 1);
  }

  function civicScale(map, el) {
    var words = el.dataset;
    var control;
    if (!words.scaleFt || !words.scaleMi) {
      control = L.control.scale({ metric: false, imperial: true });
    } else {
      var number = window.Intl ? new Intl.NumberFormat(document.documentElement.lang || undefined) : null;
      var say = function (n, one, other) {
        return (n === 1 && one ? one : other).replace("%(n)s", number ? number.format(n) : String(n));
      };
      var Scale = L.Control.extend({
        options: { position: "bottomleft" },
        onAdd: function () {
          var box = L.DomUtil.create("div", "leaflet-control-scale");
          this.line = L.DomUtil.create("div", "leaflet-control-scale-line", box);
          map.on("move zoom resize", this.draw, this);
          map.whenReady(this.draw, this);
          return box;
        },
        onRemove: function () { map.off("move zoom resize", this.draw, this); },
        draw: function () {
          // A bar of half its room would cut its words ("1000 pies"): then it gets more room.
          for (var i = 0; i < SCALE_WIDTHS.length; i++) {
            if (!this.fit(SCALE_WIDTHS[i]) || this.line.scrollWidth <= this.line.clientWidth) { return; }
          }
        },
        fit: function (room) {
          var y = map.getSize().y / 2;
          var feet = FEET_PER_METER * map.distance(map.containerPointToLatLng([0, y]),
                                                    map.containerPointToLatLng([room, y]));
          if (!(feet > 0)) { return false; }
          var inMiles = feet > FEET_PER_MILE;
          var most = inMiles ? feet / FEET_PER_MILE : feet;
          var n = roundDown(most);
          this.line.style.width = Math.round(room * n / most) + "px";
          this.line.textContent = inMiles
            ? say(n, words.scaleMiOne, words.scaleMi)
            : say(n, words.scaleFtOne, words.scaleFt);
          return true;
        }
      });
      control = new Scale();
    }
    control.addTo(map).getContainer().setAttribute("aria-hidden", "true");
    return control;
  }

  window.civicStreets = civicStreets;
  window.civicScale = civicScale;
  window.civicFitCity = civicFitCity;
  window.civicQuietMap = civicQuietMap;
})();
