// Occasional Digest: keyboard shortcuts and in-place read/star toggles.
// Progressive only: every action also works as a plain form without this.
(function () {
  "use strict";

  var help = document.getElementById("help");
  var current = -1;

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-item]"));
  }

  function select(i) {
    var list = items();
    if (list.length === 0) return;
    if (i < 0) i = 0;
    if (i >= list.length) i = list.length - 1;
    if (current >= 0 && list[current]) list[current].classList.remove("is-selected");
    current = i;
    var el = list[current];
    el.classList.add("is-selected");
    el.scrollIntoView({ block: "nearest" });
    var link = el.querySelector("[data-open]");
    if (link) link.focus({ preventScroll: true });
  }

  function selected() {
    var list = items();
    return current >= 0 && current < list.length ? list[current] : null;
  }

  // scope is the selected item, or the article on an article page.
  function scope() {
    return selected() || document.querySelector("[data-article]");
  }

  function open() {
    var el = selected();
    var link = el && el.querySelector("[data-open]");
    if (link) window.location.href = link.href;
  }

  function openSource() {
    var s = scope();
    var link = s && s.querySelector("[data-source]");
    if (link) window.open(link.href, "_blank", "noopener,noreferrer");
  }

  // toggle flips a read or star form through the JSON API and updates the
  // form in place; on any failure it falls back to submitting the form,
  // unless quiet (then the form stays for the reader to use). A form
  // already on its way is left alone.
  function toggle(form, quiet) {
    if (form.hasAttribute("data-busy")) return;
    var kind = form.getAttribute("data-toggle");
    var id = form.getAttribute("data-id");
    var on = form.getAttribute("data-active") === "true";
    var verb = kind === "read" ? (on ? "unread" : "read") : (on ? "unstar" : "star");
    form.setAttribute("data-busy", "");
    fetch("/api/v1/articles/" + encodeURIComponent(id) + "/" + verb, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (res) {
      form.removeAttribute("data-busy");
      if (!res.ok) throw new Error("status " + res.status);
      on = !on;
      form.setAttribute("data-active", String(on));
      var next = kind === "read" ? (on ? "unread" : "read") : (on ? "unstar" : "star");
      form.setAttribute("action", "/articles/" + id + "/" + next);
      var button = form.querySelector("button");
      if (button) {
        button.textContent = kind === "read" ? (on ? "Mark unread" : "Mark read") : (on ? "Unstar" : "Star");
      }
      var holder = form.closest("[data-item]") || form.closest("[data-article]");
      if (holder) holder.classList.toggle(kind === "read" ? "is-read" : "is-starred", on);
    }).catch(function () {
      form.removeAttribute("data-busy");
      if (!quiet) form.submit();
    });
  }

  // readOnView marks an article page's article read once the page is
  // shown to the reader: not while it is prerendered or in a background
  // tab. Opening the page (a GET) changes nothing by itself, so
  // prefetchers and crawlers mark nothing read.
  function readOnView() {
    var form = document.querySelector('[data-article] form[data-toggle="read"][data-read-on-view]');
    if (!form || !window.fetch) return;
    var done = false;
    function check() {
      if (done || document.visibilityState !== "visible" || document.prerendering) return;
      done = true;
      document.removeEventListener("visibilitychange", check);
      document.removeEventListener("prerenderingchange", check);
      if (form.getAttribute("data-active") !== "true") toggle(form, true);
    }
    document.addEventListener("visibilitychange", check);
    document.addEventListener("prerenderingchange", check);
    check();
  }

  // follow goes to the link that matches selector, if the page has one.
  function follow(selector) {
    var link = document.querySelector(selector);
    if (!link) return false;
    window.location.href = link.href;
    return true;
  }

  function toggleKind(kind) {
    var s = scope();
    var form = s && s.querySelector('form[data-toggle="' + kind + '"]');
    if (form) toggle(form);
  }

  function showHelp(show) {
    if (!help) return;
    help.hidden = !show;
    if (show) {
      var close = help.querySelector("[data-help-close]");
      if (close) close.focus();
    }
  }

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (help && !help.hidden) {
      if (e.key === "Escape" || e.key === "?") {
        e.preventDefault();
        showHelp(false);
      }
      return;
    }
    if (typing(document.activeElement)) {
      if (e.key === "Escape") document.activeElement.blur();
      return;
    }
    switch (e.key) {
      case "j":
        // On an article's page (no list): the next, older article.
        if (items().length === 0 && follow("[data-next]")) break;
        select(current + 1);
        break;
      case "k":
        if (items().length === 0 && follow("[data-prev]")) break;
        select(current < 0 ? 0 : current - 1);
        break;
      case "o":
        open();
        break;
      case "Enter":
        // Links and buttons handle Enter themselves; only an item
        // selected with j/k and nothing else focused is ours.
        if (document.activeElement && document.activeElement !== document.body &&
            !document.activeElement.hasAttribute("data-open")) return;
        if (!selected()) return;
        open();
        break;
      case "m":
        toggleKind("read");
        break;
      case "s":
        toggleKind("star");
        break;
      case "v":
        openSource();
        break;
      case "/":
        var search = document.querySelector("[data-search]");
        if (!search) return;
        search.focus();
        break;
      case "?":
        showHelp(true);
        break;
      default:
        return;
    }
    e.preventDefault();
  });

  // Dismiss on For you, without reloading: the card gives way to a line
  // with Undo (POST, then DELETE /api/v1/stories/{id}/dismiss). Without
  // script, or when the API fails, the form posts and the page comes back
  // with the same Undo.
  function dismissCard(form) {
    if (form.hasAttribute("data-busy")) return;
    var id = form.getAttribute("data-dismiss");
    var card = form.closest(".story-card");
    if (!card) { form.submit(); return; }
    var api = "/api/v1/stories/" + encodeURIComponent(id) + "/dismiss";
    var send = function (method) {
      return fetch(api, { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (res) { if (!res.ok) throw new Error("status " + res.status); });
    };
    form.setAttribute("data-busy", "");
    send("POST").then(function () {
      form.removeAttribute("data-busy");
      var title = card.querySelector(".story-card-title");
      var kept = Array.prototype.slice.call(card.children);
      kept.forEach(function (el) { el.hidden = true; });
      card.classList.add("is-dismissed");
      var line = document.createElement("p");
      line.className = "dismissed-line";
      line.setAttribute("role", "status");
      var text = document.createElement("span");
      text.textContent = "Dismissed: " + (title ? title.textContent : "this story");
      var undo = document.createElement("button");
      undo.type = "button";
      undo.className = "link-button";
      undo.textContent = "Undo";
      undo.setAttribute("data-undo-dismiss", id);
      undo.addEventListener("click", function () {
        undo.disabled = true;
        send("DELETE").then(function () {
          line.remove();
          card.classList.remove("is-dismissed");
          kept.forEach(function (el) { el.hidden = false; });
          var again = card.querySelector("[data-dismiss] button");
          if (again) again.focus();
        }).catch(function () {
          // Not undone: the story page offers it too.
          undo.disabled = false;
          text.textContent = "Could not undo; try again, or from the story's page.";
        });
      });
      line.appendChild(text);
      line.appendChild(undo);
      card.appendChild(line);
      undo.focus();
    }).catch(function () {
      form.removeAttribute("data-busy");
      form.submit();
    });
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form && form.hasAttribute && form.hasAttribute("data-toggle") && window.fetch) {
      e.preventDefault();
      toggle(form);
    } else if (form && form.hasAttribute && form.hasAttribute("data-dismiss") && window.fetch) {
      e.preventDefault();
      dismissCard(form);
    }
  });

  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!t || !t.closest) return;
    if (t.closest("[data-help-open]")) showHelp(true);
    else if (t.closest("[data-help-close]") || t === help) showHelp(false);
  });

  var button = document.querySelector("[data-help-open]");
  if (button) button.hidden = false;

  // A region that scrolls sideways (wide code, a wide table) takes the
  // focus, so that the keyboard scrolls it too.
  Array.prototype.forEach.call(document.querySelectorAll(".prose pre, .prose .table-wrap"), function (el) {
    if (el.scrollWidth > el.clientWidth && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
  });

  // The server writes dates in the reader's time zone when they set one
  // (body data-zone), in UTC otherwise. The browser rewrites the long
  // dates (and the dates shown on hover) in that zone, or its own.
  if (window.Intl && Intl.DateTimeFormat) {
    var opts = {
      weekday: "long", day: "numeric", month: "long", year: "numeric",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short"
    };
    if (document.body.getAttribute("data-zone")) opts.timeZone = document.body.getAttribute("data-zone");
    var long;
    try {
      long = new Intl.DateTimeFormat("en-GB", opts);
    } catch (e) {
      delete opts.timeZone; // a zone this browser does not know
      long = new Intl.DateTimeFormat("en-GB", opts);
    }
    Array.prototype.forEach.call(document.querySelectorAll("time[datetime]"), function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d.getTime()) || el.getAttribute("datetime").indexOf("T") < 0) return;
      if (el.hasAttribute("title")) el.title = long.format(d);
      if (el.hasAttribute("data-long")) el.textContent = long.format(d);
    });
  }

  readOnView();

  // Offline reading: the service worker keeps the latest stories and the
  // starred articles of a signed-in session (web/offline.go). It is asked
  // to sync once the page has loaded; <html data-offline-ready> says it
  // has. Signing out asks it to forget, besides the server's
  // Clear-Site-Data.
  if ("serviceWorker" in navigator && window.isSecureContext) {
    var signedIn = document.querySelector('form[action="/logout"]');
    // A sync that fails (a busy or restarting server) or gets no answer
    // (the worker was stopped mid-sync, or its start timed out on a busy
    // machine) is asked for again a few times, backing off; then
    // <html data-offline-failed> says why (the reader still reads online).
    var tries = 0, watchdog = 0;
    var failed = function (why) {
      window.clearTimeout(watchdog);
      document.documentElement.setAttribute("data-offline-failed", why);
    };
    var ask = function (force) {
      window.clearTimeout(watchdog);
      watchdog = window.setTimeout(function () { retry("no answer from the service worker"); }, 45000);
      navigator.serviceWorker.ready.then(function (reg) {
        var w = navigator.serviceWorker.controller || reg.active;
        if (!w) return;
        // A page that loaded while the worker was installing may have
        // been left out of its activation's claim: ask for it.
        if (!navigator.serviceWorker.controller) w.postMessage({ type: "claim" });
        w.postMessage({ type: "sync", force: force });
      });
    };
    var retry = function (why) {
      window.clearTimeout(watchdog);
      tries++;
      if (tries > 3) {
        failed(why);
        return;
      }
      window.setTimeout(function () { ask(true); }, 2000 * tries);
    };
    navigator.serviceWorker.onmessage = function (e) {
      if (!e.data) return;
      if (e.data.type === "sync-failed") {
        retry(String(e.data.error || "sync failed"));
        return;
      }
      if (e.data.type !== "synced") return;
      window.clearTimeout(watchdog);
      // Ready once the worker also controls this page (its activation
      // claims the open pages, which may land after the first sync); a
      // page it never claims is said so, not waited on.
      var ready = function () {
        window.clearTimeout(unclaimed);
        document.documentElement.removeAttribute("data-offline-failed"); // a late answer
        document.documentElement.setAttribute("data-offline-ready", "");
      };
      var unclaimed = 0;
      if (navigator.serviceWorker.controller) ready();
      else {
        navigator.serviceWorker.addEventListener("controllerchange", ready, { once: true });
        unclaimed = window.setTimeout(function () {
          if (!navigator.serviceWorker.controller) failed("the service worker kept the pages but does not control this page");
        }, 10000);
      }
    };
    if (signedIn) {
      signedIn.addEventListener("submit", function () {
        if (navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage({ type: "forget" });
      });
    }
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      if (signedIn) ask(false);
    }).catch(function (err) {
      // No offline reading; the site works as before.
      if (signedIn) failed("service worker not registered: " + err);
    });
  }

  // An open stories page says how many stories formed since it loaded,
  // without reloading: it asks GET /api/v1/stories/new for the latest
  // story, then once a minute (while visible, and on coming back to the
  // tab) how many came after it.
  var fresh = document.querySelector("[data-new-stories]");
  if (fresh && window.fetch) {
    var latest = null;
    var poll = function () {
      if (document.hidden && latest !== null) return;
      var url = "/api/v1/stories/new" + (latest === null ? "" : "?after=" + encodeURIComponent(latest));
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) {
          if (!d) return;
          if (latest === null) {
            latest = d.latest;
            fresh.setAttribute("data-latest", String(latest));
            return;
          }
          if (d["new"] > 0) {
            var a = document.createElement("a");
            a.href = "/stories";
            a.textContent = d["new"] + (d["new"] === 1 ? " new story" : " new stories") + ": show";
            fresh.textContent = "";
            fresh.appendChild(a);
            fresh.hidden = false;
          }
        })
        .catch(function () {});
    };
    poll();
    window.setInterval(poll, 60000);
    // Back on the tab: ask at once.
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) poll();
    });
  }

  // The time zone setting: suggest the browser's own zone.
  document.querySelectorAll("[data-zone-hint]").forEach(function (input) {
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone) input.placeholder = zone;
    } catch (e) {}
  });
})();
