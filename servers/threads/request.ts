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
  if (headers === null) return new MethodAndUrl(method, url) as unknown as Request;
  const given = headers;
  let real: Request | null = null;
  let headerList: Headers | null = null;
  const materialize = () => real ??= new Request(url, { method, headers: given });
  const target = Object.create(Request.prototype) as Request;
  return new Proxy(target, {
    get(_target, key) {
      if (key === "method") return method;
      if (key === "url") return url;
      // A Request is not a thenable: `await request` must not build one.
      if (key === "then") return undefined;
      if (key === "headers") return headerList ??= real ? real.headers : new Headers(given);
      const request = materialize();
      const value = Reflect.get(request, key, request);
      return typeof value === "function" ? value.bind(request) : value;
    },
    has(_target, key) {
      return key in Request.prototype;
    },
  });
}

/** A pool worker's handler read more of a request than its method and URL, all it was given. */
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

/**
 * A request that is only a method and a URL: one object, no proxy (the threads model's
 * workers get one per request). It is an `instanceof Request`, and every other part of a
 * `Request` throws {@link HeadersNotPassedError}.
 */
class MethodAndUrl {
  method: string;
  url: string;

  constructor(method: string, url: string) {
    this.method = method;
    this.url = url;
  }

  /** How `console.log` shows it (Deno's inspector would read the parts that throw). */
  [Symbol.for("Deno.privateCustomInspect")](): string {
    return `Request { method: ${JSON.stringify(this.method)}, url: ${JSON.stringify(this.url)} }`;
  }
}

const notPassed: PropertyDescriptorMap = {};
// String keys only: the symbol-keyed ones are Deno's internals (its inspector reads some).
for (const key of Object.getOwnPropertyNames(Request.prototype)) {
  if (key === "constructor" || key === "method" || key === "url") continue;
  const described = Object.getOwnPropertyDescriptor(Request.prototype, key)!;
  const fail = () => {
    throw new HeadersNotPassedError(key);
  };
  notPassed[key] = described.get ? { get: fail } : { value: fail };
}
Object.setPrototypeOf(
  MethodAndUrl.prototype,
  Object.create(Request.prototype, notPassed),
);
