/* The outbox: what the client saved with no network, kept on the device (IndexedDB) until it is
 * sent. Shared by the page (portal-offline.js) and the service worker (sw.js).
 *
 * A record is the portal form's own POST body (with its hidden idempotency key), the form's
 * address, who was signed in when it was saved (``owner``: it is only ever sent for them) and a
 * short label for the list the client sees. Sending it again is harmless: the server stores one
 * record per idempotency key and answers "already saved" to a replay. */
import { openDB } from "idb";

const DB = "coaching-outbox";
const STORE = "records";

function db() {
  return openDB(DB, 1, {
    upgrade(database) {
      database.createObjectStore(STORE, { keyPath: "key" });
    },
  });
}

export async function add(record) {
  const database = await db();
  await database.put(STORE, { state: "waiting", error: "", tries: 0, ...record });
}

export async function all(owner) {
  const database = await db();
  const records = await database.getAll(STORE);
  return records
    .filter((r) => owner === undefined || r.owner === owner)
    .sort((a, b) => a.savedAt.localeCompare(b.savedAt));
}

export async function remove(key) {
  const database = await db();
  await database.delete(STORE, key);
}

async function update(record, changes) {
  const database = await db();
  await database.put(STORE, { ...record, ...changes });
}

/* Who is signed in here, as the API says (the session's cookie): a user id, or null. */
export async function signedIn(fetcher = fetch) {
  try {
    const response = await fetcher("/api/v1/me/", {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) return null;
    return (await response.json()).id;
  } catch (error) {
    return undefined; // no network
  }
}

let flushing = null;

/* Send every waiting record of the signed-in client, oldest first. ``csrf`` (the page's cookie
 * token) replaces the one saved with the form: signing in again rotates it. Returns
 * {sent, waiting, refused}. One flush at a time per context. */
export function flush({ csrf = null, fetcher = fetch } = {}) {
  if (!flushing) {
    flushing = send(csrf, fetcher).finally(() => {
      flushing = null;
    });
  }
  return flushing;
}

async function send(csrf, fetcher) {
  const result = { sent: 0, waiting: 0, refused: 0 };
  const records = await all();
  if (!records.length) return result;
  const owner = await signedIn(fetcher);
  if (owner === undefined || owner === null) {
    result.waiting = records.length;
    return result;
  }
  for (const record of records) {
    if (record.owner !== owner || record.state === "refused") {
      result.waiting += 1;
      continue;
    }
    const body = new URLSearchParams(record.body);
    if (csrf) body.set("csrfmiddlewaretoken", csrf);
    let response;
    try {
      response = await fetcher(record.url, {
        method: "POST",
        body,
        credentials: "same-origin",
        redirect: "follow",
        headers: { "X-Outbox": "1" },
      });
    } catch (error) {
      result.waiting += 1; // still no network: later
      continue;
    }
    const landed = new URL(response.url, self.location.href).pathname;
    if (response.redirected && !landed.startsWith("/login")) {
      await remove(record.key); // stored (or already stored: the same key)
      result.sent += 1;
    } else if (response.status === 200 && !landed.startsWith("/login")) {
      // the form came back with errors: it cannot be sent as it is; the client decides
      await update(record, { state: "refused", error: await formError(response) });
      result.refused += 1;
    } else {
      // signed out, a stale token, the server busy: kept for the next try
      await update(record, { tries: record.tries + 1 });
      result.waiting += 1;
    }
  }
  return result;
}

async function formError(response) {
  const html = await response.text();
  const summary = html.match(/<div class="error-summary"[\s\S]*?<\/div>/);
  const text = summary ? summary[0].replace(/<[^>]+>/g, " ") : "";
  return text.replace(/\s+/g, " ").replace(/^[^A-Za-z]+/, "").trim().slice(0, 300) ||
    "The server did not accept it.";
}
