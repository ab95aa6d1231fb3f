// Client request ids: a write is applied once however often it is sent. The contract client gives every
// request an id (`rid` on the wire) and sends a request again, with the same id, when its answer was lost
// (the connection dropped, the engine restarted). The host remembers the first answer to each write:
//   - in memory while it runs (a repeat arriving while the first is still being applied waits for it), and
//   - in the project file (`meta`, the newest 200), so a retry that reaches a RESTARTED engine — after a
//     crash that lost the answer but not the committed write — gets the first answer too.
// The one gap: a crash after the write committed and before its id was stored (two statements apart).
import type { Channel } from '../../../shared/contract';
import { EngineError } from '../../../shared/errors';
import type { ProjectStore } from '../../store/project';
import { remember } from './context';

/** Requests that change the project (or start work that does). Reads repeat harmlessly and are not remembered. */
export const WRITE_CHANNELS: ReadonlySet<string> = new Set<string>([
  'project:create', 'model:add', 'model:embed', 'model:addDefault', 'model:remove', 'model:setPreprocess', 'model:setLabels',
  'photo:add', 'photo:remove', 'run:classify', 'run:activations', 'run:dream', 'run:attribute', 'run:remove', 'run:resume',
  'job:start', 'dataset:add',
]);

export class RequestLog {
  private readonly recent = new Map<string, { channel: string; answer: Promise<unknown> }>();

  async once(project: () => ProjectStore | null, channel: Channel, rid: string | undefined, apply: () => Promise<unknown>): Promise<unknown> {
    if (!rid || !WRITE_CHANNELS.has(channel)) return apply();
    const mem = this.recent.get(rid);
    if (mem) return sameChannel(mem.channel, channel, rid, () => mem.answer);
    const store = project();
    const stored = store?.requestAnswer(rid);
    if (stored) {
      return sameChannel(stored.channel, channel, rid, () => {
        if (!('result' in stored)) throw new EngineError('already-applied', `This ${channel} request was already applied; its answer was too large to keep. Reload to see the result.`);
        return stored.result;
      });
    }
    const answer = apply();
    remember(this.recent, rid, { channel, answer }, 500);
    try {
      const result = await answer;
      // stored with the project the write went to (project:create has none before it runs)
      const target = project() ?? store;
      if (target?.isOpen) target.rememberRequest(rid, channel, result ?? null);
      return result;
    } catch (e) {
      // a failed write changed nothing: a retry may try again
      this.recent.delete(rid);
      throw e;
    }
  }
}

function sameChannel<T>(first: string, now: string, rid: string, answer: () => T): T {
  if (first !== now) throw new EngineError('bad-args', `request id ${rid} was already used for ${first}, not ${now}`);
  return answer();
}
