/**
 * The request a pool worker hands its handler: a `Request` built only when the handler needs
 * more than its method, URL and headers.
 *
 * `new Request()` costs Deno several microseconds (about twice a whole `GET /` on the async
 * model), while the application reads only `method` and `url`. `Deno.serve` gives the async
 * model's handler a request whose parts are read on first use; this gives a pool worker's
 * handler the same: `method` and `url` are the strings that came through the slot, `headers` a
 * `Headers` made on first read, and anything else (`signal`, `clone()`, ...) comes from a real
 * `Request` built at that moment.
 *
 * @module
 */

/**
 * A request for `method url` with `headers`, behaving as `new Request(url, {method, headers})`
 * (it is an `instanceof Request`). Throws, as that would, only when a part beyond method, URL
 * and headers is read and the URL is invalid.
 *
 * `headers` null means the pool did not pass them on (see `ThreadPoolOptions.requestHeaders`):
 * then reading anything but `method` and `url` throws an error that says so, rather than
 * showing the handler a request without headers.
 */
export function lazyRequest(
  method: string,
  url: string,
  headers: [string, string][] | null,
): Request {
  let real: Request | null = null;
  let headerList: Headers | null = null;
  const materialize = () => real ??= new Request(url, { method, headers: headers ?? [] });
  const target = Object.create(Request.prototype) as Request;
  return new Proxy(target, {
    get(_target, key) {
      if (key === "method") return method;
      if (key === "url") return url;
      // A Request is not a thenable: `await request` must not build one.
      if (key === "then") return undefined;
      if (headers === null) throw new HeadersNotPassedError(key);
      if (key === "headers") return headerList ??= real ? real.headers : new Headers(headers);
      const request = materialize();
      const value = Reflect.get(request, key, request);
      return typeof value === "function" ? value.bind(request) : value;
    },
    has(_target, key) {
      return key in Request.prototype;
    },
  });
}

/** A pool worker's handler read more of a request than its method and URL, which were all it got. */
export class HeadersNotPassedError extends Error {
  override name = "HeadersNotPassedError";

  /** `key`: what the handler read. */
  constructor(key: string | symbol) {
    super(
      `request.${String(key)}: this thread pool hands its workers only each request's method ` +
        "and URL; create it with requestHeaders: true for the rest",
    );
  }
}
