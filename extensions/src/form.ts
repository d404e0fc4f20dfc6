/**
 * The form a template's parameters make: one field per parameter (type, default, description),
 * and two actions — create a notebook, or run it to a report.
 */
import { Widget } from '@lumino/widgets';

import { ITemplate, ITemplateParameter, Scalar, WorkbenchError } from './api';

export interface IFormActions {
  createNotebook(values: Record<string, string>): Promise<string>;
  runReport(values: Record<string, string>): Promise<string>;
}

function asText(value: Scalar | Scalar[]): string {
  if (value === null) {
    return '';
  }
  if (Array.isArray(value)) {
    return value.map(v => (v === null ? '' : String(v))).join(',');
  }
  return String(value);
}

function field(param: ITemplateParameter): HTMLInputElement | HTMLSelectElement {
  const initial = asText(param.default);
  if (param.choices && param.choices.length > 0) {
    const select = document.createElement('select');
    if (param.nullable) {
      select.appendChild(new Option('(none)', ''));
    }
    for (const choice of param.choices) {
      const text = asText(choice);
      select.appendChild(new Option(text, text, false, text === initial));
    }
    select.value = initial;
    return select;
  }
  const input = document.createElement('input');
  switch (param.type) {
    case 'boolean':
      input.type = 'checkbox';
      input.checked = param.default === true;
      return input;
    case 'integer':
      input.type = 'number';
      input.step = '1';
      break;
    case 'number':
      input.type = 'number';
      input.step = 'any';
      break;
    case 'date':
      input.type = 'date';
      break;
    default:
      input.type = 'text';
      if (param.type.endsWith('[]')) {
        input.placeholder = 'a,b,c';
      }
  }
  input.value = initial;
  if (param.nullable) {
    input.placeholder = input.placeholder || 'empty: none';
  }
  return input;
}

/** The form of one template, in the main area. */
export class TemplateForm extends Widget {
  private readonly fields = new Map<string, HTMLInputElement | HTMLSelectElement>();
  private readonly status: HTMLElement;
  private readonly buttons: HTMLButtonElement[] = [];

  constructor(
    readonly template: ITemplate,
    private readonly actions: IFormActions
  ) {
    super();
    this.addClass('wb-TemplateForm');
    this.id = `wb-template-${template.name}`;
    this.title.label = template.title;
    this.title.closable = true;

    const node = this.node;
    const heading = document.createElement('h2');
    heading.textContent = template.title;
    node.appendChild(heading);
    const about = document.createElement('p');
    about.className = 'wb-TemplateForm-description';
    about.textContent =
      `${template.description} (${template.name}` +
      `${template.version ? `, version ${template.version}` : ''}, ${template.source})`;
    node.appendChild(about);

    const form = document.createElement('form');
    form.addEventListener('submit', event => event.preventDefault());
    for (const param of template.parameters) {
      const row = document.createElement('div');
      row.className = 'wb-TemplateForm-row';
      const label = document.createElement('label');
      const input = field(param);
      input.name = param.name;
      input.id = `${this.id}-${param.name}`;
      input.dataset.type = param.type;
      label.htmlFor = input.id;
      label.textContent = param.name;
      const kind = document.createElement('span');
      kind.className = 'wb-TemplateForm-type';
      kind.textContent = param.type + (param.nullable ? ' or none' : '');
      const help = document.createElement('div');
      help.className = 'wb-TemplateForm-help';
      help.textContent = param.description;
      row.append(label, input, kind, help);
      form.appendChild(row);
      this.fields.set(param.name, input);
    }
    node.appendChild(form);

    const bar = document.createElement('div');
    bar.className = 'wb-TemplateForm-actions';
    bar.append(
      this.button('Create notebook', 'wb-create-notebook', values =>
        this.actions.createNotebook(values)
      ),
      this.button('Run to report', 'wb-run-report', values =>
        this.actions.runReport(values)
      )
    );
    node.appendChild(bar);
    this.status = document.createElement('div');
    this.status.className = 'wb-TemplateForm-status';
    this.status.setAttribute('role', 'status');
    node.appendChild(this.status);
  }

  /** The values as the server reads them: text (empty for none), 'true'/'false'. */
  values(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, input] of this.fields) {
      out[name] =
        input instanceof HTMLInputElement && input.type === 'checkbox'
          ? String(input.checked)
          : input.value.trim();
    }
    return out;
  }

  private button(
    label: string,
    className: string,
    run: (values: Record<string, string>) => Promise<string>
  ): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `jp-mod-styled jp-mod-accept ${className}`;
    button.textContent = label;
    button.addEventListener('click', () => {
      void this.perform(label, run);
    });
    this.buttons.push(button);
    return button;
  }

  private async perform(
    label: string,
    run: (values: Record<string, string>) => Promise<string>
  ): Promise<void> {
    this.setBusy(true);
    this.report(`${label}…`, false);
    try {
      this.report(await run(this.values()), false);
    } catch (reason) {
      const where =
        reason instanceof WorkbenchError && reason.where ? ` (${reason.where})` : '';
      const message = reason instanceof Error ? reason.message : String(reason);
      this.report(message + where, true);
    } finally {
      this.setBusy(false);
    }
  }

  private setBusy(busy: boolean): void {
    for (const button of this.buttons) {
      button.disabled = busy;
    }
  }

  private report(text: string, error: boolean): void {
    this.status.textContent = text;
    this.status.classList.toggle('wb-mod-error', error);
  }
}
