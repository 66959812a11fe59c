// The protocol's thread-id: `tid`, or `ppid.tid` with the multiprocess extension. Each part is a
// positive hex number, `-1` for all or `0` for any; `ppid` alone means every thread of pid.

export type ThreadSelector = number | 'all' | 'any';

export interface ThreadId {
  /** Present only in the multiprocess (`p`) form. */
  pid?: ThreadSelector;
  tid: ThreadSelector;
}

/** Largest pid or tid we accept; gdb and QEMU use small positive numbers. */
const MAX_ID = 0x7fffffff;

/** The thread-id in `text`, or undefined when it is not one. */
export function parseThreadId(text: string): ThreadId | undefined {
  if (!text.startsWith('p')) {
    const tid = parseSelector(text);
    return tid === undefined ? undefined : { tid };
  }
  const dot = text.indexOf('.');
  const pid = parseSelector(dot < 0 ? text.slice(1) : text.slice(1, dot));
  const tid = dot < 0 ? 'all' : parseSelector(text.slice(dot + 1));
  return pid === undefined || tid === undefined ? undefined : { pid, tid };
}

function parseSelector(text: string): ThreadSelector | undefined {
  if (text === '-1') return 'all';
  if (!/^[0-9a-fA-F]{1,8}$/.test(text)) return undefined;
  const value = parseInt(text, 16);
  if (value > MAX_ID) return undefined;
  return value === 0 ? 'any' : value;
}

/** `p01.01` (the form QEMU sends, two digits at least) or `01` without a pid. */
export function encodeThreadId(thread: ThreadId): string {
  const tid = encodeSelector(thread.tid);
  return thread.pid === undefined ? tid : `p${encodeSelector(thread.pid)}.${tid}`;
}

function encodeSelector(selector: ThreadSelector): string {
  if (selector === 'all') return '-1';
  if (selector === 'any') return '0';
  return selector.toString(16).padStart(2, '0');
}
