// The objects gdb can read with qXfer:OBJECT:read:ANNEX:offset,length. qSupported advertises exactly these.
import { SessionError } from './session-error.js';
import type { HandlerContext } from './handler-context.js';
import { buildThreadsXml } from './threads.js';

export interface QXferObject {
  readonly object: string;
  /** The whole document for `annex`; throws SessionError('UnknownAnnex') for an annex it does not have. */
  read(annex: string, session: HandlerContext): string;
}

function onlyAnnex(object: string, annex: string, allowed: readonly string[]): void {
  if (!allowed.includes(annex)) throw new SessionError('UnknownAnnex', `qXfer:${object} has no annex '${annex}'`);
}

export const qXferObjects: readonly QXferObject[] = [
  {
    object: 'features',
    read: (annex, s) => {
      const document = s.target.targetDescription.get(annex);
      if (document === undefined) throw new SessionError('UnknownAnnex', `no target description document '${annex}'`);
      return document;
    },
  },
  {
    object: 'memory-map',
    read: (annex, s) => (onlyAnnex('memory-map', annex, ['']), s.target.memoryMapXml),
  },
  {
    object: 'threads',
    read: (annex, s) => (onlyAnnex('threads', annex, ['']), buildThreadsXml(s.target.describeCpu())),
  },
  {
    // The annex is the pid in hex (or empty for the current process): ours is 1.
    object: 'exec-file',
    read: (annex, s) => (onlyAnnex('exec-file', annex, ['', '1']), s.target.imagePath),
  },
];

/** The qXfer object named `object`, if we have it. */
export function findQXferObject(object: string): QXferObject | undefined {
  return qXferObjects.find((o) => o.object === object);
}
