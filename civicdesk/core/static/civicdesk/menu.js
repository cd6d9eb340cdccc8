/* The header's "Menu" (templates/base.html), on every page, the public site's and the console's.
   On a phone, and with large text (40rem or narrower), what the button names in aria-controls
   (the site's links, the language, the console's own links) folds behind it: site.css hides each
   .menu-part while <html> has "menu-closed". On a wider screen the button is not shown and
   nothing is hidden. Without this script the button stays hidden and nothing folds. The page
   opens folded; Escape folds it again and gives the focus back to the button. */
(function () {
  "use strict";
  var menu = document.querySelector(".menu-toggle");
  if (!menu) return;
  function setMenu(open) {
    menu.setAttribute("aria-expanded", open ? "true" : "false");
    document.documentElement.classList.toggle("menu-closed", !open);
  }
  menu.hidden = false;
  setMenu(false);
  menu.addEventListener("click", function () { setMenu(menu.getAttribute("aria-expanded") !== "true"); });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape" || menu.getAttribute("aria-expanded") !== "true" || !menu.offsetParent) return;
    var within = (menu.getAttribute("aria-controls") || "").split(/\s+/).some(function (id) {
      var part = document.getElementById(id);
      return part && part.contains(document.activeElement);
    });
    if (within || document.activeElement === menu) { setMenu(false); menu.focus(); }
  });
})();
