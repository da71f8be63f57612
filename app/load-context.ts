// What server.ts hands every loader and action besides the request.
declare module "@remix-run/node" {
  interface AppLoadContext {
    /** This response's Content-Security-Policy nonce. */
    cspNonce?: string;
    /** The client's address (behind a proxy only when TRUST_PROXY says so). */
    clientIp?: string | null;
    /**
     * A cart an action created in this request. A page posted without
     * JavaScript is drawn in the same request, before the browser has the new
     * cart cookie, so the header's cart count reads the cart from here.
     */
    cartCreatedThisRequest?: string;
    /**
     * Set when the page is drawn for the page cache (server/fast-lane.ts):
     * drawn whole before it is sent (onAllReady), with a nonce of this render
     * only (it marks the render's own scripts, which the stored page allows
     * by hash), from a request that carries only the address and the
     * language cookie.
     */
    pageCache?: boolean;
  }
}

export {};
