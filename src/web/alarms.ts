/**
 * The page's alarms (docs/alarms.md): the active/unacknowledged list, apart from a filterable,
 * paged history (source, robot, severity) read from GET /api/alerts. The list is fed by the
 * WebSocket `init` frame's `alarms` and by `alert` frames; every Acknowledge button names its
 * alarm ("Acknowledge robot-003 ISO zone D") and the state is written in words, not colour only.
 */
type Json = Record<string, any>;

export interface AlarmPageDeps {
  h(tag: string, attrs?: Record<string, string>, ...children: Array<Node | string | null | undefined>): HTMLElement;
  api(path: string, init?: RequestInit): Promise<{ status: number; body: Json }>;
  showOutcome(ok: boolean, text: string): void;
  robotIds(): string[];
  hms(ms: number): string;
  /** Called when the count of active unacknowledged alarms may have changed. */
  onCount(unackActive: number): void;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** The state in words (ISA-18.2). */
export function stateWords(a: Json, hms: (ms: number) => string): string {
  const at = (iso: string | null | undefined) => (iso ? hms(Date.parse(iso)) : '?');
  switch (a.state) {
    case 'UNACK_ACTIVE':
      return 'active, unacknowledged';
    case 'ACK_ACTIVE':
      return `active, acknowledged by ${a.acked_by ?? '?'} at ${at(a.acked_at)}`;
    case 'UNACK_RTN':
      return a.kind === 'event' ? 'event, unacknowledged' : `cleared at ${at(a.cleared_at)}, unacknowledged`;
    default:
      return a.acknowledged ? `normal (acknowledged by ${a.acked_by ?? '?'})` : 'normal';
  }
}

/** What the alarm is about, in a few words: "ISO zone D", "diagnosis inner race", "excursion". */
export function conditionWords(a: Json): string {
  const code = String(a.code ?? '');
  const zone = /^ISO20816_ZONE_([A-D])$/.exec(code);
  if (zone) return `ISO zone ${zone[1]}`;
  if (code.startsWith('DIAGNOSIS')) {
    const m = /^[^:]*:\s*([^(]+?)\s*\(/.exec(String(a.message ?? ''));
    return `diagnosis ${m ? m[1] : ''}`.trim();
  }
  const cr = /^CLEANROOM_(EXCURSION|COUNTER_FAULT|ENVIRONMENT)/.exec(code);
  if (cr) return cr[1]!.toLowerCase().replace('_', ' ');
  return code.toLowerCase().replace(/_/g, ' ');
}

/** Who the alarm is about: the robot, or for a robot's device its name, else the source. */
const subject = (a: Json): string => (a.robot_id && !String(a.source).includes('/') ? a.robot_id : a.source);

export function createAlarmPage(d: AlarmPageDeps) {
  const { h } = d;
  const alarms = new Map<string, Json>();
  const hist = { pages: [] as Array<number | null>, next: null as number | null, timer: 0 as number, loading: false };

  function render(): void {
    const list = [...alarms.values()].sort((x, y) => rank(x) - rank(y) || sev(y) - sev(x) || (y.ts > x.ts ? 1 : y.ts < x.ts ? -1 : 0));
    const labels = list.map((a) => `Acknowledge ${subject(a)} ${conditionWords(a)}`);
    // Two alarms could read the same: then the label says which source.
    labels.forEach((l, i) => {
      if (labels.indexOf(l) !== i || labels.lastIndexOf(l) !== i) labels[i] = `${l} (${list[i]!.source})`;
    });
    $('alarm-list').replaceChildren(
      ...(list.length
        ? list.map((a, i) => {
            const item = h('li', { class: `alarm ${a.severity} ${a.acknowledged ? 'acked' : 'unack'}`, 'data-alarm': a.alarm_id, 'data-state': a.state }, h('div', { class: 'head' }, h('span', { class: 'sev' }, String(a.severity).toUpperCase()), ' ', h('b', { class: 'who' }, subject(a)), ' ', h('span', { class: 'what' }, a.message)), h('div', { class: 'st' }, `${stateWords(a, d.hms)} · raised ${d.hms(Date.parse(a.raised_at))}${a.ack_comment ? ` · “${a.ack_comment}”` : ''}`));
            if (a.state === 'UNACK_ACTIVE' || a.state === 'UNACK_RTN') {
              const b = h('button', { type: 'button', class: 'ack', 'aria-label': labels[i]! }, 'Acknowledge') as HTMLButtonElement;
              b.onclick = () => void acknowledge(a, labels[i]!.replace(/^Acknowledge /, ''), b);
              item.append(b);
            }
            return item;
          })
        : [h('li', { class: 'muted' }, 'no active or unacknowledged alarms')]),
    );
    d.onCount(list.filter((a) => a.state === 'UNACK_ACTIVE').length);
  }

  const rank = (a: Json) => (a.state === 'UNACK_ACTIVE' ? 0 : a.state === 'UNACK_RTN' ? 1 : 2);
  const sev = (a: Json) => (a.severity === 'critical' ? 2 : a.severity === 'warning' ? 1 : 0);

  async function acknowledge(a: Json, what: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    const comment = $<HTMLInputElement>('ack-comment').value.trim();
    try {
      const { status, body } = await d.api(`/api/alerts/${encodeURIComponent(a.alarm_id)}/acknowledge`, { method: 'POST', body: JSON.stringify(comment ? { comment } : {}) });
      if (status === 200) {
        $<HTMLInputElement>('ack-comment').value = '';
        apply(body);
        d.showOutcome(true, `Acknowledged ${what}: ${stateWords(body, d.hms)}`);
      } else {
        button.disabled = false;
        d.showOutcome(false, `Acknowledge ${what} refused (${status} ${body.error?.code}): ${body.error?.message}`);
      }
    } catch (err) {
      button.disabled = false;
      d.showOutcome(false, `Acknowledge ${what}: gateway unreachable (${(err as Error).message})`);
    }
  }

  /** One alarm's new state: a clear keeps what was raised (code, message), with the new state. */
  function apply(ev: Json): void {
    if (!ev?.alarm_id) return;
    const prev = alarms.get(ev.alarm_id);
    if (ev.state === 'NORMAL') alarms.delete(ev.alarm_id);
    else if (prev && ev.kind === 'condition' && !ev.active && prev.active) alarms.set(ev.alarm_id, { ...prev, state: ev.state, active: false, cleared_at: ev.cleared_at, ts: ev.ts });
    else if (prev && ev.kind === 'condition' && !ev.active && !prev.active) alarms.set(ev.alarm_id, { ...prev, ...pick(ev) });
    else alarms.set(ev.alarm_id, ev);
  }
  const pick = (ev: Json) => ({ state: ev.state, acknowledged: ev.acknowledged, acked_by: ev.acked_by, acked_at: ev.acked_at, ack_comment: ev.ack_comment });

  // ---------------------------------------------------------------- history
  function query(before: number | null): string {
    const q = new URLSearchParams({ limit: '25' });
    for (const [k, id] of [['source', 'hf-source'], ['robot', 'hf-robot'], ['severity', 'hf-severity']] as const) {
      const v = $<HTMLSelectElement>(id).value;
      if (v) q.set(k, v);
    }
    if (before !== null) q.set('before', String(before));
    return `/api/alerts?${q}`;
  }

  async function loadHistory(before: number | null = hist.pages.at(-1) ?? null): Promise<void> {
    if (hist.loading) return;
    hist.loading = true;
    try {
      const { status, body } = await d.api(query(before));
      if (status !== 200) {
        $('history-status').textContent = `history not available (${status} ${body.error?.code ?? ''})`;
        return;
      }
      hist.next = body.next_before ?? null;
      const rows: Json[] = body.alerts ?? [];
      $('history-list').replaceChildren(
        ...(rows.length
          ? rows.map((a) => h('li', { class: `al ${a.severity}` }, h('span', { class: 'ts' }, d.hms(Date.parse(a.ts))), ' ', h('span', { class: 'sev' }, String(a.severity).toUpperCase()), ` · ${a.robot_id ?? a.source} · ${a.message} `, h('small', { class: 'st' }, `(${stateWords(a, d.hms)})`)))
          : [h('li', { class: 'muted' }, 'no alerts match')]),
      );
      $('history-status').textContent = `page ${hist.pages.length + 1}${rows.length ? ` · ${rows.length} events, newest first` : ''}`;
      $<HTMLButtonElement>('hf-older').disabled = hist.next === null;
      $<HTMLButtonElement>('hf-newer').disabled = hist.pages.length === 0;
    } catch {
      $('history-status').textContent = 'history not available (gateway unreachable)';
    } finally {
      hist.loading = false;
    }
  }

  function fillRobots(): void {
    const sel = $<HTMLSelectElement>('hf-robot');
    const ids = d.robotIds();
    if (sel.options.length === ids.length + 1) return;
    const value = sel.value;
    sel.replaceChildren(h('option', { value: '' }, 'all robots'), ...ids.map((id) => h('option', { value: id }, id)));
    sel.value = value;
  }

  function wire(): void {
    for (const id of ['hf-source', 'hf-robot', 'hf-severity']) {
      $(id).addEventListener('change', () => {
        hist.pages = [];
        void loadHistory(null);
      });
    }
    $('hf-older').onclick = () => {
      if (hist.next === null) return;
      hist.pages.push(hist.next);
      void loadHistory(hist.next);
    };
    $('hf-newer').onclick = () => {
      hist.pages.pop();
      void loadHistory();
    };
  }
  wire();

  return {
    /** The `init` frame: the alarms that are not normal. */
    init(list: Json[] | undefined): void {
      alarms.clear();
      for (const a of list ?? []) alarms.set(a.alarm_id, a);
      fillRobots();
      render();
      hist.pages = [];
      void loadHistory(null);
    },
    /** An `alert` frame. The history's first page follows new events (at most every 2 s). */
    onAlert(ev: Json): void {
      apply(ev);
      render();
      if (hist.pages.length === 0 && !hist.timer) {
        hist.timer = window.setTimeout(() => {
          hist.timer = 0;
          void loadHistory(null);
        }, 2000);
      }
    },
    render,
  };
}
