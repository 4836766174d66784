/** Quotes untrusted text for an error message, cut short so a huge input cannot flood a log. */
export function quote(text: string, max = 64): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text)
}
