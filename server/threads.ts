// The guest has one CPU, which gdb sees as one thread (id 1) of one process. No multiprocess extension:
// thread-ids go on the wire as plain `01`.
import type { ThreadId, ThreadSelector } from '../protocol/thread-id.js';

export const GUEST_THREAD: ThreadId = { tid: 1 };

/** Whether a thread-id from gdb names our thread (its number, "any" or "all"; a pid, if given, must be ours too). */
export function selectsGuestThread(thread: ThreadId): boolean {
  const ours = (s: ThreadSelector) => s === 'any' || s === 'all' || s === 1;
  return ours(thread.tid) && (thread.pid === undefined || ours(thread.pid));
}

/** qXfer:threads:read: the thread list, with the name gdb shows in `info threads`. */
export function buildThreadsXml(description: string): string {
  const escaped = description.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  return `<?xml version="1.0"?>\n<threads>\n  <thread id="1" core="0" name="cpu0">${escaped}</thread>\n</threads>\n`;
}
