/**
 * The server extension's API (/workbench/api/...), typed as the handlers answer it.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export type ParamType =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'date'
  | 'string[]'
  | 'number[]';

export type Scalar = string | number | boolean | null;

export interface ITemplateParameter {
  name: string;
  type: ParamType;
  description: string;
  default: Scalar | Scalar[];
  nullable: boolean;
  choices?: Scalar[];
}

export interface ITemplate {
  name: string;
  title: string;
  description: string;
  version: string | null;
  source: string;
  parameters: ITemplateParameter[];
}

export interface ICreated {
  path: string;
  template: string;
  parameters: Record<string, unknown>;
}

export interface IReport {
  ok: boolean;
  html: string;
  notebook: string;
  status: string;
  seconds: number;
  failure: { error: string } | null;
}

export interface IUser {
  name: string;
  roles: string[];
}

export interface IRow {
  version: number;
  status: string;
  effective_status: string;
  flags: string[];
  title: string;
  valid_from: string | null;
  valid_to: string | null;
  review_on: string | null;
  author: string;
  approved_by: string | null;
}

export interface IProfileRow extends IRow {
  profile_id: string;
  lane: string;
}

export interface IListRow extends IRow {
  list_id: string;
  kind: string;
  entries: number;
}

export interface IOverview {
  user: IUser;
  profiles: IProfileRow[];
  target_lists: IListRow[];
}

export interface IHitRate {
  version: number;
  hit_rate: number | null;
  target_hit_rate: number | null;
  meets_target: boolean | null;
  last_month: string | null;
  last_month_hit_rate: number | null;
  flagged: string | null;
}

export interface IPerformance {
  window: { from: string; to: string } | null;
  profiles: Record<string, IHitRate>;
}

export type Action = 'submit' | 'reject' | 'approve' | 'activate' | 'retire';

export interface IDetail {
  id: string;
  kind: 'profile' | 'target_list';
  version: number;
  status: string;
  effective_status: string;
  flags: string[];
  title: string;
  spec: Record<string, unknown>;
  author: string;
  editors: string[];
  approved_by: string | null;
  may: Record<Action, boolean>;
}

export interface IBacktest {
  window: { from: string; to: string };
  declarations: number;
  profile: {
    hits: number;
    examined: number;
    positives: number;
    hit_rate: number | null;
    lift: number | null;
    detection_rate: number | null;
    revenue: number;
    target_hit_rate: number | null;
    meets_target: boolean | null;
  } | null;
  label_bias: string;
  warnings: string[];
}

export interface IExported {
  bundle_id: string;
  created: boolean;
  profiles: string[];
  lists: string[];
}

/** An error the server explained: what, where, and the HTTP status. */
export class WorkbenchError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly where: string | null
  ) {
    super(message);
  }
}

interface IErrorBody {
  error?: { message?: string; where?: string };
  message?: string;
}

/** Call /workbench/api/<path>; the parsed JSON, or a WorkbenchError. */
export async function request<T>(
  path: string,
  init: RequestInit = {}
): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'workbench', 'api', path);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (reason) {
    throw new WorkbenchError(`the server did not answer: ${String(reason)}`, 0, null);
  }
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const body = (data ?? {}) as IErrorBody;
    const message =
      body.error?.message ?? body.message ?? `${response.status} ${response.statusText}`;
    throw new WorkbenchError(message, response.status, body.error?.where ?? null);
  }
  return data as T;
}

export function post<T>(path: string, body: unknown): Promise<T> {
  return request<T>(path, { method: 'POST', body: JSON.stringify(body) });
}
