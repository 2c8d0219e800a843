// Occasional Digest: the service worker that makes the latest stories and
// the starred articles readable offline (see web/offline.go).
//
// - The app's shell (/static/..., hashed names) is kept in one cache and
//   served from it first: a hashed file never changes.
// - Pages are kept per browser session, in the cache "pages-KEY", KEY
//   being the session's offline key that every page of the session
//   carries in the Digest-Offline header. A page that comes without a key
//   (signed out) drops every kept page; one with another key (another
//   session) drops the others' pages.
// - Online, pages come from the network (and are kept); offline, a kept
//   page is served, or a short "you are offline" page.
"use strict";

var SHELL = "shell-v1";
var PAGES = "pages-";
var SYNC_EVERY = 10 * 60 * 1000; // ms between two full syncs of one session
// META is the entry of a session's cache that says when it was last
// synced: the worker is stopped when idle, so memory would not keep it.
var META = "/__digest-offline-synced";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (e) {
  e.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) {
        return k !== SHELL && k.indexOf(PAGES) !== 0;
      }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function pageCaches() {
  return caches.keys().then(function (keys) {
    return keys.filter(function (k) { return k.indexOf(PAGES) === 0; });
  });
}

// forget drops every kept page, of every session.
function forget() {
  return pageCaches().then(function (names) {
    return Promise.all(names.map(function (n) { return caches.delete(n); }));
  });
}

// use makes key's cache the only one, and opens it.
function use(key) {
  return pageCaches().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== PAGES + key; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return caches.open(PAGES + key); });
}

function offlinePage() {
  var html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">" +
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Offline · Occasional Digest</title></head>" +
    "<body><main><h1>You are offline</h1><p>This page was not saved for reading offline. " +
    "The front page, the latest stories and your starred articles are: <a href=\"/\">go to the front page</a>.</p></main></body></html>";
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

// kept finds a kept page: the same address, else for an article the same
// article reached from another list (?feed=, ?starred=1).
function kept(url) {
  return pageCaches().then(function (names) {
    if (names.length === 0) return null;
    return caches.open(names[0]).then(function (c) {
      return c.match(url, { ignoreVary: true }).then(function (hit) {
        if (hit || new URL(url).pathname.indexOf("/articles/") !== 0) return hit;
        return c.match(url, { ignoreVary: true, ignoreSearch: true });
      });
    });
  });
}

// page answers a navigation from the network, keeping the page (in the
// background) when it is the session's; offline, from the kept pages.
function page(e) {
  var req = e.request;
  return fetch(req).then(function (res) {
    if (res.type === "opaqueredirect") return res; // the page it leads to decides
    var key = res.headers.get("Digest-Offline");
    if (!key) {
      e.waitUntil(forget());
    } else if (!res.ok) {
      e.waitUntil(use(key));
    } else {
      var copy = res.clone();
      e.waitUntil(use(key).then(function (c) { return c.put(req.url, copy); }).catch(function () {}));
    }
    return res;
  }, function () {
    return kept(req.url).then(function (hit) { return hit || offlinePage(); });
  });
}

function shell(req) {
  return caches.open(SHELL).then(function (c) {
    return c.match(req).then(function (hit) {
      return hit || fetch(req).then(function (res) {
        if (res.ok) c.put(req, res.clone());
        return res;
      });
    });
  });
}

self.addEventListener("fetch", function (e) {
  var req = e.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    e.respondWith(shell(req));
  } else if (req.mode === "navigate") {
    e.respondWith(page(e));
  }
});

// sync keeps what /offline.json lists for the session: the pages whose
// answer carries the same session key, and the shell.
// recent reports whether the session's cache was synced less than
// SYNC_EVERY ago.
function recent() {
  return pageCaches().then(function (names) {
    if (names.length === 0) return false;
    return caches.open(names[0]).then(function (c) { return c.match(META); }).then(function (r) {
      return r ? r.text().then(function (t) { return Date.now() - Number(t) < SYNC_EVERY; }) : false;
    });
  });
}

function sync(force) {
  return (force ? Promise.resolve(false) : recent()).then(function (fresh) {
    return fresh || fullSync();
  });
}

function fullSync() {
  return fetch("/offline.json", { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
    .then(function (res) {
      if (!res.ok) throw new Error("offline list: status " + res.status);
      return res.json();
    })
    .then(function (list) {
      return use(list.key).then(function (c) {
        var assets = caches.open(SHELL).then(function (s) { return s.addAll(list.assets); });
        var pages = list.pages.map(function (p) {
          return fetch(p, { credentials: "same-origin" }).then(function (res) {
            if (res.ok && res.headers.get("Digest-Offline") === list.key) return c.put(p, res);
          });
        });
        return Promise.all([assets].concat(pages)).then(function () {
          return c.put(META, new Response(String(Date.now())));
        });
      });
    });
}

self.addEventListener("message", function (e) {
  var data = e.data || {};
  var client = e.source;
  if (data.type === "sync") {
    e.waitUntil(sync(!!data.force).then(function () {
      if (client) client.postMessage({ type: "synced" });
    }, function (err) {
      if (client) client.postMessage({ type: "sync-failed", error: String(err) });
    }));
  } else if (data.type === "forget") {
    e.waitUntil(forget());
  } else if (data.type === "claim") {
    // A page that loaded while this worker was installing is left out of
    // its activation's claim at times: the page asks to be claimed.
    e.waitUntil(self.clients.claim());
  }
});
