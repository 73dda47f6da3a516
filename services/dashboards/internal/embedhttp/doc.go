// Package embedhttp is the HTTP side of the embeds (badges and widgets) that
// ministries put on their own sites: the frame-ancestors allowlist, the
// embed Content-Security-Policy, and cheap cacheable responses.
//
// # Design note: Serve must be cheap
//
// Badges are fetched by every page view of every ministry page that shows
// one, so the embed handlers are benchmarked against a bare gin handler that
// writes a fixed SVG. The targets are a throughput ratio of at least 0.7 for
// a full 200 response and at least 0.9 for the 304 path. To stay inside them:
//
//   - Hash once per body, not once per request. NewCached computes the
//     SHA-256 ETag when the content changes; callers keep the Cached value
//     (for instance next to the data it was rendered from) and call
//     ServeCached for each request. Serve is the convenience form that
//     hashes on every call and is meant for rarely requested content.
//   - ServeCached does no rendering, no allocation proportional to the body,
//     and no header canonicalisation: it assigns the canonical header keys
//     directly and writes the stored bytes.
//   - The If-None-Match check scans the header in place (no splitting into
//     slices), and the 304 path writes no body and no Content-Type.
//   - A Policy builds its header value once per change of the allowlist, not
//     per request: the middleware does one atomic load.
//
// The benchmarks in bench_test.go measure exactly these paths against the
// bare handler; run them with
//
//	go test -run '^$' -bench . ./internal/embedhttp
//
// # Caching
//
// Cache-Control is "public, max-age=30": embeds are public, and a status
// must not look stale for more than a minute after the working group agrees
// an update. The ETag is strong (it is a hash of the exact bytes), so a
// changed body always gets a new ETag and a full response. When a body
// depends on a request header (Accept-Language, say), the caller must also
// set Vary for that header.
package embedhttp
