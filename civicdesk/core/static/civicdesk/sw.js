/* The service worker. SHELL (the app shell's URLs) and QUEUE_SCRIPT are put in front of this
   file by the /sw.js view, because static file names carry a content hash in production. */
/* global SHELL, QUEUE_SCRIPT, CivicQueue */
importScripts(QUEUE_SCRIPT);

var CACHE = "civicdesk-shell-" + (function (s) {
  var h = 0;
  for (var i = 0; i < s.length; i++) { h = (h * 31 + s.charCodeAt(i)) | 0; }
  return (h >>> 0).toString(36);
})(JSON.stringify(SHELL));
var SYNC_TAG = "civicdesk-reports";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    // One missing file must not stop the others from being kept.
    return Promise.all(SHELL.map(function (url) { return cache.add(url).catch(function () {}); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("civicdesk-shell-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function tellPages() {
  return self.clients.matchAll({ type: "window" }).then(function (pages) {
    pages.forEach(function (page) { page.postMessage({ type: "civicdesk-queue" }); });
  });
}

function flushAndTell() {
  return CivicQueue.flush().then(tellPages);
}

function isReportPost(request) {
  return request.method === "POST" && /\/report\/$/.test(new URL(request.url).pathname);
}

function queueReport(request) {
  return request.formData().then(function (data) {
    return CivicQueue.add(request.url, data);
  }).then(function () {
    if (self.registration.sync) { return self.registration.sync.register(SYNC_TAG).catch(function () {}); }
  }).then(function () {
    return Response.redirect(new URL(SHELL[1] + "?queued=1", self.location.origin).href, 303);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (isReportPost(request)) {
    // A report sent with no signal is kept and sent later, not lost to an error page.
    var copy = request.clone();
    event.respondWith(fetch(request).catch(function () { return queueReport(copy); }));
    return;
  }
  if (request.method !== "GET") { return; }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && SHELL.indexOf(url.pathname) !== -1) {
        var keep = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname, keep); });
      }
      return response;
    }).catch(function () {
      return caches.match(url.pathname, { ignoreSearch: true }).then(function (hit) {
        return hit || caches.match(SHELL[2]);
      });
    }));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag === SYNC_TAG) { event.waitUntil(flushAndTell()); }
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "flush") { event.waitUntil(flushAndTell()); }
});
