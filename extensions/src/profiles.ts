/**
 * The Profiles panel (left sidebar): profiles and target lists with status, validity, review date
 * and last hit rate against target; a selected one's spec and backtest; the lifecycle buttons.
 *
 * The buttons call the server, which applies the CLI's lifecycle rules (roles, four eyes); a
 * refusal is shown as the server words it. Buttons appear for approvers (and, for submit and
 * retire, for the version's own editors); the server decides.
 */
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import {
  Action,
  IBacktest,
  IDetail,
  IExported,
  IHitRate,
  IListRow,
  IOverview,
  IPerformance,
  IProfileRow,
  IUser,
  post,
  request,
  WorkbenchError
} from './api';

type Kind = 'profiles' | 'target-lists';
const ACTIONS: Action[] = ['submit', 'reject', 'approve', 'activate', 'retire'];
const SOURCES: Record<Action, string[]> = {
  submit: ['draft'],
  reject: ['submitted'],
  approve: ['submitted'],
  activate: ['approved'],
  retire: ['draft', 'submitted', 'approved', 'active']
};

function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function validity(row: { valid_from: string | null; valid_to: string | null }): string {
  return `${row.valid_from ?? '…'} – ${row.valid_to ?? '…'}`;
}

function errorText(reason: unknown): string {
  if (reason instanceof WorkbenchError) {
    return reason.where ? `${reason.message} (${reason.where})` : reason.message;
  }
  return reason instanceof Error ? reason.message : String(reason);
}

export class ProfilesPanel extends Widget {
  private user: IUser | null = null;
  private performance: Record<string, IHitRate> = {};
  private readonly header = el('div', 'wb-Profiles-header');
  private readonly message = el('div', 'wb-Profiles-message');
  private readonly lists = el('div', 'wb-Profiles-lists');
  private readonly detail = el('div', 'wb-Profiles-detail');

  constructor() {
    super();
    this.id = 'wb-profiles-panel';
    this.addClass('wb-Profiles');
    this.title.caption = 'Customs Risk Workbench: profiles and target lists';
    this.message.setAttribute('role', 'status');
    this.node.append(this.header, this.message, this.lists, this.detail);
  }

  /** The store is read each time the panel is shown, not when JupyterLab starts. */
  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.refresh();
  }

  /** Load (or reload) the lists, then the hit rates. */
  async refresh(): Promise<void> {
    try {
      const overview = await request<IOverview>('profiles');
      this.user = overview.user;
      this.renderHeader();
      this.renderLists(overview);
    } catch (reason) {
      this.say(errorText(reason), true);
      return;
    }
    try {
      const perf = await request<IPerformance>('profiles/performance');
      this.performance = perf.profiles;
      for (const [id, rate] of Object.entries(this.performance)) {
        const cell = this.lists.querySelector<HTMLElement>(
          `.wb-Profiles-row[data-kind="profiles"][data-id="${CSS.escape(id)}"]` +
            `[data-version="${rate.version}"] .wb-hit-rate`
        );
        if (cell) {
          cell.textContent = this.hitRateText(rate);
          cell.classList.toggle('wb-mod-missed', rate.meets_target === false);
        }
      }
    } catch (reason) {
      this.say(`hit rates: ${errorText(reason)}`, true);
    }
  }

  private say(text: string, error: boolean): void {
    this.message.textContent = text;
    this.message.classList.toggle('wb-mod-error', error);
  }

  private hitRateText(rate: IHitRate | undefined): string {
    if (!rate) {
      return '—';
    }
    const last = rate.last_month_hit_rate ?? rate.hit_rate;
    return `${pct(last)} / ${pct(rate.target_hit_rate)}${rate.flagged ? ' ⚑' : ''}`;
  }

  private renderHeader(): void {
    this.header.replaceChildren();
    const who = el(
      'div',
      'wb-Profiles-user',
      this.user ? `${this.user.name} (${this.user.roles.join(', ')})` : ''
    );
    const refresh = el('button', 'jp-mod-styled wb-refresh', 'Refresh');
    refresh.addEventListener('click', () => void this.refresh());
    const exportButton = el('button', 'jp-mod-styled wb-export', 'Export live…');
    exportButton.title = 'Sign a bundle of the live profiles and lists for the targeting system';
    exportButton.addEventListener('click', () => void this.exportLive());
    this.header.append(who, refresh, exportButton);
  }

  /** One section of rows: each row a headline (id, version, status) and a line of facts. */
  private section(
    title: string,
    kind: Kind,
    rows: { id: string; version: number; head: string; status: string; facts: (string | HTMLElement)[] }[]
  ): HTMLElement {
    const section = el('section', `wb-Profiles-section wb-${kind}`);
    section.appendChild(el('h3', '', title));
    if (rows.length === 0) {
      section.appendChild(el('p', 'wb-empty', 'none in the store'));
    }
    for (const row of rows) {
      const item = el('div', 'wb-Profiles-row');
      item.dataset.id = row.id;
      item.dataset.kind = kind;
      item.dataset.version = String(row.version);
      item.setAttribute('role', 'button');
      item.tabIndex = 0;
      const head = el('div', 'wb-Profiles-rowHead');
      head.append(
        el('span', 'wb-Profiles-id', row.head),
        el('span', `wb-status wb-status-${row.status}`, row.status)
      );
      const facts = el('div', 'wb-Profiles-facts');
      row.facts.forEach((fact, index) => {
        if (index > 0) {
          facts.append(' · ');
        }
        facts.append(fact);
      });
      item.append(head, facts);
      item.addEventListener('click', () => void this.open(kind, row.id));
      item.addEventListener('keydown', event => {
        if (event.key === 'Enter') {
          void this.open(kind, row.id);
        }
      });
      section.appendChild(item);
    }
    return section;
  }

  private renderLists(overview: IOverview): void {
    const profiles = overview.profiles.map((p: IProfileRow) => {
      const known = this.performance[p.profile_id];
      const rate = el(
        'span',
        'wb-hit-rate',
        this.hitRateText(known && known.version === p.version ? known : undefined)
      );
      rate.title = 'hit rate in the last month of data / target';
      return {
        id: p.profile_id,
        version: p.version,
        head: `${p.profile_id} v${p.version}`,
        status: p.effective_status,
        facts: [`valid ${validity(p)}`, `review ${p.review_on ?? '—'}`, rate]
      };
    });
    const lists = overview.target_lists.map((t: IListRow) => ({
      id: t.list_id,
      version: t.version,
      head: `${t.list_id} v${t.version}`,
      status: t.effective_status,
      facts: [`valid ${validity(t)}`, `review ${t.review_on ?? '—'}`, `${t.entries} entries`]
    }));
    this.lists.replaceChildren(
      this.section('Profiles', 'profiles', profiles),
      this.section('Target lists', 'target-lists', lists)
    );
  }

  private async open(kind: Kind, id: string): Promise<void> {
    for (const row of this.lists.querySelectorAll('.wb-Profiles-row.wb-mod-selected')) {
      row.classList.remove('wb-mod-selected');
    }
    this.lists
      .querySelector(`.wb-Profiles-row[data-kind="${kind}"][data-id="${CSS.escape(id)}"]`)
      ?.classList.add('wb-mod-selected');
    this.detail.replaceChildren(el('p', 'wb-loading', `loading ${id}…`));
    try {
      const item = await request<IDetail>(`${kind}/${encodeURIComponent(id)}`);
      this.renderDetail(kind, item);
      if (kind === 'profiles') {
        await this.loadBacktest(item);
      }
    } catch (reason) {
      this.detail.replaceChildren(el('p', 'wb-mod-error', errorText(reason)));
    }
  }

  private renderDetail(kind: Kind, item: IDetail): void {
    const box = el('div', 'wb-Detail');
    box.dataset.id = item.id;
    box.appendChild(el('h3', '', `${item.id} v${item.version} — ${item.title}`));
    box.appendChild(
      el(
        'p',
        'wb-Detail-status',
        `status ${item.effective_status}` +
          (item.flags.length ? ` (${item.flags.join('; ')})` : '') +
          ` · author ${item.author} · approver ${item.approved_by ?? '—'}`
      )
    );
    const actions = this.actionBar(kind, item);
    if (actions) {
      box.appendChild(actions);
    }
    box.appendChild(el('div', 'wb-Backtest'));
    const spec = el('details', 'wb-Detail-spec');
    spec.open = true;
    spec.appendChild(el('summary', '', 'spec'));
    spec.appendChild(el('pre', '', JSON.stringify(item.spec, null, 2)));
    box.appendChild(spec);
    this.detail.replaceChildren(box);
  }

  private mayPress(action: Action, item: IDetail): boolean {
    if (!this.user || !SOURCES[action].includes(item.status)) {
      return false;
    }
    const approver = this.user.roles.includes('approver');
    const editor = item.editors.includes(this.user.name);
    return approver || ((action === 'submit' || action === 'retire') && editor);
  }

  private actionBar(kind: Kind, item: IDetail): HTMLElement | null {
    const allowed = ACTIONS.filter(action => this.mayPress(action, item));
    if (allowed.length === 0) {
      return null;
    }
    const bar = el('div', 'wb-Detail-actions');
    const reason = el('input', 'wb-reason');
    reason.placeholder = 'reason (recorded with the change)';
    reason.setAttribute('aria-label', 'reason');
    bar.appendChild(reason);
    for (const action of allowed) {
      const button = el('button', `jp-mod-styled wb-action wb-action-${action}`, action);
      button.addEventListener('click', () => void this.move(kind, item, action, reason.value));
      bar.appendChild(button);
    }
    return bar;
  }

  private async move(kind: Kind, item: IDetail, action: Action, reason: string): Promise<void> {
    try {
      const after = await post<IDetail>(`${kind}/${encodeURIComponent(item.id)}/${action}`, {
        reason,
        version: item.version
      });
      this.say(`${after.id} v${after.version} is now ${after.status}`, false);
      await this.refresh();
      await this.open(kind, item.id);
    } catch (failure) {
      this.say(`${action} refused: ${errorText(failure)}`, true);
    }
  }

  private async loadBacktest(item: IDetail): Promise<void> {
    const box = this.detail.querySelector<HTMLElement>('.wb-Backtest');
    if (!box) {
      return;
    }
    box.textContent = 'backtesting the last 6 months of data…';
    try {
      const result = await request<IBacktest>(
        `profiles/${encodeURIComponent(item.id)}/backtest?version=${item.version}`
      );
      const p = result.profile;
      box.replaceChildren(
        el('h4', '', `backtest ${result.window.from} – ${result.window.to}`),
        el(
          'p',
          'wb-Backtest-summary',
          p
            ? `${p.hits.toLocaleString()} hits of ${result.declarations.toLocaleString()} declarations · ` +
                `${p.examined.toLocaleString()} examined · ${p.positives.toLocaleString()} positive · ` +
                `hit rate ${pct(p.hit_rate)} (target ${pct(p.target_hit_rate)}) · lift ${p.lift ?? '—'} · ` +
                `detection ${pct(p.detection_rate)}`
            : 'no result'
        ),
        ...result.warnings.map(w => el('p', 'wb-warning', w))
      );
    } catch (reason) {
      box.replaceChildren(el('p', 'wb-mod-error', `backtest: ${errorText(reason)}`));
    }
  }

  private async exportLive(): Promise<void> {
    const reason = window.prompt('Why export now? (recorded in the audit log)');
    if (!reason) {
      return;
    }
    try {
      const done = await post<IExported>('export', { reason });
      this.say(
        `bundle ${done.bundle_id}${done.created ? '' : ' (unchanged)'}: ` +
          `${done.profiles.length} profiles, ${done.lists.length} lists`,
        false
      );
    } catch (failure) {
      this.say(`export refused: ${errorText(failure)}`, true);
    }
  }
}
