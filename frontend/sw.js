/* The portal's service worker (bundled by esbuild into static/dist/sw.js; /sw.js, served by
 * Django, sets self.__PRECACHE and imports it).
 *
 * - precaches the portal's static files and the offline page (Workbox);
 * - keeps the portal's pages (network first, the kept copy with no network) and the catalogue
 *   pages (the kept copy at once, refreshed behind);
 * - a Log or Check-in post that cannot reach the server goes to the outbox (outbox.js), and the
 *   client lands on Today, which says it is waiting; the outbox is sent on Background Sync;
 * - shows the reminders' notifications (Web Push) and opens the page they name. */
import { clientsClaim } from "workbox-core";
import { ExpirationPlugin } from "workbox-expiration";
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute } from "workbox-precaching";
import { registerRoute, setCatchHandler } from "workbox-routing";
import { NetworkFirst, StaleWhileRevalidate } from "workbox-strategies";
import * as outbox from "./outbox.js";

const PAGES = "portal-pages";
const PORTAL_PAGES = new Set(["/", "/log/", "/check-in/", "/history/", "/settings/reminders/"]);
const FORMS = new Set(["/log/", "/check-in/"]);

self.skipWaiting();
clientsClaim();
precacheAndRoute(self.__PRECACHE || []);
cleanupOutdatedCaches();

// a redirect (to the sign-in page, say) is never kept as the page asked for
const notRedirected = {
  cacheWillUpdate: async ({ response }) => (response.ok && !response.redirected ? response : null),
};

registerRoute(
  ({ request, url }) =>
    request.mode === "navigate" && url.origin === self.location.origin && PORTAL_PAGES.has(url.pathname),
  new NetworkFirst({
    cacheName: PAGES,
    networkTimeoutSeconds: 5,
    matchOptions: { ignoreSearch: true },
    plugins: [notRedirected],
  }),
);

// the catalogue's pages and the exercises' drawings (uploaded videos are not kept: too large,
// and players ask for byte ranges)
registerRoute(
  ({ url }) =>
    url.origin === self.location.origin &&
    url.pathname.startsWith("/exercises/") &&
    !url.pathname.includes("/media/"),
  new StaleWhileRevalidate({
    cacheName: "catalogue",
    plugins: [notRedirected, new ExpirationPlugin({ maxEntries: 80 })],
  }),
);

registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname.startsWith("/static/"),
  new StaleWhileRevalidate({ cacheName: "static", plugins: [new ExpirationPlugin({ maxEntries: 60 })] }),
);

// a form sent while the network drops: kept in the outbox, sent later
registerRoute(
  ({ request, url }) => url.origin === self.location.origin && FORMS.has(url.pathname),
  async ({ request }) => {
    const copy = request.clone();
    try {
      return await fetch(request);
    } catch (error) {
      const params = new URLSearchParams(await copy.text());
      let key = null;
      for (const [name, value] of params) if (name.endsWith("idempotency_key")) key = value;
      const owner = Number(params.get("outbox_owner"));
      if (!key || !owner) return Response.error();
      const url = new URL(request.url);
      await outbox.add({
        key,
        owner,
        url: url.pathname,
        body: params.toString(),
        label: url.pathname === "/log/" ? "Session" : "Check-in",
        savedAt: new Date().toISOString(),
      });
      if (self.registration.sync) self.registration.sync.register("outbox").catch(() => {});
      return Response.redirect("/?outbox=saved", 303);
    }
  },
  "POST",
);

// any other page with no network: the offline page
setCatchHandler(async ({ request }) => {
  if (request.mode === "navigate") return (await matchPrecache("/offline/")) || Response.error();
  return Response.error();
});

async function tellPages(result) {
  const pages = await self.clients.matchAll({ type: "window" });
  pages.forEach((page) => page.postMessage({ type: "outbox", sent: result ? result.sent : 0 }));
}

self.addEventListener("sync", (event) => {
  if (event.tag === "outbox") event.waitUntil(outbox.flush().then(tellPages));
});

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(message.title || "Coaching", {
      body: message.body || "",
      tag: message.tag,
      icon: self.__ICON,
      badge: self.__ICON,
      data: { url: message.url || "/" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data.url || "/", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((pages) => {
      const open = pages.find((page) => page.url === target);
      return open ? open.focus() : self.clients.openWindow(target);
    }),
  );
});
