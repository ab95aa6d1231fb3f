// WebSocket-frame cases (oversize, invalid UTF-8, binary where text is expected, floods) go HERE, one
// HostileCase each with kind 'frame': run() talks to a bridge started by the case (or a helper beside this
// file) and `error` / `ok` say what the bridge must answer. The runner picks this table up like the others.
import type { HostileCase } from './case';

export const FRAME_CASES: HostileCase[] = [];
