// Test helpers: one char per byte both ways, so binary payloads read as written.

/** The bytes of `text`, one per char (chars above 0xff are a test bug). */
export function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => {
    const code = c.charCodeAt(0);
    if (code > 0xff) throw new Error(`latin1Bytes: char ${code} does not fit a byte`);
    return code;
  });
}

/** `bytes` as a string, one char per byte. */
export function latin1Text(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => String.fromCharCode(b)).join('');
}

/** `$payload#cs` with the checksum computed here, independently of the encoder under test. */
export function frame(body: string): string {
  let sum = 0;
  for (const c of body) sum = (sum + c.charCodeAt(0)) & 0xff;
  return `$${body}#${sum.toString(16).padStart(2, '0')}`;
}
