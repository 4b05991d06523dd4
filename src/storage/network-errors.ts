/**
 * Node socket, DNS and HTTP-client error codes, classified once for every backend by whether the
 * request can have reached the server. A commit's create-if-absent that failed with a code of the
 * first set certainly did not happen; one of the second set may have.
 */

/** Raised before a connection existed (refused, unknown or unreachable host): nothing was sent. */
export const NEVER_SENT_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "EADDRNOTAVAIL",
]);

/** Raised on an established connection or while sending: the request may have reached the server. */
export const CONNECTION_LOST_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ECONNABORTED",
  "ENETRESET",
  "ENETDOWN",
  "ESOCKETTIMEDOUT",
  "ERR_STREAM_PREMATURE_CLOSE",
  "UND_ERR_SOCKET",
  // @azure/core-rest-pipeline's name for a failure while the request was being sent
  "REQUEST_SEND_ERROR",
]);
