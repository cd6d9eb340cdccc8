/* Reports kept on the device while there is no signal, and sent when it returns.
   Loaded by the pages and by the service worker (the same code in both): each queued report
   carries the form's client_token, so the server makes one case however often it is sent. */
(function (global) {
  "use strict";
  var DB = "civicdesk-queue";
  var OUTBOX = "outbox";
  var RESULTS = "results";

  function open() {
    return new Promise(function (resolve, reject) {
      var req = global.indexedDB.open(DB, 1);
      req.onupgradeneeded = function () {
        req.result.createObjectStore(OUTBOX, { keyPath: "token" });
        req.result.createObjectStore(RESULTS, { keyPath: "token" });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function run(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var result = work(tx.objectStore(store));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function entriesOf(formData) {
    var fields = [];
    formData.forEach(function (value, name) {
      // An empty file input still sends a nameless, empty file: not worth keeping.
      if (typeof value !== "string" && !value.size) { return; }
      fields.push([name, value]);
    });
    return fields;
  }

  function field(fields, name) {
    for (var i = 0; i < fields.length; i++) { if (fields[i][0] === name) { return fields[i][1]; } }
    return "";
  }

  function setField(fields, name, value) {
    fields = fields.filter(function (f) { return f[0] !== name; });
    fields.push([name, value]);
    return fields;
  }

  /* Keep a report: ``url`` is where the form posts, ``formData`` what it holds. */
  function add(url, formData) {
    var fields = entriesOf(formData);
    var token = field(fields, "client_token") || (global.crypto && global.crypto.randomUUID ? global.crypto.randomUUID() : String(Date.now()));
    fields = setField(fields, "client_token", token);
    fields = setField(fields, "channel", "mobile");
    fields = setField(fields, "nearby_checked", "1");
    return run(OUTBOX, "readwrite", function (s) { s.put({ token: token, url: url, fields: fields, at: Date.now() }); })
      .then(function () { return token; });
  }

  function all(store) {
    return run(store, "readonly", function (s) { return s.getAll(); });
  }

  function freshCsrf(url) {
    // The page's CSRF token may be stale after a long time offline: read a fresh one.
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      var m = html.match(/name="csrfmiddlewaretoken" value="([^"]+)"/);
      return m ? m[1] : "";
    });
  }

  function post(item, csrf) {
    var body = new FormData();
    item.fields.forEach(function (f) {
      if (f[0] === "csrfmiddlewaretoken" && csrf) { return; }
      if (typeof f[1] === "string") { body.append(f[0], f[1]); } else { body.append(f[0], f[1], f[1].name || "photo.jpg"); }
    });
    if (csrf) { body.append("csrfmiddlewaretoken", csrf); }
    return fetch(item.url, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } });
  }

  function finish(item, result) {
    return run(RESULTS, "readwrite", function (s) { result.token = item.token; s.put(result); }).then(function () {
      return run(OUTBOX, "readwrite", function (s) { s.delete(item.token); });
    });
  }

  function sendOne(item) {
    return post(item).then(function (response) {
      if (response.status === 403) {
        return freshCsrf(item.url).then(function (csrf) { return post(item, csrf); });
      }
      return response;
    }).then(function (response) {
      if (response.status >= 500) { throw new Error("server " + response.status); }
      return response.json().then(function (data) {
        if (response.ok && data.confidential) {
          // A confidential report has no reference or tracking link: its access code is the
          // resident's only key, answered this once (null when the report was already received).
          return finish(item, { ok: true, confidential: true, access_code: data.access_code || null, city: data.city });
        }
        if (response.ok) {
          return finish(item, { ok: true, reference: data.reference, city: data.city, tracking_url: data.tracking_url });
        }
        var errors = [];
        Object.keys(data.errors || {}).forEach(function (k) { errors = errors.concat(data.errors[k]); });
        return finish(item, { ok: false, errors: errors.join(" ") });
      });
    });
  }

  var flushing = null;
  /* Send every kept report; stops at the first network failure (still no signal). */
  function flush() {
    if (flushing) { return flushing; }
    var work = function () {
      return all(OUTBOX).then(function (items) {
        return items.reduce(function (chain, item) {
          return chain.then(function () { return sendOne(item); });
        }, Promise.resolve());
      });
    };
    var locked = global.navigator.locks ? global.navigator.locks.request("civicdesk-queue", work) : work();
    flushing = locked.catch(function () { /* still offline: try again later */ }).then(function () { flushing = null; });
    return flushing;
  }

  /* The outcomes not yet shown to the resident; each is shown once, except an access code:
     it stays (on this device only) until the resident says it is written down, since the
     server cannot show it again. */
  function takeResults() {
    return all(RESULTS).then(function (results) {
      return run(RESULTS, "readwrite", function (s) {
        results.forEach(function (r) { if (!r.access_code) { s.delete(r.token); } });
      }).then(function () { return results; });
    });
  }

  /* The resident has written the access code down: forget it. */
  function dismiss(token) {
    return run(RESULTS, "readwrite", function (s) { s.delete(token); });
  }

  function pending() {
    return all(OUTBOX).then(function (items) { return items.length; });
  }

  global.CivicQueue = { add: add, flush: flush, takeResults: takeResults, dismiss: dismiss, pending: pending };
})(self);
