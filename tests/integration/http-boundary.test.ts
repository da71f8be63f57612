// The edge of the real server (the production build, `node --import tsx
// server.ts`): body limits, refused methods, addresses and body types, and the
// caching of private pages. Each of these used to end as a 500 or as memory
// spent on a body nobody reads.
import fs from "node:fs";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSession } from "~/modules/accounts/session.server";
import { cookieOf, createApplicationOf, createPersonas, createUser, type Persona, type PersonaName } from "../support/personas";
import { healthStatus, startShop, waitForHealth, type ShopProcess } from "../support/shop-process";
import { useTestDatabase } from "../support/test-database";

const t = useTestDatabase();
let shop: ShopProcess;
let personas: Record<PersonaName, Persona>;
const MIB = 1024 * 1024;

beforeAll(async () => {
  personas = await createPersonas(t.db);
  // A short body timeout so the slow-upload test need not wait the default 30 s.
  shop = await startShop({ DATABASE_URL: t.ownerUrl, HARVEST_SWEEP_SECONDS: "3600", HARVEST_BODY_TIMEOUT_SECONDS: "3" });
  await waitForHealth(shop, 200);
}, 120_000);

afterAll(async () => {
  await shop?.stop();
});

const residentMemory = () => {
  const status = fs.readFileSync(`/proc/${shop.child.pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
};

type Sent = { status: number; body: string; headers: http.IncomingHttpHeaders; bytesSent: number };

/**
 * Posts up to `totalBytes` in 1 MiB chunks, with or without a Content-Length,
 * and stops sending as soon as the server answers (as a browser would).
 */
function postLarge(
  path: string,
  options: { totalBytes: number; declareLength: boolean; contentType?: string; cookie?: string | null },
): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(MIB, "a");
    let bytesSent = 0;
    let answered = false;
    const request = http.request(`${shop.baseUrl}${path}`, {
      method: "POST",
      headers: {
        "Content-Type": options.contentType ?? "application/x-www-form-urlencoded",
        Origin: shop.baseUrl,
        ...(options.cookie ? { Cookie: options.cookie } : {}),
        ...(options.declareLength ? { "Content-Length": String(options.totalBytes) } : {}),
      },
    });
    request.on("response", (response) => {
      answered = true;
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (text) => (body += text));
      response.on("end", () => resolve({ status: response.statusCode!, body, headers: response.headers, bytesSent }));
      response.on("error", reject);
    });
    // Once the answer is in, the server closing the connection under the rest of the upload is expected.
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && bytesSent < options.totalBytes) {
        const size = Math.min(chunk.length, options.totalBytes - bytesSent);
        bytesSent += size;
        if (!request.write(size === chunk.length ? chunk : chunk.subarray(0, size))) return void request.once("drain", pump);
      }
      if (!answered) request.end();
    };
    pump();
  });
}

/** A multipart body of one file field of `size` bytes, the way a browser sends an upload. */
function multipartOf(fields: Record<string, string>, file: { name: string; size: number }) {
  const boundary = "----hsboundary" + Date.now();
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  const head = Buffer.from(
    parts.join("") +
      `--${boundary}\r\nContent-Disposition: form-data; name="evidence"; filename="${file.name}"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, Buffer.alloc(file.size, "x"), tail]), contentType: `multipart/form-data; boundary=${boundary}` };
}

const get = (path: string, cookie?: string | null) =>
  fetch(`${shop.baseUrl}${path}`, { redirect: "manual", headers: cookie ? { Cookie: cookie } : {} });

/** For methods fetch() refuses to send (TRACE). */
function requestWithMethod(method: string, path: string): Promise<{ status: number; allow?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${shop.baseUrl}${path}`, { method }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (text) => (body += text));
      response.on("end", () => resolve({ status: response.statusCode!, allow: response.headers.allow, body }));
    });
    request.on("error", reject);
    request.end();
  });
}

describe("request bodies have a limit, enforced before the app reads them", () => {
  it("answers 413 with a message to a form post that declares 100 MiB, before reading it", async () => {
    const sent = await postLarge("/sign-in", { totalBytes: 100 * MIB, declareLength: true });
    expect(sent.status).toBe(413);
    expect(sent.body).toContain("The request is too large (at most 64 KB)");
    expect(sent.body).toContain("提交的内容太大");
    expect(sent.bytesSent).toBeLessThan(20 * MIB);
  });

  it("answers 413 to a streamed (chunked) form post with no Content-Length once it passes the limit", async () => {
    const sent = await postLarge("/cart", { totalBytes: 100 * MIB, declareLength: false });
    expect(sent.status).toBe(413);
    expect(sent.headers["transfer-encoding"]).not.toBe("chunked");
    expect(sent.body).toContain("64 KB");
    expect(sent.bytesSent).toBeLessThan(20 * MIB);
  });

  it("stays up and does not grow its memory under four anonymous 100 MiB posts at once", async () => {
    const before = residentMemory();
    const answers = await Promise.all([
      postLarge("/sign-in", { totalBytes: 100 * MIB, declareLength: true }),
      postLarge("/sign-up", { totalBytes: 100 * MIB, declareLength: false }),
      postLarge("/forgot-password", { totalBytes: 100 * MIB, declareLength: false }),
      postLarge("/manage/funds/lychee-town-relief", {
        totalBytes: 100 * MIB,
        declareLength: false,
        contentType: "multipart/form-data; boundary=x",
      }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([413, 413, 413, 413]);
    expect(await healthStatus(shop.baseUrl)).toBe(200);
    // Before the limit these four posts raised the server's memory by about 700 MB.
    expect(residentMemory() - before).toBeLessThan(64 * MIB);
  }, 60_000);

  it("lets a fund manager's disbursement form carry evidence over 64 KB, and refuses the same size on other forms", async () => {
    const { body, contentType } = multipartOf({ intent: "propose" }, { name: "invoice.pdf", size: 2 * MIB });
    const upload = await fetch(`${shop.baseUrl}/manage/funds/lychee-town-relief`, {
      method: "POST",
      body,
      headers: { "Content-Type": contentType, Origin: shop.baseUrl, Cookie: personas.fundManager.cookie! },
    });
    // The action ran and refused the incomplete proposal with its own message: the body was let through.
    expect(upload.status).toBe(400);
    const elsewhere = await fetch(`${shop.baseUrl}/account/security`, {
      method: "POST",
      body,
      headers: { "Content-Type": contentType, Origin: shop.baseUrl, Cookie: personas.fundManager.cookie! },
    });
    expect(elsewhere.status).toBe(413);
  });

  it("refuses an evidence-sized upload to the disbursement page from anyone but a two-factor manager of that fund", async () => {
    const { body, contentType } = multipartOf({ intent: "propose" }, { name: "invoice.pdf", size: 2 * MIB });
    // Before the fix an anonymous post here was read in full (up to 26 MB) before anyone was signed in.
    for (const cookie of [null, personas.admin.cookie, personas.consumerA.cookie, "hs_session=" + "a".repeat(43)]) {
      const upload = await fetch(`${shop.baseUrl}/manage/funds/lychee-town-relief`, {
        method: "POST",
        body,
        headers: { "Content-Type": contentType, Origin: shop.baseUrl, ...(cookie ? { Cookie: cookie } : {}) },
      });
      expect(upload.status).toBe(413);
      expect(await upload.text()).toContain("64 KB");
    }
    const anonymousStreamed = await postLarge("/manage/funds/x.data", {
      totalBytes: 25 * MIB,
      declareLength: false,
      contentType: "multipart/form-data; boundary=x",
    });
    expect(anonymousStreamed.status).toBe(413);
    expect(anonymousStreamed.bytesSent).toBeLessThan(20 * MIB);
  });

  it("lets a signed-in account with a confirmed email send a cooperative application's documents over 64 KB, and nobody else", async () => {
    const { body, contentType } = multipartOf({ intent: "submit" }, { name: "licence.pdf", size: 2 * MIB });
    const post = (cookie: string | null) =>
      fetch(`${shop.baseUrl}/apply`, {
        method: "POST",
        body,
        redirect: "manual",
        headers: { "Content-Type": contentType, Origin: shop.baseUrl, ...(cookie ? { Cookie: cookie } : {}) },
      });
    // The action ran and answered the empty form with its field errors: the body was let through.
    expect((await post(personas.memberA.cookie)).status).toBe(400);
    // The personas' consumers have not confirmed their email (they could not apply): the form limit.
    for (const cookie of [null, personas.consumerA.cookie, "hs_session=" + "a".repeat(43)]) expect((await post(cookie)).status).toBe(413);
  });

  it("does not give the larger limit to someone whose application already waits in the queue", async () => {
    const waiting = await createUser(t.db, { verified: true });
    await createApplicationOf(t.db, waiting.id);
    const cookie = cookieOf(await createSession(waiting.id, { secondFactor: false }));
    const { body, contentType } = multipartOf({ intent: "submit" }, { name: "licence.pdf", size: 2 * MIB });
    const answer = await fetch(`${shop.baseUrl}/apply`, {
      method: "POST",
      body,
      redirect: "manual",
      headers: { "Content-Type": contentType, Origin: shop.baseUrl, Cookie: cookie },
    });
    expect(answer.status).toBe(413);
  });

  it("keeps applicants' uploads on a budget of their own: when they fill it, a fund manager's evidence still goes through", async () => {
    // Anyone can sign up: two slow 25 MB applications (memberA has a confirmed email and no application) fill the applicants' budget.
    const holders = [0, 1].map(() => {
      const request = http.request(`${shop.baseUrl}/apply`, {
        method: "POST",
        headers: {
          "Content-Type": "multipart/form-data; boundary=x",
          "Content-Length": String(25 * MIB),
          Origin: shop.baseUrl,
          Cookie: personas.memberA.cookie!,
        },
      });
      request.on("error", () => {});
      request.write(Buffer.alloc(MIB, "a"));
      return request;
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const thirdApplicant = await postLarge("/apply", {
        totalBytes: 25 * MIB,
        declareLength: true,
        contentType: "multipart/form-data; boundary=x",
        cookie: personas.memberA.cookie,
      });
      expect(thirdApplicant.status).toBe(503);
      // 20 MB: beside the applicants' 50 it would not fit one shared 64 MB budget.
      const { body, contentType } = multipartOf({ intent: "propose" }, { name: "invoice.pdf", size: 20 * MIB });
      const manager = await fetch(`${shop.baseUrl}/manage/funds/lychee-town-relief`, {
        method: "POST",
        body,
        headers: { "Content-Type": contentType, Origin: shop.baseUrl, Cookie: personas.fundManager.cookie! },
      });
      // Read and answered by the action (which refuses a 20 MB file: evidence files are 5 MB at most), not refused for want of room.
      expect(manager.status).not.toBe(503);
      expect(await manager.text()).not.toContain("try again");
    } finally {
      for (const request of holders) request.destroy();
    }
  });

  it("answers 503 with Retry-After to large uploads past the budget held at once, and takes them again after", async () => {
    // Two managers' uploads declaring 25 MB each, still arriving, hold 50 of the 64 MB budget.
    const holders = [0, 1].map(() => {
      const request = http.request(`${shop.baseUrl}/manage/funds/lychee-town-relief`, {
        method: "POST",
        headers: {
          "Content-Type": "multipart/form-data; boundary=x",
          "Content-Length": String(25 * MIB),
          Origin: shop.baseUrl,
          Cookie: personas.fundManager.cookie!,
        },
      });
      request.on("error", () => {});
      request.write(Buffer.alloc(MIB, "a"));
      return request;
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const third = await postLarge("/manage/funds/lychee-town-relief", {
        totalBytes: 25 * MIB,
        declareLength: true,
        contentType: "multipart/form-data; boundary=x",
        cookie: personas.fundManager.cookie,
      });
      expect(third.status).toBe(503);
      expect(third.headers["retry-after"]).toMatch(/^\d+$/);
      expect(third.body).toContain("try again");
    } finally {
      for (const request of holders) request.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { body, contentType } = multipartOf({ intent: "propose" }, { name: "invoice.pdf", size: 2 * MIB });
    const after = await fetch(`${shop.baseUrl}/manage/funds/lychee-town-relief`, {
      method: "POST",
      body,
      headers: { "Content-Type": contentType, Origin: shop.baseUrl, Cookie: personas.fundManager.cookie! },
    });
    expect(after.status).toBe(400); // the action's own answer: the budget was given back
  });

  it("answers 408 to a body that does not arrive in time", async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(`${shop.baseUrl}/sign-in`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": "1000", Origin: shop.baseUrl },
      });
      request.on("response", (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (text) => (body += text));
        response.on("end", () => resolve({ status: response.statusCode!, body }));
      });
      request.on("error", reject);
      request.write("email=slow");
    });
    expect(answer.status).toBe(408);
    expect(answer.body).toContain("too slowly");
  }, 15_000);

  it("refuses evidence beyond five files of 5 MB with 413", async () => {
    const sent = await postLarge("/manage/funds/lychee-town-relief", {
      totalBytes: 40 * MIB,
      declareLength: false,
      contentType: "multipart/form-data; boundary=x",
      cookie: personas.fundManager.cookie,
    });
    expect(sent.status).toBe(413);
    expect(sent.body).toContain("26 MB");
  });

  it("keeps the connection of a client that sent its over-long body in full, for its next request", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, path: string, body?: Buffer) =>
      new Promise<{ status: number; socket: unknown }>((resolve, reject) => {
        const request = http.request(
          `${shop.baseUrl}${path}`,
          { method, agent, headers: body ? { "Content-Type": "application/x-www-form-urlencoded", Origin: shop.baseUrl } : {} },
          (response) => {
            response.resume();
            response.on("end", () => resolve({ status: response.statusCode!, socket: request.socket }));
          },
        );
        request.on("error", reject);
        request.end(body);
      });
    try {
      const refused = await send("POST", "/sign-in", Buffer.alloc(2 * MIB, "a"));
      expect(refused.status).toBe(413);
      const next = await send("GET", "/healthz");
      expect(next.status).toBe(200);
      expect(next.socket).toBe(refused.socket);
    } finally {
      agent.destroy();
    }
  });

  it("still takes an ordinary form post", async () => {
    const response = await fetch(`${shop.baseUrl}/sign-in`, {
      method: "POST",
      body: new URLSearchParams({ email: "nobody@example.com", password: "wrong password" }),
      headers: { Origin: shop.baseUrl },
      redirect: "manual",
    });
    expect(response.status).toBe(401);
  });
});

describe("requests the app cannot answer get a 4xx with a message, not a 500", () => {
  it("TRACE and other methods the shop does not use: 405 with Allow", async () => {
    for (const method of ["TRACE", "PUT", "DELETE", "OPTIONS"]) {
      const response = await requestWithMethod(method, "/");
      expect(response.status, method).toBe(405);
      expect(response.allow).toBe("GET, HEAD, POST");
      expect(response.body).toContain("This method is not allowed here");
    }
  });

  it("a shared search link of 2,000 Chinese characters (18 KB of address) reaches the search page, which says the words are too long", async () => {
    const response = await get(`/search?q=${encodeURIComponent("荔".repeat(2000))}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("关键词太长了");
  });

  it("a NUL or broken percent-encoding in the address: 400", async () => {
    for (const path of ["/products/%00", "/products/%E4%B8", "/funds/x%00y", "/products?q=%00"]) {
      const response = await get(path);
      expect(response.status, path).toBe(400);
      expect(await response.text()).toContain("This address is not valid");
    }
  });

  it("a Host that is not a plain name and port, which would steer Remix to another route: 400", async () => {
    const withHost = (host: string, path: string) =>
      new Promise<number>((resolve, reject) => {
        const request = http.request(`${shop.baseUrl}${path}`, { headers: { Host: host } }, (response) => {
          response.resume();
          resolve(response.statusCode!);
        });
        request.on("error", reject);
        request.end();
      });
    const port = new URL(shop.baseUrl).port;
    expect(await withHost(`127.0.0.1/account#`, "/funds")).toBe(400);
    expect(await withHost(`x/products/%00#`, "/funds")).toBe(400);
    expect(await withHost("a:99999", "/funds")).toBe(400);
    expect(await withHost(`127.0.0.1:${port}`, "/funds")).toBe(200);
  });

  it("pages carry no U+0000 (React 18 leaves zero bytes at chunk ends in Chinese text)", async () => {
    for (const path of ["/products/lingshan-lychee", "/", "/funds/lychee-town-relief", "/products/lingshan-lychee?lng=en"]) {
      const html = await (await get(path)).text();
      expect(html, path).toContain("</html>");
      expect(html.includes("\u0000"), path).toBe(false);
    }
  });

  it("Remix's old `?_data=` data requests: 400", async () => {
    for (const path of ["/?_data=", "/?_data=root", "/products/baiyi-walnuts?_data=routes/products.$slug"]) {
      expect((await get(path)).status, path).toBe(400);
    }
  });

  it("text/plain and JSON bodies: 400 saying forms only", async () => {
    for (const [type, body] of [
      ["text/plain", "email=a@b.c"],
      ["application/json", '{"email":"a@b.c"}'],
    ]) {
      const response = await fetch(`${shop.baseUrl}/sign-in`, {
        method: "POST",
        body,
        headers: { "Content-Type": type, Origin: shop.baseUrl },
      });
      expect(response.status, type).toBe(400);
      expect(await response.text()).toContain("accepts form submissions only");
    }
    const bare = await fetch(`${shop.baseUrl}/sign-out`, { method: "POST", headers: { Origin: shop.baseUrl } });
    expect(bare.status, "a POST with neither body nor type").toBe(400);
  });

  it("an out-of-range date in the ledger filters: 400 with the filter's message on the page", async () => {
    for (const date of ["0000-01-01", "2026-02-31", "99999-01-01"]) {
      const response = await get(`/manage/funds/lychee-town-relief/ledger?from=${date}&lng=en`, personas.fundManager.cookie);
      expect(response.status, date).toBe(400);
      expect(await response.text()).toContain("That date is not valid.");
    }
    expect((await get(`/manage/funds/lychee-town-relief/ledger?from=2026-01-01`, personas.fundManager.cookie)).status).toBe(200);
  });
});

describe("private pages are never stored by a cache", () => {
  it("carry Cache-Control: private, no-store, signed in or not; public pages do not", async () => {
    const buyer = personas.consumerA;
    const pages: [string, string | null][] = [
      ["/account", buyer.cookie],
      ["/account", null],
      [`/orders/${buyer.orderNumber}?t=${buyer.orderToken}`, null],
      [`/orders/${buyer.orderNumber}`, buyer.cookie],
      ["/account.data", buyer.cookie],
      ["/manage", personas.fundManager.cookie],
      ["/manage/funds/lychee-town-relief/ledger.csv", personas.fundManager.cookie],
      ["/admin", personas.admin.cookie],
      ["/coop", personas.memberA.cookie],
      ["/cart", null],
    ];
    for (const [path, cookie] of pages) {
      const response = await get(path, cookie);
      expect(response.status, path).toBeLessThan(500);
      expect(response.headers.get("cache-control"), path).toBe("private, no-store");
    }
    const home = await get("/");
    expect(home.headers.get("cache-control") ?? "").not.toContain("no-store");
  });

  it("also when a public page sets a cookie (here a new cart's)", async () => {
    const product = await t.db.product.findUniqueOrThrow({ where: { slug: "baiyi-walnuts" } });
    const response = await fetch(`${shop.baseUrl}/products/baiyi-walnuts`, {
      method: "POST",
      body: new URLSearchParams({ productId: product.id, quantity: "1" }),
      headers: { Origin: shop.baseUrl },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("set-cookie")).toBeTruthy();
    expect(response.headers.get("cache-control")).toBe("private, no-store");
  });
});

describe("the production build", () => {
  it("holds none of the demo seed's code (accounts, password)", () => {
    const bundle = fs.readFileSync("build/server/index.js", "utf8");
    expect(bundle).not.toContain("seedDemoShop");
    expect(bundle).not.toContain("harvest-demo-");
  });
});
