/** The parsed form body as a plain record ({} when there is none). */
export function formFields(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null ? Object.fromEntries(Object.entries(body)) : {};
}
