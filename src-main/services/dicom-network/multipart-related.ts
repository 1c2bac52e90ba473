/**
 * Splits a multipart/related body (RFC 2387, the WADO-RS answer) into its parts. No kept library
 * for this is installed (undici parses only multipart/form-data), and the format is small: parts
 * separated by CRLF "--boundary", each with headers, a blank line and its bytes, closed by "--boundary--".
 */
export interface MultipartPart {
  headers: Record<string, string>;
  body: Buffer;
}

export class MultipartError extends Error {}

/** The boundary parameter of a Content-Type header; null when it is not multipart/related or has none. */
export function boundaryOf(contentType: string | null): string | null {
  if (!contentType || !/^\s*multipart\/related\s*(;|$)/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2] ?? null;
  return boundary && boundary.length <= 70 ? boundary : null;
}

export function parseMultipartRelated(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  // The first delimiter may open the body or follow a preamble line.
  let at = body.indexOf(delimiter);
  if (at < 0 || (at > 0 && body.indexOf('\r\n--', at - 2, 'latin1') !== at - 2)) throw new MultipartError('no opening boundary');
  const parts: MultipartPart[] = [];
  for (;;) {
    const afterDelimiter = at + delimiter.length;
    if (body.toString('latin1', afterDelimiter, afterDelimiter + 2) === '--') return parts;
    if (body.toString('latin1', afterDelimiter, afterDelimiter + 2) !== '\r\n') throw new MultipartError('a boundary is not followed by a line break');
    const headerEnd = body.indexOf('\r\n\r\n', afterDelimiter, 'latin1');
    // A part without headers starts with the blank line at once.
    const emptyHeaders = body.toString('latin1', afterDelimiter, afterDelimiter + 4) === '\r\n\r\n';
    const bodyStart = emptyHeaders ? afterDelimiter + 4 : headerEnd + 4;
    if (!emptyHeaders && headerEnd < 0) throw new MultipartError('a part has no end of headers');
    const headers = emptyHeaders ? {} : parseHeaders(body.toString('latin1', afterDelimiter + 2, headerEnd));
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n', 'latin1'), delimiter]), bodyStart);
    if (next < 0) throw new MultipartError('the body ends inside a part (no closing boundary)');
    parts.push({ headers, body: body.subarray(bodyStart, next) });
    at = next + 2;
  }
}

function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MultipartError('a part header has no name');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}
