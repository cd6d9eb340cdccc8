/* The address box of the report forms (portal, app, console): search as people type, and the
   address under the pin. The box is a WAI-ARIA combobox (APG "list autocomplete"): the input
   keeps the focus; the arrow keys move through the listbox by aria-activedescendant; Enter
   chooses, Escape closes; a status region says how many addresses were found. Enter in the box
   never sends the form (a half-typed address saved as the case's place, a call taker's caller
   lost): with nothing highlighted it highlights the first address found, waiting for the
   search if one is still running, and else does nothing. Choosing an
   address moves the map's pin there ("civic:goto" on the map); a pin dropped or moved on the
   map ("civic:pinned") is answered with the address under it ("Near 1234 S Noland Rd"), which
   also fills the box unless the person typed something of their own. While the box holds that
   suggestion unedited, the form's "from the pin" field (data-from-pin) says so: the server
   then stores the pin's own address, not a typed one. Without JavaScript the box is a plain
   text field. A form that asks for an area around the place (the alerts' "Around a point")
   gives data-msg-area and data-radius-input: the line under the map then says the area in
   words ("Alerts within 500 m of 18891 Meadow Ln"), again when the distance changes. */
(function () {
  "use strict";
  var DELAY = 150; // ms after the last key before asking: a request per pause, not per key

  function fmt(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); });
  }

  function setup(box) {
    var input = box.querySelector("input");
    var map = document.getElementById(box.dataset.forMap);
    var pinAddress = document.getElementById(box.dataset.pinAddress);
    var fromPin = box.dataset.fromPin ? document.getElementById(box.dataset.fromPin) : null;
    var radius = box.dataset.radiusInput ? document.getElementById(box.dataset.radiusInput) : null;
    if (!input) { return; }
    var id = input.id;
    var wrap = box.querySelector(".combo") || input.parentNode;

    var list = document.createElement("ul");
    list.id = id + "-list";
    list.className = "combo-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", box.dataset.msgList || "");
    list.hidden = true;
    wrap.appendChild(list);

    var live = document.createElement("div");
    live.id = id + "-count";
    live.className = "visually-hidden";
    live.setAttribute("role", "status");
    box.appendChild(live);

    var note = document.createElement("p");
    note.className = "help illustrative-note";
    note.hidden = true;
    box.appendChild(note);

    // A form that takes a typed address as it is (the report form: staff find the place)
    // gives data-msg-none: words that match no address are then said on screen too, not only
    // to a screen reader, so nobody sends the report believing the map found the place.
    var none = null;
    if (box.dataset.msgNone) {
      none = document.createElement("p");
      none.id = id + "-none";
      none.className = "help address-none";
      none.hidden = true;
      none.textContent = box.dataset.msgNone;
      box.appendChild(none);
    }
    function showNone(yes) { if (none) { none.hidden = !yes; } }

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    // The browser's own autofill list would cover ours (and this is the problem's place, not
    // the person's own address).
    input.setAttribute("autocomplete", "off");

    var results = [];
    var active = -1;
    var timer = null;
    var asked = 0; // answers to older questions are dropped
    var searching = false; // a search asked and not answered yet
    var searched = null; // the words of the last answered search
    var enterWaits = false; // Enter was pressed before the answer: highlight its first address
    // What the pin last wrote in the box (null: typed by the person). A form shown again keeps
    // what it was sent with.
    var filled = !input.value ? "" : (fromPin && fromPin.value === "1" ? input.value : null);

    function markFromPin(yes) {
      if (fromPin) { fromPin.value = yes ? "1" : ""; }
    }

    function open() {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) { return; }
      active = (index + options.length) % options.length;
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function render(data) {
      results = data.results || [];
      list.textContent = "";
      results.forEach(function (r, i) {
        var li = document.createElement("li");
        li.id = id + "-option-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var label = document.createElement("span");
        label.className = "combo-label";
        label.textContent = r.label;
        li.appendChild(label);
        var where = r.outside || r.city;
        if (where) {
          var place = document.createElement("span");
          place.className = "combo-place" + (r.outside ? " outside" : "");
          place.textContent = where;
          li.appendChild(place);
        }
        // A near miss (a number not on the street, a close spelling) says why it is offered.
        if (r.hint) {
          var hint = document.createElement("span");
          hint.className = "combo-hint";
          hint.textContent = r.hint;
          li.appendChild(hint);
        }
        // mousedown would take the focus from the input before the click lands.
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { choose(i); });
        list.appendChild(li);
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      // An answer that arrives after the person left the box does not open the list over the page.
      if (results.length && document.activeElement === input) { open(); } else { close(); }
      live.textContent = data.message || "";
      note.textContent = data.note || "";
      note.hidden = !data.note;
      // Only a search that was answered found nothing (not words too short, not no signal).
      showNone(!results.length && !!data.query);
    }

    function answered(q) {
      searching = false;
      searched = q;
      if (enterWaits && results.length && document.activeElement === input) {
        open();
        highlight(0);
      }
      enterWaits = false;
    }

    function search() {
      var q = input.value.trim();
      var n = ++asked;
      timer = null;
      if (q.replace(/\s/g, "").length < 2) {
        render({ results: [] });
        live.textContent = "";
        answered(q);
        return;
      }
      searching = true;
      var url = box.dataset.searchUrl + "?q=" + encodeURIComponent(q);
      if (map && map.dataset.viewLat) { url += "&near=" + map.dataset.viewLat + "," + map.dataset.viewLng; }
      getJSON(url).then(function (data) {
        if (n !== asked) { return; }
        render(data);
        answered(q);
      }).catch(function () {
        if (n !== asked) { return; }
        render({ results: [] });
        live.textContent = box.dataset.msgOffline || "";
        answered(q);
      });
    }

    var lastPlace = null; // [address, outside] of the last place said, for a new distance

    // "Near 1234 S Noland Rd", or the area around it on a form that asks for one.
    // The alerts form's "Around a point" (the radio the pin ticks): the circle is said only
    // while it is the area chosen; with "A council district" the place is only "Near …".
    var circleRadio = map && map.dataset.pinChooses ? document.getElementById(map.dataset.pinChooses) : null;
    function sayPlace(address, outside) {
      lastPlace = [address, outside];
      if (box.dataset.msgArea && radius && (!circleRadio || circleRadio.checked)) {
        var chosen = radius.options[radius.selectedIndex];
        say(fmt(box.dataset.msgArea, { address: address, radius: chosen ? chosen.text : "" }), outside);
      } else {
        say(fmt(box.dataset.msgNear, { address: address }), outside);
      }
    }

    // On a city's own report form, a place in another member city says where the report
    // goes ("In Independence: your report goes to Independence"), before it is sent.
    function elsewhere(city) {
      if (!box.dataset.city || !box.dataset.msgOther || !city || city === box.dataset.city) { return ""; }
      return fmt(box.dataset.msgOther, { city: city });
    }

    function say(text, outside) {
      if (!pinAddress) { return; }
      pinAddress.textContent = "";
      if (text) {
        var strong = document.createElement("strong");
        strong.textContent = text;
        pinAddress.appendChild(strong);
      }
      if (outside) { pinAddress.appendChild(document.createTextNode((text ? " · " : "") + outside)); }
    }

    // The box holds an address of the gazetteer (chosen, or the pin's): nothing left to
    // choose, so Enter there does nothing.
    function settled(text) {
      clearTimeout(timer);
      timer = null;
      ++asked; // a search still under way is not answered over it
      searching = false;
      enterWaits = false;
      results = [];
      list.textContent = "";
      close();
      searched = text;
      showNone(false);
    }

    // The alerts form: which council district the place is in ("18891 Meadow Ln is in
    // District 2"). An address chosen in the box sets the alert of its district (the district
    // chosen, "A council district" ticked, "Alerts of District 2 chosen; …" said), as a pin put
    // on the map ticks "Around a point"; an address in no district ticks "Around a point".
    // Only while the resident has not chosen the kind of area by hand: a radio, a district or
    // a distance chosen, the pin put on the map, or the area of a form shown again or of an
    // alert being changed (data-area-kept: the resident sent it). Then nothing is ticked over
    // their choice: the district is pre-selected when none is, and offered with a button,
    // "Alerts of District 2".
    var districtSelect = box.dataset.districtSelect ? document.getElementById(box.dataset.districtSelect) : null;
    var districtStatus = box.dataset.districtStatus ? document.getElementById(box.dataset.districtStatus) : null;
    var districtRadio = districtSelect && districtSelect.dataset.chooses ? document.getElementById(districtSelect.dataset.chooses) : null;
    var areaForm = districtRadio ? districtRadio.form : null;
    var byHand = !!(areaForm && areaForm.hasAttribute("data-area-kept"));
    var ticking = false; // a radio this script ticks is not the resident's choice
    var districtAsked = 0;
    var districtFound = null; // the last answer: {id, text, choose, chosen, auto}
    var districtShown = null; // what the live region says now, so it speaks only of a change

    function tick(radio) {
      if (!radio || radio.checked) { return; }
      ticking = true;
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true })); // the pin's line says the area again
      ticking = false;
    }

    function districtSay(text, choose) {
      if (!districtStatus) { return; }
      districtStatus.textContent = "";
      var words = document.createElement("span");
      words.textContent = text || "";
      districtStatus.appendChild(words);
      if (!choose) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = choose.label;
      button.addEventListener("click", function () {
        byHand = true;
        districtSelect.value = String(choose.id);
        tick(districtRadio);
        districtShow();
        districtSelect.focus(); // the choice made, where it can be changed
      });
      districtStatus.appendChild(document.createTextNode(" "));
      districtStatus.appendChild(button);
    }

    function districtClear() {
      ++districtAsked;
      districtFound = null;
      districtShown = null;
      districtSay("");
    }

    // The last answer as the form now stands: "… is in District 2." with "Alerts of District 2
    // chosen; …" while the form chose it, or with the button while it is not the alert's area.
    function districtShow() {
      var found = districtFound;
      if (!found || !districtStatus) { return; }
      var chosen = !!found.id && !!districtRadio && districtRadio.checked && districtSelect.value === found.id;
      if (!chosen) { found.auto = false; } // chosen again later, it is the resident's doing
      var text = found.text + (chosen && found.auto && found.chosen ? " " + found.chosen : "");
      var offer = found.id && !chosen ? found.choose : "";
      if (text + "\n" + offer === districtShown) { return; }
      districtShown = text + "\n" + offer;
      districtSay(text, offer ? { id: found.id, label: offer } : null);
    }

    // ``address``: an address chosen in the box, whose district becomes the alert's area while
    // the resident has not chosen one by hand.
    function districtOf(lat, lng, label, address) {
      if (!box.dataset.districtUrl || !districtSelect) { return; }
      var n = ++districtAsked;
      var url = box.dataset.districtUrl + "?lat=" + lat + "&lng=" + lng + "&address=" + encodeURIComponent(label || "");
      getJSON(url).then(function (data) {
        if (n !== districtAsked) { return; }
        var id = data.district === null || data.district === undefined ? "" : String(data.district);
        var auto = false;
        if (address && !byHand) {
          districtSelect.value = id; // "" (none) for an address in no district
          auto = !!id;
        } else if (id && !districtSelect.value) {
          districtSelect.value = id;
          auto = !!(districtRadio && districtRadio.checked); // filled in for one who ticked the kind
        }
        districtFound = { id: id, text: data.text || "", choose: data.choose || "", chosen: data.chosen || "", auto: auto };
        if (address && !byHand) { tick(id ? districtRadio : circleRadio); }
        districtShow();
      }).catch(function () {
        if (n !== districtAsked) { return; }
        districtFound = null;
        districtShown = null;
        districtSay("");
        if (address && !byHand) { tick(circleRadio); } // still the center of a circle, as before
      });
    }

    if (areaForm) {
      areaForm.addEventListener("change", function (e) {
        var t = e.target;
        var area = (districtRadio && t.name === districtRadio.name) || t === districtSelect || t === radius;
        if (area && !ticking) {
          byHand = true;
          if (districtFound) { districtFound.auto = false; }
        }
        if (area) { districtShow(); }
      });
    }

    function choose(i) {
      var r = results[i];
      if (!r) { return; }
      input.value = r.label;
      filled = r.label; // from the gazetteer, like the pin's: moving the pin later updates it
      markFromPin(false); // but chosen by the person: matched beside the pin as typed
      settled(r.label);
      live.textContent = "";
      sayPlace(r.label, r.outside || elsewhere(r.city));
      if (map) {
        map.dispatchEvent(new CustomEvent("civic:goto", { detail: { lat: r.lat, lng: r.lng, label: r.label } }));
      }
      districtOf(r.lat, r.lng, r.label, true);
    }

    function lookUp(lat, lng) {
      clearTimeout(timer); // nor is one still to start: the pin says where, whatever the words
      timer = null;
      var n = ++asked; // a search still running is dropped
      searching = false;
      enterWaits = false;
      getJSON(box.dataset.nearUrl + "?lat=" + lat + "&lng=" + lng).then(function (data) {
        if (n !== asked) { return; }
        var label = data.result ? data.result.label : "";
        districtOf(lat, lng, label, false);
        if (label && box.dataset.msgArea) { sayPlace(label, data.outside); }
        else { lastPlace = null; say(data.text, data.outside || elsewhere(data.city)); }
        // Fill the box with the pin's address unless the person wrote their own there.
        if (label && (filled !== null || !input.value.trim())) {
          input.value = label;
          filled = label;
          markFromPin(true);
          settled(label);
        }
      }).catch(function () { /* offline: the pin alone is enough */ });
    }

    input.addEventListener("input", function () {
      filled = null;
      markFromPin(false);
      clearTimeout(timer);
      timer = setTimeout(search, DELAY);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (!results.length) { return; }
        e.preventDefault();
        if (list.hidden) { open(); }
        highlight(active === -1 && e.key === "ArrowUp" ? -1 : active + (e.key === "ArrowDown" ? 1 : -1));
      } else if (e.key === "Enter") {
        // Never the form's submit: the case (or report) is sent by its own button.
        e.preventDefault();
        if (!list.hidden && active >= 0) {
          choose(active); // the address the person highlighted, even with a newer search under way
        } else if (timer !== null || searching || (searched !== input.value.trim() && !results.length)) {
          // The words typed are not searched yet: search now, and highlight what is found.
          enterWaits = true;
          if (timer !== null) { clearTimeout(timer); search(); }
          else if (!searching) { search(); }
        } else if (results.length) {
          open();
          highlight(active >= 0 ? active : 0);
        }
        // Else nothing was found for these words: the status region has said so.
      } else if (e.key === "Escape") {
        if (!list.hidden) {
          e.preventDefault();
          close();
        }
      }
    });
    input.addEventListener("blur", function () { close(); });

    if (map) {
      map.addEventListener("civic:pinned", function (e) {
        if (!e.detail) {
          lastPlace = null;
          say("");
          districtClear();
          if (filled) { input.value = ""; filled = ""; }
          markFromPin(false);
          return;
        }
        if (e.detail.from === "address") { return; } // already said by choose()
        if (!e.detail.quiet) { byHand = true; } // the pin put on the map: a point, the resident's choice
        showNone(false); // the pin now says where the problem is, whatever the words
        lookUp(e.detail.lat, e.detail.lng);
      });
    }
    if (radius) {
      radius.addEventListener("change", function () { if (lastPlace) { sayPlace(lastPlace[0], lastPlace[1]); } });
    }
    if (circleRadio && circleRadio.form) {
      circleRadio.form.addEventListener("change", function (e) {
        if (e.target.name === circleRadio.name && lastPlace) { sayPlace(lastPlace[0], lastPlace[1]); }
      });
    }
    // A report kept on the device (offline) empties the form: the pin's line goes with it.
    var form = input.form;
    if (form) {
      form.addEventListener("reset", function () { lastPlace = null; say(""); districtClear(); filled = ""; markFromPin(false); close(); showNone(false); });
    }
    // A form shown again (a mistake to fix) keeps its pin: say its address too.
    var latInput = map && document.getElementById(map.dataset.latInput);
    var lngInput = map && document.getElementById(map.dataset.lngInput);
    if (latInput && lngInput && latInput.value && lngInput.value) { lookUp(latInput.value, lngInput.value); }
  }

  function init() {
    document.querySelectorAll("[data-address-search]").forEach(setup);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
