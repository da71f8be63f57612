// A small round-robin load balancer for the multi-instance rig and the
// storefront benchmark: HTTP/1.1 with keep-alive to every backend, as haproxy
// or nginx would sit in front of the shop's instances. A backend that refuses
// the connection (stopped, killed) is skipped for the next one: the request
// never reached it, so sending it elsewhere is safe, for a POST too. A backend
// that fails once a request reached it is not retried (it may have acted):
// the client gets a 502, as from a real balancer.
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Balancer = {
  port: number;
  baseUrl: string;
  /** How many requests each backend answered, in the order given. */
  served: number[];
  close: () => Promise<void>;
};

export async function startBalancer(backends: { host?: string; port: number }[], port = 0): Promise<Balancer> {
  const agents = backends.map(() => new http.Agent({ keepAlive: true, maxSockets: 256 }));
  const served = backends.map(() => 0);
  let next = 0;

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, tried: number) => {
    const index = next++ % backends.length;
    const backend = backends[index];
    const upstream = http.request(
      {
        host: backend.host ?? "127.0.0.1",
        port: backend.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, "x-forwarded-for": req.socket.remoteAddress ?? "" },
        agent: agents[index],
      },
      (answer) => {
        served[index]++;
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED" && tried + 1 < backends.length) return forward(req, res, body, tried + 1);
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end("bad gateway");
      else res.destroy();
    });
    upstream.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => forward(req, res, Buffer.concat(chunks), 0));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    port: address.port,
    baseUrl: `http://127.0.0.1:${address.port}`,
    served,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      for (const agent of agents) agent.destroy();
    },
  };
}
