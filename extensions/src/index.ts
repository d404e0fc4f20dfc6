/**
 * Customs Risk Workbench in JupyterLab: a Launcher section with the shared templates (each opens
 * a form: create a notebook, or run it to a report) and a Profiles panel in the left sidebar.
 * The server side is the `workbench.lab` server extension (/workbench/api/...).
 */
import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { ILauncher } from '@jupyterlab/launcher';
import { LabIcon } from '@jupyterlab/ui-components';

import { ICreated, IReport, ITemplate, post, request } from './api';
import { TemplateForm } from './form';
import { ProfilesPanel } from './profiles';

const CATEGORY = 'Customs Risk Workbench';
const OPEN_TEMPLATE = 'workbench:open-template';
const OPEN_PROFILES = 'workbench:open-profiles';

const workbenchIcon = new LabIcon({
  name: 'customs-risk-workbench:icon',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24">' +
    '<path class="jp-icon3" fill="#616161" d="M12 2 3 6v6c0 5 3.8 9.7 9 10 5.2-.3 9-5 9-10V6l-9-4zm0 4.2' +
    ' 5 2.2V12c0 3.3-2.2 6.3-5 7-2.8-.7-5-3.7-5-7V8.4l5-2.2z"/></svg>'
});

function openPath(app: JupyterFrontEnd, path: string): Promise<unknown> {
  return app.commands.execute('docmanager:open', { path });
}

function addLauncherSection(
  app: JupyterFrontEnd,
  launcher: ILauncher,
  templates: ITemplate[]
): void {
  const byName = new Map(templates.map(t => [t.name, t]));
  const forms = new Map<string, MainAreaWidget<TemplateForm>>();

  app.commands.addCommand(OPEN_TEMPLATE, {
    label: args => byName.get(String(args['name']))?.title ?? 'Workbench template',
    caption: args => byName.get(String(args['name']))?.description ?? '',
    icon: workbenchIcon,
    execute: args => {
      const template = byName.get(String(args['name']));
      if (!template) {
        return;
      }
      const open = forms.get(template.name);
      if (open && !open.isDisposed) {
        app.shell.activateById(open.id);
        return;
      }
      const form = new TemplateForm(template, {
        createNotebook: async values => {
          const made = await post<ICreated>(
            `templates/${encodeURIComponent(template.name)}/notebook`,
            { parameters: values }
          );
          await openPath(app, made.path);
          return `created ${made.path}`;
        },
        runReport: async values => {
          const run = await post<IReport>(
            `templates/${encodeURIComponent(template.name)}/report`,
            { parameters: values }
          );
          await openPath(app, run.html);
          return run.ok
            ? `report ${run.html} (${run.seconds.toFixed(1)} s)`
            : `the template failed: ${run.failure?.error ?? 'see the report'} (${run.html})`;
        }
      });
      const widget = new MainAreaWidget({ content: form });
      widget.id = `${form.id}-tab`;
      widget.title.label = template.title;
      widget.title.icon = workbenchIcon;
      forms.set(template.name, widget);
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
    }
  });

  templates.forEach((template, rank) => {
    launcher.add({
      command: OPEN_TEMPLATE,
      args: { name: template.name },
      category: CATEGORY,
      rank
    });
  });
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'customs-risk-workbench:plugin',
  description: 'Customs Risk Workbench: template launcher and profiles panel.',
  autoStart: true,
  requires: [ILabShell],
  optional: [ILauncher],
  activate: (app: JupyterFrontEnd, shell: ILabShell, launcher: ILauncher | null) => {
    const panel = new ProfilesPanel();
    panel.title.icon = workbenchIcon;
    shell.add(panel, 'left', { rank: 600 });
    app.commands.addCommand(OPEN_PROFILES, {
      label: 'Workbench Profiles',
      execute: () => {
        if (panel.isVisible) {
          return panel.refresh();
        }
        shell.activateById(panel.id); // showing it loads it
        return Promise.resolve();
      }
    });

    if (launcher) {
      request<{ templates: ITemplate[] }>('templates')
        .then(found => addLauncherSection(app, launcher, found.templates))
        .catch((reason: unknown) => {
          console.error('Customs Risk Workbench: templates unavailable', reason);
        });
    }
  }
};

export default plugin;
