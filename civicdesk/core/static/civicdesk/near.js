/* The browse page's "Use my location": the browser is asked for the device's position only
   when the button is pressed; the position goes into the "Near" box as "lat,lng" and the list
   is asked for at once. A refusal or a failure is said in words under the box, and nothing
   the person chose is lost. Without the browser's geolocation the button stays hidden. */
(function () {
  "use strict";

  function init() {
    var button = document.getElementById("near-location");
    if (!button || !navigator.geolocation) { return; }
    var input = document.getElementById(button.dataset.for);
    var status = document.getElementById("near-status");
    if (!input) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (status) { status.textContent = button.dataset.msgFinding; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        input.value = pos.coords.latitude.toFixed(5) + "," + pos.coords.longitude.toFixed(5);
        var form = input.form;
        if (form) { if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); } }
      }, function (error) {
        if (status) { status.textContent = error && error.code === 1 ? button.dataset.msgDenied : button.dataset.msgFailed; }
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
