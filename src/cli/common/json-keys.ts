/**
 * The one naming convention of every tool's `--json` (docs/json-output.md): camelCase keys spelled
 * out in full, the names the messaging API and qpid-config's JSON use (`autoDelete`, `messagesIn`,
 * `contentType`). qpid-stat's column heads are Qpid's abbreviations for a narrow terminal; its JSON
 * spells them out through this table.
 */
const SPELLED_OUT: Readonly<Record<string, string>> = {
  dur: 'durable',
  autoDel: 'autoDelete',
  AutoDelete: 'autoDelete',
  excl: 'exclusive',
  msg: 'messages',
  msgIn: 'messagesIn',
  msgOut: 'messagesOut',
  msgDrop: 'messagesDropped',
  byteIn: 'bytesIn',
  byteOut: 'bytesOut',
  byteDrop: 'bytesDropped',
  bind: 'bindings',
  dynBind: 'dynamicBindings',
  cons: 'consumers',
  conn: 'connection',
  subscr: 'subscription',
  cproc: 'clientProcess',
  cpid: 'clientPid',
  mech: 'mechanism',
  auth: 'user',
  sessUnacked: 'sessionUnacked',
  procName: 'processName',
  procId: 'processId',
};

/** `autoDel` → `autoDelete`, `Broker Summary:` → `brokerSummary`, `client-addr` → `clientAddr`. */
export function jsonKey(label: string): string {
  // --watch rate columns: `msgIn/s` → `messagesInPerSecond`.
  if (label.endsWith('/s')) return `${jsonKey(label.slice(0, -2))}PerSecond`;
  const known = SPELLED_OUT[label];
  if (known !== undefined) return known;
  const words = label
    .replace(/:$/, '')
    .split(/[\s_-]+/)
    .filter((w) => w !== '');
  return words
    .map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1)))
    .join('');
}
