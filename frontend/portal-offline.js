/* The installable, offline-first portal, page side (bundled by esbuild into static/dist/).
 *
 * - registers the service worker (/sw.js), which keeps the portal's pages for offline use;
 * - the Log and Check-in forms work with no network: the record goes to the outbox (IndexedDB,
 *   outbox.js) with its idempotency key and is sent when the connection returns (Background Sync
 *   where the browser has it, else when a page loads or the browser says it is online again);
 * - lists what is waiting to be sent, on every page;
 * - on the reminders page, turns notifications (Web Push) on or off for this device.
 * The safety answer to a red-flag symptom does not need this file: js/portal.js shows it. */
import * as outbox from "./outbox.js";

const PAGES = "portal-pages";
const WARM = ["/", "/log/", "/check-in/", "/history/"];
const WARM_EVERY_MS = 10 * 60 * 1000;

const body = document.body;
const owner = body.dataset.owner ? Number(body.dataset.owner) : null;

function csrf() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : null;
}

function when(iso) {
  return new Date(iso).toLocaleString(undefined, {
    weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
  });
}

function uuid() {
  if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
  return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
    (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16));
}

/* --- what is waiting ------------------------------------------------------------------------ */

async function showOutbox(note) {
  const box = document.getElementById("outbox");
  if (!box || owner === null) return;
  const records = await outbox.all(owner);
  const list = box.querySelector("ul");
  list.replaceChildren();
  for (const record of records) {
    const item = document.createElement("li");
    item.dataset.state = record.state;
    const what = document.createElement("strong");
    what.textContent = record.label;
    item.append(what, " · saved " + when(record.savedAt));
    if (record.state === "refused") {
      const why = document.createElement("p");
      why.className = "field-error";
      why.textContent = "Not accepted: " + record.error;
      const drop = document.createElement("button");
      drop.type = "button";
      drop.className = "link-button";
      drop.textContent = "Remove it";
      drop.addEventListener("click", async () => {
        await outbox.remove(record.key);
        showOutbox();
      });
      item.append(why, drop);
    }
    list.append(item);
  }
  const status = box.querySelector("[data-outbox-note]");
  status.textContent = note || (navigator.onLine
    ? "They will be sent in a moment."
    : "They will be sent when you are back online.");
  box.hidden = records.length === 0 && !note;
}

async function send() {
  if (owner === null || !navigator.onLine) return;
  const before = (await outbox.all(owner)).length;
  if (!before) return;
  const result = await outbox.flush({ csrf: csrf() });
  await showOutbox(sentNote(result.sent));
}

function sentNote(sent) {
  return sent ? `${sent} saved record${sent > 1 ? "s were" : " was"} sent to your trainer.` : "";
}

/* --- the forms, offline ----------------------------------------------------------------------- */

function usedKeys() {
  try {
    return JSON.parse(localStorage.getItem("outbox-used-keys") || "[]");
  } catch (error) {
    return [];
  }
}

function markUsed(key) {
  const keys = usedKeys().filter((k) => k !== key);
  keys.push(key);
  localStorage.setItem("outbox-used-keys", JSON.stringify(keys.slice(-50)));
}

function refreshDefaults(form) {
  // a page kept from earlier: "now" and "today" mean the moment it is opened
  if (document.querySelector(".error-summary")) return;
  const pad = (n) => String(n).padStart(2, "0");
  const now = new Date();
  const today = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  form.querySelectorAll("[data-fresh]").forEach((input) => {
    if (input.value !== input.defaultValue) return;
    input.value = input.dataset.fresh === "today"
      ? today
      : `${today}T${pad(now.getHours())}:${pad(now.getMinutes())}`;
  });
}

function keyInput(form) {
  return form.querySelector('input[name$="idempotency_key"]');
}

async function keep(form) {
  const key = keyInput(form);
  const queued = (await outbox.all()).map((r) => r.key);
  if (usedKeys().includes(key.value) || queued.includes(key.value)) key.value = uuid();
  const data = new URLSearchParams(new FormData(form));
  await outbox.add({
    key: key.value,
    owner,
    url: new URL(form.action || location.href).pathname,
    body: data.toString(),
    label: form.dataset.offline,
    savedAt: new Date().toISOString(),
  });
  markUsed(key.value);
  try {
    const registration = await navigator.serviceWorker.ready;
    if (registration.sync) await registration.sync.register("outbox");
  } catch (error) {
    /* no Background Sync here: sent when a page loads online */
  }
  const saved = document.getElementById("saved-offline");
  saved.hidden = false;
  saved.focus();
  form.hidden = true;
  await showOutbox();
}

function enhanceForms() {
  document.querySelectorAll("form[data-offline]").forEach((form) => {
    refreshDefaults(form);
    const owned = document.createElement("input");
    owned.type = "hidden";
    owned.name = "outbox_owner"; // for the service worker, if the network drops mid-send
    owned.value = String(owner);
    form.append(owned);
    form.addEventListener("submit", (event) => {
      const key = keyInput(form);
      if (navigator.onLine) {
        if (key) markUsed(key.value);
        return; // the ordinary post; the service worker keeps it if the network drops
      }
      event.preventDefault();
      event.stopImmediatePropagation();
      keep(form);
    }, true);
  });
}

/* --- the service worker and its pages ------------------------------------------------------ */

async function warm() {
  // the pages a client needs in a basement, kept fresh while there is a network
  if (owner === null || !navigator.onLine || !("caches" in self)) return;
  const last = Number(localStorage.getItem("pages-warmed") || 0);
  if (Date.now() - last < WARM_EVERY_MS) return;
  const cache = await caches.open(PAGES);
  await Promise.all(WARM.map(async (path) => {
    const response = await fetch(path, { credentials: "same-origin" });
    if (response.ok && !response.redirected) await cache.put(path, response);
  }));
  localStorage.setItem("pages-warmed", String(Date.now()));
}

function signOutForgetsPages() {
  // a shared phone: the next person must not find this client's pages in the cache
  document.querySelectorAll("form.sign-out").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (form.dataset.cleared) return;
      event.preventDefault();
      localStorage.removeItem("pages-warmed");
      caches.delete(PAGES).finally(() => {
        form.dataset.cleared = "1";
        form.submit();
      });
    });
  });
}

function offlineBanner() {
  const banner = document.getElementById("offline-banner");
  if (!banner) return;
  const sync = () => { banner.hidden = navigator.onLine; };
  window.addEventListener("online", () => { sync(); send(); });
  window.addEventListener("offline", () => { sync(); showOutbox(); });
  sync();
}

/* --- notifications on this device (the reminders page) -------------------------------------- */

function b64ToBytes(text) {
  const raw = atob((text + "=".repeat((4 - (text.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

async function api(method, path, data) {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() || "" },
    body: data ? JSON.stringify(data) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
  return response.status === 204 ? null : response.json();
}

async function pushToggle(panel) {
  const status = panel.querySelector("[data-push-status]");
  const button = panel.querySelector("button");
  const key = panel.dataset.pushKey;
  if (!key || !button || !("PushManager" in self) || !("serviceWorker" in navigator)) {
    status.textContent = key
      ? "This browser cannot receive notifications. Email reminders still work."
      : "Notifications are not set up on this server. Email reminders still work.";
    return;
  }
  const registration = await navigator.serviceWorker.ready;
  const render = async () => {
    const current = await registration.pushManager.getSubscription();
    button.textContent = current ? "Turn off on this device" : "Turn on for this device";
    status.textContent = current
      ? "This device gets notifications."
      : Notification.permission === "denied"
        ? "Notifications are blocked for this site in your browser's settings."
        : "This device gets no notifications yet.";
    return current;
  };
  let current = await render();
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      if (current) {
        const devices = await api("GET", "/api/v1/me/devices/");
        const mine = devices.find((d) => d.endpoint === current.endpoint);
        if (mine) await api("DELETE", `/api/v1/me/devices/${mine.id}/`);
        await current.unsubscribe();
      } else {
        if ((await Notification.requestPermission()) !== "granted") throw new Error("denied");
        const made = await registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: b64ToBytes(key),
        });
        await api("POST", "/api/v1/me/devices/", made.toJSON());
      }
      current = await render();
    } catch (error) {
      status.textContent = "That did not work: " + (error.message === "denied"
        ? "notifications were not allowed."
        : "try again when you are online.");
    } finally {
      button.disabled = false;
    }
  });
}

/* --- start ---------------------------------------------------------------------------------- */

async function start() {
  enhanceForms();
  offlineBanner();
  signOutForgetsPages();
  if (new URLSearchParams(location.search).has("outbox")) {
    const saved = document.getElementById("saved-offline");
    if (saved) saved.hidden = false;
  }
  if (!("serviceWorker" in navigator) || !body.dataset.serviceWorker) return;
  try {
    await navigator.serviceWorker.register(body.dataset.serviceWorker, { scope: "/" });
  } catch (error) {
    return; // an ordinary web page, then
  }
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.type === "outbox") showOutbox(sentNote(event.data.sent));
  });
  await showOutbox();
  document.querySelectorAll("[data-push-key]").forEach(pushToggle);
  await send();
  await navigator.serviceWorker.ready;
  warm().catch(() => {});
}

start();
