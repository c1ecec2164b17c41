import crypto from 'node:crypto';

// A request id ties an api request to the workflow it started and the activities that workflow
// ran: the api takes it from X-Request-Id (or makes one), puts it in the workflow's memo, the
// workflow interceptor (workflows/interceptors.ts) hands it to each activity in a header, and
// the worker's activity interceptor (worker/request-id.ts) adds it to every activity log line.

/** A caller's X-Request-Id is kept when it is a plain token; anything else gets a fresh id. */
export function requestIdFrom(given: string | undefined): string {
  return given && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : crypto.randomUUID();
}
